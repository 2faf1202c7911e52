// Supervision routes: explainable safety alerts (list, acknowledge, resolve) and
// clinician-approved taper plans (create, version, approve, activate, stop, preview, today).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "api/access.hpp"
#include "api/accounts.hpp"
#include "api/alerting.hpp"
#include "api/catalog/pk_json.hpp"
#include "api/json_input.hpp"
#include "api/routes.hpp"
#include "api/schema.hpp"
#include "api/taper_mapping.hpp"
#include "core/error.hpp"
#include "core/pk/population.hpp"
#include "core/pk/simulate.hpp"
#include "core/taper/taper.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

namespace s = schema;
namespace taper = core::taper;

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
/// Preview: subjects of the population run and output points per day (not clinical numbers).
constexpr std::size_t kPreviewSubjects = 200;
constexpr int kPreviewPointsPerDay = 4;
constexpr int kPreviewMaxDays = 730;

Json ParseOptionalBody(const HttpRequest& request) {
    if (std::all_of(request.body.begin(), request.body.end(),
                    [](unsigned char c) { return std::isspace(c) != 0; })) {
        return Json::object();
    }
    return ParseJsonObject(request);
}

bool IsPatient(const RequestContext& ctx) { return ctx.Me().user.role == core::Role::kPatient; }

std::optional<std::string> OptTime(const std::optional<std::int64_t>& ms) {
    if (!ms) {
        return std::nullopt;
    }
    return core::FormatRfc3339(*ms);
}

Json OrNull(const std::optional<std::string>& value) {
    return value ? Json(*value) : Json(nullptr);
}

// ---- Alerts -----------------------------------------------------------------------------

/// The patient sees plain language (and crisis resources); the clinician sees everything.
Json AlertJson(const core::Alert& a, bool patient_view) {
    const Json detail = Json::parse(a.evidence_json);
    Json out = {{"id", a.id},
                {"patient_id", a.patient_id},
                {"rule_id", a.rule_id},
                {"severity", a.severity},
                {"status", core::ToString(a.status)},
                {"created_at", core::FormatRfc3339(a.created_at_ms)}};
    if (detail.contains("crisis_resources") && !detail.at("crisis_resources").empty()) {
        out["crisis_resources"] = detail.at("crisis_resources");
    }
    if (patient_view) {
        out["message"] = a.patient_text;
        return out;
    }
    out["message"] = a.clinician_text;
    out["patient_text"] = a.patient_text;
    out["patient_visible"] = !a.patient_text.empty();
    out["condition_key"] = a.condition_key;
    out["evidence"] = detail.value("evidence", Json::object());
    out["evidence_units"] = detail.value("evidence_units", Json::object());
    out["threshold"] = detail.value("threshold", Json::object());
    out["rationale"] = detail.value("rationale", std::string());
    out["citations"] = Json::parse(a.citations_json);
    out["acknowledged_by"] = OrNull(a.acknowledged_by);
    out["acknowledged_at"] = OrNull(OptTime(a.acknowledged_at_ms));
    out["note"] = OrNull(a.note);
    out["resolved_by"] = OrNull(a.resolved_by);
    out["resolved_at"] = OrNull(OptTime(a.resolved_at_ms));
    return out;
}

HttpResponse ListAlerts(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    std::optional<core::AlertStatus> status;
    if (auto it = ctx.request.query.find("status"); it != ctx.request.query.end()) {
        status = core::ParseAlertStatus(it->second);
        if (!status) {
            throw ValidationError("status", "status must be open, acknowledged or resolved");
        }
    }
    const bool patient_view = IsPatient(ctx);
    Json out = Json::array();
    auto alerts = uow->Alerts().ListForPatient(patient.organization_id, patient.id);
    std::reverse(alerts.begin(), alerts.end());  // newest first
    for (const auto& a : alerts) {
        if ((status && a.status != *status) || (patient_view && a.patient_text.empty())) {
            continue;
        }
        out.push_back(AlertJson(a, patient_view));
    }
    AuditRead(ctx, "alert.list", "patient", patient.id, patient.id);
    return JsonResponse(200, {{"alerts", out}});
}

/// Loads an alert for a clinician with the patient's care consent (404 otherwise).
std::pair<core::Alert, core::Patient> RequireAlert(core::UnitOfWork& uow, RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    const std::string id = PathId(ctx.params.at("id"), "alert");
    auto alert = uow.Alerts().FindById(ctx.Me().organization.id, id);
    if (!alert) {
        throw NotFoundError("no such alert");
    }
    core::Patient patient = RequirePatient(uow, ctx, alert->patient_id, PatientAccess::kWrite);
    return {*alert, patient};
}

