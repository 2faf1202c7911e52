#pragma once
// Safety rules: a patient's facts in, explainable alert candidates out.
//
// Rules are data (data/rules/*.json, loaded by api/catalog/rules_json.hpp into a RuleSet); each
// rule names a `RuleKind`, and each kind is one typed C++ predicate here that reads the rule's
// parameters. `Evaluate` is pure and deterministic: the caller (storage/HTTP/scheduler) gathers
// the facts, calls Evaluate after every write that can change them and on a schedule for the
// time-based rules, and raises a stored alert for a candidate only when no alert with the same
// `condition_key` exists yet (in any status). No clinical number is a literal in this module.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/drugs/drugs.hpp"
#include "core/products/standards.hpp"

namespace mitra::core::rules {

enum class Severity { kInfo, kWarning, kHigh, kUrgent };

/// "info" | "warning" | "high" | "urgent" (DESIGN alert.severity).
const char* ToString(Severity severity) noexcept;
std::optional<Severity> ParseSeverity(std::string_view text);

/// One predicate per kind. The JSON names are the ToString values.
enum class RuleKind {
    kCnsDepressantCoUse,  // "cns_depressant_co_use"
    kMedicationClass,     // "medication_class"
    kAntagonistStart,     // "antagonist_start_with_daily_use"
    kLotFailsStandards,   // "lot_fails_standards"
    kConcentrated7Oh,     // "concentrated_7oh"
    kDoseAmount,          // "dose_amount"
    kDoseFrequency,       // "dose_frequency"
    kEscalation,          // "escalation_vs_baseline"
    kAssessmentBand,      // "assessment_band"
    kSustainedScoreRise,  // "sustained_score_rise"
    kAssessmentItem,      // "assessment_item"
    kPregnancy,           // "pregnancy"
    kAdverseEventTerms,   // "adverse_event_terms"
    kMissedCheckIn,       // "missed_check_in"
};

/// Every kind, in declaration order (for validation and tests).
const std::vector<RuleKind>& AllRuleKinds();
const char* ToString(RuleKind kind) noexcept;
std::optional<RuleKind> ParseRuleKind(std::string_view text);

/// "literature": the threshold comes from the cited source. "clinician_set": the clinic chose
/// it (a default is shipped) and may change it.
enum class ThresholdSource { kLiterature, kClinicianSet };
const char* ToString(ThresholdSource source) noexcept;
std::optional<ThresholdSource> ParseThresholdSource(std::string_view text);

struct Citation {
    std::string text;
    /// domain.md tag "V" | "D" | "S", or "R" (a named regulatory/labelling/official source
    /// outside domain.md, as in data/drugs).
    std::string evidence;
    std::string url;  // or empty
};

/// A rule's parameters as written in its data file. Which names a kind needs is in
/// `RequiredParameters`; the loader rejects a rule that lacks one.
struct Parameters {
    std::map<std::string, double> numbers;
    std::map<std::string, std::string> texts;
    std::map<std::string, std::vector<std::string>> lists;

    /// REQUIRES: present (validated at load). Throws InternalError naming the parameter if not.
    double Number(const std::string& name) const;
    const std::string& Text(const std::string& name) const;
    const std::vector<std::string>& List(const std::string& name) const;
    /// Empty list when absent.
    const std::vector<std::string>& ListOr(const std::string& name) const;
    double NumberOr(const std::string& name, double fallback) const;
};

enum class ParameterType { kNumber, kText, kList };
struct ParameterSpec {
    std::string name;
    ParameterType type = ParameterType::kNumber;
    bool required = true;
};
/// The parameters each kind reads (the loader checks them; README documents them).
const std::vector<ParameterSpec>& RequiredParameters(RuleKind kind);

struct Rule {
    std::string id;  // stable, e.g. "cns-depressant-co-use"
    RuleKind kind = RuleKind::kPregnancy;
    Severity severity = Severity::kInfo;
    Parameters parameters;
    /// Shown to the patient; empty = clinician-only alert. May contain {placeholders}: any
    /// evidence key, plus {crisis_resources}.
    std::string patient_text;
    std::string clinician_text;  // required; same placeholders
    std::string rationale;       // why the rule exists, for the clinician
    std::vector<Citation> citations;
    ThresholdSource threshold_source = ThresholdSource::kLiterature;
    std::string threshold_text;  // the threshold in words, may use {parameter} placeholders
};

/// A crisis line or emergency contact shown with urgent mental-health alerts.
struct CrisisResource {
    std::string id;
    std::string name;
    std::string contact;  // "call or text 988", "your local emergency number"
    std::string region;   // "US", "any"
    Citation citation;
};

struct RuleSet {
    std::string version;
    std::vector<Rule> rules;
    std::vector<CrisisResource> crisis_resources;
    /// Product standards for the lot rule (re-checked at the patient's actual intake). Absent =
    /// the lot rule uses the lots' stored compliance reports as they are.
    std::optional<products::Standards> standards;
    std::vector<std::string> jurisdiction_rules;  // opt-in standards rules (e.g. "US-FL-...")

