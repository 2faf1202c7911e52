#include "core/rules/rules.hpp"

#include <utility>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::core::rules {
namespace {

constexpr std::int64_t kMsPerHour = 3'600'000;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

struct KindName {
    RuleKind kind;
    const char* name;
};
constexpr KindName kKindNames[] = {
    {RuleKind::kCnsDepressantCoUse, "cns_depressant_co_use"},
    {RuleKind::kMedicationClass, "medication_class"},
    {RuleKind::kAntagonistStart, "antagonist_start_with_daily_use"},
    {RuleKind::kLotFailsStandards, "lot_fails_standards"},
    {RuleKind::kConcentrated7Oh, "concentrated_7oh"},
    {RuleKind::kDoseAmount, "dose_amount"},
    {RuleKind::kDoseFrequency, "dose_frequency"},
    {RuleKind::kEscalation, "escalation_vs_baseline"},
    {RuleKind::kAssessmentBand, "assessment_band"},
    {RuleKind::kSustainedScoreRise, "sustained_score_rise"},
    {RuleKind::kAssessmentItem, "assessment_item"},
    {RuleKind::kPregnancy, "pregnancy"},
    {RuleKind::kAdverseEventTerms, "adverse_event_terms"},
    {RuleKind::kMissedCheckIn, "missed_check_in"},
};

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // Trim.
    const auto first = out.find_first_not_of(" \t\n\r");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = out.find_last_not_of(" \t\n\r");
    return out.substr(first, last - first + 1);
}

/// Up to 2 decimals, trailing zeros dropped: 5 -> "5", 1.25 -> "1.25", 0.333 -> "0.33".
std::string FormatNumber(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.2f", value);
    std::string text(buffer);
    if (text.find('.') != std::string::npos) {
        while (!text.empty() && text.back() == '0') {
            text.pop_back();
        }
        if (!text.empty() && text.back() == '.') {
            text.pop_back();
        }
    }
    return text == "-0" ? "0" : text;
}