HttpResponse AcknowledgeAlert(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    const Json body = ParseJsonObject(ctx.request);
    ObjectReader in(body);
    const std::string note = in.RequireString("note", 4000);
    in.Finish();
    if (note.empty()) {
        throw ValidationError("note", "note must say what was done");
    }
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto [alert, patient] = RequireAlert(*uow, ctx);
    if (alert.status != core::AlertStatus::kOpen) {
        throw ConflictError(std::string("the alert is already ") + core::ToString(alert.status));
    }
    alert.status = core::AlertStatus::kAcknowledged;
    alert.acknowledged_by = ctx.Me().user.id;
    alert.acknowledged_at_ms = ctx.Now();
    alert.note = note;
    uow->Alerts().Update(alert);
    AuditWrite(*uow, ctx, "alert.acknowledge", "alert", alert.id, patient.id);
    uow->Commit();
    return JsonResponse(200, AlertJson(alert, false));
}

HttpResponse ResolveAlert(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    const Json body = ParseOptionalBody(ctx.request);
    ObjectReader in(body);
    const auto note = in.OptionalString("note", 4000);
    in.Finish();
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto [alert, patient] = RequireAlert(*uow, ctx);
    if (alert.status == core::AlertStatus::kResolved) {
        throw ConflictError("the alert is already resolved");
    }
    alert.status = core::AlertStatus::kResolved;
    alert.resolved_by = ctx.Me().user.id;
    alert.resolved_at_ms = ctx.Now();
    if (note && !note->empty()) {
        alert.note = alert.note ? *alert.note + "\n" + *note : *note;
    }
    uow->Alerts().Update(alert);
    AuditWrite(*uow, ctx, "alert.resolve", "alert", alert.id, patient.id);
    uow->Commit();
    return JsonResponse(200, AlertJson(alert, false));
}

// ---- Taper plans --------------------------------------------------------------------------

/// The patient's current product: the last dose's lot (assay) or product (label), mg/g.
struct CurrentProduct {
    std::optional<std::string> product_id;
    std::optional<std::string> product_name;
    std::optional<std::string> lot_id;
    std::optional<double> mitragynine_mg_per_g;
    std::string source;  // "lot_assay" | "product_label" | ""
};

CurrentProduct CurrentProductOf(core::UnitOfWork& uow, const core::Patient& patient) {
    CurrentProduct out;
    auto last = uow.Doses().LastForPatient(patient.organization_id, patient.id);
    if (!last) {
        return out;
    }
    if (last->lot_id) {
        if (auto lot = uow.Lots().FindById(patient.organization_id, *last->lot_id)) {
            out.lot_id = lot->id;
            out.product_id = lot->product_id;
            if (lot->mitragynine_mg_per_g && *lot->mitragynine_mg_per_g > 0) {
                out.mitragynine_mg_per_g = lot->mitragynine_mg_per_g;
                out.source = "lot_assay";
            }
        }
    }
    if (!out.product_id) {
        out.product_id = last->product_id;
    }
    if (out.product_id) {
        if (auto product = uow.Products().FindById(patient.organization_id, *out.product_id)) {
            out.product_name = product->name;
            if (!out.mitragynine_mg_per_g && product->label_mitragynine_mg_per_g &&
                *product->label_mitragynine_mg_per_g > 0) {
                out.mitragynine_mg_per_g = product->label_mitragynine_mg_per_g;
                out.source = "product_label";
            }
        }
    }
    return out;
}

Json CurrentProductJson(const CurrentProduct& c) {
    return {{"product_id", OrNull(c.product_id)},
            {"product_name", OrNull(c.product_name)},
            {"lot_id", OrNull(c.lot_id)},
            {"mitragynine_mg_per_g",
             c.mitragynine_mg_per_g ? Json(*c.mitragynine_mg_per_g) : Json(nullptr)},
            {"source", c.source}};
}

