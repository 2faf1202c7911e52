// Pharmacokinetic routes: simulations (any signed-in user), the parameter sets, and a patient's
// estimated exposure from their dose journal. The work itself is in api/simulation.hpp and
// core/pk; handlers run on the worker pool, so a population run does not block the I/O threads.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "api/access.hpp"
#include "api/accounts.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "api/simulation.hpp"
#include "core/error.hpp"

namespace mitra::api {
namespace {

namespace s = schema;

constexpr std::int64_t kDefaultExposureRangeDays = 28;
constexpr std::int64_t kMsPerDay = 86'400'000;

int PopulationThreads() {
    const unsigned cores = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp(cores, 1U, 64U));
}

Json Described(Json schema, const std::string& description) {
    schema["description"] = description;
    return schema;
}

Json ModelParametersSchema() {
    Json positive = Described(s::Num(), "positive finite");
    Json fraction = Described(s::Num(), "in (0, 1]");
    return s::Obj({{"ka_per_h", positive},
                   {"cl_l_per_h", positive},
                   {"v1_l", positive},
                   {"q_l_per_h", Described(s::Num(), "positive finite; give with v2_l (2-cmt)")},
                   {"v2_l", Described(s::Num(), "positive finite; give with q_l_per_h (2-cmt)")},
                   {"bioavailability", fraction},
                   {"metabolite", s::Obj({{"fraction_formed", fraction},
                                          {"cl_l_per_h", positive},
                                          {"v_l", positive}},
                                         {"fraction_formed", "cl_l_per_h", "v_l"})}},
                  {"ka_per_h", "cl_l_per_h", "v1_l", "bioavailability", "metabolite"});
}

Json CvSchema() {
    Json cv = Described(s::Num(), "between-subject CV in percent, 0..500");
    return s::Obj({{"ka_per_h", cv},
                   {"cl_l_per_h", cv},
                   {"v1_l", cv},
                   {"q_l_per_h", cv},
                   {"v2_l", cv},
                   {"metabolite", s::Obj({{"cl_l_per_h", cv}, {"v_l", cv}})}});
}

Json SimulationRequestSchema() {
    Json regimen = s::Array(s::Obj({{"time_h", Described(s::Num(), "hours >= 0, sorted")},
                                    {"dose_mg", Described(s::Num(), "mg mitragynine, > 0")}},
                                   {"time_h", "dose_mg"}));
    regimen["maxItems"] = core::pk::kMaxDoses;
    regimen["description"] = "at most " + std::to_string(core::pk::kMaxDoses) +
                             " doses, sorted by time_h";
    Json times = s::Array(s::Num());
    times["minItems"] = 1;
    times["maxItems"] = core::pk::kMaxOutputPoints;
    times["description"] = "sorted hours >= 0; at most " +
                           std::to_string(core::pk::kMaxOutputPoints) + " points (" +
                           std::to_string(core::pk::kMaxPopulationPoints) +
                           " with population)";
    Json subjects = Described(s::Int(), "1.." + std::to_string(kMaxSimulationSubjects) +
                                            "; subjects x (doses + points) <= 1e9");
    subjects["minimum"] = 1;
    subjects["maximum"] = kMaxSimulationSubjects;
    Json seed = Described(s::Int(), "0..2^53; the same seed gives the same result");
    Json population = s::Obj({{"subjects", subjects}, {"seed", seed}, {"cv_percent", CvSchema()}},
                             {"subjects", "seed"});
    population["description"] =
        "log-normal between-subject variability; CVs default to data/pk/"
        "variability-configurable (a documented placeholder, not literature values)";
    Json model = {{"anyOf",
                   {Described(s::Str(), "name of a parameter set (GET /api/v1/pk/parameter-sets)"),
                    ModelParametersSchema()}},
                  {"description", "absent: the default parameter set"}};
    return s::Obj({{"model", model},
                   {"regimen", regimen},
                   {"times_h", times},
                   {"population", population}},
                  {"regimen", "times_h"});
}

Json SimulationResponseSchema() {
    return s::Obj({{"times_h", s::Array(s::Num())},
                   {"mitragynine_ng_ml", s::Array(s::Num())},
                   {"hydroxymitragynine_ng_ml", s::Array(s::Num())},
                   {"parameter_set", s::AnyObject()},
                   {"model_estimate_note", s::Str()},
                   {"doses", s::Int()},
                   {"population", s::AnyObject()}},
                  {"times_h", "mitragynine_ng_ml", "hydroxymitragynine_ng_ml", "parameter_set",
                   "model_estimate_note"},
                  false);
}

HttpResponse PostSimulation(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    const SimulationRequest request = ParseSimulationRequest(body);
    const SimulationOutput out = RunSimulation(request, PopulationThreads());
    return JsonResponse(200, SimulationToJson(request, out));
}

HttpResponse ListParameterSets(RequestContext&) {
    const std::string default_name = catalog::LoadDefaultPkParameterSet().parameters.name;
    Json sets = Json::array();
    for (const std::string& name : catalog::ListPkParameterSets()) {
        ResolvedModel model;
        model.record = catalog::LoadPkParameterSet(name);
        Json j = ParameterSetToJson(model);
        j["default"] = name == default_name;
        sets.push_back(j);
    }
    return JsonResponse(200, {{"default", default_name}, {"parameter_sets", sets}});
}

double QueryHours(const HttpRequest& request, const char* name, double fallback) {
    auto it = request.query.find(name);
    if (it == request.query.end() || it->second.empty()) {
        return fallback;
    }
    const std::string& text = it->second;
    double value = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size() ||
        !std::isfinite(value)) {
        throw ValidationError(name, std::string(name) + " must be a number of hours");
    }
    return value;
}

