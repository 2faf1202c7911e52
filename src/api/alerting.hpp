#pragma once
// Safety-rule evaluation against the stored record: gathers a patient's facts (about 60 days
// of doses, assessments, substance use, medications with their drug classes, every dosed lot
// with its assay and label, adverse events, pregnancy), runs core::rules::Evaluate and stores
// only the candidates whose condition_key the patient has no alert for yet (in any status),
// audited, in the caller's transaction. With an active taper plan it also re-evaluates the
// plan's adaptive hold (core::taper::EvaluateHold on daily SOWS/COWS/craving maxima) and
// records a changed hold on the plan.
//
// Request handlers call EvaluateAfterCommit once a write that can change the facts (dose,
// assessment, substance use, medication, adverse event, patient settings) has committed: the
// patient is queued for evaluation off the request's path (deferred_evaluation.hpp), where the
// facts are read in a read transaction, so the single writer is held only for the write itself,
// and a write transaction opens only when there is something new to store. The scheduler and
// `mitra alerts evaluate` run EvaluateAllPatients for the time-based rules (missed check-in,
// weekly frequency, escalation).

#include <cstdint>
#include <string>
#include <vector>

#include "api/context.hpp"
#include "core/ports.hpp"
#include "core/rules/rules.hpp"

namespace mitra::api {

/// History the facts cover (the longest shipped window is escalation: 7 + 28 days).
inline constexpr int kFactsHistoryDays = 60;

/// The shipped rule set (data/rules + data/standards), loaded once per process.
const core::rules::RuleSet& SafetyRules();

/// The patient's facts as of `now_ms`. When `assessments_read` is given it receives the
/// assessments of the window as stored (the taper hold reads them too).
core::rules::PatientFacts GatherFacts(core::UnitOfWork& uow, const core::Patient& patient,
                                      std::int64_t now_ms,
                                      std::vector<core::Assessment>* assessments_read = nullptr);

struct EvaluationOutcome {
    std::vector<core::Alert> raised;  // newly stored alerts
    bool hold_changed = false;        // the active plan's recorded holds changed
};

/// Evaluates and stores new alerts in `uow` (not committed). `actor_user_id` is written to the
/// audit entries ("" = the scheduler).
EvaluationOutcome EvaluateAlertsForPatient(core::UnitOfWork& uow, core::Clock& clock,
                                           core::Random& random, const core::Patient& patient,
                                           const std::string& actor_user_id);

/// The same, for a request handler: the caller is the audited actor.
EvaluationOutcome EvaluateAlertsForPatient(core::UnitOfWork& uow, const RequestContext& ctx,
                                           const core::Patient& patient);

/// Evaluates the patient over a read transaction and stores what is new (alerts, a changed
/// hold) in a short write transaction of its own, opened only when there is something to store.
/// The evaluation a DeferredEvaluation queue runs in a server.
void EvaluatePatientNow(core::Storage& storage, core::Clock& clock, core::Random& random,
                        const std::string& organization_id, const std::string& patient_id,
                        const std::string& actor_user_id);

/// The evaluation a server's DeferredEvaluation queue runs: EvaluatePatientNow on these.
DeferredEvaluation::Evaluate EvaluatePatientsIn(core::Storage& storage, core::Clock& clock,
                                                core::Random& random);

/// For a request handler, once its write of the patient's facts has committed: queues the
/// patient on the server's DeferredEvaluation (the caller is the audited actor of what it
/// raises). The route must be marked as writing facts (Router::MarkWritesFacts).
void EvaluateAfterCommit(const RequestContext& ctx, const core::Patient& patient);

/// Evaluates every patient of every organization, one write transaction per patient. Returns
/// the number of alerts raised. A patient whose evaluation fails is skipped (counted in
/// `failures` when given); the error never names patient data.
int EvaluateAllPatients(core::Storage& storage, core::Clock& clock, core::Random& random,
                        int* failures = nullptr);

}  // namespace mitra::api
