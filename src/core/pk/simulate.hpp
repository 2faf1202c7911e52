#pragma once
// Facade of the pharmacokinetic engine for one subject: concentration curves, per-day exposure,
// week-over-week exposure change and steady-state figures for mitragynine and 7-OH.
//
// Model and method: see linear_model.hpp and src/core/pk/README.md. Every function validates
// its inputs first (ValidationError naming the field, HTTP 400) and then evaluates the linear
// system exactly by event-to-event propagation: no ODE solver, cost O(doses + points).
// Concentrations are in ng/mL, AUCs in ng*h/mL, times in hours from the regimen origin
// (t = 0, zero drug in the body). Functions are pure and thread-safe.

#include <cstddef>
#include <vector>

#include "core/pk/linear_model.hpp"
#include "core/pk/parameters.hpp"

namespace mitra::core::pk {

/// Curves on the requested grid. JSON names: times_h, mitragynine_ng_ml,
/// hydroxymitragynine_ng_ml.
struct SimulationResult {
    std::vector<double> times_h;
    std::vector<double> mitragynine_ng_ml;
    std::vector<double> hydroxymitragynine_ng_ml;
};

/// Concentrations of both analytes at `times_h` after `regimen`.
/// @param regimen  doses sorted by time (time_h >= 0, dose_mg > 0), at most kMaxDoses
/// @param times_h  sorted, >= 0, 1..kMaxOutputPoints
/// @throws ValidationError naming the parameter or field (`cl_l_per_h`, `regimen[3].time_h`,
///         `times_h[2]`, ...)
SimulationResult Simulate(const ParameterSet& parameters, const std::vector<Dose>& regimen,
                          const std::vector<double>& times_h);

/// Allocation-free core of Simulate for a prepared model; writes `count` values to each output.
/// REQUIRES: regimen and times validated (ValidateRegimen, ValidateTimes).
void SimulateInto(const LinearModel& model, const std::vector<Dose>& regimen,
                  const double* times_h, std::size_t count, double* mitragynine_ng_ml,
                  double* hydroxymitragynine_ng_ml);

/// Exposure of one analyte over one day [start_h, start_h + 24 h].
struct DaySummary {
    int day = 0;                    ///< 0-based day index from the origin
    double start_h = 0.0;
    double auc_ng_h_per_ml = 0.0;   ///< exact integral over the day (analytic, not trapezoid)
    double cmax_ng_ml = 0.0;        ///< maximum over the evaluation grid of the day
    double trough_ng_ml = 0.0;      ///< minimum over the evaluation grid of the day
};

struct DailyExposure {
    std::vector<DaySummary> mitragynine;
    std::vector<DaySummary> hydroxymitragynine;
    double step_h = 0.0;  ///< grid used for cmax/trough (plus every dose time and day boundary)
};

struct DailyOptions {
    double origin_h = 0.0;  ///< start of day 0, hours (>= 0); days are 24 h from here
    int days = 1;           ///< number of days, 1..kMaxSummaryDays
    double step_h = 0.25;   ///< cmax/trough grid step, (0, 24]; AUC does not depend on it
};

inline constexpr int kMaxSummaryDays = 3660;
inline constexpr double kMaxSummaryPoints = 2'000'000.0;

/// Per-day AUC (exact), Cmax and trough for both analytes. Cmax and trough are taken on a grid
/// of `step_h` that also contains every dose time and both day boundaries, so the parent trough
/// (which for oral input lies at a dose time or a boundary) is exact and Cmax is low by at most
/// about |C''| * step^2 / 8.
/// @throws ValidationError (`days`, `step_h`, `origin_h`, parameters, regimen fields)
DailyExposure SummariseDays(const ParameterSet& parameters, const std::vector<Dose>& regimen,
                            const DailyOptions& options);

/// Ratio of summed AUC over two 7-day windows of a DailyExposure.
struct ExposureChange {
    double reference_auc_ng_h_per_ml = 0.0;
    double comparison_auc_ng_h_per_ml = 0.0;
    double ratio = 0.0;  ///< comparison / reference (0 when the reference AUC is 0)
};
struct WeeklyExposureChange {
    ExposureChange mitragynine;
    ExposureChange hydroxymitragynine;
};

/// Change of exposure in week starting at `comparison_first_day` vs the reference week.
/// @throws ValidationError (`reference_first_day`, `comparison_first_day`) when a window does
///         not fit in the summaries.
WeeklyExposureChange CompareWeeks(const DailyExposure& daily, int reference_first_day,
                                  int comparison_first_day);

/// Steady-state figures of one analyte for a repeated regimen (same dose every interval).
struct SteadyStateFigures {
    double terminal_rate_per_h = 0.0;   ///< slowest contributing eigenvalue lambda_z
    double terminal_half_life_h = 0.0;  ///< ln 2 / lambda_z
    /// 1 / (1 - exp(-lambda_z tau)): domain.md §2.4 (exact for one compartment, bolus-like
    /// absorption; terminal-phase approximation otherwise).
    double accumulation_ratio = 0.0;
    /// -ln(1 - fraction) / lambda_z (3.32 t1/2 for 90 %): terminal-phase approximation.
    double time_to_fraction_terminal_h = 0.0;
    /// Exact: earliest t with AUC_single(0, t) / AUC_single(0, inf) = fraction. For equal
    /// doses every tau from t = 0, the average over the interval ending at n*tau equals
    /// fraction * steady-state average exactly when n*tau = t (superposition), whatever tau.
    double time_to_fraction_exact_h = 0.0;
};
struct SteadyState {
    double interval_h = 0.0;
    double fraction = 0.0;
    SteadyStateFigures mitragynine;
    SteadyStateFigures hydroxymitragynine;
};

/// @param interval_h dosing interval tau, (0, 8760]
/// @param fraction   of the steady-state average, (0, 1) (0.9 for "time to 90 %")
/// @throws ValidationError (`interval_h`, `fraction`, parameter names)
SteadyState ComputeSteadyState(const ParameterSet& parameters, double interval_h,
                               double fraction = 0.9);

}  // namespace mitra::core::pk
