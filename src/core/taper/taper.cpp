#include "core/taper/taper.hpp"

#include <utility>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/pk/simulate.hpp"
#include "core/time.hpp"

namespace mitra::core::taper {
namespace {

constexpr std::int32_t kMaxDate = 2'932'896;  // 9999-12-31
constexpr int kMaxIntervalDays = 365;
constexpr int kMaxDosesPerDay = 24;

std::string Mg(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.4g", value);
    return buffer;
}

/// One target before dates are attached.
struct Step {
    double target_mg = 0.0;
    std::string note;
    std::optional<double> trough_ng_ml;
};

bool Finite(double v) { return std::isfinite(v); }

/// Next target; returns false when the plan should stop (next target below the end point or
/// at/below zero).
bool NextTarget(double next, double end_point_mg, double scale, double& out) {
    const double eps = 1e-9 * scale;
    if (next <= eps || next < end_point_mg - eps) {
        return false;
    }
    out = next;
    return true;
}

void TooLong() {
    throw ValidationError("step_percent", "the plan would need more than " +
                                              std::to_string(kMaxSteps) +
                                              " steps: raise step_percent, min_step_mg or "
                                              "end_point_mg");
}

std::string StopNote(double next, double end_point_mg) {
    if (next > 0.0 && end_point_mg > 0.0) {
        return "stop: the next target " + Mg(next) + " mg would fall below the end point " +
               Mg(end_point_mg) + " mg";
    }
    return "stop: target reaches 0 mg";
}

std::vector<Step> LinearSteps(const TaperRequest& r) {
    const double s = r.start_daily_mitragynine_mg;
    const double p = r.step_percent / 100.0;
    const double reduction = p * s;
    std::vector<Step> steps;
    for (int i = 1;; ++i) {
        if (i > kMaxSteps) {
            TooLong();
        }
        const double next = s - i * reduction;  // from S each time: no accumulated rounding
        double target = 0.0;
        if (!NextTarget(next, r.end_point_mg, s, target)) {
            steps.push_back({0.0, StopNote(next, r.end_point_mg), std::nullopt});
            return steps;
        }
        steps.push_back({target,
                         "-" + Mg(reduction) + " mg (" + Mg(r.step_percent) +
                             " % of the starting " + Mg(s) + " mg)",
                         std::nullopt});
    }
}

/// Proportional targets: each step removes max(p x current, min_step).
std::vector<Step> ProportionalSteps(const TaperRequest& r) {
    const double s = r.start_daily_mitragynine_mg;
    const double p = r.step_percent / 100.0;
    std::vector<Step> steps;
    double current = s;
    for (int i = 1;; ++i) {
        if (i > kMaxSteps) {
            TooLong();
        }
        const double proportional = p * current;
        const bool floor_applies = proportional < r.min_step_mg;
        const double reduction = floor_applies ? r.min_step_mg : proportional;
        const double next = current - reduction;
        double target = 0.0;
        if (!NextTarget(next, r.end_point_mg, s, target)) {
            steps.push_back({0.0, StopNote(next, r.end_point_mg), std::nullopt});
            return steps;
        }
        steps.push_back({target,
                         floor_applies
                             ? "-" + Mg(reduction) + " mg (minimum step; " + Mg(r.step_percent) +
                                   " % of the current " + Mg(current) + " mg would be " +
                                   Mg(proportional) + " mg)"
                             : "-" + Mg(reduction) + " mg (" + Mg(r.step_percent) +
                                   " % of the current " + Mg(current) + " mg)",
                         std::nullopt});
        current = target;
    }
}

/// Steady-state trough (ng/mL) of mitragynine for `daily_mg` split into `doses_per_day` equal
/// doses, from the PK engine: the last day of a regimen long enough to be at 99.9 % of steady
/// state.
double SteadyStateTrough(const pk::ParameterSet& params, int doses_per_day, double daily_mg,
                         int days) {
    std::vector<pk::Dose> regimen;
    const double tau_h = 24.0 / doses_per_day;
    for (int day = 0; day < days; ++day) {
        for (int k = 0; k < doses_per_day; ++k) {
            regimen.push_back({day * 24.0 + k * tau_h, daily_mg / doses_per_day});
        }
    }
    pk::DailyOptions options;
    options.days = days;
    options.step_h = 0.25;
    const pk::DailyExposure exposure = pk::SummariseDays(params, regimen, options);
    return exposure.mitragynine.back().trough_ng_ml;
}

struct ExposureSteps {
    std::vector<Step> steps;
    int floor_days = 0;
    double t90_h = 0.0;
    double half_life_h = 0.0;
    double trough_per_mg = 0.0;
    double start_trough = 0.0;
};

ExposureSteps ExposureGuidedSteps(const TaperRequest& r) {
    const pk::ParameterSet& params = *r.pk_parameters;
    const double tau_h = 24.0 / r.doses_per_day;
    const pk::SteadyState ss90 = pk::ComputeSteadyState(params, tau_h, 0.9);
    const pk::SteadyState ss999 = pk::ComputeSteadyState(params, tau_h, 0.999);
    ExposureSteps out;
    out.t90_h = ss90.mitragynine.time_to_fraction_exact_h;
    out.half_life_h = ss90.mitragynine.terminal_half_life_h;
    out.floor_days = static_cast<int>(std::ceil(out.t90_h / 24.0 - 1e-9));
    const int sim_days = std::clamp(
        static_cast<int>(std::ceil(ss999.mitragynine.time_to_fraction_exact_h / 24.0)) + 2, 2,
        pk::kMaxSummaryDays);
    // The model is linear: trough(D) = D x trough(1 mg/day). The engine gives the slope; each
    // step's trough is then recomputed by the engine for the record.
    out.trough_per_mg = SteadyStateTrough(params, r.doses_per_day, 1.0, sim_days);
    out.start_trough = out.trough_per_mg * r.start_daily_mitragynine_mg;
    const double p = r.step_percent / 100.0;
    const double s = r.start_daily_mitragynine_mg;
    double current_dose = s;
    double current_trough = out.start_trough;
    for (int i = 1;; ++i) {
        if (i > kMaxSteps) {
            TooLong();
        }
        const double wanted_trough = current_trough * (1.0 - p);
        double next = wanted_trough / out.trough_per_mg;
        const bool floor_applies = current_dose - next < r.min_step_mg;
        if (floor_applies) {
            next = current_dose - r.min_step_mg;
        }
        double target = 0.0;
        if (!NextTarget(next, r.end_point_mg, s, target)) {
            out.steps.push_back({0.0, StopNote(next, r.end_point_mg), 0.0});
            return out;
        }
        const double trough = SteadyStateTrough(params, r.doses_per_day, target, sim_days);
        out.steps.push_back(
            {target,
             (floor_applies ? "minimum step " + Mg(r.min_step_mg) + " mg; " : std::string()) +
                 "estimated steady-state trough " + Mg(current_trough) + " -> " + Mg(trough) +
                 " ng/mL (" + Mg(trough / current_trough * 100.0 - 100.0) + " %)",
             trough});
        current_dose = target;
        current_trough = trough;
    }
}

std::string MethodReasoning(const TaperRequest& r, int interval_used) {
    const std::string start = Mg(r.start_daily_mitragynine_mg);
    const std::string stop_rule =
        r.end_point_mg > 0.0 ? " The plan stops (target 0) once the next target would fall below "
                               "the end point of " +
                                   Mg(r.end_point_mg) + " mg/day."
                             : " The plan ends when the target reaches 0.";
    switch (r.method) {
        case Method::kLinear:
            return "Linear taper: every " + std::to_string(interval_used) +
                   " days the daily "
                   "target falls by " +
                   Mg(r.step_percent) + " % of the starting " + start + " mg (" +
                   Mg(r.step_percent / 100.0 * r.start_daily_mitragynine_mg) +
                   " mg per step), so steps are equal in mg and grow as a share of the current "
                   "amount towards the end. Basis: '10 % of the original dose per week' is a "
                   "common opioid-taper starting point [S] and CDC 2022 suggests 10 % per month "
                   "or slower for long-term use [S]; no kratom-specific taper guideline was "
                   "found (domain.md §8)." +
                   stop_rule;
        case Method::kProportional:
            return "Proportional taper: every " + std::to_string(interval_used) +
                   " days the "
                   "daily target falls by " +
                   Mg(r.step_percent) +
                   " % of the CURRENT target, "
                   "so steps shrink in mg as the amount falls (slower at the end)" +
                   (r.min_step_mg > 0.0 ? ", but never by less than the minimum step of " +
                                              Mg(r.min_step_mg) + " mg"
                                        : std::string()) +
                   ". Basis: hyperbolic/proportional tapering (Horowitz & Taylor 2019, Lancet "
                   "Psychiatry [V], developed for SSRIs); its application to mu-opioid receptors "
                   "or kratom is not established (domain.md §8.2)." +
                   stop_rule;
        case Method::kExposureGuided:
            return {};
    }
    return {};
}

}  // namespace

const char* ToString(Method method) noexcept {
    switch (method) {
        case Method::kLinear:
            return "linear";
        case Method::kProportional:
            return "proportional";
        case Method::kExposureGuided:
            return "exposure";
    }
    return "linear";
}

std::optional<Method> ParseMethod(std::string_view text) {
    if (text == "linear") {
        return Method::kLinear;
    }
    if (text == "proportional") {
        return Method::kProportional;
    }
    if (text == "exposure" || text == "exposure_guided") {
        return Method::kExposureGuided;
    }
    return std::nullopt;
}

void Validate(const TaperRequest& r) {
    std::vector<std::pair<std::string, std::string>> bad;
    const double s = r.start_daily_mitragynine_mg;
    if (!Finite(s) || s <= 0.0) {
        bad.emplace_back("start_daily_mitragynine_mg", "must be a positive number of mg per day");
    }
    if (!Finite(r.step_percent) || r.step_percent <= 0.0 || r.step_percent >= 100.0) {
        bad.emplace_back("step_percent", "must be greater than 0 and less than 100");
    }
    if (r.interval_days < 1 || r.interval_days > kMaxIntervalDays) {
        bad.emplace_back("interval_days", "must be a whole number of days from 1 to " +
                                              std::to_string(kMaxIntervalDays));
    }
    if (!Finite(r.min_step_mg) || r.min_step_mg < 0.0) {
        bad.emplace_back("min_step_mg", "must be a number >= 0");
    }
    if (!Finite(r.end_point_mg) || r.end_point_mg < 0.0) {
        bad.emplace_back("end_point_mg", "must be a number >= 0");
    } else if (Finite(s) && s > 0.0 && r.end_point_mg >= s) {
        bad.emplace_back("end_point_mg", "must be below start_daily_mitragynine_mg");
    } else if (r.method != Method::kLinear && r.end_point_mg == 0.0 && r.min_step_mg == 0.0) {
        bad.emplace_back("end_point_mg",
                         "must be > 0 when min_step_mg is 0: a proportional taper never reaches 0");
    }
    if (r.start_date < 0 || r.start_date > kMaxDate) {
        bad.emplace_back("start_date", "must be a date between 1970-01-01 and 9999-12-31");
    }
    if (r.method == Method::kExposureGuided) {
        if (!r.pk_parameters.has_value()) {
            bad.emplace_back("pk_parameters", "the exposure method needs a PK parameter set");
        } else {
            try {
                r.pk_parameters->Validate();
            } catch (const ValidationError& e) {
                bad.emplace_back("pk_parameters." + e.field(), e.what());
            }
        }
        if (r.doses_per_day < 1 || r.doses_per_day > kMaxDosesPerDay) {
            bad.emplace_back("doses_per_day",
                             "must be from 1 to " + std::to_string(kMaxDosesPerDay));
        }
    }
    if (bad.empty()) {
        return;
    }
    std::string message;
    for (const auto& [field, text] : bad) {
        message += (message.empty() ? "" : "; ") + field + ": " + text;
    }
    throw ValidationError(bad.front().first, message);
}

TaperPlan Plan(const TaperRequest& request) {
    Validate(request);
    TaperPlan plan;
    plan.method = request.method;
    plan.request = request;
    std::vector<Step> steps;
    int interval_used = request.interval_days;
    switch (request.method) {
        case Method::kLinear:
            steps = LinearSteps(request);
            plan.reasoning = MethodReasoning(request, interval_used);
            break;
        case Method::kProportional:
            steps = ProportionalSteps(request);
            plan.reasoning = MethodReasoning(request, interval_used);
            break;
        case Method::kExposureGuided: {
            ExposureSteps ex = ExposureGuidedSteps(request);
            interval_used = std::max(request.interval_days, ex.floor_days);
            steps = std::move(ex.steps);
            const std::string pk_name =
                request.pk_parameters->name.empty() ? "the request's" : request.pk_parameters->name;
            plan.reasoning =
                "Exposure-guided taper with the PK engine (parameter set " + pk_name + ", " +
                std::to_string(request.doses_per_day) +
                " equal dose(s) per day). Each step "
                "lowers the estimated steady-state mitragynine trough by " +
                Mg(request.step_percent) + " % of the previous step's trough (start " +
                Mg(ex.start_trough) + " ng/mL at " + Mg(request.start_daily_mitragynine_mg) +
                " mg/day). The model is linear, so the trough is proportional to the daily "
                "amount (" +
                Mg(ex.trough_per_mg) +
                " ng/mL per mg/day) and equal fractional "
                "trough falls are equal fractional reductions of the daily amount; the engine's "
                "trough for every step is shown in its note. Mitragynine's half-life is long and "
                "variable (23-68 h in the literature; " +
                Mg(ex.half_life_h) +
                " h in this set), "
                "so exposure lags dose changes by days: no step comes before the previous one "
                "has approached steady state. The engine's time to 90 % of steady state is " +
                Mg(ex.t90_h) +
                " h (about 3.32 half-lives, domain.md §2.4), so steps are at "
                "least " +
                std::to_string(ex.floor_days) + " days apart; " +
                (interval_used > request.interval_days
                     ? "the requested " + std::to_string(request.interval_days) +
                           "-day interval was raised to " + std::to_string(interval_used) + " days."
                     : "the requested " + std::to_string(request.interval_days) +
                           "-day interval already respects this.") +
                (request.min_step_mg > 0.0
                     ? " Each step removes at least " + Mg(request.min_step_mg) +
                           " mg, which makes late trough falls larger."
                     : std::string()) +
                (request.end_point_mg > 0.0
                     ? " The plan stops (target 0) once the next target would fall below " +
                           Mg(request.end_point_mg) + " mg/day."
                     : std::string()) +
                " Applying occupancy-style proportional tapering to kratom is an extrapolation "
                "(domain.md §8.2); no kratom-specific taper guideline exists (§8.3).";
            break;
        }
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
        ScheduleEntry entry;
        entry.date = request.start_date + static_cast<std::int32_t>(i) * interval_used;
        entry.target_mitragynine_mg = steps[i].target_mg;
        entry.step_index = static_cast<int>(i) + 1;
        entry.note = steps[i].note;
        entry.estimated_trough_ng_ml = steps[i].trough_ng_ml;
        plan.schedule.push_back(std::move(entry));
    }
    plan.summary.steps = static_cast<int>(plan.schedule.size());
    plan.summary.interval_days_used = interval_used;
    plan.summary.end_date = plan.schedule.back().date;
    plan.summary.duration_days = plan.summary.end_date - request.start_date;
    plan.reasoning += " Schedule: " + std::to_string(plan.summary.steps) + " steps from " +
                      FormatDate(request.start_date) + " to " + FormatDate(plan.summary.end_date) +
                      " (" + std::to_string(plan.summary.duration_days) +
                      " days). A clinician "
                      "must approve the plan; holds pause it when withdrawal or craving rise.";
    return plan;
}

double DefaultStartDailyMg(const std::vector<DailyAmount>& daily, std::int32_t today, int days) {
    if (days < 1 || days > 365) {
        throw ValidationError("days", "must be from 1 to 365");
    }
    double total = 0.0;
    for (const DailyAmount& d : daily) {
        if (d.date >= today - days && d.date < today && Finite(d.mitragynine_mg)) {
            total += d.mitragynine_mg;
        }
    }
    return total / days;
}

std::optional<double> TargetOn(const std::vector<ScheduleEntry>& schedule, std::int32_t date) {
    std::optional<double> target;
    for (const ScheduleEntry& entry : schedule) {
        if (entry.date > date) {
            break;
        }
        target = entry.target_mitragynine_mg;
    }
    return target;
}

std::vector<pk::Dose> ToRegimen(const std::vector<ScheduleEntry>& schedule, std::int32_t from_date,
                                int days, int doses_per_day) {
    if (days < 1 || days > pk::kMaxSummaryDays) {
        throw ValidationError("days", "must be from 1 to " + std::to_string(pk::kMaxSummaryDays));
    }
    if (doses_per_day < 1 || doses_per_day > kMaxDosesPerDay) {
        throw ValidationError("doses_per_day",
                              "must be from 1 to " + std::to_string(kMaxDosesPerDay));
    }
    std::vector<pk::Dose> regimen;
    const double tau_h = 24.0 / doses_per_day;
    for (int day = 0; day < days; ++day) {
        const std::optional<double> target = TargetOn(schedule, from_date + day);
        if (!target || *target <= 0.0) {
            continue;
        }
        for (int k = 0; k < doses_per_day; ++k) {
            regimen.push_back({day * 24.0 + k * tau_h, *target / doses_per_day});
        }
    }
    return regimen;
}

// ---- Holds -----------------------------------------------------------------------------

void Validate(const HoldPolicy& policy) {
    if (policy.pause_at_or_above.empty()) {
        throw ValidationError("pause_at_or_above", "name at least one instrument threshold");
    }
    for (const auto& [instrument, threshold] : policy.pause_at_or_above) {
        if (!Finite(threshold) || threshold < 0.0) {
            throw ValidationError("pause_at_or_above." + instrument, "must be a number >= 0");
        }
    }
    for (const auto& [instrument, threshold] : policy.resume_below) {
        if (!Finite(threshold) || threshold < 0.0) {
            throw ValidationError("resume_below." + instrument, "must be a number >= 0");
        }
    }
    if (policy.pause_after_days < 1 || policy.pause_after_days > 365) {
        throw ValidationError("pause_after_days", "must be from 1 to 365");
    }
    if (policy.resume_after_days < 1 || policy.resume_after_days > 365) {
        throw ValidationError("resume_after_days", "must be from 1 to 365");
    }
}

HoldState EvaluateHold(const HoldPolicy& policy, const std::vector<DailyScores>& scores) {
    Validate(policy);
    std::map<std::int32_t, std::map<std::string, double>> by_date;
    for (const DailyScores& day : scores) {
        auto& merged = by_date[day.date];
        for (const auto& [instrument, value] : day.scores) {
            auto [it, inserted] = merged.emplace(instrument, value);
            if (!inserted) {
                it->second = std::max(it->second, value);
            }
        }
    }
    HoldState state;
    int elevated_run = 0;
    int settled_run = 0;
    std::optional<std::int32_t> previous;
    std::string trigger;
    for (const auto& [date, day] : by_date) {
        const bool contiguous = previous.has_value() && *previous + 1 == date;
        previous = date;
        std::string why;
        bool elevated = false;
        bool relevant = false;
        bool all_below = true;
        for (const auto& [instrument, value] : day) {
            if (auto p = policy.pause_at_or_above.find(instrument);
                p != policy.pause_at_or_above.end() && value >= p->second) {
                elevated = true;
                why += (why.empty() ? "" : ", ") + instrument + " " + Mg(value) +
                       " >= " + Mg(p->second);
            }
            std::optional<double> resume;
            if (auto r = policy.resume_below.find(instrument); r != policy.resume_below.end()) {
                resume = r->second;
            } else if (auto p = policy.pause_at_or_above.find(instrument);
                       p != policy.pause_at_or_above.end()) {
                resume = p->second;
            }
            if (resume) {
                relevant = true;
                all_below = all_below && value < *resume;
            }
        }
        const bool settled = relevant && all_below;
        if (!state.on_hold) {
            elevated_run = elevated ? (contiguous ? elevated_run : 0) + 1 : 0;
            if (elevated) {
                trigger = why;
            }
            if (elevated_run >= policy.pause_after_days) {
                state.on_hold = true;
                state.periods.push_back({date, std::nullopt,
                                         trigger + " on " +
                                             std::to_string(policy.pause_after_days) +
                                             " consecutive day(s) (clinic threshold)"});
                settled_run = 0;
            }
            continue;
        }
        settled_run = settled ? (contiguous ? settled_run : 0) + 1 : 0;
        if (settled_run >= policy.resume_after_days) {
            state.on_hold = false;
            state.periods.back().end_date = date + 1;
            state.periods.back().reason += "; settled for " +
                                           std::to_string(policy.resume_after_days) +
                                           " consecutive day(s) to " + FormatDate(date);
            elevated_run = 0;
        }
    }
    return state;
}

TaperPlan ApplyHolds(const TaperPlan& plan, const std::vector<HoldPeriod>& holds,
                     std::int32_t as_of_date) {
    TaperPlan out = plan;
    std::vector<HoldPeriod> sorted = holds;
    std::sort(sorted.begin(), sorted.end(),
              [](const HoldPeriod& a, const HoldPeriod& b) { return a.start_date < b.start_date; });
    for (const HoldPeriod& hold : sorted) {
        const bool open = !hold.end_date.has_value();
        const std::int32_t end =
            open ? std::max(as_of_date + 1, hold.start_date + 1) : *hold.end_date;
        const int length = end - hold.start_date;
        if (length <= 0) {
            continue;
        }
        ScheduleEntry marker;
        marker.date = hold.start_date;
        marker.hold = true;
        marker.target_mitragynine_mg = plan.request.start_daily_mitragynine_mg;
        for (const ScheduleEntry& e : out.schedule) {
            if (e.date > hold.start_date) {
                break;
            }
            marker.target_mitragynine_mg = e.target_mitragynine_mg;
            marker.step_index = e.step_index;
            marker.estimated_trough_ng_ml = e.estimated_trough_ng_ml;
        }
        marker.note = "hold " + FormatDate(hold.start_date) + " to " + FormatDate(end - 1) +
                      (open ? " (ongoing as of " + FormatDate(as_of_date) + ")" : std::string()) +
                      ": " + hold.reason;
        for (ScheduleEntry& e : out.schedule) {
            if (e.date >= hold.start_date) {
                e.date += length;
                e.note += " [moved " + std::to_string(length) + " days by the hold from " +
                          FormatDate(hold.start_date) + (open ? "; provisional" : "") + "]";
            }
        }
        out.schedule.push_back(std::move(marker));
        std::stable_sort(out.schedule.begin(), out.schedule.end(),
                         [](const ScheduleEntry& a, const ScheduleEntry& b) {
                             if (a.date != b.date) {
                                 return a.date < b.date;
                             }
                             return a.hold && !b.hold;
                         });
        out.summary.hold_days += length;
    }
    out.holds = sorted;
    std::int32_t last = plan.request.start_date;
    for (const ScheduleEntry& e : out.schedule) {
        last = std::max(last, e.date);
    }
    out.summary.end_date = last;
    out.summary.duration_days = last - plan.request.start_date;
    if (out.summary.hold_days > 0) {
        out.reasoning += " Holds added " + std::to_string(out.summary.hold_days) +
                         " days; the schedule after each hold start was moved later.";
    }
    return out;
}

// ---- Adherence -------------------------------------------------------------------------

Adherence Compare(const std::vector<ScheduleEntry>& schedule,
                  const std::vector<DailyAmount>& actual, double tolerance_percent) {
    if (!Finite(tolerance_percent) || tolerance_percent < 0.0) {
        throw ValidationError("tolerance_percent", "must be a number >= 0");
    }
    Adherence out;
    if (schedule.empty()) {
        return out;
    }
    std::map<std::int32_t, double> by_date;
    for (const DailyAmount& a : actual) {
        if (!Finite(a.mitragynine_mg) || a.mitragynine_mg < 0.0) {
            throw ValidationError("actual", "daily amounts must be numbers >= 0");
        }
        by_date[a.date] += a.mitragynine_mg;
    }
    const std::int32_t first = schedule.front().date;
    if (by_date.empty() || by_date.rbegin()->first < first) {
        return out;
    }
    const std::int32_t last = by_date.rbegin()->first;
    double difference_sum = 0.0;
    for (std::int32_t date = first; date <= last; ++date) {
        AdherenceDay day;
        day.date = date;
        day.target_mg = TargetOn(schedule, date).value_or(0.0);
        if (auto it = by_date.find(date); it != by_date.end()) {
            day.actual_mg = it->second;
            day.difference_mg = it->second - day.target_mg;
            day.over_target = it->second > day.target_mg * (1.0 + tolerance_percent / 100.0) + 1e-9;
            ++out.days_compared;
            (day.over_target ? out.days_over_target : out.days_at_or_under_target)++;
            difference_sum += *day.difference_mg;
        } else {
            ++out.days_without_data;
        }
        out.days.push_back(day);
    }
    if (out.days_compared > 0) {
        out.mean_difference_mg = difference_sum / out.days_compared;
    }
    return out;
}

}  // namespace mitra::core::taper