std::int32_t MondayOf(std::int32_t day) {
    // 1970-01-01 (day 0) was a Thursday; ((day + 3) mod 7) is days since Monday.
    const std::int32_t since_monday = ((day + 3) % 7 + 7) % 7;
    return day - since_monday;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

/// Evaluation context: the facts plus day arithmetic in the patient's zone.
class Context {
  public:
    Context(const RuleSet& rule_set, const PatientFacts& facts)
        : rule_set_(rule_set), facts_(facts), today_(LocalDay(facts.now_ms, facts.time_zone)) {}

    const RuleSet& rule_set() const { return rule_set_; }
    const PatientFacts& facts() const { return facts_; }
    std::int32_t today() const { return today_; }
    std::int32_t Day(std::int64_t ms) const { return LocalDay(ms, facts_.time_zone); }
    std::string DateOf(std::int64_t ms) const { return FormatDate(Day(ms)); }
    std::string WeekOf(std::int64_t ms) const { return FormatDate(MondayOf(Day(ms))); }
    std::int64_t DaysAgoMs(double days) const {
        return facts_.now_ms - static_cast<std::int64_t>(std::llround(days * kMsPerDay));
    }
    bool InLookback(std::int64_t at_ms, double lookback_days) const {
        return at_ms >= DaysAgoMs(lookback_days) && at_ms <= facts_.now_ms;
    }
    bool AnyDoseSince(std::int64_t from_ms) const {
        return std::any_of(facts_.doses.begin(), facts_.doses.end(), [&](const DoseFact& d) {
            return d.taken_at_ms >= from_ms && d.taken_at_ms <= facts_.now_ms;
        });
    }
    bool MedicationActiveToday(const MedicationFact& m) const {
        return m.started_on <= today_ && (!m.stopped_on.has_value() || *m.stopped_on >= today_);
    }
    const LotFact* FindLot(const std::string& id) const {
        for (const LotFact& lot : facts_.lots) {
            if (lot.id == id) {
                return &lot;
            }
        }
        return nullptr;
    }

  private:
    const RuleSet& rule_set_;
    const PatientFacts& facts_;
    std::int32_t today_;
};

class CandidateBuilder {
  public:
    CandidateBuilder(const Rule& rule, std::string anchor) {
        candidate_.rule_id = rule.id;
        candidate_.kind = rule.kind;
        candidate_.severity = rule.severity;
        candidate_.condition_key = rule.id + ":" + std::move(anchor);
        candidate_.rationale = rule.rationale;
        candidate_.threshold_source = rule.threshold_source;
        candidate_.citations = rule.citations;
        candidate_.threshold_values = rule.parameters.numbers;
    }
    CandidateBuilder& Number(std::string key, double value, std::string unit = {}) {
        candidate_.evidence.push_back({std::move(key), value, {}, std::move(unit)});
        return *this;
    }
    CandidateBuilder& Text(std::string key, std::string value) {
        candidate_.evidence.push_back({std::move(key), std::nullopt, std::move(value), {}});
        return *this;
    }
    AlertCandidate& candidate() { return candidate_; }

  private:
    AlertCandidate candidate_;
};

using Out = std::vector<AlertCandidate>;

// ---- Predicates ------------------------------------------------------------------------

void CnsDepressantCoUse(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const double window_h = p.Number("window_hours");
    const double lookback_days = p.Number("lookback_days");
    const std::vector<std::string>& classes = p.List("substance_classes");
    const auto window_ms = static_cast<std::int64_t>(std::llround(window_h * kMsPerHour));
    // Latest use first, one candidate per class: an older week of the same class is the same
    // pattern, already raised then or not worth a second alert now.
    std::vector<const SubstanceUseFact*> uses;
    for (const SubstanceUseFact& use : ctx.facts().substance_use) {
        uses.push_back(&use);
    }
    std::stable_sort(uses.begin(), uses.end(),
                     [](const auto* a, const auto* b) { return a->taken_at_ms > b->taken_at_ms; });
    std::set<std::string> seen;
    for (const SubstanceUseFact* use_ptr : uses) {
        const SubstanceUseFact& use = *use_ptr;
        if (!Contains(classes, Lower(use.substance_class)) ||
            !ctx.InLookback(use.taken_at_ms, lookback_days)) {
            continue;
        }
        const DoseFact* nearest = nullptr;
        std::int64_t best = 0;
        for (const DoseFact& dose : ctx.facts().doses) {
            const std::int64_t gap = std::llabs(dose.taken_at_ms - use.taken_at_ms);
            if (gap <= window_ms && (nearest == nullptr || gap < best)) {
                nearest = &dose;
                best = gap;
            }
        }
        if (nearest == nullptr) {
            continue;
        }
        if (!seen.insert(Lower(use.substance_class)).second) {
            continue;
        }
        const std::string anchor =
            Lower(use.substance_class) + ":week-of-" + ctx.WeekOf(use.taken_at_ms);
        CandidateBuilder b(rule, anchor);
        b.Text("substance_class", Lower(use.substance_class))
            .Text("substance", use.substance.value_or(use.substance_class))
            .Text("substance_taken_at", FormatRfc3339(use.taken_at_ms))
            .Text("kratom_dose_taken_at", FormatRfc3339(nearest->taken_at_ms))
            .Number("hours_apart", static_cast<double>(best) / kMsPerHour, "h");
        if (nearest->mitragynine_mg.has_value()) {
            b.Number("kratom_dose_mitragynine_mg", *nearest->mitragynine_mg, "mg");
        }
        b.Text("source", "substance_use");
        out.push_back(std::move(b.candidate()));
    }
    if (p.NumberOr("include_medications", 0.0) == 0.0 ||
        !ctx.AnyDoseSince(ctx.DaysAgoMs(lookback_days))) {
        return;
    }
    for (const MedicationFact& med : ctx.facts().medications) {
        const bool depressant = std::find(med.classes.begin(), med.classes.end(),
                                          drugs::DrugClass::kCnsDepressant) != med.classes.end();
        if (!depressant || !ctx.MedicationActiveToday(med)) {
            continue;
        }
        CandidateBuilder b(rule, "medication:" + med.id);
        b.Text("substance", med.name)
            .Text("substance_class", "cns_depressant")
            .Text("drug_id", med.drug_id.value_or(""))
            .Text("medication_started_on", FormatDate(med.started_on))
            .Text("source", "medication");
        out.push_back(std::move(b.candidate()));
    }
}

void MedicationClass(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const auto drug_class = drugs::ParseDrugClass(p.Text("drug_class"));
    if (!drug_class) {
        throw InternalError("rule " + rule.id + ": unknown drug_class");
    }
    const std::vector<std::string>& only = p.ListOr("drug_ids");
    const std::vector<std::string>& exclude = p.ListOr("exclude_drug_ids");
    if (!ctx.AnyDoseSince(ctx.DaysAgoMs(p.Number("lookback_days")))) {
        return;  // no recent kratom use: no interaction to warn about
    }
    for (const MedicationFact& med : ctx.facts().medications) {
        const std::string drug_id = med.drug_id.value_or("");
        const bool in_class =
            std::find(med.classes.begin(), med.classes.end(), *drug_class) != med.classes.end();
        if (!in_class || !ctx.MedicationActiveToday(med) ||
            (!only.empty() && !Contains(only, drug_id)) || Contains(exclude, drug_id)) {
            continue;
        }
        CandidateBuilder b(rule, "medication:" + med.id);
        b.Text("medication", med.name)
            .Text("drug_id", drug_id)
            .Text("drug_class", drugs::ToString(*drug_class))
            .Text("medication_started_on", FormatDate(med.started_on));
        out.push_back(std::move(b.candidate()));
    }
}

/// Days (patient calendar) in [today - window + 1, today] with at least one dose.
int DaysWithDoses(const Context& ctx, int window_days) {
    std::set<std::int32_t> days;
    for (const DoseFact& dose : ctx.facts().doses) {
        if (dose.taken_at_ms > ctx.facts().now_ms) {
            continue;
        }
        const std::int32_t day = ctx.Day(dose.taken_at_ms);
        if (day > ctx.today() - window_days && day <= ctx.today()) {
            days.insert(day);
        }
    }
    return static_cast<int>(days.size());
}

void AntagonistStart(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const int start_window = static_cast<int>(p.Number("start_window_days"));
    const int use_window = static_cast<int>(p.Number("daily_use_window_days"));
    const int min_days = static_cast<int>(p.Number("daily_use_min_days"));
    const int days_used = DaysWithDoses(ctx, use_window);
    if (days_used < min_days) {
        return;
    }
    for (const MedicationFact& med : ctx.facts().medications) {
        const bool antagonist = std::find(med.classes.begin(), med.classes.end(),
                                          drugs::DrugClass::kOpioidAntagonist) != med.classes.end();
        const bool starting = med.started_on >= ctx.today() - start_window &&
                              med.started_on <= ctx.today() + start_window;
        const bool stopped = med.stopped_on.has_value() && *med.stopped_on < ctx.today();
        if (!antagonist || !starting || stopped) {
            continue;
        }
        CandidateBuilder b(rule, "medication:" + med.id);
        b.Text("medication", med.name)
            .Text("drug_id", med.drug_id.value_or(""))
            .Text("medication_started_on", FormatDate(med.started_on))
            .Number("days_with_kratom_doses", days_used, "days")
            .Number("of_last_days", use_window, "days");
        out.push_back(std::move(b.candidate()));
    }
}

/// Lots dosed within the lookback, in first-seen order.
std::vector<std::string> RecentLots(const Context& ctx, double lookback_days) {
    std::vector<std::string> ids;
    for (const DoseFact& dose : ctx.facts().doses) {
        if (dose.lot_id && ctx.InLookback(dose.taken_at_ms, lookback_days) &&
            !Contains(ids, *dose.lot_id)) {
            ids.push_back(*dose.lot_id);
        }
    }
    return ids;
}

void LotFailsStandards(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const double lookback_days = p.Number("lookback_days");
    const double intake_window_days = p.Number("intake_window_days");
    for (const std::string& lot_id : RecentLots(ctx, lookback_days)) {
        const LotFact* lot = ctx.FindLot(lot_id);
        if (lot == nullptr) {
            continue;
        }
        // Actual daily intake of this lot: grams in the window / calendar days it was used.
        double grams = 0.0;
        std::set<std::int32_t> days;
        for (const DoseFact& dose : ctx.facts().doses) {
            if (dose.lot_id == lot_id && dose.amount_g &&
                ctx.InLookback(dose.taken_at_ms, intake_window_days)) {
                grams += *dose.amount_g;
                days.insert(ctx.Day(dose.taken_at_ms));
            }
        }
        std::optional<double> intake_g_per_day;
        if (!days.empty() && grams > 0.0) {
            intake_g_per_day = grams / static_cast<double>(days.size());
        }
        products::ComplianceReport report;
        if (ctx.rule_set().standards.has_value()) {
            report = products::Check(*ctx.rule_set().standards, lot->assay, lot->label,
                                     intake_g_per_day, ctx.rule_set().jurisdiction_rules);
        } else if (lot->compliance.has_value()) {
            report = *lot->compliance;
        } else {
            continue;
        }
        if (report.passes != std::optional<bool>(false)) {
            continue;
        }
        CandidateBuilder b(rule, "lot:" + lot->id);
        b.Text("lot_id", lot->id).Text("lot_code", lot->code).Text("product", lot->product_name);
        if (intake_g_per_day) {
            b.Number("daily_intake_g", *intake_g_per_day, "g/day")
                .Number("days_used_in_window", static_cast<double>(days.size()), "days");
        }
        std::string failed;
        for (const products::Finding& f : report.findings) {
            if (f.verdict != products::Verdict::kFail || !f.counts_toward_passes) {
                continue;
            }
            failed += (failed.empty() ? "" : ", ") + f.rule;
            if (f.value) {
                b.Number("finding." + f.rule + ".value", *f.value, f.unit);
            }
            if (f.limit) {
                b.Number("finding." + f.rule + ".limit", *f.limit, f.unit);
            }
            b.Text("finding." + f.rule + ".computation", f.computation);
            b.candidate().citations.push_back({f.citation, f.evidence, f.url});
        }
        b.Text("failed_findings", failed);
        out.push_back(std::move(b.candidate()));
    }
}

void Concentrated7Oh(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const double lookback_days = p.Number("lookback_days");
    const double max_share = p.Number("max_7oh_percent_of_alkaloids");
    const double min_mg_per_dose = p.Number("min_7oh_mg_per_dose");
    std::set<std::string> seen;
    for (const DoseFact& dose : ctx.facts().doses) {
        if (!ctx.InLookback(dose.taken_at_ms, lookback_days)) {
            continue;
        }
        const LotFact* lot = dose.lot_id ? ctx.FindLot(*dose.lot_id) : nullptr;
        std::vector<std::pair<std::string, std::string>> signals;  // name, description
        std::optional<double> share;
        if (lot != nullptr) {
            const products::Assay& a = lot->assay;
            if (a.hydroxymitragynine_mg_per_g && a.total_alkaloids_mg_per_g &&
                *a.total_alkaloids_mg_per_g > 0.0) {
                share = *a.hydroxymitragynine_mg_per_g / *a.total_alkaloids_mg_per_g * 100.0;
                if (*share > max_share) {
                    signals.push_back({"7oh_share_of_alkaloids", "7-OH share above the limit"});
                }
            }
            const auto dominant = [](std::optional<double> oh, std::optional<double> mg) {
                // Both amounts are needed: a label that states only 7-OH says nothing about
                // its share.
                return oh && mg && *oh > 0.0 && *oh >= *mg;
            };
            if (dominant(a.hydroxymitragynine_mg_per_g, a.mitragynine_mg_per_g)) {
                signals.push_back({"7oh_exceeds_mitragynine_assay", "assay"});
            } else if (dominant(lot->label.hydroxymitragynine_mg_per_g,
                                lot->label.mitragynine_mg_per_g)) {
                signals.push_back({"7oh_exceeds_mitragynine_label", "label"});
            }
        }
        if (dose.hydroxymitragynine_mg && *dose.hydroxymitragynine_mg >= min_mg_per_dose) {
            signals.push_back({"7oh_mg_per_dose", "dose"});
        }
        if (signals.empty()) {
            continue;
        }
        const std::string anchor = lot != nullptr    ? "lot:" + lot->id
                                   : dose.product_id ? "product:" + *dose.product_id
                                                     : "week-of-" + ctx.WeekOf(dose.taken_at_ms);
        if (!seen.insert(anchor).second) {
            continue;
        }
        CandidateBuilder b(rule, anchor);
        std::string names;
        for (const auto& s : signals) {
            names += (names.empty() ? "" : ", ") + s.first;
        }
        b.Text("signals", names);
        if (lot != nullptr) {
            b.Text("lot_id", lot->id)
                .Text("lot_code", lot->code)
                .Text("product", lot->product_name);
            if (share) {
                b.Number("7oh_percent_of_alkaloids", *share, "%");
            }
            if (lot->assay.hydroxymitragynine_mg_per_g) {
                b.Number("assay_7oh_mg_per_g", *lot->assay.hydroxymitragynine_mg_per_g, "mg/g");
            }
            if (lot->assay.mitragynine_mg_per_g) {
                b.Number("assay_mitragynine_mg_per_g", *lot->assay.mitragynine_mg_per_g, "mg/g");
            }
        }
        if (dose.hydroxymitragynine_mg) {
            b.Number("dose_7oh_mg", *dose.hydroxymitragynine_mg, "mg");
        }
        b.Text("dose_taken_at", FormatRfc3339(dose.taken_at_ms));
        out.push_back(std::move(b.candidate()));
    }
}

void DoseAmount(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const double min_g = p.Number("min_amount_g_per_dose");
    const double lookback_days = p.Number("lookback_days");
    std::map<std::string, const DoseFact*> largest_by_week;
    for (const DoseFact& dose : ctx.facts().doses) {
        if (!dose.amount_g || *dose.amount_g < min_g ||
            !ctx.InLookback(dose.taken_at_ms, lookback_days)) {
            continue;
        }
        const DoseFact*& slot = largest_by_week[ctx.WeekOf(dose.taken_at_ms)];
        if (slot == nullptr || *dose.amount_g > *slot->amount_g) {
            slot = &dose;
        }
    }
    if (largest_by_week.empty()) {
        return;
    }
    {
        // The latest week only (ISO dates sort as text): earlier weeks were raised then.
        const auto& [week, dose] = *largest_by_week.rbegin();
        CandidateBuilder b(rule, "week-of-" + week);
        b.Number("dose_amount_g", *dose->amount_g, "g")
            .Text("dose_taken_at", FormatRfc3339(dose->taken_at_ms))
            .Text("week_of", week);
        out.push_back(std::move(b.candidate()));
    }
}

void DoseFrequency(const Context& ctx, const Rule& rule, Out& out) {
    const double min_doses = rule.parameters.Number("min_doses_per_week");
    const std::int64_t from = ctx.DaysAgoMs(7.0);
    int count = 0;
    for (const DoseFact& dose : ctx.facts().doses) {
        if (dose.taken_at_ms > from && dose.taken_at_ms <= ctx.facts().now_ms) {
            ++count;
        }
    }
    if (count < min_doses) {
        return;
    }
    CandidateBuilder b(rule, "week-of-" + ctx.WeekOf(ctx.facts().now_ms));
    b.Number("doses_last_7_days", count, "doses")
        .Text("window_from", FormatRfc3339(from))
        .Text("window_to", FormatRfc3339(ctx.facts().now_ms));
    out.push_back(std::move(b.candidate()));
}

void Escalation(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const int recent_days = static_cast<int>(p.Number("recent_days"));
    const int baseline_days = static_cast<int>(p.Number("baseline_days"));
    const double min_ratio = p.Number("min_ratio");
    const int min_baseline_days = static_cast<int>(p.Number("min_baseline_days_with_doses"));
    // Windows in patient days: recent = (today - recent, today]; baseline the days before.
    const std::int32_t recent_first = ctx.today() - recent_days + 1;
    const std::int32_t baseline_first = recent_first - baseline_days;
    // Measure: mg mitragynine if every dose in both windows has it, else grams of product.
    std::vector<const DoseFact*> doses;
    for (const DoseFact& dose : ctx.facts().doses) {
        const std::int32_t day = ctx.Day(dose.taken_at_ms);
        if (day >= baseline_first && day <= ctx.today() && dose.taken_at_ms <= ctx.facts().now_ms) {
            doses.push_back(&dose);
        }
    }
    const bool all_mg = std::all_of(doses.begin(), doses.end(), [](const DoseFact* d) {
        return d->mitragynine_mg.has_value();
    });
    const bool all_g = std::all_of(doses.begin(), doses.end(),
                                   [](const DoseFact* d) { return d->amount_g.has_value(); });
    if (doses.empty() || (!all_mg && !all_g)) {
        return;
    }
    double recent_sum = 0.0;
    double baseline_sum = 0.0;
    std::set<std::int32_t> baseline_dose_days;
    for (const DoseFact* d : doses) {
        const double amount = all_mg ? *d->mitragynine_mg : *d->amount_g;
        const std::int32_t day = ctx.Day(d->taken_at_ms);
        if (day >= recent_first) {
            recent_sum += amount;
        } else {
            baseline_sum += amount;
            baseline_dose_days.insert(day);
        }
    }
    if (static_cast<int>(baseline_dose_days.size()) < min_baseline_days || baseline_sum <= 0.0) {
        return;
    }
    const double recent_mean = recent_sum / recent_days;
    const double baseline_mean = baseline_sum / baseline_days;
    const double ratio = recent_mean / baseline_mean;
    if (ratio < min_ratio) {
        return;
    }
    const std::string unit = all_mg ? "mg/day" : "g/day";
    CandidateBuilder b(rule, "week-of-" + ctx.WeekOf(ctx.facts().now_ms));
    b.Text("measure", all_mg ? "mitragynine_mg" : "amount_g")
        .Text("unit", unit)
        .Number("recent_daily_mean", recent_mean, unit)
        .Number("baseline_daily_mean", baseline_mean, unit)
        .Number("ratio", ratio)
        .Number("percent_increase", (ratio - 1.0) * 100.0, "%")
        .Text("recent_window", FormatDate(recent_first) + ".." + FormatDate(ctx.today()))
        .Text("baseline_window", FormatDate(baseline_first) + ".." + FormatDate(recent_first - 1));
    out.push_back(std::move(b.candidate()));
}

void AssessmentBand(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const std::string& instrument = p.Text("instrument");
    const std::vector<std::string>& bands = p.List("bands");
    const double lookback_days = p.Number("lookback_days");
    std::map<std::string, const AssessmentFact*> worst_by_day;
    for (const AssessmentFact& a : ctx.facts().assessments) {
        if (a.instrument != instrument || !a.band || !Contains(bands, Lower(*a.band)) ||
            !ctx.InLookback(a.taken_at_ms, lookback_days)) {
            continue;
        }
        const AssessmentFact*& slot = worst_by_day[ctx.DateOf(a.taken_at_ms)];
        if (slot == nullptr || a.total > slot->total) {
            slot = &a;
        }
    }
    for (const auto& [date, a] : worst_by_day) {
        CandidateBuilder b(rule, instrument + ":" + date);
        b.Text("instrument", instrument)
            .Number("total", a->total, "points")
            .Text("band", *a->band)
            .Text("assessment_id", a->id)
            .Text("taken_at", FormatRfc3339(a->taken_at_ms));
        out.push_back(std::move(b.candidate()));
    }
}

void SustainedScoreRise(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const int baseline_days = static_cast<int>(p.Number("baseline_days"));
    const int recent_days = static_cast<int>(p.Number("recent_days"));
    const int min_baseline_days = static_cast<int>(p.Number("min_baseline_days"));
    const double min_rise = p.Number("min_rise_points");
    const int max_age_days = static_cast<int>(p.Number("lookback_days"));
    for (const std::string& instrument : p.List("instruments")) {
        std::map<std::int32_t, double> daily_max;
        for (const AssessmentFact& a : ctx.facts().assessments) {
            if (a.instrument != instrument || a.taken_at_ms > ctx.facts().now_ms) {
                continue;
            }
            const std::int32_t day = ctx.Day(a.taken_at_ms);
            auto [it, inserted] = daily_max.emplace(day, a.total);
            if (!inserted) {
                it->second = std::max(it->second, a.total);
            }
        }
        if (daily_max.empty()) {
            continue;
        }
        const std::int32_t last_day = daily_max.rbegin()->first;
        if (last_day < ctx.today() - max_age_days) {
            continue;
        }
        const std::int32_t recent_first = last_day - recent_days + 1;
        double baseline_sum = 0.0;
        int baseline_count = 0;
        for (std::int32_t day = recent_first - baseline_days; day < recent_first; ++day) {
            if (auto it = daily_max.find(day); it != daily_max.end()) {
                baseline_sum += it->second;
                ++baseline_count;
            }
        }
        if (baseline_count < min_baseline_days || baseline_count == 0) {
            continue;
        }
        const double baseline_mean = baseline_sum / baseline_count;
        bool sustained = true;
        double recent_min = 0.0;
        for (std::int32_t day = recent_first; day <= last_day; ++day) {
            auto it = daily_max.find(day);
            if (it == daily_max.end() || it->second < baseline_mean + min_rise) {
                sustained = false;
                break;
            }
            recent_min = day == recent_first ? it->second : std::min(recent_min, it->second);
        }
        if (!sustained) {
            continue;
        }
        CandidateBuilder b(rule, instrument + ":week-of-" + FormatDate(MondayOf(last_day)));
        b.Text("instrument", instrument)
            .Number("baseline_mean", baseline_mean, "points")
            .Number("baseline_days_with_scores", baseline_count, "days")
            .Number("recent_minimum", recent_min, "points")
            .Number("rise_points", recent_min - baseline_mean, "points")
            .Text("recent_window", FormatDate(recent_first) + ".." + FormatDate(last_day));
        out.push_back(std::move(b.candidate()));
    }
}

void AssessmentItem(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const std::string& instrument = p.Text("instrument");
    const std::string& item = p.Text("item");
    const double above = p.Number("min_value_exclusive");
    const double lookback_days = p.Number("lookback_days");
    for (const AssessmentFact& a : ctx.facts().assessments) {
        if (a.instrument != instrument || !ctx.InLookback(a.taken_at_ms, lookback_days)) {
            continue;
        }
        auto it = a.answers.find(item);
        if (it == a.answers.end() || !(it->second > above)) {
            continue;
        }
        CandidateBuilder b(rule, "assessment:" + a.id);
        b.Text("instrument", instrument)
            .Text("item", item)
            .Number("item_value", it->second)
            .Number("total", a.total, "points")
            .Text("assessment_id", a.id)
            .Text("taken_at", FormatRfc3339(a.taken_at_ms));
        out.push_back(std::move(b.candidate()));
    }
}

void Pregnancy(const Context& ctx, const Rule& rule, Out& out) {
    if (ctx.facts().pregnant != std::optional<bool>(true)) {
        return;
    }
    CandidateBuilder b(rule, "pregnant");
    b.Text("pregnant", "true");
    const double lookback_days = rule.parameters.NumberOr("lookback_days", 0.0);
    if (lookback_days > 0.0) {
        b.Number("days_with_kratom_doses", DaysWithDoses(ctx, static_cast<int>(lookback_days)),
                 "days");
    }
    out.push_back(std::move(b.candidate()));
}

void AdverseEventTerms(const Context& ctx, const Rule& rule, Out& out) {
    const Parameters& p = rule.parameters;
    const std::vector<std::string>& terms = p.List("terms");
    const double lookback_days = p.Number("lookback_days");
    for (const AdverseEventFact& ae : ctx.facts().adverse_events) {
        if (!ctx.InLookback(ae.onset_at_ms, lookback_days)) {
            continue;
        }
        std::string matched;
        for (const std::string& term : ae.terms) {
            if (Contains(terms, Lower(term))) {
                matched += (matched.empty() ? "" : ", ") + Lower(term);
            }
        }
        if (matched.empty()) {
            continue;
        }
        CandidateBuilder b(rule, "adverse-event:" + ae.id);
        b.Text("matched_terms", matched)
            .Text("onset_at", FormatRfc3339(ae.onset_at_ms))
            .Text("serious", ae.serious ? "true" : "false")
            .Text("adverse_event_id", ae.id);
        if (ae.lot_id) {
            b.Text("lot_id", *ae.lot_id);
        }
        out.push_back(std::move(b.candidate()));
    }
}

void MissedCheckIn(const Context& ctx, const Rule& rule, Out& out) {
    const double max_days = rule.parameters.Number("max_days_without_check_in");
    std::optional<std::int64_t> last = ctx.facts().last_check_in_ms;
    if (!last) {
        for (const DoseFact& d : ctx.facts().doses) {
            if (d.taken_at_ms <= ctx.facts().now_ms) {
                last = std::max(last.value_or(d.taken_at_ms), d.taken_at_ms);
            }
        }
        for (const AssessmentFact& a : ctx.facts().assessments) {
            if (a.taken_at_ms <= ctx.facts().now_ms) {
                last = std::max(last.value_or(a.taken_at_ms), a.taken_at_ms);
            }
        }
    }
    if (!last) {
        return;  // never checked in: enrolment follow-up is not this rule's business
    }
    const double days_since = static_cast<double>(ctx.facts().now_ms - *last) / kMsPerDay;
    if (days_since < max_days) {
        return;
    }
    CandidateBuilder b(rule, "since-" + FormatRfc3339(*last));
    b.Text("last_check_in", FormatRfc3339(*last)).Number("days_since_check_in", days_since, "days");
    out.push_back(std::move(b.candidate()));
}

using Predicate = void (*)(const Context&, const Rule&, Out&);

Predicate PredicateFor(RuleKind kind) {
    switch (kind) {
        case RuleKind::kCnsDepressantCoUse:
            return &CnsDepressantCoUse;
        case RuleKind::kMedicationClass:
            return &MedicationClass;
        case RuleKind::kAntagonistStart:
            return &AntagonistStart;
        case RuleKind::kLotFailsStandards:
            return &LotFailsStandards;
        case RuleKind::kConcentrated7Oh:
            return &Concentrated7Oh;
        case RuleKind::kDoseAmount:
            return &DoseAmount;
        case RuleKind::kDoseFrequency:
            return &DoseFrequency;
        case RuleKind::kEscalation:
            return &Escalation;
        case RuleKind::kAssessmentBand:
            return &AssessmentBand;
        case RuleKind::kSustainedScoreRise:
            return &SustainedScoreRise;
        case RuleKind::kAssessmentItem:
            return &AssessmentItem;
        case RuleKind::kPregnancy:
            return &Pregnancy;
        case RuleKind::kAdverseEventTerms:
            return &AdverseEventTerms;
        case RuleKind::kMissedCheckIn:
            return &MissedCheckIn;
    }
    return nullptr;
}

std::string CrisisText(const std::vector<CrisisResource>& resources) {
    std::string text;
    for (const CrisisResource& r : resources) {
        text += (text.empty() ? "" : "; ") + r.name + " (" + r.region + "): " + r.contact;
    }
    return text;
}

/// Replaces {name} with the evidence value, parameter value or crisis-resource text; unknown
/// placeholders stay as written (the data tests catch them).
std::string Fill(const std::string& text, const AlertCandidate& c, const Parameters& params,
                 const std::string& crisis) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t open = text.find('{', pos);
        if (open == std::string::npos) {
            out += text.substr(pos);
            break;
        }
        const std::size_t close = text.find('}', open);
        if (close == std::string::npos) {
            out += text.substr(pos);
            break;
        }
        out += text.substr(pos, open - pos);
        const std::string name = text.substr(open + 1, close - open - 1);
        std::optional<std::string> value;
        if (name == "crisis_resources") {
            value = crisis;
        } else if (const EvidenceItem* e = c.FindEvidence(name)) {
            value = e->number ? FormatNumber(*e->number) : e->text;
        } else if (auto n = params.numbers.find(name); n != params.numbers.end()) {
            value = FormatNumber(n->second);
        } else if (auto t = params.texts.find(name); t != params.texts.end()) {
            value = t->second;
        } else if (auto l = params.lists.find(name); l != params.lists.end()) {
            std::string joined;
            for (const std::string& v : l->second) {
                joined += (joined.empty() ? "" : ", ") + v;
            }
            value = joined;
        }
        out += value ? *value : text.substr(open, close - open + 1);
        pos = close + 1;
    }
    return out;
}

}  // namespace

