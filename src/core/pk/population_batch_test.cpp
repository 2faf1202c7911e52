// Population fast path (population_batch.hpp): the shared event program and the SIMD batch
// kernel against the scalar propagation of propagate.hpp, subject by subject. Reference values
// are computed here by the scalar path (ModalKernel with per-step AUC), which is itself checked
// against CVODE and closed-form superposition in pk_test.cpp / pk_cvode_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <set>
#include <utility>
#include <cmath>
#include <vector>

#include "core/pk/pk_test_support.hpp"
#include "core/pk/population.hpp"
#include "core/pk/population_batch.hpp"
#include "core/pk/propagate.hpp"
#include "core/pk/simulate.hpp"

namespace mitra::core::pk {
namespace {

using detail::BatchKernel;
using detail::BatchModels;
using detail::BatchSummary;
using detail::EventProgram;
using detail::kBatchLanes;
using testing::Grid;
using testing::OneCompartment;
using testing::TaperRegimen;
using testing::TwoCompartment;

struct Reference {
    std::vector<double> parent;
    std::vector<double> metabolite;
    double parent_cmax = 0.0;
    double metabolite_cmax = 0.0;
    double parent_auc = 0.0;
    double metabolite_auc = 0.0;
};

// Scalar path: concentrations, Cmax and AUC accumulated step by step (exact per step).
Reference Scalar(const LinearModel& model, const std::vector<Dose>& regimen,
                 const std::vector<double>& times) {
    Reference r;
    double first_parent = 0.0;
    double first_metabolite = 0.0;
    detail::Propagate<true>(model, regimen, times.data(), times.size(),
                            [&](std::size_t idx, double p, double m, double ap, double am) {
                                r.parent.push_back(p);
                                r.metabolite.push_back(m);
                                r.parent_cmax = std::max(r.parent_cmax, p);
                                r.metabolite_cmax = std::max(r.metabolite_cmax, m);
                                if (idx == 0) {
                                    first_parent = ap;
                                    first_metabolite = am;
                                }
                                r.parent_auc = ap - first_parent;
                                r.metabolite_auc = am - first_metabolite;
                            });
    return r;
}

// kBatchLanes subjects with 30 % variability (every lane a different model).
std::vector<LinearModel> Subjects(const ParameterSet& typical, std::uint64_t seed) {
    Variability v;
    v.ka_per_h_cv_percent = 30.0;
    v.cl_l_per_h_cv_percent = 30.0;
    v.v1_l_cv_percent = 30.0;
    v.q_l_per_h_cv_percent = 30.0;
    v.v2_l_cv_percent = 30.0;
    v.metabolite_cl_l_per_h_cv_percent = 30.0;
    v.metabolite_v_l_cv_percent = 30.0;
    std::vector<LinearModel> models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        models.emplace_back(SampleSubject(typical, v, seed, static_cast<std::size_t>(lane)));
    }
    return models;
}

// Runs the batch kernel on `models` and compares every lane with the scalar path: curves
// (as float) and Cmax bit-identical, AUC to 1e-12 relative.
void ExpectBatchMatchesScalar(const std::vector<LinearModel>& subjects,
                              const std::vector<Dose>& regimen, const std::vector<double>& times) {
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram(regimen, times, program));
    BatchModels models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        ASSERT_TRUE(detail::BatchEligible(subjects[lane], program)) << lane;
        models.Set(lane, subjects[lane]);
    }
    BatchKernel kernel(program);
    BatchSummary summary;
    std::vector<float> curves(times.size() * 2 * kBatchLanes);
    detail::BatchOutputs outputs;
    outputs.curves = curves.data();
    kernel.Run(models, summary, outputs);
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        const Reference r = Scalar(subjects[lane], regimen, times);
        for (std::size_t t = 0; t < times.size(); ++t) {
            ASSERT_EQ(curves[(2 * t) * kBatchLanes + lane], static_cast<float>(r.parent[t]))
                << "lane " << lane << " t " << t;
            ASSERT_EQ(curves[(2 * t + 1) * kBatchLanes + lane],
                      static_cast<float>(r.metabolite[t]))
                << "lane " << lane << " t " << t;
        }
        EXPECT_EQ(summary.parent_cmax_ng_ml.lane[lane], r.parent_cmax);
        EXPECT_EQ(summary.metabolite_cmax_ng_ml.lane[lane], r.metabolite_cmax);
        EXPECT_EQ(summary.parent_last_ng_ml.lane[lane], r.parent.back());
        EXPECT_EQ(summary.metabolite_last_ng_ml.lane[lane], r.metabolite.back());
        EXPECT_NEAR(summary.parent_auc_ng_h_per_ml.lane[lane], r.parent_auc, 1e-12 * r.parent_auc);
        EXPECT_NEAR(summary.metabolite_auc_ng_h_per_ml.lane[lane], r.metabolite_auc,
                    1e-12 * r.metabolite_auc);
    }
}

