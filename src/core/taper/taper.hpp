#pragma once
// Taper planning: a schedule of daily mitragynine targets from a starting amount, by one of
// three methods, plus adaptive holds (pause on withdrawal/craving, resume when settled) and
// adherence (actual vs target). Pure functions; dates are days since 1970-01-01 (the patient's
// calendar days). No clinical number is a literal here: step sizes, intervals and hold
// thresholds come from the request (the clinician) and PK parameters from data/pk.
//
// Methods (README.md has the formulas and their sources):
//   linear        T_i = S - i * p * S                    (p of the STARTING amount per step)
//   proportional  T_i = T_{i-1} - max(p * T_{i-1}, m)    (p of the CURRENT amount; m = minimum
//   step) exposure      equal fractional falls of the PK engine's steady-state trough; the step
//                 interval is at least the engine's time to 90 % of steady state.
// Every method stops when the next target would fall below the end point: the final entry is
// then 0 mg ("stop").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pk/parameters.hpp"

namespace mitra::core::taper {

enum class Method { kLinear, kProportional, kExposureGuided };

/// "linear" | "proportional" | "exposure" (DESIGN taper-plan method names).
const char* ToString(Method method) noexcept;
std::optional<Method> ParseMethod(std::string_view text);

/// Hard limit on schedule length (bounds CPU and memory per request).
inline constexpr int kMaxSteps = 1000;

struct TaperRequest {
    Method method = Method::kLinear;
    /// S: mg mitragynine per day at the start. The caller computes the default from the
    /// patient's last 7 days of doses (sum / 7).
    double start_daily_mitragynine_mg = 0.0;
    double step_percent = 0.0;  ///< p x 100, in (0, 100)
    int interval_days = 0;      ///< days between steps, >= 1
    /// Smallest reduction per step, mg (proportional, exposure). 0 = none (then end_point_mg
    /// must be > 0 so the plan ends).
    double min_step_mg = 0.0;
    /// The plan stops (next target 0) when the next target would fall below this, mg/day.
    double end_point_mg = 0.0;
    std::int32_t start_date = 0;  ///< date of the first reduction, days since epoch
    /// Exposure-guided only: the PK parameter set (data/pk) and doses per day of the regimen
    /// used to estimate the steady-state trough.
    std::optional<pk::ParameterSet> pk_parameters;
    int doses_per_day = 1;
};

/// Checks every parameter and throws ONE ValidationError naming every bad parameter: field()
/// is the first bad field, what() lists all as "field: message; field: message".
void Validate(const TaperRequest& request);

struct ScheduleEntry {
    std::int32_t date = 0;               ///< from this day on, until the next entry's date
    double target_mitragynine_mg = 0.0;  ///< per day
    int step_index = 0;                  ///< 1-based reduction number; holds repeat the index
    std::string note;
    bool hold = false;                             ///< a hold marker inserted by ApplyHolds
    std::optional<double> estimated_trough_ng_ml;  ///< exposure method: steady-state trough
};

struct TaperSummary {
    int steps = 0;               ///< reductions, including the final stop
    int duration_days = 0;       ///< last entry date - first entry date
    int interval_days_used = 0;  ///< after the exposure method's floor
    std::int32_t end_date = 0;   ///< date of the last entry (target 0 = stop)
    int hold_days = 0;           ///< total days added by holds
};

struct HoldPeriod {
    std::int32_t start_date = 0;
    /// First day after the hold (half-open [start, end)); absent = still on hold.
    std::optional<std::int32_t> end_date;
    std::string reason;
};

struct TaperPlan {
    Method method = Method::kLinear;
    TaperRequest request;
    std::vector<ScheduleEntry> schedule;
    TaperSummary summary;
    std::string reasoning;          ///< how the schedule was built, in words, with the numbers
    std::vector<HoldPeriod> holds;  ///< as applied by ApplyHolds
};

/// Builds the schedule. @throws ValidationError (see Validate); also "step_percent" when the
/// schedule would exceed kMaxSteps, "pk_parameters" when the exposure method lacks them.
TaperPlan Plan(const TaperRequest& request);

/// The target in effect on `date` (the last entry with entry.date <= date), or nullopt before
/// the first entry.
std::optional<double> TargetOn(const std::vector<ScheduleEntry>& schedule, std::int32_t date);

/// The schedule as a PK regimen for an exposure preview (pk::SummariseDays,
/// pk::SimulatePopulation): `days` days from `from_date` (t = 0 h at its start), each day's
/// target split into `doses_per_day` equal doses every 24 / doses_per_day h; days with target 0
/// or before the first entry get no dose. Targets come from TargetOn, so holds are respected.
/// @throws ValidationError "days" (1..pk::kMaxSummaryDays), "doses_per_day" (1..24).
std::vector<pk::Dose> ToRegimen(const std::vector<ScheduleEntry>& schedule, std::int32_t from_date,
                                int days, int doses_per_day = 1);

// ---- Adaptive holds --------------------------------------------------------------------

/// One day's scores, by instrument id ("sows-gossop-10", "cows-11", "craving-nrs", ...).
struct DailyScores {
    std::int32_t date = 0;
    std::map<std::string, double> scores;
};

/// Clinician-set. A day is "elevated" when any score is >= its pause threshold; it is
/// "settled" when it has at least one score and every score with a resume threshold is below
/// it. Missing days break a run.
struct HoldPolicy {
    std::map<std::string, double> pause_at_or_above;  ///< instrument -> threshold
    int pause_after_days = 0;  ///< N consecutive elevated days start a hold (>= 1)
    /// instrument -> threshold to resume below; instruments absent here use pause_at_or_above.
    std::map<std::string, double> resume_below;
    int resume_after_days = 0;  ///< M consecutive settled days end it (>= 1)
};

/// @throws ValidationError naming the field (pause_after_days, resume_after_days,
///         pause_at_or_above, pause_at_or_above.<instrument>, resume_below.<instrument>).
void Validate(const HoldPolicy& policy);

struct HoldState {
    bool on_hold = false;
    std::vector<HoldPeriod> periods;  ///< chronological; the last is open when on_hold
};

/// Runs the policy over the scores (any order; one entry per date, duplicates merged by
/// taking the maximum of each instrument). A hold starts on the date of the N-th consecutive
/// elevated day and ends the day after the M-th consecutive settled day.
HoldState EvaluateHold(const HoldPolicy& policy, const std::vector<DailyScores>& scores);

/// Shifts the schedule so that each hold is visible: a hold marker entry (hold = true, the
/// target in effect) at the hold start, and every entry dated on or after the start moved
/// later by the hold length. An open hold counts as lasting until `as_of_date` inclusive (the
/// remaining dates are then provisional, said in the notes).
TaperPlan ApplyHolds(const TaperPlan& plan, const std::vector<HoldPeriod>& holds,
                     std::int32_t as_of_date);

// ---- Adherence -------------------------------------------------------------------------

struct DailyAmount {
    std::int32_t date = 0;
    double mitragynine_mg = 0.0;
};

/// The default starting amount: mg mitragynine logged on the `days` complete days before
/// `today` (dates today - days .. today - 1), divided by `days`. Days without doses count as 0.
/// @throws ValidationError "days" unless 1..365.
double DefaultStartDailyMg(const std::vector<DailyAmount>& daily, std::int32_t today, int days = 7);

struct AdherenceDay {
    std::int32_t date = 0;
    double target_mg = 0.0;
    std::optional<double> actual_mg;      ///< absent = nothing logged that day
    std::optional<double> difference_mg;  ///< actual - target
    bool over_target = false;             ///< actual > target * (1 + tolerance)
};

struct Adherence {
    std::vector<AdherenceDay> days;  ///< every day from the first entry to the last actual
    int days_compared = 0;           ///< days with an actual amount
    int days_without_data = 0;
    int days_over_target = 0;
    int days_at_or_under_target = 0;
    std::optional<double> mean_difference_mg;  ///< over compared days
};

/// Compares actual daily amounts (summed per date) with the schedule's targets. Days before
/// the first entry are ignored. @param tolerance_percent a day counts as over target when
/// actual > target * (1 + tolerance/100); >= 0.
/// @throws ValidationError "tolerance_percent".
Adherence Compare(const std::vector<ScheduleEntry>& schedule,
                  const std::vector<DailyAmount>& actual, double tolerance_percent = 0.0);

}  // namespace mitra::core::taper
