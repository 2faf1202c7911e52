// Population simulation: determinism across thread counts and percentile accuracy against a
// brute-force computation that stores every curve.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/pk/pk_test_support.hpp"
#include "core/pk/population.hpp"
#include "core/pk/simulate.hpp"

namespace mitra::core::pk {
namespace {

using testing::Grid;
using testing::TaperRegimen;
using testing::TwoCompartment;

Variability Cv(double percent) {
    Variability v;
    v.ka_per_h_cv_percent = percent;
    v.cl_l_per_h_cv_percent = percent;
    v.v1_l_cv_percent = percent;
    v.q_l_per_h_cv_percent = percent;
    v.v2_l_cv_percent = percent;
    v.metabolite_cl_l_per_h_cv_percent = percent;
    v.metabolite_v_l_cv_percent = percent;
    return v;
}

TEST(PkPopulation, DeterministicForSeedAcrossThreadCounts) {
    const auto times = Grid(2.0, 300);
    const auto regimen = TaperRegimen();
    PopulationOptions one{257, 42, 1, true};
    PopulationOptions two{257, 42, 2, true};
    PopulationOptions three{257, 42, 3, true};
    const auto a = SimulatePopulation(TwoCompartment(), Cv(40), regimen, times, one);
    const auto b = SimulatePopulation(TwoCompartment(), Cv(40), regimen, times, two);
    const auto c = SimulatePopulation(TwoCompartment(), Cv(40), regimen, times, three);
    for (const auto* other : {&b, &c}) {
        EXPECT_EQ(a.mitragynine.p5, other->mitragynine.p5);
        EXPECT_EQ(a.mitragynine.p50, other->mitragynine.p50);
        EXPECT_EQ(a.hydroxymitragynine.p95, other->hydroxymitragynine.p95);
        EXPECT_EQ(a.mitragynine_summary.auc_ng_h_per_ml.p50,
                  other->mitragynine_summary.auc_ng_h_per_ml.p50);
        for (std::size_t idx = 0; idx < a.subjects.size(); ++idx) {
            ASSERT_EQ(a.subjects[idx].mitragynine.cmax_ng_ml,
                      other->subjects[idx].mitragynine.cmax_ng_ml);
        }
    }
    PopulationOptions other_seed{257, 43, 2, true};
    const auto d = SimulatePopulation(TwoCompartment(), Cv(40), regimen, times, other_seed);
    EXPECT_NE(a.mitragynine_summary.cmax_ng_ml.p50, d.mitragynine_summary.cmax_ng_ml.p50);
}

TEST(PkPopulation, PercentilesMatchBruteForce) {
    const auto times = Grid(1.0, 400);
    const std::vector<Dose> regimen{{0.0, 20.0}, {24.0, 20.0}, {48.0, 10.0}, {100.5, 30.0}};
    const std::size_t n = 501;
    const Variability cv = Cv(30);
    const auto pop = SimulatePopulation(TwoCompartment(), cv, regimen, times, {n, 7, 2, true});
    ASSERT_GT(pop.percentile_max_relative_bin_width, 0.0);
    EXPECT_LT(pop.percentile_max_relative_bin_width, 0.05);
    // Brute force: every curve stored, exact order statistics.
    std::vector<std::vector<double>> parent(times.size());
    std::vector<std::vector<double>> met(times.size());
    std::vector<double> auc;
    for (std::size_t s = 0; s < n; ++s) {
        const auto r = Simulate(SampleSubject(TwoCompartment(), cv, 7, s), regimen, times);
        for (std::size_t t = 0; t < times.size(); ++t) {
            parent[t].push_back(r.mitragynine_ng_ml[t]);
            met[t].push_back(r.hydroxymitragynine_ng_ml[t]);
        }
        EXPECT_NEAR(pop.subjects[s].mitragynine.last_ng_ml, r.mitragynine_ng_ml.back(),
                    1e-12 * r.mitragynine_ng_ml.back());
    }
    // The estimate must lie between the order statistics around rank q (n-1), widened by one
    // bin width (plus float rounding).
    double peak = 0.0;
    for (const auto& column : parent) {
        peak = std::max(peak, *std::max_element(column.begin(), column.end()));
    }
    auto check = [&](std::vector<double> values, double q, double estimate) {
        std::sort(values.begin(), values.end());
        const double rank = q * static_cast<double>(values.size() - 1);
        const double lo = values[static_cast<std::size_t>(std::floor(rank))];
        const double hi = values[static_cast<std::size_t>(std::ceil(rank))];
        const double slack = pop.percentile_max_relative_bin_width + 1e-6;
        const double floor = 1e-12 * peak;  // roundoff counted as 0
        EXPECT_GE(estimate, lo * (1.0 - slack) - floor) << q;
        EXPECT_LE(estimate, hi * (1.0 + slack) + floor) << q;
    };
    for (std::size_t t = 0; t < times.size(); ++t) {
        check(parent[t], 0.05, pop.mitragynine.p5[t]);
        check(parent[t], 0.50, pop.mitragynine.p50[t]);
        check(parent[t], 0.95, pop.mitragynine.p95[t]);
        check(met[t], 0.05, pop.hydroxymitragynine.p5[t]);
        check(met[t], 0.95, pop.hydroxymitragynine.p95[t]);
    }
    // Summary distributions are exact (numpy default interpolation).
    std::vector<double> last = parent.back();
    std::sort(last.begin(), last.end());
    const double rank = 0.95 * (n - 1);
    const auto below = static_cast<std::size_t>(rank);
    const double p95 = last[below] + (rank - below) * (last[below + 1] - last[below]);
    EXPECT_NEAR(pop.mitragynine_summary.last_ng_ml.p95, p95, 1e-12 * p95);
}

TEST(PkPopulation, PercentilesMatchBruteForceOverSeveralGroupsAndBlocks) {
    // 1 thread, 600 subjects: more than one group of batches (the histogram path sweeps up to
    // 256 subjects per group, block by block of 64 output times) and a partial last batch;
    // 150 points: three blocks, the last one partial.
    const auto times = Grid(2.0, 150);
    const auto regimen = TaperRegimen();
    const std::size_t n = 600;
    const Variability cv = Cv(35);
    const auto pop = SimulatePopulation(TwoCompartment(), cv, regimen, times, {n, 99, 1, true});
    std::vector<std::vector<double>> parent(times.size());
    std::vector<std::vector<double>> met(times.size());
    for (std::size_t s = 0; s < n; ++s) {
        const auto r = Simulate(SampleSubject(TwoCompartment(), cv, 99, s), regimen, times);
        for (std::size_t t = 0; t < times.size(); ++t) {
            parent[t].push_back(r.mitragynine_ng_ml[t]);
            met[t].push_back(r.hydroxymitragynine_ng_ml[t]);
        }
    }
    auto check = [&](std::vector<double> values, double q, double estimate) {
        std::sort(values.begin(), values.end());
        const double rank = q * static_cast<double>(values.size() - 1);
        const double lo = values[static_cast<std::size_t>(std::floor(rank))];
        const double hi = values[static_cast<std::size_t>(std::ceil(rank))];
        const double slack = pop.percentile_max_relative_bin_width + 1e-6;
        EXPECT_GE(estimate, lo * (1.0 - slack)) << q;
        EXPECT_LE(estimate, hi * (1.0 + slack)) << q;
    };
    for (std::size_t t = 1; t < times.size(); ++t) {
        check(parent[t], 0.05, pop.mitragynine.p5[t]);
        check(parent[t], 0.50, pop.mitragynine.p50[t]);
        check(parent[t], 0.95, pop.mitragynine.p95[t]);
        check(met[t], 0.05, pop.hydroxymitragynine.p5[t]);
        check(met[t], 0.50, pop.hydroxymitragynine.p50[t]);
        check(met[t], 0.95, pop.hydroxymitragynine.p95[t]);
    }
    // The same population on 2 and 3 threads gives the same bits.
    for (int threads : {2, 3}) {
        const auto other =
            SimulatePopulation(TwoCompartment(), cv, regimen, times, {n, 99, threads, true});
        EXPECT_EQ(pop.mitragynine.p50, other.mitragynine.p50);
        EXPECT_EQ(pop.hydroxymitragynine.p95, other.hydroxymitragynine.p95);
        EXPECT_EQ(pop.mitragynine_summary.auc_ng_h_per_ml.p95,
                  other.mitragynine_summary.auc_ng_h_per_ml.p95);
    }
}

TEST(PkPopulation, ZeroVariabilityReproducesTypicalSubject) {
    const auto times = Grid(1.0, 200);
    const std::vector<Dose> regimen{{0.0, 20.0}, {24.0, 20.0}};
    const auto pop = SimulatePopulation(TwoCompartment(), Variability{}, regimen, times,
                                        {50, 1, 2, true});
    const auto r = Simulate(TwoCompartment(), regimen, times);
    for (std::size_t t = 1; t < times.size(); ++t) {
        // All subjects identical: the histogram returns a value within one bin of the curve.
        EXPECT_NEAR(pop.mitragynine.p50[t] / r.mitragynine_ng_ml[t], 1.0,
                    pop.percentile_max_relative_bin_width + 1e-6);
    }
    EXPECT_EQ(pop.mitragynine.p50[0], 0.0);  // before any drug: zero
}

TEST(PkPopulation, ValidatesOptions) {
    const auto times = Grid(1.0, 10);
    auto field = [&](PopulationOptions o, Variability v = Variability{}) {
        try {
            SimulatePopulation(TwoCompartment(), v, {{0.0, 1.0}}, times, o);
        } catch (const ValidationError& e) {
            return e.field();
        }
        return std::string("<none>");
    };
    EXPECT_EQ(field({0, 1, 1, true}), "population.subjects");
    EXPECT_EQ(field({kMaxSubjects + 1, 1, 1, true}), "population.subjects");
    EXPECT_EQ(field({10, 1, 0, true}), "population.threads");
    EXPECT_EQ(field({10, 1, kMaxThreads + 1, true}), "population.threads");
    for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(), -1.0, 501.0}) {
        Variability v;
        v.v1_l_cv_percent = bad;
        EXPECT_EQ(field({10, 1, 1, true}, v), "variability.v1_l");
    }
    EXPECT_THROW(SimulatePopulation(TwoCompartment(), Variability{}, {{0.0, 1.0}},
                                    Grid(1.0, kMaxPopulationPoints + 1), {1, 1, 1, false}),
                 ValidationError);
}

}  // namespace
}  // namespace mitra::core::pk