const char* ToString(Severity severity) noexcept {
    switch (severity) {
        case Severity::kInfo:
            return "info";
        case Severity::kWarning:
            return "warning";
        case Severity::kHigh:
            return "high";
        case Severity::kUrgent:
            return "urgent";
    }
    return "info";
}

std::optional<Severity> ParseSeverity(std::string_view text) {
    for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kHigh, Severity::kUrgent}) {
        if (text == ToString(s)) {
            return s;
        }
    }
    return std::nullopt;
}

const std::vector<RuleKind>& AllRuleKinds() {
    static const std::vector<RuleKind> kinds = [] {
        std::vector<RuleKind> all;
        for (const KindName& k : kKindNames) {
            all.push_back(k.kind);
        }
        return all;
    }();
    return kinds;
}

const char* ToString(RuleKind kind) noexcept {
    for (const KindName& k : kKindNames) {
        if (k.kind == kind) {
            return k.name;
        }
    }
    return "";
}

std::optional<RuleKind> ParseRuleKind(std::string_view text) {
    for (const KindName& k : kKindNames) {
        if (text == k.name) {
            return k.kind;
        }
    }
    return std::nullopt;
}

const char* ToString(ThresholdSource source) noexcept {
    return source == ThresholdSource::kLiterature ? "literature" : "clinician_set";
}

