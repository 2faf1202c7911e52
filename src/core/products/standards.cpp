#include "core/products/standards.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/check.hpp"
#include "core/error.hpp"

namespace mitra::core::products {

namespace {

constexpr double kRelativeSlack = 1e-9;
// 1 % w/w = 1 g per 100 g = 10 mg per g (unit conversion, not a clinical constant).
constexpr double kMgPerGPerPercent = 10.0;

bool AtMost(double value, double limit) {
    return value <= limit + std::abs(limit) * kRelativeSlack;
}

std::string Num(double value) {
    std::ostringstream out;
    out.precision(6);
    out << value;
    return out.str();
}

Finding Start(const RuleInfo& info, std::string unit) {
    Finding finding;
    finding.rule = info.id;
    finding.unit = std::move(unit);
    finding.citation = info.citation;
    finding.url = info.url;
    finding.evidence = info.evidence;
    finding.note = info.note;
    return finding;
}

void ValidateAssay(const Assay& assay) {
    const char* fn = "Check";
    auto check = [fn](const std::string& field, const std::optional<double>& value) {
        if (value) {
            CheckNonNegativeFinite(fn, field, *value);
        }
    };
    check("assay.mitragynine_mg_per_g", assay.mitragynine_mg_per_g);
    check("assay.hydroxymitragynine_mg_per_g", assay.hydroxymitragynine_mg_per_g);
    check("assay.total_alkaloids_mg_per_g", assay.total_alkaloids_mg_per_g);
    for (const auto& [name, value] : assay.other_alkaloids_mg_per_g) {
        CheckNonNegativeFinite(fn, "assay.other_alkaloids_mg_per_g." + name, value);
    }
    check("assay.metals_ug_per_g.lead", assay.metals_ug_per_g.lead);
    check("assay.metals_ug_per_g.arsenic", assay.metals_ug_per_g.arsenic);
    check("assay.metals_ug_per_g.cadmium", assay.metals_ug_per_g.cadmium);
    check("assay.metals_ug_per_g.mercury", assay.metals_ug_per_g.mercury);
    check("assay.metals_ug_per_g.nickel", assay.metals_ug_per_g.nickel);
    if (assay.moisture_percent) {
        CheckInRange(fn, "assay.moisture_percent", *assay.moisture_percent, 0.0, 99.999);
    }
}

Finding CheckFraction(const AlkaloidFractionRule& rule, const Assay& assay) {
    Finding f = Start(rule.info, "% of alkaloid fraction");
    f.limit = rule.max_percent;
    const std::string limit_text = Num(rule.max_percent) + " %";
    if (!assay.hydroxymitragynine_mg_per_g) {
        f.verdict = Verdict::kCannotDetermine;
        f.computation =
            "7-OH (hydroxymitragynine_mg_per_g) not measured: its share of the alkaloid "
            "fraction cannot be computed";
        return f;
    }
    const double oh = *assay.hydroxymitragynine_mg_per_g;
    // The measured alkaloids, itemised; their sum is a lower bound of the alkaloid fraction.
    double measured_sum = oh;
    std::string terms;
    if (assay.mitragynine_mg_per_g) {
        measured_sum += *assay.mitragynine_mg_per_g;
        terms += "mitragynine " + Num(*assay.mitragynine_mg_per_g) + " + ";
    }
    terms += "7-OH " + Num(oh);
    for (const auto& [name, value] : assay.other_alkaloids_mg_per_g) {
        measured_sum += value;
        terms += " + " + name + " " + Num(value);
    }
    if (oh == 0.0) {
        f.value = 0.0;
        f.verdict = Verdict::kPass;
        f.computation = "7-OH measured as 0 mg/g, so its share of any alkaloid fraction is 0 % <= " +
                        limit_text;
        return f;
    }
    if (assay.total_alkaloids_mg_per_g) {
        const double total = *assay.total_alkaloids_mg_per_g;
        if (total < measured_sum * (1.0 - kRelativeSlack)) {
            f.verdict = Verdict::kCannotDetermine;
            f.computation = "inconsistent assay: total alkaloids " + Num(total) +
                            " mg/g is less than the sum of the measured alkaloids (" + terms +
                            " = " + Num(measured_sum) + " mg/g)";
            return f;
        }
        const double share = oh / total * 100.0;
        f.value = share;
        const bool ok = AtMost(share, rule.max_percent);
        f.verdict = ok ? Verdict::kPass : Verdict::kFail;
        f.computation = "alkaloid fraction = total_alkaloids_mg_per_g (measured) = " + Num(total) +
                        " mg/g; 7-OH share = " + Num(oh) + " / " + Num(total) +
                        " x 100 = " + Num(share) + " % " + (ok ? "<= " : "> ") + limit_text;
        return f;
    }
    const double upper = oh / measured_sum * 100.0;
    f.value = upper;
    std::string text =
        "total alkaloids not measured; the measured alkaloids (" + terms + " = " +
        Num(measured_sum) +
        " mg/g) are only a lower bound of the alkaloid fraction, so 7-OH share <= " + Num(oh) +
        " / " + Num(measured_sum) + " x 100 = " + Num(upper) + " % (an upper bound)";
    if (AtMost(upper, rule.max_percent)) {
        f.verdict = Verdict::kPass;
        text += "; the upper bound is <= " + limit_text +
                ", and unmeasured alkaloids can only lower the true share";
    } else {
        f.verdict = Verdict::kCannotDetermine;
        text += "; the upper bound exceeds " + limit_text +
                ", but unmeasured alkaloids may bring the true share below it: "
                "total_alkaloids_mg_per_g is needed to decide";
    }
    f.computation = std::move(text);
    return f;
}

Finding CheckProhibited(const ProhibitedSubstanceRule& rule, const Assay& assay,
                        const ProductLabel& label) {
    Finding f = Start(rule.info, "");
    const bool synthetic = rule.substance == ProhibitedSubstance::kSyntheticAlkaloids;
    const std::string what = synthetic ? "synthetic alkaloids" : "controlled substances";
    const bool declared = label.supplied && (synthetic ? label.declares_synthetic_alkaloids
                                                       : label.declares_controlled_substances);
    const std::optional<bool> detected = synthetic ? assay.synthetic_alkaloids_detected
                                                   : assay.controlled_substances_detected;
    if (declared) {
        f.verdict = Verdict::kFail;
        f.computation = "the label declares " + what;
    } else if (detected && *detected) {
        f.verdict = Verdict::kFail;
        f.computation = "the lab detected " + what;
    } else if (detected) {
        f.verdict = Verdict::kPass;
        f.computation = "the lab tested for " + what + " and detected none";
    } else {
        f.verdict = Verdict::kCannotDetermine;
        f.computation = "no lab result for " + what + " (not tested)";
    }
    return f;
}

Finding CheckLabel(const LabelAmountsRule& rule, const ProductLabel& label) {
    Finding f = Start(rule.info, "mg/g");
    if (!label.supplied) {
        f.verdict = Verdict::kCannotDetermine;
        f.computation = "no label information supplied";
        return f;
    }
    std::string missing;
    if (!label.mitragynine_mg_per_g) {
        missing = "mitragynine";
    }
    if (!label.hydroxymitragynine_mg_per_g) {
        missing += missing.empty() ? "7-OH" : " and 7-OH";
    }
    if (missing.empty()) {
        f.verdict = Verdict::kPass;
        f.computation = "label states mitragynine " + Num(*label.mitragynine_mg_per_g) +
                        " mg/g and 7-OH " + Num(*label.hydroxymitragynine_mg_per_g) + " mg/g";
    } else {
        f.verdict = Verdict::kFail;
        f.computation = "label does not state the amount of " + missing;
    }
    return f;
}

std::optional<double> MetalValue(const MetalsUgPerG& metals, Metal metal) {
    switch (metal) {
        case Metal::kLead:
            return metals.lead;
        case Metal::kArsenic:
            return metals.arsenic;
        case Metal::kCadmium:
            return metals.cadmium;
        case Metal::kMercury:
            return metals.mercury;
        case Metal::kNickel:
            return metals.nickel;
    }
    return std::nullopt;
}

Finding CheckMetal(const MetalPdeRule& rule, const Assay& assay,
                   std::optional<double> daily_intake_g) {
    Finding f = Start(rule.info, "ug/g");
    const std::string name = MetalName(rule.metal);
    const std::optional<double> value = MetalValue(assay.metals_ug_per_g, rule.metal);
    f.value = value;
    if (!rule.pde_ug_per_day) {
        f.verdict = Verdict::kCannotDetermine;
        f.counts_toward_passes = false;
        f.computation = "not assessed: the encoded standard has no PDE for " + name +
                        (value ? " (measured " + Num(*value) + " ug/g, reported only)"
                               : " (not measured)");
        return f;
    }
    const double pde = *rule.pde_ug_per_day;
    const std::string pde_text = "PDE " + Num(pde) + " ug/day" +
                                 (rule.pde_applies_to.empty() ? ""
                                                              : " (" + rule.pde_applies_to + ")");
    if (!value) {
        f.verdict = Verdict::kCannotDetermine;
        f.computation = name + " not measured";
        if (daily_intake_g) {
            f.limit = pde / *daily_intake_g;
        }
        return f;
    }
    if (!daily_intake_g) {
        f.verdict = Verdict::kCannotDetermine;
        if (*value > 0.0) {
            f.computation = "no daily intake given; the lot stays within the " + pde_text +
                            " up to a daily intake of PDE / concentration = " + Num(pde) + " / " +
                            Num(*value) + " = " + Num(pde / *value) + " g/day";
        } else {
            f.computation = "no daily intake given; " + name +
                            " measured as 0 ug/g, so no intake exceeds the " + pde_text;
        }
        return f;
    }
    const double intake = *daily_intake_g;
    const double limit = pde / intake;
    const double exposure = *value * intake;
    f.limit = limit;
    const bool ok = AtMost(exposure, pde);
    std::string text = "limit = " + pde_text + " / daily intake " + Num(intake) +
                       " g/day = " + Num(limit) + " ug/g; measured " + Num(*value) + " ug/g " +
                       (ok ? "<= " : "> ") + "limit (daily exposure " + Num(*value) + " x " +
                       Num(intake) + " = " + Num(exposure) + " ug/day)";
    if (ok) {
        f.verdict = Verdict::kPass;
    } else if (rule.measured_value_is_upper_bound) {
        f.verdict = Verdict::kCannotDetermine;
        text += "; the measured value can only overstate " + rule.pde_applies_to +
                ", so exceeding the limit does not decide: a speciated result is needed";
    } else {
        f.verdict = Verdict::kFail;
    }
    f.computation = std::move(text);
    return f;
}

Finding CheckMicrobial(const MicrobialRule& rule, const Assay& assay) {
    Finding f = Start(rule.info, "");
    if (assay.microbial.empty()) {
        f.verdict = Verdict::kCannotDetermine;
        f.computation = "no microbial results reported";
        return f;
    }
    std::string failed;
    for (const auto& [test, result] : assay.microbial) {
        if (result == TestResult::kFail) {
            failed += (failed.empty() ? "" : ", ") + test;
        }
    }
    if (failed.empty()) {
        f.verdict = Verdict::kPass;
        f.computation = "all " + std::to_string(assay.microbial.size()) +
                        " reported microbial tests passed";
    } else {
        f.verdict = Verdict::kFail;
        f.computation = "failed: " + failed;
    }
    return f;
}

Finding CheckDryWeightCeiling(const DryWeightCeilingRule& rule, const Assay& assay) {
    Finding f = Start(rule.info, "mg/g dry weight");
    const double limit = rule.max_percent_dry_weight * kMgPerGPerPercent;
    f.limit = limit;
    const std::string limit_text = Num(rule.max_percent_dry_weight) + " % dry weight = " +
                                   Num(rule.max_percent_dry_weight) + " x 10 = " + Num(limit) +
                                   " mg/g";
    if (!assay.hydroxymitragynine_mg_per_g) {
        f.verdict = Verdict::kCannotDetermine;
        f.computation = "7-OH not measured (limit " + limit_text + ")";
        return f;
    }
    const double reported = *assay.hydroxymitragynine_mg_per_g;
    double dry = reported;
    std::string basis_text;
    if (assay.basis == AssayBasis::kDryWeight) {
        basis_text = "reported on a dry-weight basis: " + Num(dry) + " mg/g";
    } else if (assay.basis == AssayBasis::kAsIs && assay.moisture_percent) {
        dry = reported / (1.0 - *assay.moisture_percent / 100.0);
        basis_text = "reported as-is " + Num(reported) + " mg/g at " +
                     Num(*assay.moisture_percent) + " % moisture; dry weight = " +
                     Num(reported) + " / (1 - " + Num(*assay.moisture_percent) +
                     " / 100) = " + Num(dry) + " mg/g";
    } else {
        // Drying only concentrates: the reported value is a lower bound of the dry-weight one.
        f.value = reported;
        if (!AtMost(reported, limit)) {
            f.verdict = Verdict::kFail;
            f.computation = "reported 7-OH " + Num(reported) +
                            " mg/g (basis not dry weight or not stated; the dry-weight value "
                            "can only be higher) > limit " + limit_text;
        } else {
            f.verdict = Verdict::kCannotDetermine;
            f.computation = "reported 7-OH " + Num(reported) + " mg/g <= limit " + limit_text +
                            ", but the assay basis is not dry weight and no moisture is "
                            "given; the dry-weight value may be higher";
        }
        return f;
    }
    f.value = dry;
    const bool ok = AtMost(dry, limit);
    f.verdict = ok ? Verdict::kPass : Verdict::kFail;
    f.computation = "7-OH " + basis_text + (ok ? " <= " : " > ") + "limit " + limit_text;
    return f;
}

}  // namespace

const char* VerdictName(Verdict verdict) noexcept {
    switch (verdict) {
        case Verdict::kPass:
            return "pass";
        case Verdict::kFail:
            return "fail";
        case Verdict::kCannotDetermine:
            return "cannot_determine";
    }
    return "cannot_determine";
}

const char* MetalName(Metal metal) noexcept {
    switch (metal) {
        case Metal::kLead:
            return "lead";
        case Metal::kArsenic:
            return "arsenic";
        case Metal::kCadmium:
            return "cadmium";
        case Metal::kMercury:
            return "mercury";
        case Metal::kNickel:
            return "nickel";
    }
    return "?";
}

std::optional<bool> AggregatePasses(const std::vector<Finding>& findings) {
    bool undetermined = false;
    for (const Finding& f : findings) {
        if (!f.counts_toward_passes) {
            continue;
        }
        if (f.verdict == Verdict::kFail) {
            return false;
        }
        undetermined = undetermined || f.verdict == Verdict::kCannotDetermine;
    }
    if (undetermined) {
        return std::nullopt;
    }
    return true;
}

ComplianceReport Check(const Standards& standards, const LotAssay& assay,
                       const ProductLabel& label, std::optional<double> daily_intake_g,
                       const std::vector<std::string>& jurisdiction_rules) {
    if (daily_intake_g) {
        CheckPositiveFinite("Check", "daily_intake_g", *daily_intake_g);
    }
    ValidateAssay(assay);
    std::vector<const DryWeightCeilingRule*> selected;
    for (const std::string& id : jurisdiction_rules) {
        auto it = std::find_if(standards.jurisdiction_rules.begin(),
                               standards.jurisdiction_rules.end(),
                               [&id](const DryWeightCeilingRule& r) { return r.info.id == id; });
        if (it == standards.jurisdiction_rules.end()) {
            throw ValidationError("jurisdiction_rules", "unknown jurisdiction rule '" + id + "'");
        }
        if (std::find(selected.begin(), selected.end(), &*it) == selected.end()) {
            selected.push_back(&*it);
        }
    }

    ComplianceReport report;
    if (standards.hydroxymitragynine_fraction) {
        report.findings.push_back(CheckFraction(*standards.hydroxymitragynine_fraction, assay));
    }
    for (const ProhibitedSubstanceRule& rule : standards.prohibited_substances) {
        report.findings.push_back(CheckProhibited(rule, assay, label));
    }
    if (standards.label_amounts) {
        report.findings.push_back(CheckLabel(*standards.label_amounts, label));
    }
    for (const MetalPdeRule& rule : standards.metals) {
        report.findings.push_back(CheckMetal(rule, assay, daily_intake_g));
    }
    if (standards.microbial) {
        report.findings.push_back(CheckMicrobial(*standards.microbial, assay));
    }
    for (const DryWeightCeilingRule* rule : selected) {
        report.findings.push_back(CheckDryWeightCeiling(*rule, assay));
    }
    report.passes = AggregatePasses(report.findings);
    return report;
}

}  // namespace mitra::core::products
