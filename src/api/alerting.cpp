#include "api/alerting.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

#include <nlohmann/json.hpp>

#include "api/catalog/rules_json.hpp"
#include "api/clinical_mapping.hpp"
#include "api/taper_mapping.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

using Json = nlohmann::json;
namespace rules = core::rules;

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int kMaxRows = 10000;  // bound per list query (60 days of any realistic logging)

void Audit(core::UnitOfWork& uow, std::int64_t now_ms, const core::Patient& patient,
           const std::string& actor, const std::string& action, const std::string& type,
           const std::string& id) {
    core::AuditEntry entry;
    entry.organization_id = patient.organization_id;
    entry.at_ms = now_ms;
    entry.actor_user_id = actor;
    entry.action = action;
    entry.subject_type = type;
    entry.subject_id = id;
    entry.patient_id = patient.id;
    uow.Audit().Append(std::move(entry));
}

std::map<std::string, double> Answers(const std::string& responses_json) {
    std::map<std::string, double> out;
    const Json json = Json::parse(responses_json.empty() ? std::string("{}") : responses_json);
    for (const auto& [key, value] : json.items()) {
        if (value.is_number()) {
            out[key] = value.get<double>();
        }
    }
    return out;
}

std::vector<std::string> Terms(const std::string& terms_json) {
    std::vector<std::string> out;
    const Json json = Json::parse(terms_json.empty() ? std::string("[]") : terms_json);
    for (const auto& t : json) {
        if (t.is_string()) {
            out.push_back(t.get<std::string>());
        }
    }
    return out;
}

/// The active plan with its holds re-evaluated, when they differ from the recorded ones.
struct HoldChange {
    core::TaperPlanRecord plan;  // holds_json already updated
    bool on_hold = false;
};

std::optional<HoldChange> ChangedHold(core::UnitOfWork& uow, const core::Patient& patient,
                                      const std::vector<core::Assessment>& assessments) {
    auto plan = uow.TaperPlans().FindActive(patient.organization_id, patient.id);
    if (!plan) {
        return std::nullopt;
    }
    const auto policy = HoldPolicyOf(*plan);
    if (!policy) {
        return std::nullopt;
    }
    // Only scores since the plan's first step count.
    const core::taper::TaperPlan core_plan = PlanOf(*plan);
    const std::int32_t first =
        core_plan.schedule.empty() ? 0 : core_plan.schedule.front().date;
    std::vector<core::taper::DailyScores> scores;
    for (auto& day : DailyScoresOf(assessments, patient.timezone)) {
        if (day.date >= first) {
            scores.push_back(std::move(day));
        }
    }
    const core::taper::HoldState state = core::taper::EvaluateHold(*policy, scores);
    std::string holds = HoldsToJson(state.periods).dump();
    if (holds == Json::parse(plan->holds_json).dump()) {
        return std::nullopt;
    }
    plan->holds_json = std::move(holds);
    return HoldChange{std::move(*plan), state.on_hold};
}

/// Re-evaluates the active plan's hold; true when the recorded holds changed.
bool RefreshHold(core::UnitOfWork& uow, const core::Patient& patient, std::int64_t now_ms,
                 const std::string& actor, const std::vector<core::Assessment>& assessments) {
    auto change = ChangedHold(uow, patient, assessments);
    if (!change) {
        return false;
    }
    change->plan.updated_at_ms = now_ms;
    uow.TaperPlans().Update(change->plan);
    Audit(uow, now_ms, patient, actor, change->on_hold ? "taper_plan.hold" : "taper_plan.resume",
          "taper_plan", change->plan.id);
    return true;
}

/// Read-only half of an evaluation: true when storing it would change anything.
bool EvaluationWouldStore(core::UnitOfWork& uow, const core::Patient& patient,
                          std::int64_t now_ms) {
    std::vector<core::Assessment> assessments;
    const rules::PatientFacts facts = GatherFacts(uow, patient, now_ms, &assessments);
    const auto fresh = rules::NewCandidates(
        rules::Evaluate(SafetyRules(), facts),
        uow.Alerts().ConditionKeys(patient.organization_id, patient.id));
    if (!fresh.empty()) {
        return true;
    }
    return ChangedHold(uow, patient, assessments).has_value();
}

}  // namespace