TEST(PkBatch, TaperOnHourlyGridMatchesScalarPath) {
    ExpectBatchMatchesScalar(Subjects(TwoCompartment(), 3), TaperRegimen(), Grid(1.0, 2160));
}

TEST(PkBatch, IrregularDosesAndGridMatchScalarPath) {
    // Doses between outputs, on outputs and before the first output; several step lengths.
    const std::vector<Dose> regimen{{0.0, 5.0},   {0.0, 5.0},   {3.3, 12.0}, {10.0, 7.5},
                                    {24.0, 20.0}, {30.7, 1.0}, {55.0, 9.0}};
    std::vector<double> times = Grid(0.5, 40, 2.0);
    const std::vector<double> tail = Grid(2.5, 30, 22.5);
    times.insert(times.end(), tail.begin(), tail.end());
    std::sort(times.begin(), times.end());
    ExpectBatchMatchesScalar(Subjects(TwoCompartment(), 11), regimen, times);
    ExpectBatchMatchesScalar(Subjects(OneCompartment(), 12), regimen, times);
}

TEST(PkBatch, EveryKernelVersionGivesTheSameBits) {
    // SSE2 (2 lanes per pass), AVX2 (4) and AVX-512 (8), whichever this CPU runs, against the
    // baseline version: curves, histogram counts and summaries equal bit for bit.
    const auto times = Grid(1.0, 400);
    const auto regimen = TaperRegimen();
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram(regimen, times, program));
    const auto subjects = Subjects(TwoCompartment(), 31);
    BatchModels models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        models.Set(lane, subjects[lane]);
    }
    models.CopyLane(0, 7);
    const std::size_t cells = times.size() * 2;
    detail::HistogramRange range;
    range.zero_below = 1e-9F;
    range.lo_bits = std::bit_cast<std::int32_t>(0.5F);
    range.hi_bits = std::bit_cast<std::int32_t>(50.0F);
    range.bins_per_bit = static_cast<double>(kPercentileBins) / (range.hi_bits - range.lo_bits);
    const std::vector<detail::HistogramRange> ranges(cells, range);
    struct Result {
        std::vector<float> curves;
        std::vector<std::uint32_t> counts;
        BatchSummary summary;
    };
    auto run = [&](detail::BatchIsa isa) {
        Result r;
        r.curves.resize(cells * kBatchLanes);
        detail::PercentileHistograms h(cells);
        detail::BatchOutputs outputs;
        outputs.curves = r.curves.data();
        outputs.histograms = &h;
        outputs.ranges = ranges.data();
        outputs.active_lanes = 7;
        BatchKernel kernel(program, isa);
        kernel.Run(models, r.summary, outputs);
        r.counts = h.counts;
        return r;
    };
    const Result baseline = run(detail::BatchIsa::kBaseline);
    int compared = 0;
    for (detail::BatchIsa isa : {detail::BatchIsa::kAvx2, detail::BatchIsa::kAvx512,
                                 detail::BatchIsa::kBest}) {
        if (!detail::BatchIsaSupported(isa)) {
            continue;
        }
        ++compared;
        const Result other = run(isa);
        EXPECT_EQ(other.curves, baseline.curves);
        EXPECT_EQ(other.counts, baseline.counts);
        for (int lane = 0; lane < kBatchLanes; ++lane) {
            EXPECT_EQ(other.summary.parent_cmax_ng_ml.lane[lane],
                      baseline.summary.parent_cmax_ng_ml.lane[lane]);
            EXPECT_EQ(other.summary.metabolite_auc_ng_h_per_ml.lane[lane],
                      baseline.summary.metabolite_auc_ng_h_per_ml.lane[lane]);
            EXPECT_EQ(other.summary.metabolite_last_ng_ml.lane[lane],
                      baseline.summary.metabolite_last_ng_ml.lane[lane]);
        }
    }
    EXPECT_GE(compared, 1);  // kBest at least
}

