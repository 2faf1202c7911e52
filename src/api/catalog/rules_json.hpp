#pragma once
// Loads the safety rules (data/rules/*.json) into a core::rules::RuleSet, and maps an
// AlertCandidate to JSON for the alert's evidence/citations fields.
//
// File format (data/rules/README.md): {"version", "rules": [{"id", "kind", "severity",
// "parameters": {name: number | string | [string] | bool}, "patient_text", "clinician_text",
// "rationale", "threshold", "threshold_source": "literature" | "clinician_set",
// "citations": [{"text", "evidence": "V"|"D"|"S"|"R", "url"?}]}]} and
// {"version", "crisis_resources": [{"id", "name", "contact", "region", "citation": {...}}]}.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/rules/rules.hpp"

namespace mitra::api::catalog {

/// Adds the rules and crisis resources of one parsed file. Does not run Validate.
/// @throws ValidationError naming "<origin>: rules[i].<field>" for a malformed entry.
void AddRulesFile(core::rules::RuleSet& rule_set, const nlohmann::json& file,
                  const std::string& origin);

/// Reads every *.json file of `dir` (sorted by name), then core::rules::Validate. With
/// `with_standards`, also loads data/standards into rule_set.standards so the lot rule
/// re-checks lots at the patient's actual intake.
/// @throws InternalError naming the file and field on any malformed or invalid entry.
core::rules::RuleSet LoadRuleSet(const std::filesystem::path& dir, bool with_standards = true);

/// LoadRuleSet(DataDir() / "rules").
core::rules::RuleSet LoadRuleSet();

/// {"rule_id", "kind", "severity", "condition_key", "patient_text", "clinician_text",
/// "rationale", "evidence": {key: number | string}, "evidence_units": {key: unit},
/// "threshold": {"text", "values": {...}, "source"}, "citations": [{text, evidence, url?}],
/// "crisis_resources": [{id, name, contact, region}], "patient_visible"}.
nlohmann::json AlertCandidateToJson(const core::rules::AlertCandidate& candidate);

}  // namespace mitra::api::catalog