const rules::RuleSet& SafetyRules() {
    static const rules::RuleSet kRules = catalog::LoadRuleSet();
    return kRules;
}

rules::PatientFacts GatherFacts(core::UnitOfWork& uow, const core::Patient& patient,
                                std::int64_t now_ms,
                                std::vector<core::Assessment>* assessments_read) {
    const std::string& org = patient.organization_id;
    rules::PatientFacts facts;
    facts.patient_id = patient.id;
    facts.time_zone = patient.timezone.empty() ? std::string("UTC") : patient.timezone;
    facts.now_ms = now_ms;
    facts.pregnant = patient.pregnant;
    core::TimeRange range;
    range.from_ms = now_ms - kFactsHistoryDays * kDayMs;
    range.limit = kMaxRows;

    std::set<std::string> lot_ids;
    std::optional<std::int64_t> last_check_in;
    for (const auto& d : uow.Doses().SummariesForPatient(org, patient.id, range)) {
        facts.doses.push_back({d.id, d.taken_at_ms, d.lot_id, d.product_id, d.amount_g,
                               d.mitragynine_mg, d.hydroxymitragynine_mg});
        if (d.lot_id) {
            lot_ids.insert(*d.lot_id);
        }
        last_check_in = std::max(last_check_in.value_or(d.taken_at_ms), d.taken_at_ms);
    }
    if (auto last = uow.Doses().LastForPatient(org, patient.id)) {
        last_check_in = std::max(last_check_in.value_or(last->taken_at_ms), last->taken_at_ms);
    }
    std::vector<core::Assessment> assessments =
        uow.Assessments().ListForPatient(org, patient.id, "", range);
    for (const auto& a : assessments) {
        facts.assessments.push_back(
            {a.id, a.instrument, a.taken_at_ms, a.total, a.band_label, Answers(a.responses_json)});
        last_check_in = std::max(last_check_in.value_or(a.taken_at_ms), a.taken_at_ms);
    }
    facts.last_check_in_ms = last_check_in;
    if (assessments_read != nullptr) {
        *assessments_read = std::move(assessments);
    }
    for (const auto& s : uow.SubstanceUses().ListForPatient(org, patient.id, range)) {
        facts.substance_use.push_back({s.id, s.taken_at_ms, s.substance_class, s.substance});
    }
    const auto& catalogs = Catalogs();
    for (const auto& m : uow.Medications().ListForPatient(org, patient.id, false)) {
        rules::MedicationFact fact;
        fact.id = m.id;
        fact.name = m.name;
        fact.started_on = m.started_on;
        fact.stopped_on = m.stopped_on;
        const core::drugs::Drug* drug = nullptr;
        if (m.drug_id) {
            drug = catalogs.drugs.FindById(*m.drug_id);
        }
        if (drug == nullptr) {
            if (auto match = core::drugs::MatchDrug(catalogs.drugs, m.name)) {
                drug = match->drug;
            }
        }
        if (drug != nullptr) {
            fact.drug_id = drug->id;
            for (const auto& tag : drug->classes) {
                fact.classes.push_back(tag.drug_class);
            }
        }
        facts.medications.push_back(std::move(fact));
    }
    for (const auto& lot_id : lot_ids) {
        auto lot = uow.Lots().FindById(org, lot_id);
        if (!lot) {
            continue;
        }
        auto product = uow.Products().FindById(org, lot->product_id);
        rules::LotFact fact;
        fact.id = lot->id;
        fact.code = lot->code;
        fact.product_id = lot->product_id;
        fact.assay = AssayOf(*lot);
        if (product) {
            fact.product_name = product->name;
            fact.label = LabelOf(*product);
        }
        facts.lots.push_back(std::move(fact));
    }
    for (const auto& e : uow.AdverseEvents().ListForPatient(org, patient.id, range)) {
        facts.adverse_events.push_back(
            {e.id, e.onset_at_ms, Terms(e.terms_json), e.serious, e.lot_id});
    }
    return facts;
}

