// Tests of the single-subject engine: closed forms, steady state, daily summaries, units,
// validation, and the data files in data/pk.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "api/catalog/pk_json.hpp"
#include "core/error.hpp"
#include "core/pk/linear_model.hpp"
#include "core/pk/pk_test_support.hpp"
#include "core/pk/simulate.hpp"

namespace mitra::core::pk {
namespace {

using testing::ClosedFormSuperposition;
using testing::Grid;
using testing::OneCompartment;
using testing::RelErr;
using testing::TaperRegimen;
using testing::TwoCompartment;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string FieldOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ValidationError& e) {
        return e.field();
    }
    return "<no ValidationError>";
}

void ExpectMatchesSuperposition(const ParameterSet& p, const std::vector<Dose>& doses,
                                const std::vector<double>& times, double tol) {
    const SimulationResult r = Simulate(p, doses, times);
    double max_parent = 0.0;
    double max_met = 0.0;
    for (std::size_t idx = 0; idx < times.size(); ++idx) {
        max_parent = std::max(max_parent, r.mitragynine_ng_ml[idx]);
        max_met = std::max(max_met, r.hydroxymitragynine_ng_ml[idx]);
    }
    for (std::size_t idx = 0; idx < times.size(); ++idx) {
        const auto c = ClosedFormSuperposition(p, doses, times[idx]);
        // Floor 1e-4 x max: right after a dose C is 0 + roundoff of the cancelling exponentials.
        ASSERT_LE(RelErr(r.mitragynine_ng_ml[idx], c.parent, 1e-4 * max_parent), tol)
            << "t=" << times[idx];
        ASSERT_LE(RelErr(r.hydroxymitragynine_ng_ml[idx], c.metabolite, 1e-4 * max_met), tol)
            << "t=" << times[idx];
    }
}

TEST(PkUnits, ConvertsMilligramsNanomolesAndNgPerMl) {
    // domain.md §2.2: 39 mg / 398.5 g/mol = 97.9 umol; 81.9 nM = 32.6 ng/mL.
    EXPECT_NEAR(MilligramsToNanomoles(39.0, 398.50), 97867.0, 1.0);
    EXPECT_NEAR(NanomolesToMilligrams(97867.0, 398.50), 39.0, 1e-3);
    EXPECT_NEAR(NanomolarToNgPerMl(81.9, 398.50), 32.64, 0.01);
    EXPECT_NEAR(NanomolarToNgPerMl(16.1, 414.50), 6.67, 0.01);  // 7-OH, domain.md §2.1
    EXPECT_NEAR(NgPerMlToNanomolar(32.637, 398.50), 81.9, 1e-3);
}

TEST(PkSimulate, SingleDoseMatchesClosedForm) {
    const std::vector<Dose> doses{{0.0, 39.0}};
    ExpectMatchesSuperposition(OneCompartment(), doses, Grid(0.25, 800), 1e-11);
    ExpectMatchesSuperposition(TwoCompartment(), doses, Grid(0.25, 800), 1e-11);
}

TEST(PkSimulate, IrregularDosingMatchesSuperposition) {
    const std::vector<Dose> doses{{0.3, 12.0},  {2.0, 5.5},   {2.0, 1.0},   {9.77, 30.0},
                                  {26.1, 8.0},  {49.999, 20.0}, {50.0, 2.0}, {73.25, 14.0},
                                  {140.0, 3.3}, {141.7, 3.3}};
    std::vector<double> times{0.0, 0.3, 0.31, 1.0, 2.0, 5.0, 9.77, 20.0, 50.0, 50.0, 60.123};
    for (double t = 61.0; t < 400.0; t += 3.7) {
        times.push_back(t);
    }
    ExpectMatchesSuperposition(OneCompartment(), doses, times, 1e-11);
    ExpectMatchesSuperposition(TwoCompartment(), doses, times, 1e-11);
}

TEST(PkSimulate, TaperMatchesSuperposition) {
    ExpectMatchesSuperposition(TwoCompartment(), TaperRegimen(), Grid(1.0, 2160), 1e-11);
    ExpectMatchesSuperposition(OneCompartment(), TaperRegimen(), Grid(0.1, 21600), 1e-10);
}

