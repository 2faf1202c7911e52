// Product routes: legal status by jurisdiction (any signed-in user). The dataset comes from
// <data dir>/legal and is reloaded at the next lookup after `mitra import legal`
// (api/legal_data.hpp).

#include "api/routes.hpp"

#include "api/catalog/legal_json.hpp"
#include "api/json_input.hpp"
#include "api/legal_data.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"
#include "core/legal/legal.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

namespace s = schema;

constexpr std::int64_t kMsPerDay = 86'400'000;

Json LegalSchema() {
    Json status = s::Enum({"legal", "regulated", "restricted", "banned", "unclear"});
    return s::Obj({{"jurisdiction", s::Str()},
                   {"requested", s::Str()},
                   {"matched_level", s::Enum({"country", "subdivision", "locality"})},
                   {"status", status},
                   {"minimum_age", s::Nullable(s::Int())},
                   {"limits", s::Array(s::AnyObject())},
                   {"effective_from", s::Nullable(s::Str("date"))},
                   {"effective_to", s::Nullable(s::Str("date"))},
                   {"sources", s::Array(s::AnyObject())},
                   {"last_verified", s::Str("date")},
                   {"age_days", s::Int()},
                   {"confidence", s::Str()},
                   {"as_of", s::Str("date")},
                   {"dataset_version", s::Str()}},
                  {"jurisdiction", "matched_level", "status", "sources", "last_verified",
                   "confidence", "as_of"},
                  false);
}

HttpResponse GetLegal(RequestContext& ctx) {
    const auto& query = ctx.request.query;
    const auto j = query.find("jurisdiction");
    if (j == query.end() || j->second.empty()) {
        throw ValidationError("jurisdiction",
                              "jurisdiction is required (ISO 3166 code such as US-TX or TH)");
    }
    if (j->second.size() > kMaxShortString || !core::legal::NormalizeJurisdiction(j->second)) {
        throw ValidationError("jurisdiction",
                              "jurisdiction must be an ISO 3166-1 country (TH), an ISO 3166-2 "
                              "subdivision (US-TX) or a locality (US-CA-san-diego)");
    }
    const auto today = static_cast<std::int32_t>(ctx.Now() / kMsPerDay);
    std::int32_t on_day = today;
    if (const auto on = query.find("on"); on != query.end() && !on->second.empty()) {
        const auto parsed = core::ParseDate(on->second);
        if (!parsed) {
            throw ValidationError("on", "on must be a date YYYY-MM-DD");
        }
        on_day = *parsed;
    }
    const auto dataset = CurrentLegalDataset();
    const auto result = core::legal::Lookup(*dataset, j->second, on_day, today);
    if (!result) {
        throw NotFoundError("no legal-status record for " + j->second + " on " +
                                core::FormatDate(on_day) +
                                " (the dataset has no record for it or its country; no guess)",
                            "no_record");
    }
    Json out = catalog::LegalAnswerToJson(*result);
    out["as_of"] = core::FormatDate(on_day);
    out["dataset_version"] = dataset->version;
    return JsonResponse(200, out);
}

}  // namespace

void AddProductRoutes(Router& router) {
    router.Add({"GET", "/api/v1/legal", Access::kSignedIn, GetLegal,
                {"Legal status of kratom in a jurisdiction on a date (default today), falling "
                 "back locality -> subdivision -> country; 404 no_record when nothing applies",
                 "legal", nullptr, LegalSchema(), 200, {"jurisdiction", "on"}}});
}

}  // namespace mitra::api