TEST(PkBatch, CachedPropagatorEqualsFreshExponential) {
    const std::vector<Dose> regimen{{0.0, 10.0}, {7.25, 10.0}};
    const std::vector<double> times{1.0, 2.0, 3.0, 5.5, 8.0, 9.0, 10.0, 12.5};
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram(regimen, times, program));
    // Distinct steps in order of first use: 1, 2.5, 1.75 (to the dose), 0.75.
    ASSERT_EQ(program.step_lengths_h.size(), 4U);
    EXPECT_DOUBLE_EQ(program.step_lengths_h[2], 1.75);
    const auto subjects = Subjects(TwoCompartment(), 5);
    BatchModels models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        models.Set(lane, subjects[lane]);
    }
    BatchKernel kernel(program);
    BatchSummary summary;
    kernel.Run(models, summary, detail::BatchOutputs{});
    for (std::size_t step = 0; step < program.step_lengths_h.size(); ++step) {
        for (int mode = 0; mode < kStates; ++mode) {
            for (int lane = 0; lane < kBatchLanes; ++lane) {
                const double fresh =
                    std::exp(-subjects[lane].RatesPerH()[mode] * program.step_lengths_h[step]);
                EXPECT_NEAR(kernel.Decay(step, mode).lane[lane], fresh, 1e-12 * fresh);
            }
        }
    }
    // Dose mass counted for the AUC window: doses after the first output (t = 1 h).
    EXPECT_DOUBLE_EQ(program.doses_in_window_mg, 10.0);
    EXPECT_DOUBLE_EQ(program.window_h, 11.5);
}

// Ranges of every cell: 1e-3 .. 1e3 ng/mL (values outside land in under/over), zero below 1e-9.
std::vector<detail::HistogramRange> WideRanges(std::size_t cells) {
    detail::HistogramRange r;
    r.zero_below = 1e-9F;
    r.lo_bits = std::bit_cast<std::int32_t>(1e-3F);
    r.hi_bits = std::bit_cast<std::int32_t>(1e3F);
    r.bins_per_bit = static_cast<double>(kPercentileBins) / (r.hi_bits - r.lo_bits);
    return std::vector<detail::HistogramRange>(cells, r);
}