std::optional<ThresholdSource> ParseThresholdSource(std::string_view text) {
    if (text == "literature") {
        return ThresholdSource::kLiterature;
    }
    if (text == "clinician_set") {
        return ThresholdSource::kClinicianSet;
    }
    return std::nullopt;
}

double Parameters::Number(const std::string& name) const {
    auto it = numbers.find(name);
    if (it == numbers.end()) {
        throw InternalError("rule parameter '" + name + "' is missing");
    }
    return it->second;
}

double Parameters::NumberOr(const std::string& name, double fallback) const {
    auto it = numbers.find(name);
    return it == numbers.end() ? fallback : it->second;
}

const std::string& Parameters::Text(const std::string& name) const {
    auto it = texts.find(name);
    if (it == texts.end()) {
        throw InternalError("rule parameter '" + name + "' is missing");
    }
    return it->second;
}

const std::vector<std::string>& Parameters::List(const std::string& name) const {
    auto it = lists.find(name);
    if (it == lists.end()) {
        throw InternalError("rule parameter '" + name + "' is missing");
    }
    return it->second;
}

const std::vector<std::string>& Parameters::ListOr(const std::string& name) const {
    static const std::vector<std::string> kEmpty;
    auto it = lists.find(name);
    return it == lists.end() ? kEmpty : it->second;
}