std::vector<taper::DailyAmount> DailyAmounts(core::UnitOfWork& uow, const core::Patient& patient,
                                             std::int64_t from_ms) {
    core::TimeRange range;
    range.from_ms = from_ms;
    range.limit = 100000;
    std::map<std::int32_t, double> by_day;
    for (const auto& d : uow.Doses().ListForPatient(patient.organization_id, patient.id, range)) {
        by_day[core::LocalDay(d.taken_at_ms, patient.timezone)] += d.mitragynine_mg.value_or(0.0);
    }
    std::vector<taper::DailyAmount> out;
    for (const auto& [day, mg] : by_day) {
        out.push_back({day, mg});
    }
    return out;
}

std::int32_t Today(const RequestContext& ctx, const core::Patient& patient) {
    return core::LocalDay(ctx.Now(), patient.timezone);
}

/// The taper request of a body; `base` (a stored plan's parameters) fills absent fields.
struct PlanInput {
    Json parameters;  // as stored: the request with defaults filled in
    taper::TaperRequest request;
    std::optional<taper::HoldPolicy> hold_policy;
};

PlanInput ReadPlanInput(core::UnitOfWork& uow, RequestContext& ctx, const core::Patient& patient,
                        const Json& body, const Json& base) {
    Json merged = base;
    for (const auto& [key, value] : body.items()) {
        merged[key] = value;
    }
    ObjectReader in(merged);
    PlanInput out;
    taper::TaperRequest& r = out.request;
    const std::string method = in.RequireString("method", 32);
    const auto parsed = taper::ParseMethod(method);
    if (!parsed) {
        throw ValidationError("method", "method must be linear, proportional or exposure");
    }
    r.method = *parsed;
    r.step_percent = in.RequireNumber("step_percent");
    const double interval = in.RequireNumber("interval_days");
    if (interval != std::floor(interval) || interval < 1 || interval > 3650) {
        throw ValidationError("interval_days", "interval_days must be a whole number of days");
    }
    r.interval_days = static_cast<int>(interval);
    r.min_step_mg = in.OptionalNumber("min_step_mg").value_or(0.0);
    r.end_point_mg = in.OptionalNumber("end_mg").value_or(0.0);
    const auto doses_per_day = in.OptionalNumber("doses_per_day");
    if (doses_per_day &&
        (*doses_per_day != std::floor(*doses_per_day) || *doses_per_day < 1 ||
         *doses_per_day > 24)) {
        throw ValidationError("doses_per_day", "doses_per_day must be a whole number 1..24");
    }
    r.doses_per_day = static_cast<int>(doses_per_day.value_or(1));
    const std::int32_t today = Today(ctx, patient);
    r.start_date = in.OptionalDate("start_date").value_or(today);
    auto start_mg = in.OptionalNumber("start_daily_mitragynine_mg");
    std::string start_source = "request";
    if (!start_mg) {
        const auto daily = DailyAmounts(uow, patient, ctx.Now() - 9 * kDayMs);
        start_mg = taper::DefaultStartDailyMg(daily, today);
        start_source = "last_7_days";
        if (*start_mg <= 0.0) {
            throw ValidationError("start_daily_mitragynine_mg",
                                  "no doses in the last 7 days: give start_daily_mitragynine_mg");
        }
    }
    r.start_daily_mitragynine_mg = *start_mg;
    const auto pk_set = in.OptionalString("pk_parameter_set", 64);
    if (r.method == taper::Method::kExposureGuided) {
        r.pk_parameters = pk_set ? catalog::LoadPkParameterSet(*pk_set).parameters
                                 : catalog::LoadDefaultPkParameterSet().parameters;
    }
    const Json* policy = in.Optional("hold_policy");
    if (policy != nullptr) {
        out.hold_policy = ParseHoldPolicy(*policy);
    }
    in.Finish();
    out.parameters = {{"method", method},
                      {"start_daily_mitragynine_mg", r.start_daily_mitragynine_mg},
                      {"start_source", start_source},
                      {"step_percent", r.step_percent},
                      {"interval_days", r.interval_days},
                      {"min_step_mg", r.min_step_mg},
                      {"end_mg", r.end_point_mg},
                      {"start_date", core::FormatDate(r.start_date)},
                      {"doses_per_day", r.doses_per_day},
                      {"hold_policy", out.hold_policy ? HoldPolicyToJson(*out.hold_policy)
                                                      : Json(nullptr)}};
    if (pk_set) {
        out.parameters["pk_parameter_set"] = *pk_set;
    }
    return out;
}