TEST(PkSimulate, CoincidentEigenvaluesUseGeneralPathAndStayExact) {
    // ka equal to k10 (defective matrix): the modal formula divides by zero; the expm path
    // must agree with a limit computed by nudging ka by 1e-6 relative on the modal path.
    ParameterSet p = OneCompartment();
    p.ka_per_h = p.cl_l_per_h / p.v1_l;
    ASSERT_FALSE(LinearModel(p).Modal());
    ParameterSet nudged = p;
    nudged.ka_per_h *= 1.0 + 1e-2;
    ParameterSet nudged2 = p;
    nudged2.ka_per_h *= 1.0 - 1e-2;
    ASSERT_TRUE(LinearModel(nudged).Modal());
    const std::vector<Dose> doses{{0.0, 10.0}, {24.0, 10.0}, {30.5, 4.0}};
    const auto times = Grid(0.5, 300);
    const auto r = Simulate(p, doses, times);
    const auto a = Simulate(nudged, doses, times);
    const auto b = Simulate(nudged2, doses, times);
    for (std::size_t idx = 1; idx < times.size(); ++idx) {
        // Central difference average: error O(1e-4) relative; the exact value lies between.
        const double mid = 0.5 * (a.mitragynine_ng_ml[idx] + b.mitragynine_ng_ml[idx]);
        EXPECT_LE(RelErr(r.mitragynine_ng_ml[idx], mid, 1e-12), 2e-4);
        const double mid_m = 0.5 * (a.hydroxymitragynine_ng_ml[idx] + b.hydroxymitragynine_ng_ml[idx]);
        EXPECT_LE(RelErr(r.hydroxymitragynine_ng_ml[idx], mid_m, 1e-12), 2e-4);
    }
}

TEST(PkSimulate, GeneralPathMatchesModalPathOnWellSeparatedModel) {
    // Same model evaluated both ways: expm (Pade) vs sum of exponentials.
    const ParameterSet p = TwoCompartment();
    const LinearModel model(p);
    ASSERT_TRUE(model.Modal());
    const std::vector<Dose> doses = TaperRegimen();
    const auto times = Grid(1.0, 2160);
    // Evaluate the general path directly through ExpmPade on the rate matrix.
    const Matrix4 a = model.RateMatrix();
    MatrixN<4> step{};
    for (int r = 0; r < 4; ++r) {
        for (int c = 0; c < 4; ++c) {
            step[r][c] = a[r][c] * 1.0;
        }
    }
    const MatrixN<4> phi = ExpmPade(step);
    std::array<double, 4> x{};
    std::size_t dose_idx = 0;
    const auto r = Simulate(p, doses, times);
    for (std::size_t idx = 0; idx < times.size(); ++idx) {
        if (idx > 0) {
            std::array<double, 4> next{};
            for (int row = 0; row < 4; ++row) {
                for (int col = 0; col < 4; ++col) {
                    next[row] += phi[row][col] * x[col];
                }
            }
            x = next;
        }
        while (dose_idx < doses.size() && doses[dose_idx].time_h <= times[idx]) {
            x[0] += doses[dose_idx].dose_mg * model.DepotUmolPerMg();
            ++dose_idx;
        }
        const double parent = x[1] * model.ParentNgMlPerUmol();
        const double met = x[3] * model.MetaboliteNgMlPerUmol();
        ASSERT_LE(RelErr(r.mitragynine_ng_ml[idx], parent, 1e-3), 1e-11) << idx;
        ASSERT_LE(RelErr(r.hydroxymitragynine_ng_ml[idx], met, 1e-3), 1e-11) << idx;
    }
}

TEST(PkSteadyState, OneCompartmentMatchesDomainFormulas) {
    // domain.md §2.4: R = 1/(1 - exp(-k tau)) = 3.25 and 90 % at 3.32 x t1/2 = 6.3 d for
    // t1/2 45.3 h. Fast absorption (ka 1000/h) makes the one-compartment oral model
    // bolus-like, where both formulas are exact.
    ParameterSet p = OneCompartment();
    p.ka_per_h = 1000.0;
    p.v1_l = 233.0 * 45.3 / std::log(2.0);
    const SteadyState ss = ComputeSteadyState(p, 24.0, 0.9);
    EXPECT_NEAR(ss.mitragynine.terminal_half_life_h, 45.3, 1e-9);
    EXPECT_NEAR(ss.mitragynine.accumulation_ratio, 3.25, 0.005);
    EXPECT_NEAR(ss.mitragynine.time_to_fraction_terminal_h / 24.0, 6.3, 0.05);
    EXPECT_NEAR(ss.mitragynine.time_to_fraction_terminal_h, 3.3219 * 45.3, 0.01);
    EXPECT_NEAR(ss.mitragynine.time_to_fraction_exact_h, ss.mitragynine.time_to_fraction_terminal_h,
                0.01);  // bolus limit: differs by ~ 1/ka

    // Simulated accumulation: trough after dose n at steady state / trough after dose 1.
    std::vector<Dose> doses;
    for (int day = 0; day < 60; ++day) {
        doses.push_back({24.0 * day, 40.0});
    }
    const auto r = Simulate(p, doses, {23.999999, 60 * 24.0 - 1e-6});
    EXPECT_NEAR(r.mitragynine_ng_ml[1] / r.mitragynine_ng_ml[0], ss.mitragynine.accumulation_ratio,
                1e-3);
}

