// Taper schedules checked against hand calculation (arithmetic in the comments), holds and
// resumes, adherence and bad parameters. Step sizes and thresholds here are test inputs, not
// clinical recommendations.
#include "core/taper/taper.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "api/catalog/pk_json.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::core::taper {
namespace {

const std::int32_t kD0 = *ParseDate("2027-01-04");

void ExpectTargets(const TaperPlan& plan, const std::vector<double>& want) {
    ASSERT_EQ(plan.schedule.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR(plan.schedule[i].target_mitragynine_mg, want[i], 1e-9) << "step " << i + 1;
        EXPECT_EQ(plan.schedule[i].step_index, static_cast<int>(i) + 1);
    }
}

TaperRequest Linear(double start, double percent, int interval, double end = 0.0) {
    TaperRequest r;
    r.method = Method::kLinear;
    r.start_daily_mitragynine_mg = start;
    r.step_percent = percent;
    r.interval_days = interval;
    r.end_point_mg = end;
    r.start_date = kD0;
    return r;
}

TEST(TaperLinear, TenPercentOfStartEveryWeek) {
    // S = 100 mg, p = 10 % of S = 10 mg per step: 100 - 10 i = 90, 80, ..., 10, 0.
    const TaperPlan plan = Plan(Linear(100, 10, 7));
    ExpectTargets(plan, {90, 80, 70, 60, 50, 40, 30, 20, 10, 0});
    // Dates: start + 7 (i - 1); the stop (step 10) is at start + 63.
    EXPECT_EQ(plan.schedule.front().date, kD0);
    EXPECT_EQ(plan.schedule[1].date, kD0 + 7);
    EXPECT_EQ(plan.schedule.back().date, kD0 + 63);
    EXPECT_EQ(plan.summary.steps, 10);
    EXPECT_EQ(plan.summary.duration_days, 63);
    EXPECT_EQ(plan.summary.interval_days_used, 7);
    EXPECT_NE(plan.reasoning.find("10 % of the starting 100 mg"), std::string::npos);
    EXPECT_NE(plan.schedule[0].note.find("-10 mg"), std::string::npos);
}

TEST(TaperLinear, StopsBelowTheEndPoint) {
    // S = 100, 10 mg steps, end point 25: 90 ... 30, then 20 < 25 -> stop (0) at step 8.
    const TaperPlan plan = Plan(Linear(100, 10, 7, 25));
    ExpectTargets(plan, {90, 80, 70, 60, 50, 40, 30, 0});
    EXPECT_EQ(plan.schedule.back().date, kD0 + 49);  // 7 x (8 - 1)
    EXPECT_NE(plan.schedule.back().note.find("below the end point 25 mg"), std::string::npos);
}

TEST(TaperLinear, UnevenStartAmount) {
    // S = 60, p = 25 % -> 15 mg per step: 45, 30, 15, 0; interval 14 -> stop at start + 42.
    const TaperPlan plan = Plan(Linear(60, 25, 14));
    ExpectTargets(plan, {45, 30, 15, 0});
    EXPECT_EQ(plan.summary.duration_days, 42);
}

TEST(TaperProportional, PercentOfCurrentWithMinimumStep) {
    TaperRequest r = Linear(100, 25, 7, 20);
    r.method = Method::kProportional;
    r.min_step_mg = 10;
    const TaperPlan plan = Plan(r);
    // 100 - 25   = 75          (25 % of 100 = 25)
    // 75 - 18.75 = 56.25       (25 % of 75)
    // 56.25 - 14.0625 = 42.1875
    // 42.1875 - 10.546875 = 31.640625
    // 25 % of 31.640625 = 7.91 < 10 (minimum step): 31.640625 - 10 = 21.640625
    // 25 % of 21.640625 = 5.41 < 10: 21.640625 - 10 = 11.640625 < 20 (end point) -> stop
    ExpectTargets(plan, {75, 56.25, 42.1875, 31.640625, 21.640625, 0});
    EXPECT_NE(plan.schedule[4].note.find("minimum step"), std::string::npos);
    EXPECT_EQ(plan.schedule.back().date, kD0 + 35);
    EXPECT_NE(plan.reasoning.find("Horowitz"), std::string::npos);
}

TEST(TaperProportional, SlowsAtTheEndWithoutMinimumStep) {
    TaperRequest r = Linear(200, 50, 10, 30);
    r.method = Method::kProportional;
    // 200 -> 100 -> 50 -> (25 < 30) stop. Reductions 100, 50: smaller each step.
    const TaperPlan plan = Plan(r);
    ExpectTargets(plan, {100, 50, 0});
    EXPECT_EQ(plan.schedule[2].date, kD0 + 20);
}

TEST(TaperExposure, EqualTroughFractionsAndSteadyStateInterval) {
    TaperRequest r = Linear(400, 10, 3, 100);
    r.method = Method::kExposureGuided;
    r.pk_parameters = api::catalog::LoadDefaultPkParameterSet().parameters;  // Tanna 2022 1-cmt
    const TaperPlan plan = Plan(r);
    // Linear model: trough ∝ daily amount, so 10 % trough falls are 10 % amount falls:
    // 400 x 0.9^i = 360, 324, 291.6, 262.44, 236.196, 212.5764, 191.31876, 172.186884,
    // 154.9681956, 139.47137604, 125.524238436, 112.9718145924, 101.67463313316;
    // next 91.507... < 100 (end point) -> stop. 14 steps.
    ExpectTargets(plan,
                  {360, 324, 291.6, 262.44, 236.196, 212.5764, 191.31876, 172.186884, 154.9681956,
                   139.47137604, 125.524238436, 112.9718145924, 101.67463313316, 0});
    // Interval floor: t1/2 45.3 h -> ~90 % of steady state at 3.32 x 45.3 = 150 h = 6.3 d
    // (domain.md §2.4) -> 7 days, above the requested 3.
    EXPECT_EQ(plan.summary.interval_days_used, 7);
    EXPECT_EQ(plan.schedule[1].date - plan.schedule[0].date, 7);
    EXPECT_NE(plan.reasoning.find("raised to 7 days"), std::string::npos);
    // Engine troughs fall by equal fractions (0.9 each step).
    for (std::size_t i = 1; i + 1 < plan.schedule.size(); ++i) {
        ASSERT_TRUE(plan.schedule[i].estimated_trough_ng_ml.has_value());
        EXPECT_NEAR(
            *plan.schedule[i].estimated_trough_ng_ml / *plan.schedule[i - 1].estimated_trough_ng_ml,
            0.9, 1e-6);
    }
    // Trough per mg/day, one compartment, once daily: (1 mg / 15228 L) x e^-k tau / (1 -
    // e^-k tau) with k = 233 / 15228 = 0.015301 /h, k tau = 0.36722, e^-k tau = 0.69270:
    // 0.065669 ng/mL x 0.69270 x 3.2541 = 0.14802 ng/mL, x ka/(ka - k) = 1.0026 for first-order
    // absorption -> 0.1484 ng/mL per mg/day.
    EXPECT_NEAR(*plan.schedule[0].estimated_trough_ng_ml / 360.0, 0.1484, 0.0015);
}

TEST(TaperExposure, KeepsALongerRequestedInterval) {
    TaperRequest r = Linear(400, 20, 14, 100);
    r.method = Method::kExposureGuided;
    r.pk_parameters = api::catalog::LoadDefaultPkParameterSet().parameters;
    const TaperPlan plan = Plan(r);
    EXPECT_EQ(plan.summary.interval_days_used, 14);
    // 400 x 0.8^i: 320, 256, 204.8, 163.84, 131.072, 104.8576, (83.9 < 100) stop.
    ExpectTargets(plan, {320, 256, 204.8, 163.84, 131.072, 104.8576, 0});
}

TEST(TaperValidation, NamesEveryBadParameter) {
    TaperRequest r;
    r.method = Method::kLinear;
    r.start_daily_mitragynine_mg = -1;
    r.step_percent = 0;
    r.interval_days = 0;
    r.min_step_mg = -1;
    r.end_point_mg = std::nan("");
    r.start_date = -5;
    try {
        Plan(r);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "start_daily_mitragynine_mg");
        const std::string what = e.what();
        for (const char* field : {"start_daily_mitragynine_mg", "step_percent", "interval_days",
                                  "min_step_mg", "end_point_mg", "start_date"}) {
            EXPECT_NE(what.find(field), std::string::npos) << field;
        }
    }
}