const std::vector<ParameterSpec>& RequiredParameters(RuleKind kind) {
    using T = ParameterType;
    static const std::map<RuleKind, std::vector<ParameterSpec>> specs = {
        {RuleKind::kCnsDepressantCoUse,
         {{"window_hours", T::kNumber},
          {"lookback_days", T::kNumber},
          {"substance_classes", T::kList},
          {"include_medications", T::kNumber, false}}},
        {RuleKind::kMedicationClass,
         {{"drug_class", T::kText},
          {"lookback_days", T::kNumber},
          {"drug_ids", T::kList, false},
          {"exclude_drug_ids", T::kList, false}}},
        {RuleKind::kAntagonistStart,
         {{"start_window_days", T::kNumber},
          {"daily_use_window_days", T::kNumber},
          {"daily_use_min_days", T::kNumber}}},
        {RuleKind::kLotFailsStandards,
         {{"lookback_days", T::kNumber}, {"intake_window_days", T::kNumber}}},
        {RuleKind::kConcentrated7Oh,
         {{"lookback_days", T::kNumber},
          {"max_7oh_percent_of_alkaloids", T::kNumber},
          {"min_7oh_mg_per_dose", T::kNumber}}},
        {RuleKind::kDoseAmount,
         {{"min_amount_g_per_dose", T::kNumber}, {"lookback_days", T::kNumber}}},
        {RuleKind::kDoseFrequency, {{"min_doses_per_week", T::kNumber}}},
        {RuleKind::kEscalation,
         {{"recent_days", T::kNumber},
          {"baseline_days", T::kNumber},
          {"min_ratio", T::kNumber},
          {"min_baseline_days_with_doses", T::kNumber}}},
        {RuleKind::kAssessmentBand,
         {{"instrument", T::kText}, {"bands", T::kList}, {"lookback_days", T::kNumber}}},
        {RuleKind::kSustainedScoreRise,
         {{"instruments", T::kList},
          {"baseline_days", T::kNumber},
          {"recent_days", T::kNumber},
          {"min_baseline_days", T::kNumber},
          {"min_rise_points", T::kNumber},
          {"lookback_days", T::kNumber}}},
        {RuleKind::kAssessmentItem,
         {{"instrument", T::kText},
          {"item", T::kText},
          {"min_value_exclusive", T::kNumber},
          {"lookback_days", T::kNumber},
          {"show_crisis_resources", T::kNumber, false}}},
        {RuleKind::kPregnancy, {{"lookback_days", T::kNumber, false}}},
        {RuleKind::kAdverseEventTerms, {{"terms", T::kList}, {"lookback_days", T::kNumber}}},
        {RuleKind::kMissedCheckIn, {{"max_days_without_check_in", T::kNumber}}},
    };
    return specs.at(kind);
}