    const Rule* Find(std::string_view id) const;
};

/// Validates a rule set: unique ids, known kinds with their parameters, non-empty clinician
/// text, every rule cited or marked clinician_set, citations tagged V/D/S/R, a rule that rests
/// only on [S] citations must be clinician_set. Throws ValidationError naming
/// "rules[i].<field>".
void Validate(const RuleSet& rule_set);

// ---- Facts -----------------------------------------------------------------------------

struct DoseFact {
    std::string id;
    std::int64_t taken_at_ms = 0;
    std::optional<std::string> lot_id;
    std::optional<std::string> product_id;
    std::optional<double> amount_g;
    std::optional<double> mitragynine_mg;
    std::optional<double> hydroxymitragynine_mg;
};

struct AssessmentFact {
    std::string id;
    std::string instrument;  // "cows-11", "sows-gossop-10", "phq-9", ...
    std::int64_t taken_at_ms = 0;
    double total = 0.0;
    std::optional<std::string> band;        // band label, lower case, as scored
    std::map<std::string, double> answers;  // item id -> value
};

struct SubstanceUseFact {
    std::string id;
    std::int64_t taken_at_ms = 0;
    std::string substance_class;  // opioid | benzodiazepine | alcohol | gabapentinoid | ...
    std::optional<std::string> substance;
};

struct MedicationFact {
    std::string id;
    std::string name;
    std::optional<std::string> drug_id;      // matched data/drugs entry
    std::vector<drugs::DrugClass> classes;   // of the matched drug
    std::int32_t started_on = 0;             // days since epoch
    std::optional<std::int32_t> stopped_on;  // last day taken; absent = ongoing
};

struct LotFact {
    std::string id;
    std::string code;
    std::string product_id;
    std::string product_name;
    products::LotAssay assay;
    products::ProductLabel label;
    /// The stored report (no intake). Used when the RuleSet has no standards.
    std::optional<products::ComplianceReport> compliance;
};

struct AdverseEventFact {
    std::string id;
    std::int64_t onset_at_ms = 0;
    std::vector<std::string> terms;  // as recorded; matched case-insensitively
    bool serious = false;
    std::optional<std::string> lot_id;
};

/// Everything the rules look at, gathered by the caller. Deleted ("entered in error") records
/// must be left out by the caller.
struct PatientFacts {
    std::string patient_id;
    std::string time_zone = "UTC";  // IANA; days are the patient's calendar days
    std::int64_t now_ms = 0;
    std::vector<DoseFact> doses;
    std::vector<AssessmentFact> assessments;
    std::vector<SubstanceUseFact> substance_use;
    std::vector<MedicationFact> medications;
    std::vector<LotFact> lots;  // every lot referenced by a dose
    std::vector<AdverseEventFact> adverse_events;
    std::optional<bool> pregnant;
    /// Last dose or assessment the patient logged; absent = computed from doses/assessments.
    std::optional<std::int64_t> last_check_in_ms;
};

// ---- Output ----------------------------------------------------------------------------

/// One fact behind an alert. Numbers carry their unit; other values are text.
struct EvidenceItem {
    std::string key;
    std::optional<double> number;
    std::string text;
    std::string unit;
};

struct AlertCandidate {
    std::string rule_id;
    RuleKind kind = RuleKind::kPregnancy;
    Severity severity = Severity::kInfo;
    /// Identifies the ongoing condition: the caller raises no second alert with the same key.
    /// Built as "<rule id>:<anchor>" where the anchor is the medication, lot, assessment,
    /// adverse event or calendar week (Monday date) behind the alert.
    std::string condition_key;
    std::string patient_text;  // placeholders filled; empty = not shown to the patient
    std::string clinician_text;
    std::string rationale;
    std::vector<EvidenceItem> evidence;
    std::string threshold;                           // in words, placeholders filled
    std::map<std::string, double> threshold_values;  // the numeric parameters used
    ThresholdSource threshold_source = ThresholdSource::kLiterature;
    std::vector<Citation> citations;  // the rule's, then any from failing standards findings
    std::vector<CrisisResource> crisis_resources;  // for rules with show_crisis_resources = 1

    bool PatientVisible() const { return !patient_text.empty(); }
    const EvidenceItem* FindEvidence(std::string_view key) const;
};

/// Runs every rule of `rule_set` on `facts`. Candidates are ordered by severity (urgent first),
/// then rule order, then condition key; no two share a condition_key.
/// @throws ValidationError (field "time_zone") for an unknown time zone.
std::vector<AlertCandidate> Evaluate(const RuleSet& rule_set, const PatientFacts& facts);

/// Runs one rule (tests, previews).
std::vector<AlertCandidate> EvaluateRule(const RuleSet& rule_set, const Rule& rule,
                                         const PatientFacts& facts);

/// Candidates whose condition_key is not in `existing_keys` (the keys of the patient's stored
/// alerts): what the caller should raise.
std::vector<AlertCandidate> NewCandidates(const std::vector<AlertCandidate>& candidates,
                                          const std::vector<std::string>& existing_keys);

}  // namespace mitra::core::rules