TEST(PkSteadyState, ExactTimeToFractionMatchesSimulatedIntervalAverage) {
    // Superposition identity: average over dosing interval n / steady-state average equals
    // AUC_single(0, n tau) / AUC_inf. Check with the simulated daily AUC of a q24h regimen.
    const ParameterSet p = TwoCompartment();
    std::vector<Dose> doses;
    for (int day = 0; day < 80; ++day) {
        doses.push_back({24.0 * day, 10.0});
    }
    const DailyExposure daily = SummariseDays(p, doses, {0.0, 80, 1.0});
    const double ss_auc = 10.0 * LinearModel(p).ParentAucInfPerMg();  // AUC over tau at SS
    const SteadyState ss = ComputeSteadyState(p, 24.0, 0.9);
    const auto day = static_cast<std::size_t>(std::ceil(ss.mitragynine.time_to_fraction_exact_h / 24.0));
    EXPECT_GE(daily.mitragynine[day - 1].auc_ng_h_per_ml / ss_auc, 0.9 - 1e-9);
    EXPECT_LT(daily.mitragynine[day - 2].auc_ng_h_per_ml / ss_auc, 0.9);
    EXPECT_NEAR(daily.mitragynine[79].auc_ng_h_per_ml / ss_auc, 1.0, 1e-6);
    // 7-OH: steady-state AUC over tau = dose x metabolite AUC_inf per mg.
    EXPECT_NEAR(daily.hydroxymitragynine[79].auc_ng_h_per_ml /
                    (10.0 * LinearModel(p).MetaboliteAucInfPerMg()),
                1.0, 1e-6);
}

TEST(PkDaily, AucIsExactAndCmaxTroughBracketCurve) {
    const ParameterSet p = TwoCompartment();
    const auto doses = TaperRegimen();
    const DailyExposure daily = SummariseDays(p, doses, {0.0, 90, 0.25});
    ASSERT_EQ(daily.mitragynine.size(), 90U);
    // AUC of day 10 against Simpson's rule on the closed form (10,000 panels).
    const double start = 240.0;
    const int panels = 10000;
    const double h = 24.0 / panels;
    double simpson_p = 0.0;
    double simpson_m = 0.0;
    for (int idx = 0; idx <= panels; ++idx) {
        const double w = (idx == 0 || idx == panels) ? 1.0 : (idx % 2 == 1 ? 4.0 : 2.0);
        // Closed form is right-continuous; doses (every 8 h) coincide with nodes: fine for C.
        const auto c = ClosedFormSuperposition(p, doses, start + idx * h);
        simpson_p += w * c.parent;
        simpson_m += w * c.metabolite;
    }
    simpson_p *= h / 3.0;
    simpson_m *= h / 3.0;
    EXPECT_NEAR(daily.mitragynine[10].auc_ng_h_per_ml / simpson_p, 1.0, 1e-7);
    EXPECT_NEAR(daily.hydroxymitragynine[10].auc_ng_h_per_ml / simpson_m, 1.0, 1e-7);
    // Trough at a dose time (exact), cmax >= every closed-form sample of the day.
    double lo = 1e300;
    double hi = 0.0;
    for (int idx = 0; idx <= 24 * 60; ++idx) {
        const double c = ClosedFormSuperposition(p, doses, start + idx / 60.0).parent;
        lo = std::min(lo, c);
        hi = std::max(hi, c);
    }
    EXPECT_NEAR(daily.mitragynine[10].trough_ng_ml / lo, 1.0, 1e-12);
    EXPECT_NEAR(daily.mitragynine[10].cmax_ng_ml / hi, 1.0, 2e-3);  // 0.25 h grid vs 1 min
    // Sum of daily AUCs = AUC over 90 days; week comparison.
    const WeeklyExposureChange change = CompareWeeks(daily, 0, 77);
    EXPECT_GT(change.mitragynine.ratio, 0.0);
    EXPECT_LT(change.mitragynine.ratio, 1.0);  // the taper lowers exposure
    double week = 0.0;
    for (int d = 77; d < 84; ++d) {
        week += daily.mitragynine[static_cast<std::size_t>(d)].auc_ng_h_per_ml;
    }
    EXPECT_DOUBLE_EQ(change.mitragynine.comparison_auc_ng_h_per_ml, week);
    EXPECT_EQ(FieldOf([&] { CompareWeeks(daily, 85, 0); }), "reference_first_day");
    EXPECT_EQ(FieldOf([&] { CompareWeeks(daily, 0, -1); }), "comparison_first_day");
}