TEST(TaperValidation, MethodSpecificChecks) {
    TaperRequest r = Linear(100, 10, 7, 10);
    r.method = Method::kExposureGuided;
    try {
        Plan(r);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "pk_parameters");
    }
    r.method = Method::kProportional;  // min_step 0 and end point 0: never ends
    r.end_point_mg = 0;
    try {
        Plan(r);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "end_point_mg");
    }
    r = Linear(100, 10, 7, 100);  // end point not below the start
    EXPECT_THROW(Plan(r), ValidationError);
    r = Linear(100, 100, 7);  // 100 % is not a taper
    EXPECT_THROW(Plan(r), ValidationError);
    r = Linear(100, 0.05, 7);  // 2000 steps > kMaxSteps
    try {
        Plan(r);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "step_percent");
    }
    r = Linear(100, 10, 7, 10);
    r.method = Method::kExposureGuided;
    r.pk_parameters = api::catalog::LoadDefaultPkParameterSet().parameters;
    r.pk_parameters->cl_l_per_h = -1;
    try {
        Plan(r);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "pk_parameters.cl_l_per_h");
    }
    EXPECT_EQ(ParseMethod("exposure"), Method::kExposureGuided);
    EXPECT_EQ(ToString(Method::kProportional), std::string("proportional"));
    EXPECT_FALSE(ParseMethod("fast").has_value());
}