core::TaperPlanRecord NewPlanRecord(RequestContext& ctx, const core::Patient& patient,
                                    const PlanInput& input) {
    const taper::TaperPlan plan = taper::Plan(input.request);
    Json schedule = Json::array();
    for (const auto& e : plan.schedule) {
        schedule.push_back(ScheduleEntryToJson(e, std::nullopt));
    }
    core::TaperPlanRecord record;
    record.id = ctx.NewId();
    record.organization_id = patient.organization_id;
    record.patient_id = patient.id;
    record.method = taper::ToString(plan.method);
    record.parameters_json = input.parameters.dump();
    record.schedule_json =
        Json{{"schedule", schedule},
             {"summary",
              {{"steps", plan.summary.steps},
               {"duration_days", plan.summary.duration_days},
               {"interval_days_used", plan.summary.interval_days_used},
               {"end_date", core::FormatDate(plan.summary.end_date)},
               {"hold_days", plan.summary.hold_days}}},
             {"reasoning", plan.reasoning}}
            .dump();
    record.created_by = ctx.Me().user.id;
    record.created_at_ms = record.updated_at_ms = ctx.Now();
    return record;
}

Json PlanJson(core::UnitOfWork& uow, const RequestContext& ctx, const core::Patient& patient,
              const core::TaperPlanRecord& record) {
    const taper::TaperPlan stored = PlanOf(record);
    const taper::TaperPlan shown =
        stored.holds.empty() ? stored
                             : taper::ApplyHolds(stored, stored.holds, Today(ctx, patient));
    const CurrentProduct current = CurrentProductOf(uow, patient);
    Json schedule = Json::array();
    for (const auto& e : shown.schedule) {
        schedule.push_back(ScheduleEntryToJson(e, current.mitragynine_mg_per_g));
    }
    const Json stored_json = Json::parse(record.schedule_json);
    Json summary = stored_json.value("summary", Json::object());
    summary["hold_days"] = shown.summary.hold_days;
    if (!shown.schedule.empty()) {
        summary["end_date"] = core::FormatDate(shown.schedule.back().date);
    }
    return {{"id", record.id},
            {"patient_id", record.patient_id},
            {"version", record.version},
            {"supersedes_id", OrNull(record.supersedes_id)},
            {"method", record.method},
            {"status", core::ToString(record.status)},
            {"parameters", Json::parse(record.parameters_json)},
            {"schedule", schedule},
            {"summary", summary},
            {"reasoning", stored_json.value("reasoning", std::string())},
            {"holds", Json::parse(record.holds_json)},
            {"on_hold", !stored.holds.empty() && !stored.holds.back().end_date},
            {"current_product", CurrentProductJson(current)},
            {"created_by", record.created_by},
            {"approved_by", OrNull(record.approved_by)},
            {"approved_at", OrNull(OptTime(record.approved_at_ms))},
            {"created_at", core::FormatRfc3339(record.created_at_ms)},
            {"updated_at", core::FormatRfc3339(record.updated_at_ms)}};
}

HttpResponse CreatePlan(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kWrite);
    const PlanInput input = ReadPlanInput(*uow, ctx, patient, body, Json::object());
    const core::TaperPlanRecord record = NewPlanRecord(ctx, patient, input);
    uow->TaperPlans().Insert(record);
    AuditWrite(*uow, ctx, "taper_plan.create", "taper_plan", record.id, patient.id);
    Json out = PlanJson(*uow, ctx, patient, record);
    uow->Commit();
    return JsonResponse(201, out);
}

std::pair<core::TaperPlanRecord, core::Patient> RequirePlan(core::UnitOfWork& uow,
                                                            RequestContext& ctx,
                                                            PatientAccess access) {
    const std::string id = PathId(ctx.params.at("id"), "taper plan");
    if (ctx.Me().user.role == core::Role::kAdmin || ctx.Me().user.role == core::Role::kResearcher) {
        // Same answer as RequirePatient for these roles, before any lookup.
        RequireRole(ctx, {core::Role::kPatient, core::Role::kClinician});
    }
    auto plan = uow.TaperPlans().FindById(ctx.Me().organization.id, id);
    if (!plan) {
        throw NotFoundError("no such taper plan");
    }
    core::Patient patient = RequirePatient(uow, ctx, plan->patient_id, access);
    return {*plan, patient};
}

HttpResponse GetPlan(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    auto [plan, patient] = RequirePlan(*uow, ctx, PatientAccess::kRead);
    AuditRead(ctx, "taper_plan.read", "taper_plan", plan.id, patient.id);
    return JsonResponse(200, PlanJson(*uow, ctx, patient, plan));
}

