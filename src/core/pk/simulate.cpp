#include "core/pk/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/pk/propagate.hpp"

namespace mitra::core::pk {

namespace {

constexpr double kHoursPerDay = 24.0;

}  // namespace

void SimulateInto(const LinearModel& model, const std::vector<Dose>& regimen,
                  const double* times_h, std::size_t count, double* mitragynine_ng_ml,
                  double* hydroxymitragynine_ng_ml) {
    detail::Propagate<false>(model, regimen, times_h, count,
                             [&](std::size_t idx, double parent, double metabolite, double,
                                 double) {
                                 mitragynine_ng_ml[idx] = parent;
                                 hydroxymitragynine_ng_ml[idx] = metabolite;
                             });
}

SimulationResult Simulate(const ParameterSet& parameters, const std::vector<Dose>& regimen,
                          const std::vector<double>& times_h) {
    const LinearModel model(parameters);
    ValidateRegimen(regimen);
    ValidateTimes(times_h);
    SimulationResult result;
    result.times_h = times_h;
    result.mitragynine_ng_ml.resize(times_h.size());
    result.hydroxymitragynine_ng_ml.resize(times_h.size());
    SimulateInto(model, regimen, times_h.data(), times_h.size(), result.mitragynine_ng_ml.data(),
                 result.hydroxymitragynine_ng_ml.data());
    return result;
}

DailyExposure SummariseDays(const ParameterSet& parameters, const std::vector<Dose>& regimen,
                            const DailyOptions& options) {
    const LinearModel model(parameters);
    ValidateRegimen(regimen);
    CheckNonNegativeFinite("SummariseDays", "origin_h", options.origin_h);
    if (options.days < 1 || options.days > kMaxSummaryDays) {
        throw ValidationError("days", "pk: days must be between 1 and " +
                                          std::to_string(kMaxSummaryDays));
    }
    CheckInRange("SummariseDays", "step_h", options.step_h, 0.0, kHoursPerDay);
    if (options.step_h <= 0.0) {
        throw ValidationError("step_h", "pk: step_h must be > 0");
    }
    const double steps_per_day = std::ceil(kHoursPerDay / options.step_h);
    if (steps_per_day * options.days > kMaxSummaryPoints) {
        throw ValidationError("step_h", "pk: days * 24 / step_h must not exceed " +
                                            std::to_string(kMaxSummaryPoints));
    }

    // Grid: origin, every step, every dose time and every day boundary; day_end[d] is the index
    // of the boundary point closing day d.
    const int days = options.days;
    const auto per_day = static_cast<std::size_t>(steps_per_day);
    std::vector<double> grid;
    grid.reserve(static_cast<std::size_t>(days) * (per_day + 1) + regimen.size() + 1);
    std::vector<std::size_t> day_end(static_cast<std::size_t>(days));
    std::size_t dose_idx = 0;
    while (dose_idx < regimen.size() && regimen[dose_idx].time_h < options.origin_h) {
        ++dose_idx;
    }
    grid.push_back(options.origin_h);
    for (int day = 0; day < days; ++day) {
        const double start_h = options.origin_h + kHoursPerDay * day;
        const double end_h = start_h + kHoursPerDay;
        for (std::size_t step_idx = 1; step_idx <= per_day; ++step_idx) {
            const double t_h = std::min(end_h, start_h + options.step_h * step_idx);
            while (dose_idx < regimen.size() && regimen[dose_idx].time_h < t_h) {
                if (regimen[dose_idx].time_h > grid.back()) {
                    grid.push_back(regimen[dose_idx].time_h);
                }
                ++dose_idx;
            }
            if (t_h > grid.back()) {
                grid.push_back(t_h);
            }
        }
        day_end[static_cast<std::size_t>(day)] = grid.size() - 1;
    }

    DailyExposure out;
    out.step_h = options.step_h;
    out.mitragynine.resize(static_cast<std::size_t>(days));
    out.hydroxymitragynine.resize(static_cast<std::size_t>(days));
    for (int day = 0; day < days; ++day) {
        for (auto* summaries : {&out.mitragynine, &out.hydroxymitragynine}) {
            DaySummary& s = (*summaries)[static_cast<std::size_t>(day)];
            s.day = day;
            s.start_h = options.origin_h + kHoursPerDay * day;
            s.cmax_ng_ml = -std::numeric_limits<double>::infinity();
            s.trough_ng_ml = std::numeric_limits<double>::infinity();
        }
    }
    auto update = [&](std::size_t d, double parent, double metabolite) {
        DaySummary& p = out.mitragynine[d];
        DaySummary& m = out.hydroxymitragynine[d];
        p.cmax_ng_ml = std::max(p.cmax_ng_ml, parent);
        p.trough_ng_ml = std::min(p.trough_ng_ml, parent);
        m.cmax_ng_ml = std::max(m.cmax_ng_ml, metabolite);
        m.trough_ng_ml = std::min(m.trough_ng_ml, metabolite);
    };
    std::size_t day = 0;
    double auc_parent_at_start = 0.0;
    double auc_metabolite_at_start = 0.0;
    detail::Propagate<true>(
        model, regimen, grid.data(), grid.size(),
        [&](std::size_t idx, double parent, double metabolite, double auc_parent,
            double auc_metabolite) {
            if (idx == 0) {
                auc_parent_at_start = auc_parent;
                auc_metabolite_at_start = auc_metabolite;
            }
            update(day, parent, metabolite);
            if (idx == day_end[day]) {
                out.mitragynine[day].auc_ng_h_per_ml = auc_parent - auc_parent_at_start;
                out.hydroxymitragynine[day].auc_ng_h_per_ml =
                    auc_metabolite - auc_metabolite_at_start;
                auc_parent_at_start = auc_parent;
                auc_metabolite_at_start = auc_metabolite;
                ++day;
                if (day < day_end.size()) {
                    update(day, parent, metabolite);  // a boundary also opens the next day
                }
            }
        });
    return out;
}

WeeklyExposureChange CompareWeeks(const DailyExposure& daily, int reference_first_day,
                                  int comparison_first_day) {
    constexpr int kDaysPerWeek = 7;
    const int days = static_cast<int>(daily.mitragynine.size());
    if (reference_first_day < 0 || reference_first_day + kDaysPerWeek > days) {
        throw ValidationError("reference_first_day",
                              "pk: the reference week must lie within the summarised days");
    }
    if (comparison_first_day < 0 || comparison_first_day + kDaysPerWeek > days) {
        throw ValidationError("comparison_first_day",
                              "pk: the comparison week must lie within the summarised days");
    }
    auto change = [&](const std::vector<DaySummary>& summaries) {
        ExposureChange c;
        for (int offset = 0; offset < kDaysPerWeek; ++offset) {
            c.reference_auc_ng_h_per_ml +=
                summaries[static_cast<std::size_t>(reference_first_day + offset)].auc_ng_h_per_ml;
            c.comparison_auc_ng_h_per_ml +=
                summaries[static_cast<std::size_t>(comparison_first_day + offset)]
                    .auc_ng_h_per_ml;
        }
        c.ratio = c.reference_auc_ng_h_per_ml > 0.0
                      ? c.comparison_auc_ng_h_per_ml / c.reference_auc_ng_h_per_ml
                      : 0.0;
        return c;
    };
    return {change(daily.mitragynine), change(daily.hydroxymitragynine)};
}

SteadyState ComputeSteadyState(const ParameterSet& parameters, double interval_h,
                               double fraction) {
    const LinearModel model(parameters);
    CheckPositiveFinite("ComputeSteadyState", "interval_h", interval_h);
    if (interval_h > 8760.0) {
        throw ValidationError("interval_h", "pk: interval_h must be at most 8760");
    }
    if (!std::isfinite(fraction) || fraction <= 0.0 || fraction >= 1.0) {
        throw ValidationError("fraction", "pk: fraction must be a number in (0, 1)");
    }
    const std::vector<Dose> single{{0.0, 1.0}};
    // AUC(0, t) / AUC(0, inf) of a single 1 mg dose, for one analyte.
    auto auc_fraction = [&](double t_h, bool metabolite) {
        double value = 0.0;
        detail::Propagate<true>(model, single, &t_h, 1,
                                [&](std::size_t, double, double, double ap, double am) {
                                    value = metabolite ? am / model.MetaboliteAucInfPerMg()
                                                       : ap / model.ParentAucInfPerMg();
                                });
        return value;
    };
    auto figures = [&](double rate_per_h, bool metabolite) {
        SteadyStateFigures f;
        f.terminal_rate_per_h = rate_per_h;
        f.terminal_half_life_h = std::log(2.0) / rate_per_h;
        f.accumulation_ratio = 1.0 / -std::expm1(-rate_per_h * interval_h);
        f.time_to_fraction_terminal_h = -std::log1p(-fraction) / rate_per_h;
        // Bracket then bisect (bounded: 64 doublings, 200 halvings).
        double lo = 0.0;
        double hi = f.time_to_fraction_terminal_h;
        for (int iter = 0; iter < 64 && auc_fraction(hi, metabolite) < fraction; ++iter) {
            lo = hi;
            hi *= 2.0;
        }
        for (int iter = 0; iter < 200 && hi - lo > 1e-12 * hi; ++iter) {
            const double mid = 0.5 * (lo + hi);
            if (auc_fraction(mid, metabolite) < fraction) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        f.time_to_fraction_exact_h = 0.5 * (lo + hi);
        return f;
    };
    SteadyState out;
    out.interval_h = interval_h;
    out.fraction = fraction;
    out.mitragynine = figures(model.ParentTerminalRatePerH(), false);
    out.hydroxymitragynine = figures(model.MetaboliteTerminalRatePerH(), true);
    return out;
}

}  // namespace mitra::core::pk