HoldPolicy SowsPolicy() {
    HoldPolicy p;
    p.pause_at_or_above = {{"sows-gossop-10", 12.0}, {"craving-nrs", 7.0}};
    p.pause_after_days = 3;
    p.resume_below = {{"sows-gossop-10", 8.0}};
    p.resume_after_days = 2;
    return p;
}

std::vector<DailyScores> Sows(std::int32_t first, const std::vector<double>& values) {
    std::vector<DailyScores> out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isnan(values[i])) {
            out.push_back({first + static_cast<std::int32_t>(i), {{"sows-gossop-10", values[i]}}});
        }
    }
    return out;
}

TEST(TaperHolds, PausesAfterNDaysAndResumesAfterMSettledDays) {
    // Days 0..6: 10, 12, 13, 12 (3rd elevated day = day 3 -> hold), 9 (not < 8), 7, 6 (2nd
    // settled day = day 6 -> resume the day after, day 7).
    const HoldState s = EvaluateHold(SowsPolicy(), Sows(kD0, {10, 12, 13, 12, 9, 7, 6}));
    EXPECT_FALSE(s.on_hold);
    ASSERT_EQ(s.periods.size(), 1u);
    EXPECT_EQ(s.periods[0].start_date, kD0 + 3);
    EXPECT_EQ(s.periods[0].end_date, kD0 + 7);
    EXPECT_NE(s.periods[0].reason.find("sows-gossop-10 12 >= 12"), std::string::npos);
}

TEST(TaperHolds, OngoingHoldAndGapsBreakRuns) {
    const HoldState open = EvaluateHold(SowsPolicy(), Sows(kD0, {12, 12, 12, 7}));
    EXPECT_TRUE(open.on_hold);  // one settled day of the 2 needed
    ASSERT_EQ(open.periods.size(), 1u);
    EXPECT_FALSE(open.periods[0].end_date.has_value());
    // A missing day breaks the run: 12, 13, (none), 14 is not 3 consecutive days.
    const double kNone = std::nan("");
    EXPECT_FALSE(EvaluateHold(SowsPolicy(), Sows(kD0, {12, 13, kNone, 14})).on_hold);
    // Two elevated days (N = 3) do not pause.
    EXPECT_TRUE(EvaluateHold(SowsPolicy(), Sows(kD0, {11, 12, 13})).periods.empty());
}