HttpResponse GetExposure(RequestContext& ctx) {
    // Read and check the query before touching storage.
    ExposureQuery query;
    const auto to = QueryTimestamp(ctx.request, "to");
    const auto from = QueryTimestamp(ctx.request, "from");
    query.to_ms = to.value_or(ctx.Now());
    query.from_ms = from.value_or(query.to_ms - kDefaultExposureRangeDays * kMsPerDay);
    query.step_h = QueryHours(ctx.request, "step_h", 1.0);
    if (query.to_ms <= query.from_ms) {
        throw ValidationError("to", "to must be after from");
    }
    if (query.to_ms - query.from_ms > kMaxExposureRangeDays * kMsPerDay) {
        throw ValidationError("to", "the range from..to must be at most " +
                                        std::to_string(kMaxExposureRangeDays) + " days");
    }
    if (!(query.step_h > 0.0) || query.step_h > 24.0) {
        throw ValidationError("step_h", "step_h must be a number of hours in (0, 24]");
    }
    ResolvedModel model;
    model.record = catalog::LoadDefaultPkParameterSet();

    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    core::TimeRange range;
    range.from_ms = query.from_ms - ExposureLookbackMs(model.record.parameters);
    range.to_ms = query.to_ms + 1;  // the query's `to` is inclusive
    range.limit = static_cast<int>(core::pk::kMaxDoses) + 1;
    const std::vector<core::Dose> doses =
        uow->Doses().ListForPatient(patient.organization_id, patient.id, range);
    uow.reset();
    if (doses.size() > core::pk::kMaxDoses) {
        throw ValidationError("from", "more than " + std::to_string(core::pk::kMaxDoses) +
                                          " doses in the range; narrow from..to");
    }
    Json out = ComputeExposureJson(doses, query, model);
    out["patient_id"] = patient.id;
    AuditRead(ctx, "exposure.read", "patient", patient.id, patient.id);
    return JsonResponse(200, out);
}

}  // namespace

void AddPkRoutes(Router& router) {
    router.Add({"POST", "/api/v1/simulations", Access::kSignedIn, PostSimulation,
                {"Simulate mitragynine and 7-OH concentrations (model estimate) for a regimen; "
                 "optional population percentiles. Limits: doses <= " +
                     std::to_string(core::pk::kMaxDoses) + ", times_h <= " +
                     std::to_string(core::pk::kMaxOutputPoints) + " (" +
                     std::to_string(core::pk::kMaxPopulationPoints) +
                     " with population), subjects <= " + std::to_string(kMaxSimulationSubjects) +
                     ", subjects x (doses + points) <= 1e9; 400 naming the field otherwise",
                 "pharmacokinetics", SimulationRequestSchema(), SimulationResponseSchema()}});
    router.Add({"GET", "/api/v1/pk/parameter-sets", Access::kSignedIn, ListParameterSets,
                {"Pharmacokinetic parameter sets with citations and derivations",
                 "pharmacokinetics", nullptr,
                 s::Obj({{"default", s::Str()}, {"parameter_sets", s::Array(s::AnyObject())}},
                        {"default", "parameter_sets"}, false)}});
    router.Add({"GET", "/api/v1/patients/{pid}/exposure", Access::kSignedIn, GetExposure,
                {"The patient's estimated mitragynine and 7-OH exposure from their dose journal "
                 "(model estimate): curve, per-day AUC/Cmax/trough, weekly change vs the first "
                 "full week, time to steady state. from/to: RFC 3339 or date (default: the last " +
                     std::to_string(kDefaultExposureRangeDays) + " days), at most " +
                     std::to_string(kMaxExposureRangeDays) + " days; step_h in (0, 24] "
                     "(default 1), at most " + std::to_string(kMaxExposurePoints) + " points",
                 "pharmacokinetics", nullptr,
                 s::Obj({{"patient_id", s::Str("uuid")},
                         {"times_h", s::Array(s::Num())},
                         {"mitragynine_ng_ml", s::Array(s::Num())},
                         {"hydroxymitragynine_ng_ml", s::Array(s::Num())},
                         {"days", s::Array(s::AnyObject())},
                         {"steady_state", s::AnyObject()},
                         {"parameter_set", s::AnyObject()},
                         {"model_estimate_note", s::Str()}},
                        {"times_h", "mitragynine_ng_ml", "hydroxymitragynine_ng_ml",
                         "parameter_set", "model_estimate_note"},
                        false),
                 200, {"from", "to", "step_h"}}});
}

}  // namespace mitra::api
