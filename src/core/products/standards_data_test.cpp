// The shipped data/standards files: they load, every rule is cited, and the encoded numbers
// are the domain.md ones (§6.1, §6.4, §6.5).
#include <gtest/gtest.h>

#include "api/catalog/standards_json.hpp"
#include "core/error.hpp"
#include "core/products/standards.hpp"

namespace mitra::core::products {
namespace {

using api::catalog::AddStandardsFile;
using api::catalog::LoadStandards;

TEST(StandardsData, LoadsWithDomainNumbersAndCitations) {
    Standards s = LoadStandards();
    ASSERT_TRUE(s.hydroxymitragynine_fraction.has_value());
    EXPECT_EQ(s.hydroxymitragynine_fraction->info.id, "kcpa-7oh-alkaloid-fraction");
    EXPECT_NEAR(s.hydroxymitragynine_fraction->max_percent, 2.0, 0.0);  // KCPA [V]
    EXPECT_EQ(s.prohibited_substances.size(), 2u);
    ASSERT_TRUE(s.label_amounts.has_value());
    ASSERT_TRUE(s.microbial.has_value());
    // USP <2232> PDEs, domain.md §6.4 [V]: As(inorg) 15, Cd 5, Pb 5, Hg 15; nickel none.
    std::map<Metal, std::optional<double>> pde;
    for (const MetalPdeRule& m : s.metals) {
        pde[m.metal] = m.pde_ug_per_day;
        EXPECT_FALSE(m.info.citation.empty()) << m.info.id;
        EXPECT_EQ(m.info.evidence, "V") << m.info.id;
    }
    EXPECT_EQ(pde.at(Metal::kLead), std::optional<double>(5.0));
    EXPECT_EQ(pde.at(Metal::kArsenic), std::optional<double>(15.0));
    EXPECT_EQ(pde.at(Metal::kCadmium), std::optional<double>(5.0));
    EXPECT_EQ(pde.at(Metal::kMercury), std::optional<double>(15.0));
    EXPECT_FALSE(pde.at(Metal::kNickel).has_value());
    ASSERT_EQ(s.jurisdiction_rules.size(), 1u);
    const DryWeightCeilingRule& fl = s.jurisdiction_rules.front();
    EXPECT_EQ(fl.info.id, "US-FL-7oh-dry-weight");
    EXPECT_EQ(fl.info.evidence, "S");
    EXPECT_NEAR(fl.max_percent_dry_weight, 0.04, 0.0);  // domain.md §6.5 [S]
}

TEST(StandardsData, EndToEndWithShippedLimits) {
    // Lead 0.4 ug/g at 12.5 g/day = 5 ug/day = PDE exactly -> pass; at 13 g/day -> fail.
    Standards s = LoadStandards();
    Assay a;
    a.mitragynine_mg_per_g = 14.0;
    a.hydroxymitragynine_mg_per_g = 0.3;
    a.total_alkaloids_mg_per_g = 15.0;  // 0.3 / 15 = 2 % exactly -> pass
    a.metals_ug_per_g.lead = 0.4;
    ProductLabel label;
    label.supplied = false;
    ComplianceReport r = Check(s, a, label, 12.5, {});
    for (const Finding& f : r.findings) {
        if (f.rule == "usp2232-lead") {
            EXPECT_EQ(f.verdict, Verdict::kPass);
            EXPECT_NEAR(*f.limit, 0.4, 1e-12);
        }
        if (f.rule == "kcpa-7oh-alkaloid-fraction") {
            EXPECT_EQ(f.verdict, Verdict::kPass);
            EXPECT_NEAR(*f.value, 2.0, 1e-12);
        }
    }
    r = Check(s, a, label, 13.0, {});
    for (const Finding& f : r.findings) {
        if (f.rule == "usp2232-lead") {
            EXPECT_EQ(f.verdict, Verdict::kFail);
        }
    }
    EXPECT_EQ(r.passes, std::optional<bool>(false));
}

TEST(StandardsData, RejectsSecondaryEvidenceOutsideOptInRules) {
    Standards s;
    nlohmann::json file = {{"version", "x"},
                           {"rules",
                            {{{"id", "r"},
                              {"kind", "microbial"},
                              {"title", "t"},
                              {"citation", "c"},
                              {"evidence", "S"}}}}};
    EXPECT_THROW(AddStandardsFile(s, file, "test.json"), InternalError);
    file["rules"][0]["evidence"] = "M";
    EXPECT_THROW(AddStandardsFile(s, file, "test.json"), InternalError);
}

TEST(StandardsData, RejectsMissingCitationAndDuplicateIds) {
    Standards s;
    nlohmann::json rule = {{"id", "r"}, {"kind", "microbial"}, {"title", "t"}, {"evidence", "V"}};
    EXPECT_THROW(AddStandardsFile(s, {{"rules", {rule}}}, "a.json"), InternalError);
    rule["citation"] = "c";
    AddStandardsFile(s, {{"rules", {rule}}}, "a.json");
    EXPECT_THROW(AddStandardsFile(s, {{"rules", {rule}}}, "b.json"), InternalError);
}

TEST(StandardsData, ReportJsonHasDesignShape) {
    Standards s = LoadStandards();
    Assay a;
    a.mitragynine_mg_per_g = 10.0;
    ProductLabel no_label;
    no_label.supplied = false;
    ComplianceReport r = Check(s, a, no_label, std::nullopt, {});
    nlohmann::json j = api::catalog::ComplianceReportToJson(r);
    EXPECT_TRUE(j["passes"].is_null());
    ASSERT_FALSE(j["findings"].empty());
    for (const auto& f : j["findings"]) {
        for (const char* key :
             {"rule", "verdict", "limit", "value", "unit", "computation", "citation"}) {
            EXPECT_TRUE(f.contains(key)) << key;
        }
    }
}

}  // namespace
}  // namespace mitra::core::products