TEST(TaperHolds, CravingAlsoPausesAndHoldsCanRecur) {
    std::vector<DailyScores> days;
    for (int i = 0; i < 3; ++i) {
        days.push_back({kD0 + i, {{"craving-nrs", 8.0}, {"sows-gossop-10", 5.0}}});
    }
    // Settled: sows < 8 and craving < 7 (craving resumes below its pause threshold).
    days.push_back({kD0 + 3, {{"craving-nrs", 3.0}, {"sows-gossop-10", 5.0}}});
    days.push_back({kD0 + 4, {{"craving-nrs", 3.0}}});
    for (int i = 10; i < 13; ++i) {
        days.push_back({kD0 + i, {{"sows-gossop-10", 15.0}}});
    }
    const HoldState s = EvaluateHold(SowsPolicy(), days);
    ASSERT_EQ(s.periods.size(), 2u);
    EXPECT_EQ(s.periods[0].start_date, kD0 + 2);
    EXPECT_EQ(s.periods[0].end_date, kD0 + 5);
    EXPECT_EQ(s.periods[1].start_date, kD0 + 12);
    EXPECT_TRUE(s.on_hold);
}

TEST(TaperHolds, PolicyValidation) {
    HoldPolicy p = SowsPolicy();
    p.pause_after_days = 0;
    try {
        EvaluateHold(p, {});
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "pause_after_days");
    }
    p = SowsPolicy();
    p.pause_at_or_above["cows-11"] = -3;
    EXPECT_THROW(EvaluateHold(p, {}), ValidationError);
}

TEST(TaperHolds, ApplyHoldsShiftsTheRemainingSchedule) {
    const TaperPlan plan = Plan(Linear(100, 10, 7));  // 90 @D0, 80 @D0+7, 70 @D0+14, ...
    const TaperPlan held = ApplyHolds(plan, {{kD0 + 10, kD0 + 14, "sows"}}, kD0 + 20);
    // Hold [D0+10, D0+14): 4 days. Marker at D0+10 with the target in effect (80, step 2);
    // the step due at D0+14 moves to D0+18, every later step +4; stop D0+63 -> D0+67.
    ASSERT_EQ(held.schedule.size(), plan.schedule.size() + 1);
    EXPECT_EQ(held.schedule[2].date, kD0 + 10);
    EXPECT_TRUE(held.schedule[2].hold);
    EXPECT_EQ(held.schedule[2].target_mitragynine_mg, 80);
    EXPECT_EQ(held.schedule[2].step_index, 2);
    EXPECT_EQ(held.schedule[3].date, kD0 + 18);
    EXPECT_EQ(held.schedule[3].target_mitragynine_mg, 70);
    EXPECT_EQ(held.schedule.back().date, kD0 + 67);
    EXPECT_EQ(held.summary.hold_days, 4);
    EXPECT_EQ(held.summary.duration_days, 67);
    EXPECT_EQ(TargetOn(held.schedule, kD0 + 17), 80);  // still on step 2 during and after
    EXPECT_EQ(TargetOn(held.schedule, kD0 + 18), 70);
    ASSERT_EQ(held.holds.size(), 1u);
}

TEST(TaperHolds, OpenHoldIsProvisionalUntilAsOfDate) {
    const TaperPlan plan = Plan(Linear(100, 10, 7));
    // Open hold since D0+10, as of D0+12: counts as [D0+10, D0+13) = 3 days.
    const TaperPlan held = ApplyHolds(plan, {{kD0 + 10, std::nullopt, "craving"}}, kD0 + 12);
    EXPECT_EQ(held.schedule[3].date, kD0 + 17);
    EXPECT_NE(held.schedule[3].note.find("provisional"), std::string::npos);
    EXPECT_NE(held.schedule[2].note.find("ongoing"), std::string::npos);
}

