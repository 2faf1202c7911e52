// `mitra import lots FILE`: COA rows → lots, with a row-by-row report of what was rejected.

#include <map>

#include <nlohmann/json.hpp>

#include "api/catalog/check_product.hpp"
#include "api/catalog/coa.hpp"
#include "api/clinical_mapping.hpp"
#include "app/app.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "storage/open_storage.hpp"

namespace mitra::app {
namespace {

std::string ResolveOrg(core::UnitOfWork& uow, const std::string& org) {
    if (auto by_id = uow.Organizations().FindById(org)) {
        return by_id->id;
    }
    if (auto by_name = uow.Organizations().FindByName(org)) {
        return by_name->id;
    }
    throw ValidationError("org", "no organization with id or name '" + org + "'");
}

std::optional<core::Product> FindProduct(const std::vector<core::Product>& products,
                                         const std::string& key) {
    for (const auto& p : products) {
        if (p.id == key || p.name == key) {
            return p;
        }
    }
    return std::nullopt;
}

}  // namespace

int ImportLots(const std::string& database, const std::string& org, const std::string& product,
               const std::filesystem::path& file, std::ostream& out, std::ostream& err) {
    crypto::InitCrypto();
    api::catalog::CoaParseResult parsed = api::catalog::ParseCoaFile(file);
    auto db = storage::OpenStorage(database, {});
    core::SystemClock clock;
    crypto::SodiumRandom random;
    auto uow = db->Begin(core::TxMode::kWrite);
    const std::string org_id = ResolveOrg(*uow, org);
    const std::vector<core::Product> products = uow->Products().List(org_id);
    std::optional<core::Product> fixed;
    if (!product.empty()) {
        fixed = FindProduct(products, product);
        if (!fixed) {
            throw ValidationError(
                "product", "no product with id or name '" + product + "' in this organization");
        }
    }
    std::vector<api::catalog::CoaRejection> rejections = parsed.rejections;
    nlohmann::json stored = nlohmann::json::array();
    for (const auto& row : parsed.lots) {
        std::optional<core::Product> target = fixed;
        if (!target) {
            if (row.product.empty()) {
                rejections.push_back(
                    {row.row, "product", "no product column value and no --product"});
                continue;
            }
            target = FindProduct(products, row.product);
            if (!target) {
                rejections.push_back(
                    {row.row, "product", "no product named '" + row.product + "'"});
                continue;
            }
        }
        if (uow->Lots().FindByCode(org_id, target->id, row.code)) {
            rejections.push_back(
                {row.row, "code", "the product already has lot '" + row.code + "'"});
            continue;
        }
        const core::Lot lot = api::MakeLot(core::NewId(clock, random), org_id, target->id, row.code,
                                           row.assay, "", clock.NowMs());
        uow->Lots().Insert(lot);
        core::AuditEntry entry;
        entry.organization_id = org_id;
        entry.at_ms = lot.created_at_ms;
        entry.action = "lot.import";
        entry.subject_type = "lot";
        entry.subject_id = lot.id;
        uow->Audit().Append(entry);
        stored.push_back(
            {{"row", row.row}, {"code", row.code}, {"id", lot.id}, {"product_id", target->id}});
    }
    uow->Commit();
    std::sort(rejections.begin(), rejections.end(),
              [](const auto& a, const auto& b) { return a.row < b.row; });
    err << api::catalog::FormatRejections(rejections);
    out << nlohmann::json{{"imported", stored.size()},
                          {"rejected", rejections.size()},
                          {"lots", stored}}
               .dump()
        << std::endl;
    return rejections.empty() ? 0 : 1;
}

}  // namespace mitra::app