TEST(PkDaily, SingleDoseAucMatchesDoseOverClearance) {
    // Tanna 2022 consistency (domain.md §2.2): 39 mg with CL/F 233 L/h gives AUCinf 420 nM*h.
    const ParameterSet p = OneCompartment();
    const DailyExposure daily = SummariseDays(p, {{0.0, 39.0}}, {0.0, 60, 1.0});
    double auc = 0.0;
    for (const DaySummary& d : daily.mitragynine) {
        auc += d.auc_ng_h_per_ml;
    }
    const double remaining = std::exp(-233.0 / 15228.0 * 60 * 24);  // fraction not yet covered
    EXPECT_NEAR(NgPerMlToNanomolar(auc, 398.50) / (1.0 - remaining), 420.0, 0.5);
}

TEST(PkValidation, ParametersNameTheField) {
    const std::vector<Dose> doses{{0.0, 10.0}};
    const std::vector<double> times{1.0};
    using Setter = void (*)(ParameterSet&, double);
    const std::vector<std::pair<std::string, Setter>> cases = {
        {"ka_per_h", [](ParameterSet& p, double v) { p.ka_per_h = v; }},
        {"cl_l_per_h", [](ParameterSet& p, double v) { p.cl_l_per_h = v; }},
        {"v1_l", [](ParameterSet& p, double v) { p.v1_l = v; }},
        {"q_l_per_h", [](ParameterSet& p, double v) { p.q_l_per_h = v; }},
        {"v2_l", [](ParameterSet& p, double v) { p.v2_l = v; }},
        {"bioavailability", [](ParameterSet& p, double v) { p.bioavailability = v; }},
        {"metabolite.fraction_formed",
         [](ParameterSet& p, double v) { p.metabolite.fraction_formed = v; }},
        {"metabolite.cl_l_per_h", [](ParameterSet& p, double v) { p.metabolite.cl_l_per_h = v; }},
        {"metabolite.v_l", [](ParameterSet& p, double v) { p.metabolite.v_l = v; }},
        {"parent_molar_mass_g_per_mol",
         [](ParameterSet& p, double v) { p.parent_molar_mass_g_per_mol = v; }},
        {"metabolite_molar_mass_g_per_mol",
         [](ParameterSet& p, double v) { p.metabolite_molar_mass_g_per_mol = v; }},
    };
    for (const auto& [field, set] : cases) {
        for (double bad : {kNaN, kInf, -kInf, 0.0, -1.0}) {
            ParameterSet p = TwoCompartment();
            set(p, bad);
            EXPECT_EQ(FieldOf([&] { Simulate(p, doses, times); }), field) << field << " " << bad;
        }
    }
    ParameterSet p = TwoCompartment();
    p.bioavailability = 1.5;
    EXPECT_EQ(FieldOf([&] { p.Validate(); }), "bioavailability");
    p = TwoCompartment();
    p.metabolite.fraction_formed = 1.01;
    EXPECT_EQ(FieldOf([&] { p.Validate(); }), "metabolite.fraction_formed");
    p = OneCompartment();
    p.q_l_per_h = 10.0;
    EXPECT_EQ(FieldOf([&] { p.Validate(); }), "v2_l");
    p = OneCompartment();
    p.v2_l = 10.0;
    EXPECT_EQ(FieldOf([&] { p.Validate(); }), "q_l_per_h");
}

TEST(PkValidation, RegimenAndTimesNameTheField) {
    const ParameterSet p = OneCompartment();
    const std::vector<double> times{1.0, 2.0};
    for (double bad : {kNaN, kInf, -1.0}) {
        EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}, {1.0, 1.0}, {2.0, 1.0}, {bad, 1.0}}, times); }),
                  "regimen[3].time_h");
    }
    for (double bad : {kNaN, kInf, -kInf, 0.0, -5.0}) {
        EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}, {1.0, bad}}, times); }), "regimen[1].dose_mg");
    }
    EXPECT_EQ(FieldOf([&] { Simulate(p, {{5.0, 1.0}, {4.0, 1.0}}, times); }), "regimen[1].time_h");
    EXPECT_EQ(FieldOf([&] { Simulate(p, std::vector<Dose>(kMaxDoses + 1, Dose{0.0, 1.0}), times); }),
              "regimen");
    for (double bad : {kNaN, kInf, -1.0}) {
        EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}}, {0.0, 1.0, bad}); }), "times_h[2]");
    }
    EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}}, {0.0, 3.0, 2.0}); }), "times_h[2]");
    EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}}, {}); }), "times_h");
    EXPECT_EQ(FieldOf([&] { Simulate(p, {{0.0, 1.0}}, std::vector<double>(kMaxOutputPoints + 1, 1.0)); }),
              "times_h");
    // An empty regimen is valid: zero concentrations.
    const auto r = Simulate(p, {}, times);
    EXPECT_EQ(r.mitragynine_ng_ml[1], 0.0);
}