TEST(TaperAdherence, ActualVersusTargetPerDay) {
    const TaperPlan plan = Plan(Linear(100, 10, 7));  // 90 from D0, 80 from D0+7
    const std::vector<DailyAmount> actual = {{kD0, 90},     {kD0 + 1, 95}, {kD0 + 3, 85},
                                             {kD0 + 7, 80}, {kD0 + 8, 50}, {kD0 + 8, 40},
                                             {kD0 - 3, 120}};  // before the plan: ignored
    const Adherence a = Compare(plan.schedule, actual);
    // Days D0..D0+8 = 9; logged on 5 (D0+8 sums to 90); 4 without data.
    ASSERT_EQ(a.days.size(), 9u);
    EXPECT_EQ(a.days_compared, 5);
    EXPECT_EQ(a.days_without_data, 4);
    // Over target: 95 > 90 and 90 > 80.
    EXPECT_EQ(a.days_over_target, 2);
    EXPECT_EQ(a.days_at_or_under_target, 3);
    // Mean difference (0 + 5 - 5 + 0 + 10) / 5 = 2 mg.
    ASSERT_TRUE(a.mean_difference_mg.has_value());
    EXPECT_NEAR(*a.mean_difference_mg, 2.0, 1e-12);
    EXPECT_EQ(a.days[8].target_mg, 80);
    EXPECT_EQ(a.days[8].actual_mg, 90);
    EXPECT_FALSE(a.days[2].actual_mg.has_value());
    // 10 % tolerance: 95 <= 99 is not over; 90 > 88 is.
    EXPECT_EQ(Compare(plan.schedule, actual, 10).days_over_target, 1);
    EXPECT_THROW(Compare(plan.schedule, actual, -1), ValidationError);
}

TEST(TaperStart, DefaultIsTheMeanOfTheLastSevenCompleteDays) {
    // Days D0-7 .. D0-1: 100 x 5 days + 2 days without doses = 500 / 7 = 71.43 mg/day; today's
    // partial day (D0) and D0-8 are outside the window.
    std::vector<DailyAmount> daily = {{kD0, 500}, {kD0 - 8, 500}};
    for (int i = 1; i <= 5; ++i) {
        daily.push_back({kD0 - i, 100});
    }
    EXPECT_NEAR(DefaultStartDailyMg(daily, kD0), 500.0 / 7.0, 1e-12);
    EXPECT_THROW(DefaultStartDailyMg(daily, kD0, 0), ValidationError);
}

TEST(TaperPreview, ScheduleBecomesAPkRegimen) {
    const TaperPlan plan = Plan(Linear(100, 10, 7));  // 90 from D0, 80 from D0+7
    // From D0-2 for 10 days, 2 doses a day: D0-2, D0-1 have no target (no doses); D0..D0+6
    // 2 x 45 mg; D0+7 2 x 40 mg at 9 x 24 = 216 h and 228 h.
    const std::vector<pk::Dose> regimen = ToRegimen(plan.schedule, kD0 - 2, 10, 2);
    ASSERT_EQ(regimen.size(), 16u);  // 8 days x 2
    EXPECT_EQ(regimen.front().time_h, 48.0);
    EXPECT_EQ(regimen.front().dose_mg, 45.0);
    EXPECT_EQ(regimen[14].time_h, 216.0);
    EXPECT_EQ(regimen[15].time_h, 228.0);
    EXPECT_EQ(regimen[15].dose_mg, 40.0);
    EXPECT_NO_THROW(pk::ValidateRegimen(regimen));
    EXPECT_THROW(ToRegimen(plan.schedule, kD0, 0), ValidationError);
}

}  // namespace
}  // namespace mitra::core::taper
