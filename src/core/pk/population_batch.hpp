#pragma once
// Internal: the population fast path. Not part of the public API (population.hpp is).
//
// All subjects of a population share the regimen and the output grid, so the sequence of
// events (advance by a step length, add a dose, read an output) is the same for every subject.
// BuildEventProgram merges doses and times once, in exactly the order PropagateWith uses, and
// numbers the distinct step lengths. BatchKernel then advances kBatchLanes subjects at once in
// structure-of-arrays form (one SIMD lane per subject): per batch it computes exp(-lambda dt)
// for each mode and distinct step length once (the cached propagators), and per event only
// multiplies, adds and compares. Every lane performs, bit for bit, the operations of the scalar
// ModalKernel (same factors, same association), so concentrations and Cmax equal those of
// Simulate() exactly and do not depend on which lane or thread a subject runs in.
// The kernel is compiled for three vector widths (SSE2: 2 lanes per pass, AVX2: 4, AVX-512: 8)
// and picked once from the CPU (GCC on x86-64; other targets use the portable version); the
// file is compiled without FMA contraction, so every version gives the same bits.
//
// AUC over the grid is not accumulated per step: between events m_i' = -lambda_i m_i, and a dose
// adds its mg to every m_i, so the exact integral from the first output t0 to the last tN is
//   integral m_i = (m_i(t0) - m_i(tN) + doses applied in (t0, tN]) / lambda_i,
// and AUC = sum_i coef_i * integral m_i. This loses digits when lambda_i (tN - t0) is small;
// such subjects (below kMinDecayForClosedFormAuc) and non-modal subjects (coincident
// eigenvalues) are not given to the kernel: the caller runs them through the scalar path.
//
// Percentile histograms are counted inside the kernel (PercentileHistograms::Slot, computed
// with vectors), so percentile curves never leave registers as floats.
//
// Thread-safety: a BatchKernel, BatchWork and PercentileHistograms belong to one thread; an
// EventProgram is immutable after BuildEventProgram and may be shared.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/pk/linear_model.hpp"
#include "core/pk/parameters.hpp"
#include "core/pk/population.hpp"

namespace mitra::core::pk::detail {

inline constexpr int kBatchLanes = 8;
/// Programs with more distinct step lengths are not built (the caller uses the scalar path).
inline constexpr std::size_t kMaxProgramSteps = 256;
/// Smallest lambda_i * (tN - t0) for the closed-form AUC (relative error <~ 1e-14 / this).
inline constexpr double kMinDecayForClosedFormAuc = 1e-2;

/// One double per lane, 64-byte aligned (any ISA may load it as whole vectors).
struct alignas(64) Lanes {
    double lane[kBatchLanes]{};
};

/// One float per lane.
struct alignas(32) FloatLanes {
    float lane[kBatchLanes]{};
};

/// Histogram range of one percentile cell (time, analyte), in float bit patterns; positive
/// floats' bit patterns are non-negative int32 ordered like the values.
struct HistogramRange {
    float zero_below = 0.0F;   ///< values <= this count as 0 (roundoff level)
    std::int32_t lo_bits = 1;  ///< first bin starts here
    std::int32_t hi_bits = 2;  ///< values from here up are "over"
    double bins_per_bit = 0.0;
};

/// Per-thread percentile histograms: kSlots counters per cell (values counted as 0,
/// values below the range, kPercentileBins bins, values above the range) and the extreme
/// positive values (per lane, reduced when read). Counts are integers, so merging threads is
/// order-independent.
struct PercentileHistograms {
    static constexpr std::size_t kZeroSlot = 0;
    static constexpr std::size_t kUnderSlot = 1;
    static constexpr std::size_t kFirstBinSlot = 2;
    static constexpr std::size_t kOverSlot = kFirstBinSlot + kPercentileBins;
    static constexpr std::size_t kSlots = kOverSlot + 1;

    explicit PercentileHistograms(std::size_t cells);

    /// The slot of one value (the batch kernel computes the same with vectors).
    static std::uint32_t Slot(const HistogramRange& range, float value);
    /// Adds one value (scalar path).
    void Add(std::size_t cell, const HistogramRange& range, float value);
    /// Adds `other`'s counts and extremes of cells [cell_begin, cell_end) to this one.
    void MergeCells(const PercentileHistograms& other, std::size_t cell_begin,
                    std::size_t cell_end);
    float MinPositive(std::size_t cell) const;
    float Max(std::size_t cell) const;
    const std::uint32_t* Counts(std::size_t cell) const { return counts.data() + cell * kSlots; }