const Rule* RuleSet::Find(std::string_view id) const {
    for (const Rule& rule : rules) {
        if (rule.id == id) {
            return &rule;
        }
    }
    return nullptr;
}

void Validate(const RuleSet& rule_set) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rule_set.rules.size(); ++i) {
        const Rule& rule = rule_set.rules[i];
        const std::string at = "rules[" + std::to_string(i) + "]";
        if (rule.id.empty() || !ids.insert(rule.id).second) {
            throw ValidationError(at + ".id", "rule id is empty or not unique: " + rule.id);
        }
        if (PredicateFor(rule.kind) == nullptr) {
            throw ValidationError(at + ".kind", "no predicate for kind of rule " + rule.id);
        }
        if (rule.clinician_text.empty()) {
            throw ValidationError(at + ".clinician_text", "rule " + rule.id + " has no text");
        }
        for (const ParameterSpec& spec : RequiredParameters(rule.kind)) {
            const Parameters& p = rule.parameters;
            const bool present = spec.type == ParameterType::kNumber ? p.numbers.count(spec.name)
                                 : spec.type == ParameterType::kText ? p.texts.count(spec.name)
                                                                     : p.lists.count(spec.name);
            if (spec.required && !present) {
                throw ValidationError(at + ".parameters." + spec.name,
                                      "rule " + rule.id + " needs parameter " + spec.name);
            }
        }
        for (const auto& [name, value] : rule.parameters.numbers) {
            if (!std::isfinite(value) || value < 0.0) {
                throw ValidationError(at + ".parameters." + name,
                                      "rule " + rule.id + ": must be a finite number >= 0");
            }
        }
        if (rule.kind == RuleKind::kMedicationClass &&
            !drugs::ParseDrugClass(rule.parameters.Text("drug_class"))) {
            throw ValidationError(at + ".parameters.drug_class", "unknown drug class");
        }
        if (rule.citations.empty() && rule.threshold_source != ThresholdSource::kClinicianSet) {
            throw ValidationError(at + ".citations",
                                  "rule " + rule.id + " needs a citation or clinician_set");
        }
        bool only_secondary = !rule.citations.empty();
        for (std::size_t c = 0; c < rule.citations.size(); ++c) {
            const Citation& cit = rule.citations[c];
            const std::string cat = at + ".citations[" + std::to_string(c) + "]";
            if (cit.text.empty()) {
                throw ValidationError(cat + ".text", "empty citation in rule " + rule.id);
            }
            if (cit.evidence != "V" && cit.evidence != "D" && cit.evidence != "S" &&
                cit.evidence != "R") {
                throw ValidationError(cat + ".evidence", "evidence must be V, D, S or R");
            }
            only_secondary = only_secondary && cit.evidence == "S";
        }
        if (only_secondary && rule.threshold_source != ThresholdSource::kClinicianSet) {
            throw ValidationError(at + ".threshold_source",
                                  "rule " + rule.id + " rests on [S] sources only: clinician_set");
        }
    }
}