HttpResponse ListPlans(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    Json out = Json::array();
    for (const auto& plan : uow->TaperPlans().ListForPatient(patient.organization_id, patient.id)) {
        out.push_back(PlanJson(*uow, ctx, patient, plan));
    }
    AuditRead(ctx, "taper_plan.list", "patient", patient.id, patient.id);
    return JsonResponse(200, {{"taper_plans", out}});
}

/// Moves a plan between states; `allowed_from` lists the states it may leave.
HttpResponse Transition(RequestContext& ctx, core::TaperPlanStatus to,
                        std::initializer_list<core::TaperPlanStatus> allowed_from,
                        const char* action) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto [plan, patient] = RequirePlan(*uow, ctx, PatientAccess::kWrite);
    if (std::find(allowed_from.begin(), allowed_from.end(), plan.status) == allowed_from.end()) {
        throw ConflictError(std::string("a ") + core::ToString(plan.status) +
                            " plan cannot become " +
                            core::ToString(to));
    }
    if (to == core::TaperPlanStatus::kApproved) {
        plan.approved_by = ctx.Me().user.id;
        plan.approved_at_ms = ctx.Now();
    }
    if (to == core::TaperPlanStatus::kActive) {
        // Activating a new version ends the active one it supersedes (or any active plan).
        if (auto active = uow->TaperPlans().FindActive(patient.organization_id, patient.id)) {
            active->status = core::TaperPlanStatus::kStopped;
            active->updated_at_ms = ctx.Now();
            uow->TaperPlans().Update(*active);
            AuditWrite(*uow, ctx, "taper_plan.stop", "taper_plan", active->id, patient.id);
        }
    }
    plan.status = to;
    plan.updated_at_ms = ctx.Now();
    uow->TaperPlans().Update(plan);
    AuditWrite(*uow, ctx, action, "taper_plan", plan.id, patient.id);
    if (to == core::TaperPlanStatus::kActive) {
        EvaluateAlertsForPatient(*uow, ctx, patient);  // records a hold already due
        plan = *uow->TaperPlans().FindById(plan.organization_id, plan.id);
    }
    Json out = PlanJson(*uow, ctx, patient, plan);
    uow->Commit();
    return JsonResponse(200, out);
}

HttpResponse ApprovePlan(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    return Transition(ctx, core::TaperPlanStatus::kApproved, {core::TaperPlanStatus::kDraft},
                      "taper_plan.approve");
}

HttpResponse ActivatePlan(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician, core::Role::kPatient});
    return Transition(ctx, core::TaperPlanStatus::kActive, {core::TaperPlanStatus::kApproved},
                      "taper_plan.activate");
}

HttpResponse StopPlan(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician, core::Role::kPatient});
    return Transition(ctx, core::TaperPlanStatus::kStopped,
                      {core::TaperPlanStatus::kDraft, core::TaperPlanStatus::kApproved,
                       core::TaperPlanStatus::kActive},
                      "taper_plan.stop");
}

HttpResponse CompletePlan(RequestContext& ctx) {
    RequireRole(ctx, {core::Role::kClinician});
    return Transition(ctx, core::TaperPlanStatus::kCompleted, {core::TaperPlanStatus::kActive},
                      "taper_plan.complete");
}

/// Editing: always a new draft version superseding the plan (its approval does not carry over).
HttpResponse PatchPlan(RequestContext& ctx) {
    const Json body = ParseJsonObject(ctx.request);
    auto uow = ctx.services.storage.Begin(core::TxMode::kWrite);
    auto [plan, patient] = RequirePlan(*uow, ctx, PatientAccess::kWrite);
    if (plan.status == core::TaperPlanStatus::kCompleted ||
        plan.status == core::TaperPlanStatus::kStopped) {
        throw ConflictError(std::string("a ") + core::ToString(plan.status) +
                            " plan cannot be edited; create a new plan");
    }
    Json base = Json::parse(plan.parameters_json);
    base.erase("start_source");
    if (!body.contains("start_daily_mitragynine_mg") &&
        base.contains("start_daily_mitragynine_mg")) {
        // Keep the stored starting amount unless the edit gives one.
    }
    const PlanInput input = ReadPlanInput(*uow, ctx, patient, body, base);
    core::TaperPlanRecord next = NewPlanRecord(ctx, patient, input);
    next.version = 0;
    for (const auto& p : uow->TaperPlans().ListForPatient(patient.organization_id, patient.id)) {
        next.version = std::max(next.version, p.version);
    }
    next.version += 1;
    next.supersedes_id = plan.id;
    uow->TaperPlans().Insert(next);
    AuditWrite(*uow, ctx, "taper_plan.revise", "taper_plan", next.id, patient.id);
    Json out = PlanJson(*uow, ctx, patient, next);
    uow->Commit();
    return JsonResponse(201, out);
}