    std::vector<std::uint32_t> counts;      ///< cells x kSlots
    std::vector<FloatLanes> min_positive;   ///< per cell, per lane (+inf when none)
    std::vector<FloatLanes> max;            ///< per cell, per lane (0 when none)
};

/// Where a batch's concentrations go besides the summaries (either or both may be null).
struct BatchOutputs {
    /// program.outputs x 2 x kBatchLanes floats, [output][analyte][lane] (0 mitragynine,
    /// 1 7-OH): every lane, padding included.
    float* curves = nullptr;
    /// Lanes [0, active_lanes) are counted into the histograms of cells (output * 2 + analyte)
    /// with `ranges` (one per cell).
    PercentileHistograms* histograms = nullptr;
    const HistogramRange* ranges = nullptr;
    int active_lanes = kBatchLanes;
};

struct EventProgram {
    enum class OpKind : std::uint32_t { kAdvance, kDose, kOutput };
    struct Op {
        OpKind kind = OpKind::kOutput;
        std::uint32_t index = 0;  ///< step-length index (kAdvance) or output index (kOutput)
        double dose_mg = 0.0;     ///< kDose only
    };
    std::vector<Op> ops;
    std::vector<double> step_lengths_h;  ///< distinct step lengths, first occurrence
    std::size_t outputs = 0;
    double window_h = 0.0;                ///< last output time - first output time
    double doses_in_window_mg = 0.0;      ///< dose mass applied after output 0, up to the last
};

/// Merges a validated regimen and grid; returns false (and leaves `program` unspecified) when
/// there are more than kMaxProgramSteps distinct step lengths.
bool BuildEventProgram(const std::vector<Dose>& regimen, const std::vector<double>& times_h,
                       EventProgram& program);

/// True when the kernel may evaluate this model on `program` (modal, closed-form AUC safe).
bool BatchEligible(const LinearModel& model, const EventProgram& program);

/// Per-lane model constants (structure of arrays). Unused lanes must hold a valid model (e.g. a
/// copy of lane 0); their results are ignored.
struct BatchModels {
    Lanes rates_per_h[kStates];
    Lanes parent_coef[kStates];
    Lanes metabolite_coef[kStates];

    void Set(int lane, const LinearModel& model);
    void CopyLane(int from_lane, int to_lane);
};

struct BatchSummary {
    Lanes parent_cmax_ng_ml;
    Lanes metabolite_cmax_ng_ml;
    Lanes parent_auc_ng_h_per_ml;
    Lanes metabolite_auc_ng_h_per_ml;
    Lanes parent_last_ng_ml;
    Lanes metabolite_last_ng_ml;
};

/// Kernel versions: the best one for the CPU, or one forced (tests compare them).
enum class BatchIsa { kBest, kBaseline, kAvx2, kAvx512 };
/// True when `isa` can run here (kBest and kBaseline always).
bool BatchIsaSupported(BatchIsa isa);

/// The propagators and the running state of one batch between calls of BatchKernel::Advance.
struct BatchWork {
    std::vector<Lanes> decay;  ///< exp(-lambda dt): step lengths x kStates
    Lanes amplitude[kStates];  ///< modal amplitudes m_i (mg)
    Lanes first[kStates];      ///< amplitudes at output 0 (for the AUC)
    Lanes parent_cmax_ng_ml;
    Lanes metabolite_cmax_ng_ml;
    Lanes parent_ng_ml;  ///< at the latest output
    Lanes metabolite_ng_ml;
};

/// Evaluates batches on one program. A batch either runs whole (Run), or in slices of the
/// program's ops (Prepare, Advance over consecutive op ranges, Finish), so that a caller can
/// sweep many batches over one block of output times while that block's histograms stay in
/// cache. Both give the same bits.
class BatchKernel {
public:
    /// REQUIRES: BatchIsaSupported(isa).
    explicit BatchKernel(const EventProgram& program, BatchIsa isa = BatchIsa::kBest)
        : program_(program), isa_(isa) {}

    /// Evaluates kBatchLanes subjects into `summary` and `outputs`.
    void Run(const BatchModels& models, BatchSummary& summary, const BatchOutputs& outputs);

    /// Computes the propagators of every step length and resets the state (allocates only
    /// the first time a BatchWork is used).
    void Prepare(const BatchModels& models, BatchWork& work) const;
    /// Executes ops [op_begin, op_end) (REQUIRES: in order, from 0, after Prepare).
    void Advance(const BatchModels& models, BatchWork& work, std::size_t op_begin,
                 std::size_t op_end, const BatchOutputs& outputs) const;
    /// Summaries after the last op (the exact AUC from the amplitudes).
    void Finish(const BatchModels& models, const BatchWork& work, BatchSummary& summary) const;

    /// The propagator exp(-lambda_mode dt) of a step-length index for the last Run (tests).
    const Lanes& Decay(std::size_t step_idx, int mode) const {
        return work_.decay[step_idx * kStates + static_cast<std::size_t>(mode)];
    }

private:
    const EventProgram& program_;
    BatchIsa isa_;
    BatchWork work_;
};

}  // namespace mitra::core::pk::detail