const EvidenceItem* AlertCandidate::FindEvidence(std::string_view key) const {
    for (const EvidenceItem& e : evidence) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

std::vector<AlertCandidate> EvaluateRule(const RuleSet& rule_set, const Rule& rule,
                                         const PatientFacts& facts) {
    if (!IsValidTimeZone(facts.time_zone)) {
        throw ValidationError("time_zone", "unknown time zone");
    }
    const Context ctx(rule_set, facts);
    Out out;
    PredicateFor(rule.kind)(ctx, rule, out);
    const bool crisis = rule.parameters.NumberOr("show_crisis_resources", 0.0) != 0.0;
    const std::string crisis_text = crisis ? CrisisText(rule_set.crisis_resources) : "";
    for (AlertCandidate& c : out) {
        if (crisis) {
            c.crisis_resources = rule_set.crisis_resources;
        }
        c.patient_text = Fill(rule.patient_text, c, rule.parameters, crisis_text);
        c.clinician_text = Fill(rule.clinician_text, c, rule.parameters, crisis_text);
        c.threshold = Fill(rule.threshold_text, c, rule.parameters, crisis_text);
    }
    return out;
}

std::vector<AlertCandidate> Evaluate(const RuleSet& rule_set, const PatientFacts& facts) {
    std::vector<std::pair<std::size_t, AlertCandidate>> all;
    std::set<std::string> keys;
    for (std::size_t i = 0; i < rule_set.rules.size(); ++i) {
        for (AlertCandidate& c : EvaluateRule(rule_set, rule_set.rules[i], facts)) {
            if (keys.insert(c.condition_key).second) {
                all.emplace_back(i, std::move(c));
            }
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        if (a.second.severity != b.second.severity) {
            return a.second.severity > b.second.severity;
        }
        if (a.first != b.first) {
            return a.first < b.first;
        }
        return a.second.condition_key < b.second.condition_key;
    });
    std::vector<AlertCandidate> out;
    out.reserve(all.size());
    for (auto& [index, c] : all) {
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<AlertCandidate> NewCandidates(const std::vector<AlertCandidate>& candidates,
                                          const std::vector<std::string>& existing_keys) {
    const std::set<std::string> existing(existing_keys.begin(), existing_keys.end());
    std::vector<AlertCandidate> out;
    for (const AlertCandidate& c : candidates) {
        if (!existing.count(c.condition_key)) {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace mitra::core::rules