HttpResponse PreviewPlan(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    auto [record, patient] = RequirePlan(*uow, ctx, PatientAccess::kRead);
    const taper::TaperPlan stored = PlanOf(record);
    const taper::TaperPlan plan =
        stored.holds.empty() ? stored
                             : taper::ApplyHolds(stored, stored.holds, Today(ctx, patient));
    if (plan.schedule.empty()) {
        throw ConflictError("the plan has no schedule");
    }
    const Json params = Json::parse(record.parameters_json);
    const int doses_per_day = params.value("doses_per_day", 1);
    const std::int32_t from = plan.schedule.front().date;
    const int span = plan.schedule.back().date - from + 1;
    const int days = static_cast<int>(
        QueryInt(ctx.request, "days", 1, kPreviewMaxDays)
            .value_or(std::min(span + 7, kPreviewMaxDays)));
    const std::vector<core::pk::Dose> regimen =
        taper::ToRegimen(plan.schedule, from, days, doses_per_day);
    std::vector<double> times_h;
    for (int i = 0; i <= days * kPreviewPointsPerDay; ++i) {
        times_h.push_back(24.0 * i / kPreviewPointsPerDay);
    }
    const auto set_name = params.value("pk_parameter_set", std::string());
    const auto record_pk = set_name.empty() ? catalog::LoadDefaultPkParameterSet()
                                            : catalog::LoadPkParameterSet(set_name);
    core::pk::PopulationOptions options;
    options.subjects = kPreviewSubjects;
    const core::pk::PopulationResult pop = core::pk::SimulatePopulation(
        record_pk.parameters, catalog::LoadPkVariability(), regimen, times_h, options);
    Json points = Json::array();
    for (std::size_t i = 0; i < pop.times_h.size(); ++i) {
        const auto day = from + static_cast<std::int32_t>(pop.times_h[i] / 24.0);
        points.push_back({{"time_h", pop.times_h[i]},
                          {"date", core::FormatDate(day)},
                          {"target_mitragynine_mg",
                           taper::TargetOn(plan.schedule, day).value_or(0.0)},
                          {"p5_ng_ml", pop.mitragynine.p5.at(i)},
                          {"p50_ng_ml", pop.mitragynine.p50.at(i)},
                          {"p95_ng_ml", pop.mitragynine.p95.at(i)}});
    }
    AuditRead(ctx, "taper_plan.preview", "taper_plan", record.id, patient.id);
    return JsonResponse(
        200, {{"plan_id", record.id},
              {"from_date", core::FormatDate(from)},
              {"days", days},
              {"doses_per_day", doses_per_day},
              {"analyte", "mitragynine"},
              {"unit", "ng/mL"},
              {"band", "5th-95th percentile of a simulated population"},
              {"subjects", kPreviewSubjects},
              {"model", {{"title", record_pk.title}, {"citations", record_pk.citations}}},
              {"points", points}});
}

