#pragma once
// Standards check of a lot's assay (KCPA 7-OH share, synthetic alkaloids, controlled
// substances, label amounts, USP <2232> elemental contaminants, microbial results, and opt-in
// jurisdiction rules such as Florida's 7-OH dry-weight ceiling).
//
// `Standards` holds the limits and citations loaded from data/standards/*.json
// (src/api/catalog/standards_json.hpp); no limit is a literal here. `Check` is pure and
// deterministic; a `ComplianceReport` is a value. Thread-safe: no shared state.
//
// Verdict semantics: "pass" only when the data decide it; an assay too incomplete to decide
// gives kCannotDetermine with the reason in `computation`. Limits are inclusive ("≤"): a value
// exactly at the limit passes. Comparisons allow a relative slack of 1e-9 so that decimal
// inputs that are exactly at the limit on paper (0.2 / 10 = 2 %) are not failed by binary
// rounding; that slack is far below any lab's reporting precision.

#include <optional>
#include <string>
#include <vector>

#include "core/products/assay.hpp"

namespace mitra::core::products {

enum class Verdict { kPass, kFail, kCannotDetermine };

/// "pass" | "fail" | "cannot_determine".
const char* VerdictName(Verdict verdict) noexcept;

/// What every rule carries from its data file.
struct RuleInfo {
    std::string id;        // stable rule id, e.g. "kcpa-7oh-alkaloid-fraction"
    std::string title;     // one line for people
    std::string citation;  // source text (domain.md)
    std::string url;       // source address, or empty
    std::string evidence;  // "V" | "S" | "D" (domain.md tags)
    std::string note;      // optional caveat shown with the finding
};

/// 7-OH may be at most `max_percent` % of the alkaloid fraction (KCPA).
struct AlkaloidFractionRule {
    RuleInfo info;
    double max_percent = 0.0;
};

enum class ProhibitedSubstance { kSyntheticAlkaloids, kControlledSubstances };

/// A substance class that must be neither declared nor detected.
struct ProhibitedSubstanceRule {
    RuleInfo info;
    ProhibitedSubstance substance = ProhibitedSubstance::kSyntheticAlkaloids;
};

/// The label must state the mitragynine and 7-OH amounts.
struct LabelAmountsRule {
    RuleInfo info;
};

enum class Metal { kLead, kArsenic, kCadmium, kMercury, kNickel };

/// "lead", "arsenic", "cadmium", "mercury", "nickel".
const char* MetalName(Metal metal) noexcept;

/// Permitted daily exposure of one element. `pde_ug_per_day` absent = no PDE in the standard
/// (reported as not assessed, and not counted towards `passes`).
struct MetalPdeRule {
    RuleInfo info;
    Metal metal = Metal::kLead;
    std::optional<double> pde_ug_per_day;
    /// True when the lab's measurand can only overstate the one the PDE limits (total arsenic
    /// vs inorganic arsenic): a measured value above the limit is then "cannot determine".
    bool measured_value_is_upper_bound = false;
    std::string pde_applies_to;  // e.g. "inorganic arsenic"
};

/// Lab pass/fail microbial results.
struct MicrobialRule {
    RuleInfo info;
};

/// Opt-in ceiling on 7-OH by dry weight for one jurisdiction (e.g. US-FL 0.04 %).
struct DryWeightCeilingRule {
    RuleInfo info;
    std::string jurisdiction;             // ISO 3166-2, e.g. "US-FL"
    double max_percent_dry_weight = 0.0;  // % w/w of dry product
    std::string effective_from;           // ISO date or empty
};

/// All rules, as loaded from data/standards. Absent optional rules are simply not checked.
struct Standards {
    std::string version;
    std::optional<AlkaloidFractionRule> hydroxymitragynine_fraction;
    std::vector<ProhibitedSubstanceRule> prohibited_substances;
    std::optional<LabelAmountsRule> label_amounts;
    std::vector<MetalPdeRule> metals;
    std::optional<MicrobialRule> microbial;
    std::vector<DryWeightCeilingRule> jurisdiction_rules;  // only run when named by the caller
};

/// One rule's answer. `limit`/`value` are absent when the rule has no number (presence rules)
/// or the number could not be computed.
struct Finding {
    std::string rule;
    Verdict verdict = Verdict::kCannotDetermine;
    std::optional<double> limit;
    std::optional<double> value;
    std::string unit;
    std::string computation;  // the arithmetic or the reason, in words
    std::string citation;
    std::string url;
    std::string evidence;
    std::string note;
    /// False for findings that report something no standard limits (nickel without a PDE);
    /// those never change `passes`.
    bool counts_toward_passes = true;
};

struct ComplianceReport {
    /// false if any counted finding fails; else nullopt ("cannot determine") if any counted
    /// finding cannot be determined; else true.
    std::optional<bool> passes;
    std::vector<Finding> findings;
};

/// Checks one lot against the standards.
/// @param daily_intake_g the patient's (or a scenario's) daily intake of this product, g/day;
///        absent = metals answer "cannot determine" but state the largest intake that stays
///        within each PDE.
/// @param jurisdiction_rules ids of opt-in rules to apply (e.g. "US-FL-7oh-dry-weight").
/// @throws ValidationError field "daily_intake_g" if not a positive finite number;
///         field "jurisdiction_rules" naming an unknown rule id.
ComplianceReport Check(const Standards& standards, const LotAssay& assay,
                       const ProductLabel& label, std::optional<double> daily_intake_g,
                       const std::vector<std::string>& jurisdiction_rules);

/// Combines verdicts as `ComplianceReport::passes` describes.
std::optional<bool> AggregatePasses(const std::vector<Finding>& findings);

}  // namespace mitra::core::products