TEST(PkBatch, HistogramCountsEqualScalarSlotsOfTheCurves) {
    // Single doses of very different size so that values fall in the zero slot (t = 0),
    // below, inside and above the range.
    const std::vector<Dose> regimen{{0.0, 0.001}, {30.0, 2000.0}};
    const auto times = Grid(1.0, 120);
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram(regimen, times, program));
    const auto subjects = Subjects(TwoCompartment(), 21);
    BatchModels models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        models.Set(lane, subjects[lane]);
    }
    for (int lane = 5; lane < kBatchLanes; ++lane) {
        models.CopyLane(0, lane);  // padding, as the population fills a partial batch
    }
    const std::size_t cells = times.size() * 2;
    const auto ranges = WideRanges(cells);
    detail::PercentileHistograms batch(cells);
    std::vector<float> curves(cells * kBatchLanes);
    detail::BatchOutputs outputs;
    outputs.curves = curves.data();
    outputs.histograms = &batch;
    outputs.ranges = ranges.data();
    outputs.active_lanes = 5;  // lanes 5..7 are padding: not counted
    BatchKernel kernel(program);
    BatchSummary summary;
    kernel.Run(models, summary, outputs);
    detail::PercentileHistograms scalar(cells);
    std::set<std::uint32_t> slots_seen;
    for (std::size_t cell = 0; cell < cells; ++cell) {
        for (int lane = 0; lane < outputs.active_lanes; ++lane) {
            const float value = curves[cell * kBatchLanes + lane];
            scalar.Add(cell, ranges[cell], value);
            slots_seen.insert(detail::PercentileHistograms::Slot(ranges[cell], value));
        }
    }
    EXPECT_EQ(batch.counts, scalar.counts);
    for (std::size_t cell = 0; cell < cells; ++cell) {
        ASSERT_EQ(batch.MinPositive(cell), scalar.MinPositive(cell)) << cell;
        ASSERT_EQ(batch.Max(cell), scalar.Max(cell)) << cell;
    }
    using H = detail::PercentileHistograms;
    EXPECT_TRUE(slots_seen.count(H::kZeroSlot) == 1 && slots_seen.count(H::kUnderSlot) == 1 &&
                slots_seen.count(H::kOverSlot) == 1 && slots_seen.size() > 10)
        << slots_seen.size();
}

TEST(PkBatch, SlicedAdvanceEqualsWholeRun) {
    const auto times = Grid(1.0, 300);
    const auto regimen = TaperRegimen();
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram(regimen, times, program));
    const auto subjects = Subjects(TwoCompartment(), 8);
    BatchModels models;
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        models.Set(lane, subjects[lane]);
    }
    const std::size_t cells = times.size() * 2;
    const auto ranges = WideRanges(cells);
    detail::PercentileHistograms whole_h(cells);
    detail::PercentileHistograms sliced_h(cells);
    detail::BatchOutputs outputs;
    outputs.ranges = ranges.data();
    BatchKernel kernel(program);
    BatchSummary whole;
    outputs.histograms = &whole_h;
    kernel.Run(models, whole, outputs);
    BatchSummary sliced;
    detail::BatchWork work;
    outputs.histograms = &sliced_h;
    kernel.Prepare(models, work);
    const std::size_t ops = program.ops.size();
    for (const auto& [begin, end] : {std::pair<std::size_t, std::size_t>{0, 1},
                                     {1, ops / 3},
                                     {ops / 3, ops / 3 + 7},
                                     {ops / 3 + 7, ops}}) {
        kernel.Advance(models, work, begin, end, outputs);
    }
    kernel.Finish(models, work, sliced);
    EXPECT_EQ(whole_h.counts, sliced_h.counts);
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        EXPECT_EQ(whole.parent_cmax_ng_ml.lane[lane], sliced.parent_cmax_ng_ml.lane[lane]);
        EXPECT_EQ(whole.metabolite_auc_ng_h_per_ml.lane[lane],
                  sliced.metabolite_auc_ng_h_per_ml.lane[lane]);
        EXPECT_EQ(whole.parent_last_ng_ml.lane[lane], sliced.parent_last_ng_ml.lane[lane]);
    }
}