HttpResponse TaperToday(RequestContext& ctx) {
    auto uow = ctx.services.storage.Begin(core::TxMode::kRead);
    const core::Patient patient =
        RequirePatient(*uow, ctx, ctx.params.at("pid"), PatientAccess::kRead);
    auto record = uow->TaperPlans().FindActive(patient.organization_id, patient.id);
    if (!record) {
        throw NotFoundError("the patient has no active taper plan");
    }
    const std::int32_t today = Today(ctx, patient);
    const taper::TaperPlan stored = PlanOf(*record);
    const taper::TaperPlan plan =
        stored.holds.empty() ? stored : taper::ApplyHolds(stored, stored.holds, today);
    const CurrentProduct current = CurrentProductOf(*uow, patient);
    const auto target = taper::TargetOn(plan.schedule, today);
    const std::int32_t first = plan.schedule.empty() ? today : plan.schedule.front().date;
    const auto daily =
        DailyAmounts(*uow, patient,
                     core::LocalDayStartMs(std::min(first, today), patient.timezone));
    const taper::Adherence adherence = taper::Compare(plan.schedule, daily);
    std::optional<double> today_actual;
    for (const auto& d : daily) {
        if (d.date == today) {
            today_actual = d.mitragynine_mg;
        }
    }
    Json out = {{"plan_id", record->id},
                {"date", core::FormatDate(today)},
                // A plan approved to start later has no target yet: the client says when.
                {"start_date", plan.schedule.empty() ? Json(nullptr)
                                                     : Json(core::FormatDate(first))},
                {"target_mitragynine_mg", target ? Json(*target) : Json(nullptr)},
                {"target_amount_g", nullptr},
                {"current_product", CurrentProductJson(current)},
                {"on_hold", !stored.holds.empty() && !stored.holds.back().end_date},
                {"holds", Json::parse(record->holds_json)},
                {"taken_today_mitragynine_mg", today_actual ? Json(*today_actual) : Json(nullptr)},
                {"adherence",
                 {{"days_compared", adherence.days_compared},
                  {"days_without_data", adherence.days_without_data},
                  {"days_over_target", adherence.days_over_target},
                  {"days_at_or_under_target", adherence.days_at_or_under_target},
                  {"mean_difference_mg", adherence.mean_difference_mg
                                             ? Json(*adherence.mean_difference_mg)
                                             : Json(nullptr)}}}};
    if (target && current.mitragynine_mg_per_g) {
        out["target_amount_g"] = *target / *current.mitragynine_mg_per_g;
    }
    AuditRead(ctx, "taper_plan.today", "taper_plan", record->id, patient.id);
    return JsonResponse(200, out);
}

Json AlertSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"patient_id", s::Str("uuid")},
                   {"rule_id", s::Str()},
                   {"severity", s::Enum({"info", "warning", "high", "urgent"})},
                   {"status", s::Enum({"open", "acknowledged", "resolved"})},
                   {"message", s::Str()},
                   {"evidence", s::AnyObject()},
                   {"evidence_units", s::AnyObject()},
                   {"threshold", s::AnyObject()},
                   {"citations", s::Array(s::AnyObject())},
                   {"crisis_resources", s::Array(s::AnyObject())},
                   {"created_at", s::Str("date-time")},
                   {"acknowledged_by", s::Nullable(s::Str("uuid"))},
                   {"acknowledged_at", s::Nullable(s::Str("date-time"))},
                   {"note", s::Nullable(s::Str())}},
                  {"id", "patient_id", "rule_id", "severity", "status", "message"}, false);
}

Json PlanRequestSchema(bool for_patch) {
    Json policy = s::Obj({{"pause_at_or_above", s::AnyObject()},
                          {"pause_after_days", s::Int()},
                          {"resume_below", s::AnyObject()},
                          {"resume_after_days", s::Int()}},
                         {"pause_after_days", "resume_after_days"});
    Json props = s::Obj({{"method", s::Enum({"linear", "proportional", "exposure"})},
                         {"start_date", s::Str("date")},
                         {"start_daily_mitragynine_mg", s::Num()},
                         {"step_percent", s::Num()},
                         {"interval_days", s::Int()},
                         {"min_step_mg", s::Num()},
                         {"end_mg", s::Num()},
                         {"doses_per_day", s::Int()},
                         {"pk_parameter_set", s::Str()},
                         {"hold_policy", s::Nullable(policy)}});
    if (!for_patch) {
        props["required"] = {"method", "step_percent", "interval_days"};
    }
    return props;
}

Json PlanSchema() {
    return s::Obj({{"id", s::Str("uuid")},
                   {"patient_id", s::Str("uuid")},
                   {"version", s::Int()},
                   {"supersedes_id", s::Nullable(s::Str("uuid"))},
                   {"method", s::Enum({"linear", "proportional", "exposure"})},
                   {"status", s::Enum({"draft", "approved", "active", "completed", "stopped"})},
                   {"parameters", s::AnyObject()},
                   {"schedule", s::Array(s::Obj({{"date", s::Str("date")},
                                                 {"target_mitragynine_mg", s::Num()},
                                                 {"target_amount_g", s::Num()},
                                                 {"step", s::Int()},
                                                 {"note", s::Str()},
                                                 {"hold", s::Bool()}},
                                                {"date", "target_mitragynine_mg"}, false))},
                   {"summary", s::AnyObject()},
                   {"holds", s::Array(s::AnyObject())},
                   {"on_hold", s::Bool()},
                   {"created_by", s::Str("uuid")},
                   {"approved_by", s::Nullable(s::Str("uuid"))}},
                  {"id", "patient_id", "method", "status", "parameters", "schedule"}, false);
}

}  // namespace