TEST(PkValidation, SummaryAndSteadyStateOptions) {
    const ParameterSet p = OneCompartment();
    EXPECT_EQ(FieldOf([&] { SummariseDays(p, {}, {0.0, 0, 1.0}); }), "days");
    EXPECT_EQ(FieldOf([&] { SummariseDays(p, {}, {0.0, kMaxSummaryDays + 1, 1.0}); }), "days");
    for (double bad : {kNaN, kInf, 0.0, -1.0, 25.0}) {
        EXPECT_EQ(FieldOf([&] { SummariseDays(p, {}, {0.0, 1, bad}); }), "step_h");
    }
    EXPECT_EQ(FieldOf([&] { SummariseDays(p, {}, {kNaN, 1, 1.0}); }), "origin_h");
    EXPECT_EQ(FieldOf([&] { SummariseDays(p, {}, {0.0, 3000, 0.01}); }), "step_h");
    for (double bad : {kNaN, kInf, 0.0, -1.0}) {
        EXPECT_EQ(FieldOf([&] { ComputeSteadyState(p, bad); }), "interval_h");
    }
    for (double bad : {kNaN, 0.0, 1.0, -0.1}) {
        EXPECT_EQ(FieldOf([&] { ComputeSteadyState(p, 24.0, bad); }), "fraction");
    }
}

TEST(PkCatalog, LoadsDefaultAndNamedSets) {
    const auto def = api::catalog::LoadDefaultPkParameterSet();
    EXPECT_EQ(def.parameters.name, "tanna-2022-1cmt");
    EXPECT_FALSE(def.parameters.TwoCompartment());
    EXPECT_DOUBLE_EQ(def.parameters.cl_l_per_h, 233.0);              // Tanna 2022 [V]
    EXPECT_DOUBLE_EQ(def.parameters.parent_molar_mass_g_per_mol, 398.50);  // domain.md §0
    EXPECT_FALSE(def.citations.empty());
    bool saw_derived = false;
    for (const auto& s : def.sources) {
        saw_derived = saw_derived || (s.parameter == "v1_l" && s.evidence == "D");
    }
    EXPECT_TRUE(saw_derived);
    // Derived V/F keeps CL/F and t1/2 = 45.3 h consistent (data file formula).
    EXPECT_NEAR(std::log(2.0) * def.parameters.v1_l / def.parameters.cl_l_per_h, 45.3, 0.01);

    const auto two = api::catalog::LoadPkParameterSet("tanna-2022-2cmt-illustrative");
    EXPECT_TRUE(two.parameters.TwoCompartment());
    // The illustrative set reproduces the Tanna 2022 median Cmax 81.9 nM at Tmax 1 h.
    const auto r = Simulate(two.parameters, {{0.0, 39.0}}, Grid(0.001, 3001));
    std::size_t peak = 0;
    for (std::size_t idx = 0; idx < r.mitragynine_ng_ml.size(); ++idx) {
        if (r.mitragynine_ng_ml[idx] > r.mitragynine_ng_ml[peak]) {
            peak = idx;
        }
    }
    EXPECT_NEAR(NgPerMlToNanomolar(r.mitragynine_ng_ml[peak], 398.50), 81.9, 0.5);
    EXPECT_NEAR(r.times_h[peak], 1.0, 0.01);

    const auto names = api::catalog::ListPkParameterSets();
    EXPECT_EQ(names.size(), 2U);
    const Variability v = api::catalog::LoadPkVariability();
    EXPECT_DOUBLE_EQ(v.cl_l_per_h_cv_percent, 30.0);
    EXPECT_THROW(api::catalog::LoadPkParameterSet("../etc/passwd"), NotFoundError);
    EXPECT_THROW(api::catalog::LoadPkParameterSet("nope"), NotFoundError);
}

}  // namespace
}  // namespace mitra::core::pk