TEST(PkBatch, ProgramRefusesTooManyStepLengthsAndPopulationFallsBack) {
    std::vector<double> times;
    double t = 0.0;
    for (std::size_t idx = 0; idx <= detail::kMaxProgramSteps + 1; ++idx) {
        t += 0.01 * static_cast<double>(idx + 1);  // every step length distinct
        times.push_back(t);
    }
    const std::vector<Dose> regimen{{0.0, 10.0}};
    EventProgram program;
    EXPECT_FALSE(detail::BuildEventProgram(regimen, times, program));
    // The population still runs (scalar path) and equals Simulate() per subject.
    const Variability v;
    const auto pop = SimulatePopulation(TwoCompartment(), v, regimen, times, {3, 9, 1, false});
    const auto r = Simulate(TwoCompartment(), regimen, times);
    EXPECT_EQ(pop.subjects[2].mitragynine.cmax_ng_ml,
              *std::max_element(r.mitragynine_ng_ml.begin(), r.mitragynine_ng_ml.end()));
}

TEST(PkBatch, IneligibleModelsUseTheScalarPath) {
    EventProgram program;
    ASSERT_TRUE(detail::BuildEventProgram({{0.0, 1.0}}, Grid(1.0, 100), program));
    // Coincident eigenvalues (ka = k10 = km): the modal path is not used at all.
    ParameterSet degenerate = OneCompartment();
    degenerate.ka_per_h = degenerate.cl_l_per_h / degenerate.v1_l;
    degenerate.metabolite.cl_l_per_h = degenerate.ka_per_h * degenerate.metabolite.v_l;
    EXPECT_FALSE(detail::BatchEligible(LinearModel(degenerate), program));
    // A mode too slow for the window (lambda * 99 h < 1e-2): closed-form AUC would lose digits.
    ParameterSet slow = OneCompartment();
    slow.cl_l_per_h = 1.0;  // k10 = 1 / 15228 per h
    EXPECT_FALSE(detail::BatchEligible(LinearModel(slow), program));
    EXPECT_TRUE(detail::BatchEligible(LinearModel(OneCompartment()), program));
    // Populations mixing both paths give the scalar path's numbers.
    for (const ParameterSet& p : {degenerate, slow}) {
        const auto pop =
            SimulatePopulation(p, Variability{}, {{0.0, 1.0}}, Grid(1.0, 100), {9, 1, 2, true});
        const Reference r = Scalar(LinearModel(p), {{0.0, 1.0}}, Grid(1.0, 100));
        for (const SubjectExposure& e : pop.subjects) {
            EXPECT_EQ(e.mitragynine.cmax_ng_ml, r.parent_cmax);
            EXPECT_EQ(e.hydroxymitragynine.auc_ng_h_per_ml, r.metabolite_auc);
        }
    }
}

TEST(PkBatch, PopulationSubjectsMatchScalarPathAtSmallN) {
    // 21 subjects on 2 threads: batches of 8 plus partial batches with padding lanes.
    const auto times = Grid(1.0, 500);
    const auto regimen = TaperRegimen();
    Variability v;
    v.cl_l_per_h_cv_percent = 40.0;
    v.v1_l_cv_percent = 25.0;
    v.ka_per_h_cv_percent = 50.0;
    v.metabolite_cl_l_per_h_cv_percent = 35.0;
    const auto pop = SimulatePopulation(TwoCompartment(), v, regimen, times, {21, 77, 2, false});
    for (std::size_t s = 0; s < pop.subjects.size(); ++s) {
        const LinearModel model(SampleSubject(TwoCompartment(), v, 77, s));
        const Reference r = Scalar(model, regimen, times);
        const SubjectExposure& e = pop.subjects[s];
        EXPECT_EQ(e.mitragynine.cmax_ng_ml, r.parent_cmax) << s;
        EXPECT_EQ(e.hydroxymitragynine.cmax_ng_ml, r.metabolite_cmax) << s;
        EXPECT_EQ(e.mitragynine.last_ng_ml, r.parent.back()) << s;
        EXPECT_NEAR(e.mitragynine.auc_ng_h_per_ml, r.parent_auc, 1e-12 * r.parent_auc) << s;
        EXPECT_NEAR(e.hydroxymitragynine.auc_ng_h_per_ml, r.metabolite_auc,
                    1e-12 * r.metabolite_auc)
            << s;
    }
}

}  // namespace
}  // namespace mitra::core::pk