void AddSupervisionRoutes(Router& router) {
    router.Add({"GET", "/api/v1/patients/{pid}/alerts", Access::kSignedIn, ListAlerts,
                {"Safety alerts, newest first: the patient sees the alerts meant for them in plain "
                 "language; clinicians see all, with evidence, threshold and sources",
                 "alerts", nullptr, s::Obj({{"alerts", s::Array(AlertSchema())}}, {}, false), 200,
                 {"status"}}});
    router.Add({"POST", "/api/v1/alerts/{id}/acknowledge", Access::kSignedIn, AcknowledgeAlert,
                {"Acknowledge an open alert with a note (clinicians under care consent)", "alerts",
                 s::Obj({{"note", s::Str()}}, {"note"}), AlertSchema()}});
    router.Add({"POST", "/api/v1/alerts/{id}/resolve", Access::kSignedIn, ResolveAlert,
                {"Resolve an alert (clinicians under care consent); the condition is not raised "
                 "again",
                 "alerts", s::Obj({{"note", s::Str()}}), AlertSchema()}});
    router.Add({"POST", "/api/v1/patients/{pid}/taper-plans", Access::kSignedIn, CreatePlan,
                {"Draft a taper plan; the starting amount defaults to the last 7 days of doses",
                 "taper", PlanRequestSchema(false), PlanSchema(), 201}});
    router.Add({"GET", "/api/v1/patients/{pid}/taper-plans", Access::kSignedIn, ListPlans,
                {"The patient's taper plans, every version", "taper", nullptr,
                 s::Obj({{"taper_plans", s::Array(PlanSchema())}}, {}, false)}});
    router.Add({"GET", "/api/v1/patients/{pid}/taper/today", Access::kSignedIn, TaperToday,
                {"Today's target of the active plan in mg mitragynine and g of the current "
                 "product, adherence so far, hold state (404 without an active plan). `date` is "
                 "the patient's today in their time zone; before the plan's `start_date` the "
                 "target is null",
                 "taper", nullptr,
                 s::Obj({{"plan_id", s::Str("uuid")},
                         {"date", s::Str("date")},
                         {"start_date", s::Nullable(s::Str("date"))},
                         {"target_mitragynine_mg", s::Nullable(s::Num())},
                         {"target_amount_g", s::Nullable(s::Num())},
                         {"taken_today_mitragynine_mg", s::Nullable(s::Num())},
                         {"on_hold", s::Bool()},
                         {"holds", s::Array(s::AnyObject())},
                         {"current_product", s::AnyObject()},
                         {"adherence", s::AnyObject()}},
                        {"plan_id", "date", "start_date", "target_mitragynine_mg", "on_hold"},
                        false)}});
    router.Add({"GET", "/api/v1/taper-plans/{id}", Access::kSignedIn, GetPlan,
                {"One taper plan with its schedule (holds applied)", "taper", nullptr,
                 PlanSchema()}});
    router.Add({"PATCH", "/api/v1/taper-plans/{id}", Access::kSignedIn, PatchPlan,
                {"Edit a plan: creates a new draft version superseding it", "taper",
                 PlanRequestSchema(true), PlanSchema(), 201}});
    router.Add({"POST", "/api/v1/taper-plans/{id}/approve", Access::kSignedIn, ApprovePlan,
                {"Approve a draft (clinicians only)", "taper", nullptr, PlanSchema()}});
    router.Add({"POST", "/api/v1/taper-plans/{id}/activate", Access::kSignedIn, ActivatePlan,
                {"Start an approved plan (stops the patient's other active plan)", "taper",
                 nullptr, PlanSchema()}});
    router.Add({"POST", "/api/v1/taper-plans/{id}/stop", Access::kSignedIn, StopPlan,
                {"Stop a plan", "taper", nullptr, PlanSchema()}});
    router.Add({"POST", "/api/v1/taper-plans/{id}/complete", Access::kSignedIn, CompletePlan,
                {"Mark an active plan completed (clinicians)", "taper", nullptr, PlanSchema()}});
    router.Add({"GET", "/api/v1/taper-plans/{id}/preview", Access::kSignedIn, PreviewPlan,
                {"Expected mitragynine exposure of the plan with a population 5th-95th "
                 "percentile band",
                 "taper", nullptr, s::AnyObject(), 200, {"days"}}});
}

}  // namespace mitra::api
