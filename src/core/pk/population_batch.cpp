#include "core/pk/population_batch.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <limits>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/pk/propagate.hpp"

// Built with -ffp-contract=off (CMakeLists.txt): no FMA contraction, so every ISA version below
// rounds exactly like the scalar path.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MITRA_PK_X86_DISPATCH 1
#endif

namespace mitra::core::pk::detail {

namespace {

using OpKind = EventProgram::OpKind;

// GCC vector types of 2, 4 and 8 doubles, their comparison masks, and as many floats and int32
// (element-wise IEEE arithmetic). Declared per width: a dependent vector_size inside a template
// is ignored.
template <int kWidth>
struct VectorOf;
template <>
struct VectorOf<2> {
    typedef double Vec __attribute__((vector_size(2 * sizeof(double))));
    typedef std::int64_t Mask __attribute__((vector_size(2 * sizeof(double))));
    typedef float Float __attribute__((vector_size(2 * sizeof(float))));
    typedef std::int32_t Int __attribute__((vector_size(2 * sizeof(float))));
};
template <>
struct VectorOf<4> {
    typedef double Vec __attribute__((vector_size(4 * sizeof(double))));
    typedef std::int64_t Mask __attribute__((vector_size(4 * sizeof(double))));
    typedef float Float __attribute__((vector_size(4 * sizeof(float))));
    typedef std::int32_t Int __attribute__((vector_size(4 * sizeof(float))));
};
template <>
struct VectorOf<8> {
    typedef double Vec __attribute__((vector_size(8 * sizeof(double))));
    typedef std::int64_t Mask __attribute__((vector_size(8 * sizeof(double))));
    typedef float Float __attribute__((vector_size(8 * sizeof(float))));
    typedef std::int32_t Int __attribute__((vector_size(8 * sizeof(float))));
};

// Executes ops [op_begin, op_end) for lanes [first_lane, first_lane + kWidth) of a batch with
// kWidth-wide vectors, from and back to `work`. The per-lane maxima and selections are bit
// operations on comparison masks (GCC lowers them to vector instructions on every ISA); casts
// between same-size vectors reinterpret the bits.
template <int kWidth>
[[gnu::always_inline]] inline void RunLanes(const EventProgram& program,
                                            const BatchModels& models, BatchWork& work,
                                            std::size_t op_begin, std::size_t op_end,
                                            const BatchOutputs& outputs, int first_lane) {
    using Vec = typename VectorOf<kWidth>::Vec;
    using Mask = typename VectorOf<kWidth>::Mask;
    using Float = typename VectorOf<kWidth>::Float;
    using Int = typename VectorOf<kWidth>::Int;
    using Histograms = PercentileHistograms;
    const auto load = [first_lane](const Lanes& from, Vec& to) {
        std::memcpy(&to, from.lane + first_lane, sizeof(Vec));
    };
    const auto store = [first_lane](const Vec& from, Lanes& to) {
        std::memcpy(to.lane + first_lane, &from, sizeof(Vec));
    };
    const Vec zero{};
    // x = std::max(0.0, x) per lane (0 where !(0 < x)).
    const auto clamp_at_zero = [&zero](Vec& x) { x = (Vec)((Mask)x & (Mask)(zero < x)); };
    // max = std::max(max, x) per lane (x where max < x).
    const auto raise_to = [](Vec& max, const Vec& x) {
        const Mask take = (Mask)(max < x);
        max = (Vec)(((Mask)x & take) | ((Mask)max & ~take));
    };
    // Histogram slot of each lane's value, as PercentileHistograms::Slot() computes it; the
    // counts of lanes [first_lane, active end) are incremented, the extremes kept per lane.
    float* const curves = outputs.curves;
    PercentileHistograms* const histograms = outputs.histograms;
    const int counted_lanes = std::clamp(outputs.active_lanes - first_lane, 0, kWidth);
    const auto count_cell = [&](const Vec& value, std::size_t cell) {
        const HistogramRange& range = outputs.ranges[cell];
        const Float f = __builtin_convertvector(value, Float);
        const Int bits = (Int)f;
        const Int positive = f > (Float{} + range.zero_below);
        const Vec offset = __builtin_convertvector(bits - range.lo_bits, Vec);
        Vec bin = offset * range.bins_per_bit;
        const Vec last_bin = Vec{} + static_cast<double>(kPercentileBins - 1);
        const Mask negative = (Mask)(bin < zero);
        bin = (Vec)((Mask)bin & ~negative);
        const Mask above = (Mask)(last_bin < bin);
        bin = (Vec)(((Mask)last_bin & above) | ((Mask)bin & ~above));
        Int slot = __builtin_convertvector(bin, Int) +
                   static_cast<std::int32_t>(Histograms::kFirstBinSlot);
        const Int over = bits >= range.hi_bits;
        slot = (over & static_cast<std::int32_t>(Histograms::kOverSlot)) | (~over & slot);
        const Int under = bits < range.lo_bits;
        slot = (under & static_cast<std::int32_t>(Histograms::kUnderSlot)) | (~under & slot);
        slot &= positive;  // kZeroSlot is 0
        std::uint32_t* counts = histograms->counts.data() + cell * Histograms::kSlots;
        for (int lane = 0; lane < counted_lanes; ++lane) {
            ++counts[slot[lane]];
        }
        // Padding lanes copy lane 0, so they never change the extremes.
        float* low_ptr = histograms->min_positive[cell].lane + first_lane;
        float* high_ptr = histograms->max[cell].lane + first_lane;
        Float low;
        Float high;
        std::memcpy(&low, low_ptr, sizeof(Float));
        std::memcpy(&high, high_ptr, sizeof(Float));
        const Int lower = positive & (f < low);
        const Int higher = positive & (high < f);
        low = (Float)((lower & (Int)f) | (~lower & (Int)low));
        high = (Float)((higher & (Int)f) | (~higher & (Int)high));
        std::memcpy(low_ptr, &low, sizeof(Float));
        std::memcpy(high_ptr, &high, sizeof(Float));
    };
    Vec pc[kStates];
    Vec mc[kStates];
    for (int mode = 0; mode < kStates; ++mode) {
        load(models.parent_coef[mode], pc[mode]);
        load(models.metabolite_coef[mode], mc[mode]);
    }
    Vec a0;
    Vec a1;
    Vec a2;
    Vec a3;
    Vec parent;
    Vec metabolite;
    Vec parent_cmax;
    Vec metabolite_cmax;
    load(work.amplitude[0], a0);
    load(work.amplitude[1], a1);
    load(work.amplitude[2], a2);
    load(work.amplitude[3], a3);
    load(work.parent_ng_ml, parent);
    load(work.metabolite_ng_ml, metabolite);
    load(work.parent_cmax_ng_ml, parent_cmax);
    load(work.metabolite_cmax_ng_ml, metabolite_cmax);
    const Lanes* decay = work.decay.data();
    const EventProgram::Op* ops = program.ops.data();
    for (std::size_t op_idx = op_begin; op_idx < op_end; ++op_idx) {
        const EventProgram::Op& op = ops[op_idx];
        switch (op.kind) {
            case OpKind::kAdvance: {
                const Lanes* d = decay + static_cast<std::size_t>(op.index) * kStates;
                Vec factor;
                load(d[0], factor);
                a0 *= factor;
                load(d[1], factor);
                a1 *= factor;
                load(d[2], factor);
                a2 *= factor;
                load(d[3], factor);
                a3 *= factor;
                break;
            }
            case OpKind::kDose:
                a0 += op.dose_mg;
                a1 += op.dose_mg;
                a2 += op.dose_mg;
                a3 += op.dose_mg;
                break;
            case OpKind::kOutput: {
                // Same association and clamping as ModalKernel::Parent()/Metabolite().
                parent = (pc[0] * a0 + pc[1] * a1) + (pc[2] * a2 + pc[3] * a3);
                metabolite = (mc[0] * a0 + mc[1] * a1) + (mc[2] * a2 + mc[3] * a3);
                clamp_at_zero(parent);
                clamp_at_zero(metabolite);
                raise_to(parent_cmax, parent);
                raise_to(metabolite_cmax, metabolite);
                if (op.index == 0) {
                    store(a0, work.first[0]);
                    store(a1, work.first[1]);
                    store(a2, work.first[2]);
                    store(a3, work.first[3]);
                }
                if (histograms != nullptr) {
                    count_cell(parent, 2 * static_cast<std::size_t>(op.index));
                    count_cell(metabolite, 2 * static_cast<std::size_t>(op.index) + 1);
                }
                if (curves != nullptr) {
                    float* out = curves + static_cast<std::size_t>(op.index) * 2 * kBatchLanes +
                                 first_lane;
                    for (int lane = 0; lane < kWidth; ++lane) {
                        out[lane] = static_cast<float>(parent[lane]);
                        out[kBatchLanes + lane] = static_cast<float>(metabolite[lane]);
                    }
                }
                break;
            }
        }
    }
    store(a0, work.amplitude[0]);
    store(a1, work.amplitude[1]);
    store(a2, work.amplitude[2]);
    store(a3, work.amplitude[3]);
    store(parent, work.parent_ng_ml);
    store(metabolite, work.metabolite_ng_ml);
    store(parent_cmax, work.parent_cmax_ng_ml);
    store(metabolite_cmax, work.metabolite_cmax_ng_ml);
}

template <int kWidth>
[[gnu::always_inline]] inline void RunBatch(const EventProgram& program,
                                            const BatchModels& models, BatchWork& work,
                                            std::size_t op_begin, std::size_t op_end,
                                            const BatchOutputs& outputs) {
    static_assert(kBatchLanes % kWidth == 0);
    for (int first_lane = 0; first_lane < kBatchLanes; first_lane += kWidth) {
        RunLanes<kWidth>(program, models, work, op_begin, op_end, outputs, first_lane);
    }
}

using BatchFunction = void (*)(const EventProgram&, const BatchModels&, BatchWork&, std::size_t,
                               std::size_t, const BatchOutputs&);

// Baseline x86-64 has 16 128-bit registers: 2 lanes per pass keeps the state in registers.
void RunBaseline(const EventProgram& program, const BatchModels& models, BatchWork& work,
                 std::size_t op_begin, std::size_t op_end, const BatchOutputs& outputs) {
    RunBatch<2>(program, models, work, op_begin, op_end, outputs);
}

#ifdef MITRA_PK_X86_DISPATCH
[[gnu::target("avx2")]] void RunAvx2(const EventProgram& program, const BatchModels& models,
                                     BatchWork& work, std::size_t op_begin, std::size_t op_end,
                                     const BatchOutputs& outputs) {
    RunBatch<4>(program, models, work, op_begin, op_end, outputs);
}

[[gnu::target("avx512f")]] void RunAvx512(const EventProgram& program,
                                          const BatchModels& models, BatchWork& work,
                                          std::size_t op_begin, std::size_t op_end,
                                          const BatchOutputs& outputs) {
    RunBatch<8>(program, models, work, op_begin, op_end, outputs);
}
#endif

BatchFunction FunctionFor(BatchIsa isa) {
    switch (isa) {
#ifdef MITRA_PK_X86_DISPATCH
        case BatchIsa::kAvx512:
            return RunAvx512;
        case BatchIsa::kAvx2:
            return RunAvx2;
#endif
        default:
            return RunBaseline;
    }
}

BatchIsa PickBatchIsa() {
    for (BatchIsa isa : {BatchIsa::kAvx512, BatchIsa::kAvx2}) {
        if (BatchIsaSupported(isa)) {
            return isa;
        }
    }
    return BatchIsa::kBaseline;
}

}  // namespace

bool BatchIsaSupported(BatchIsa isa) {
    switch (isa) {
        case BatchIsa::kBest:
        case BatchIsa::kBaseline:
            return true;
#ifdef MITRA_PK_X86_DISPATCH
        case BatchIsa::kAvx2:
            __builtin_cpu_init();
            return __builtin_cpu_supports("avx2");
        case BatchIsa::kAvx512:
            __builtin_cpu_init();
            return __builtin_cpu_supports("avx512f");
#endif
        default:
            return false;
    }
}

bool BuildEventProgram(const std::vector<Dose>& regimen, const std::vector<double>& times_h,
                       EventProgram& program) {
    program = EventProgram{};
    program.outputs = times_h.size();
    if (times_h.empty()) {
        return true;
    }
    program.window_h = times_h.back() - times_h.front();
    program.ops.reserve(2 * times_h.size() + 2 * regimen.size());
    auto advance = [&](double dt_h) {
        // First-occurrence matching, as the scalar kernels' cache does.
        std::size_t step_idx = 0;
        while (step_idx < program.step_lengths_h.size() &&
               !SameStep(dt_h, program.step_lengths_h[step_idx])) {
            ++step_idx;
        }
        if (step_idx == program.step_lengths_h.size()) {
            if (step_idx == kMaxProgramSteps) {
                return false;
            }
            program.step_lengths_h.push_back(dt_h);
        }
        program.ops.push_back({OpKind::kAdvance, static_cast<std::uint32_t>(step_idx), 0.0});
        return true;
    };
    // The walk of PropagateWith (propagate.hpp), recorded instead of executed.
    double t_h = 0.0;
    std::size_t dose_idx = 0;
    for (std::size_t time_idx = 0; time_idx < times_h.size(); ++time_idx) {
        const double t_out_h = times_h[time_idx];
        while (dose_idx < regimen.size() && regimen[dose_idx].time_h <= t_out_h) {
            const double dose_h = regimen[dose_idx].time_h;
            if (dose_h > t_h) {
                if (!advance(dose_h - t_h)) {
                    return false;
                }
                t_h = dose_h;
            }
            program.ops.push_back({OpKind::kDose, 0, regimen[dose_idx].dose_mg});
            if (time_idx > 0) {
                program.doses_in_window_mg += regimen[dose_idx].dose_mg;
            }
            ++dose_idx;
        }
        if (t_out_h > t_h) {
            if (!advance(t_out_h - t_h)) {
                return false;
            }
            t_h = t_out_h;
        }
        program.ops.push_back({OpKind::kOutput, static_cast<std::uint32_t>(time_idx), 0.0});
    }
    return true;
}

bool BatchEligible(const LinearModel& model, const EventProgram& program) {
    if (!model.Modal()) {
        return false;
    }
    for (int mode = 0; mode < model.ModeCount(); ++mode) {
        if (!(model.RatesPerH()[mode] * program.window_h >= kMinDecayForClosedFormAuc)) {
            return false;
        }
    }
    return true;
}

void BatchModels::Set(int lane, const LinearModel& model) {
    for (int mode = 0; mode < kStates; ++mode) {
        rates_per_h[mode].lane[lane] = model.RatesPerH()[mode];
        parent_coef[mode].lane[lane] = model.ParentCoefficients()[mode];
        metabolite_coef[mode].lane[lane] = model.MetaboliteCoefficients()[mode];
    }
}

void BatchModels::CopyLane(int from_lane, int to_lane) {
    for (int mode = 0; mode < kStates; ++mode) {
        rates_per_h[mode].lane[to_lane] = rates_per_h[mode].lane[from_lane];
        parent_coef[mode].lane[to_lane] = parent_coef[mode].lane[from_lane];
        metabolite_coef[mode].lane[to_lane] = metabolite_coef[mode].lane[from_lane];
    }
}

PercentileHistograms::PercentileHistograms(std::size_t cells)
    : counts(cells * kSlots, 0), min_positive(cells), max(cells) {
    for (FloatLanes& low : min_positive) {
        std::fill(std::begin(low.lane), std::end(low.lane),
                  std::numeric_limits<float>::infinity());
    }
}

std::uint32_t PercentileHistograms::Slot(const HistogramRange& range, float value) {
    if (!(value > range.zero_below)) {
        return kZeroSlot;
    }
    const auto bits = std::bit_cast<std::int32_t>(value);
    if (bits < range.lo_bits) {
        return kUnderSlot;
    }
    if (bits >= range.hi_bits) {
        return kOverSlot;
    }
    const double bin = std::clamp(static_cast<double>(bits - range.lo_bits) * range.bins_per_bit,
                                  0.0, static_cast<double>(kPercentileBins - 1));
    return static_cast<std::uint32_t>(kFirstBinSlot) + static_cast<std::uint32_t>(bin);
}

void PercentileHistograms::Add(std::size_t cell, const HistogramRange& range, float value) {
    ++counts[cell * kSlots + Slot(range, value)];
    if (value > range.zero_below) {
        float& low = min_positive[cell].lane[0];
        float& high = max[cell].lane[0];
        low = std::min(low, value);
        high = std::max(high, value);
    }
}

void PercentileHistograms::MergeCells(const PercentileHistograms& other, std::size_t cell_begin,
                                      std::size_t cell_end) {
    for (std::size_t idx = cell_begin * kSlots; idx < cell_end * kSlots; ++idx) {
        counts[idx] += other.counts[idx];
    }
    for (std::size_t cell = cell_begin; cell < cell_end; ++cell) {
        for (int lane = 0; lane < kBatchLanes; ++lane) {
            min_positive[cell].lane[lane] =
                std::min(min_positive[cell].lane[lane], other.min_positive[cell].lane[lane]);
            max[cell].lane[lane] = std::max(max[cell].lane[lane], other.max[cell].lane[lane]);
        }
    }
}

float PercentileHistograms::MinPositive(std::size_t cell) const {
    const FloatLanes& low = min_positive[cell];
    return *std::min_element(std::begin(low.lane), std::end(low.lane));
}

float PercentileHistograms::Max(std::size_t cell) const {
    const FloatLanes& high = max[cell];
    return *std::max_element(std::begin(high.lane), std::end(high.lane));
}

void BatchKernel::Prepare(const BatchModels& models, BatchWork& work) const {
    const std::size_t steps = program_.step_lengths_h.size();
    work.decay.resize(steps * kStates);
    for (std::size_t step_idx = 0; step_idx < steps; ++step_idx) {
        const double dt_h = program_.step_lengths_h[step_idx];
        for (int mode = 0; mode < kStates; ++mode) {
            Lanes& d = work.decay[step_idx * kStates + static_cast<std::size_t>(mode)];
            for (int lane = 0; lane < kBatchLanes; ++lane) {
                d.lane[lane] = std::exp(-(models.rates_per_h[mode].lane[lane] * dt_h));
            }
        }
    }
    for (int mode = 0; mode < kStates; ++mode) {
        work.amplitude[mode] = Lanes{};
        work.first[mode] = Lanes{};
    }
    work.parent_cmax_ng_ml = Lanes{};
    work.metabolite_cmax_ng_ml = Lanes{};
    work.parent_ng_ml = Lanes{};
    work.metabolite_ng_ml = Lanes{};
}

void BatchKernel::Advance(const BatchModels& models, BatchWork& work, std::size_t op_begin,
                          std::size_t op_end, const BatchOutputs& outputs) const {
    static const BatchFunction kBest = FunctionFor(PickBatchIsa());
    const BatchFunction run = isa_ == BatchIsa::kBest ? kBest : FunctionFor(isa_);
    run(program_, models, work, op_begin, op_end, outputs);
}

void BatchKernel::Finish(const BatchModels& models, const BatchWork& work,
                         BatchSummary& summary) const {
    // Exact AUC from the first to the last output (see population_batch.hpp). A rate of 0
    // marks an unused mode (coefficient 0): it contributes nothing. Same association as the
    // readout.
    for (int lane = 0; lane < kBatchLanes; ++lane) {
        double integral[kStates];
        for (int mode = 0; mode < kStates; ++mode) {
            const double rate = models.rates_per_h[mode].lane[lane];
            integral[mode] = rate > 0.0 ? (work.first[mode].lane[lane] -
                                           work.amplitude[mode].lane[lane] +
                                           program_.doses_in_window_mg) /
                                              rate
                                        : 0.0;
        }
        auto dot = [&](const Lanes* coef) {
            return (coef[0].lane[lane] * integral[0] + coef[1].lane[lane] * integral[1]) +
                   (coef[2].lane[lane] * integral[2] + coef[3].lane[lane] * integral[3]);
        };
        summary.parent_auc_ng_h_per_ml.lane[lane] = dot(models.parent_coef);
        summary.metabolite_auc_ng_h_per_ml.lane[lane] = dot(models.metabolite_coef);
    }
    summary.parent_cmax_ng_ml = work.parent_cmax_ng_ml;
    summary.metabolite_cmax_ng_ml = work.metabolite_cmax_ng_ml;
    summary.parent_last_ng_ml = work.parent_ng_ml;
    summary.metabolite_last_ng_ml = work.metabolite_ng_ml;
}

void BatchKernel::Run(const BatchModels& models, BatchSummary& summary,
                      const BatchOutputs& outputs) {
    Prepare(models, work_);
    Advance(models, work_, 0, program_.ops.size(), outputs);
    Finish(models, work_, summary);
}

}  // namespace mitra::core::pk::detail