EvaluationOutcome EvaluateAlertsForPatient(core::UnitOfWork& uow, core::Clock& clock,
                                           core::Random& random, const core::Patient& patient,
                                           const std::string& actor_user_id) {
    const std::int64_t now_ms = clock.NowMs();
    EvaluationOutcome outcome;
    std::vector<core::Assessment> assessments;
    const rules::PatientFacts facts = GatherFacts(uow, patient, now_ms, &assessments);
    const auto candidates = rules::Evaluate(SafetyRules(), facts);
    const auto fresh = rules::NewCandidates(
        candidates, uow.Alerts().ConditionKeys(patient.organization_id, patient.id));
    for (const auto& c : fresh) {
        const Json detail = catalog::AlertCandidateToJson(c);
        core::Alert alert;
        alert.id = core::NewId(clock, random);
        alert.organization_id = patient.organization_id;
        alert.patient_id = patient.id;
        alert.rule_id = c.rule_id;
        alert.severity = rules::ToString(c.severity);
        alert.condition_key = c.condition_key;
        alert.message = c.clinician_text;
        alert.patient_text = c.patient_text;
        alert.clinician_text = c.clinician_text;
        alert.evidence_json = detail.dump();
        alert.citations_json = detail.value("citations", Json::array()).dump();
        alert.created_at_ms = now_ms;
        try {
            uow.Alerts().Insert(alert);
        } catch (const ConflictError&) {
            continue;  // a concurrent evaluation stored the same condition first
        }
        Audit(uow, now_ms, patient, actor_user_id, "alert.raise", "alert", alert.id);
        outcome.raised.push_back(std::move(alert));
    }
    // The hold reads the patient's scores since the plan's start (assessments of the window).
    outcome.hold_changed =
        RefreshHold(uow, patient, now_ms, actor_user_id, assessments);
    return outcome;
}

void EvaluatePatientNow(core::Storage& storage, core::Clock& clock, core::Random& random,
                        const std::string& organization_id, const std::string& patient_id,
                        const std::string& actor_user_id) {
    {
        auto read = storage.Begin(core::TxMode::kRead);
        const auto patient = read->Patients().FindById(organization_id, patient_id);
        if (!patient || !EvaluationWouldStore(*read, *patient, clock.NowMs())) {
            return;
        }
    }
    // Something is new: evaluate again inside the write transaction, so the stored alerts and
    // hold reflect the record as of that transaction.
    auto write = storage.Begin(core::TxMode::kWrite);
    const auto patient = write->Patients().FindById(organization_id, patient_id);
    if (!patient) {
        return;
    }
    EvaluateAlertsForPatient(*write, clock, random, *patient, actor_user_id);
    write->Commit();
}

DeferredEvaluation::Evaluate EvaluatePatientsIn(core::Storage& storage, core::Clock& clock,
                                                core::Random& random) {
    return [&storage, &clock, &random](const std::string& org, const std::string& patient,
                                       const std::string& actor) {
        EvaluatePatientNow(storage, clock, random, org, patient, actor);
    };
}

void EvaluateAfterCommit(const RequestContext& ctx, const core::Patient& patient) {
    ctx.services.evaluations.Enqueue(patient.organization_id, patient.id, ctx.Me().user.id);
}

EvaluationOutcome EvaluateAlertsForPatient(core::UnitOfWork& uow, const RequestContext& ctx,
                                           const core::Patient& patient) {
    return EvaluateAlertsForPatient(uow, ctx.services.clock, ctx.services.random, patient,
                                    ctx.Me().user.id);
}

int EvaluateAllPatients(core::Storage& storage, core::Clock& clock, core::Random& random,
                        int* failures) {
    std::vector<core::Patient> patients;
    {
        auto uow = storage.Begin(core::TxMode::kRead);
        for (const auto& org : uow->Organizations().List()) {
            for (auto& p : uow->Patients().ListByOrganization(org.id)) {
                patients.push_back(std::move(p));
            }
        }
    }
    int raised = 0;
    int failed = 0;
    for (const auto& listed : patients) {
        try {
            auto uow = storage.Begin(core::TxMode::kWrite);
            auto patient = uow->Patients().FindById(listed.organization_id, listed.id);
            if (!patient) {
                continue;
            }
            raised += static_cast<int>(
                EvaluateAlertsForPatient(*uow, clock, random, *patient, "").raised.size());
            uow->Commit();
        } catch (const std::exception&) {
            ++failed;
        }
    }
    if (failures != nullptr) {
        *failures = failed;
    }
    return raised;
}

}  // namespace mitra::api
