#pragma once
// Population (Monte Carlo) simulation: N virtual subjects with log-normal between-subject
// variability, on a given number of std::threads, deterministic for a seed.
//
// Determinism: subject i draws its parameters from its own counter-based stream
// (SplitMix64 of seed and i, Box-Muller normals, fixed draw order), and every reduction is
// order-independent (integer histogram counts, min/max, per-subject slots), so the result is
// bit-identical for any thread count.
//
// Memory: curves are NOT stored. Percentile curves come from one fixed-range histogram per
// output time and analyte (kPercentileBins bins, uniform in the float bit pattern, i.e.
// piecewise-linear log2 scale). Ranges are set from a pilot of the first
// min(N, kPilotSubjects) subjects widened by one octave each side; values outside fall in
// under/overflow bins whose exact extremes are tracked. Accuracy: an estimate lies within one
// bin of the exact order statistic; PopulationResult reports the widest bin (relative).
// Memory is threads x points x 2 x ((kPercentileBins + 3) x 4 + 64) bytes.
//
// Speed: subjects run 8 at a time as SIMD lanes on an event program shared by all subjects
// (population_batch.hpp); concentrations and Cmax are bit-identical to Simulate().
//
// Thread-safety: the function is reentrant; it starts and joins its own threads.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/pk/parameters.hpp"

namespace mitra::core::pk {

inline constexpr int kPercentileBins = 256;
inline constexpr std::size_t kPilotSubjects = 128;

struct PopulationOptions {
    std::size_t subjects = 1000;  ///< 1..kMaxSubjects (field `population.subjects`)
    std::uint64_t seed = 1;
    int threads = 1;              ///< 1..kMaxThreads (field `population.threads`)
    bool percentile_curves = true;  ///< false: per-subject summaries only (faster)
};

/// 5th/50th/95th percentile over subjects at each output time.
struct PercentileCurves {
    std::vector<double> p5;
    std::vector<double> p50;
    std::vector<double> p95;
};

/// Per-subject exposure of one analyte over the output grid.
struct AnalyteExposure {
    double cmax_ng_ml = 0.0;       ///< maximum over the output times
    double auc_ng_h_per_ml = 0.0;  ///< exact integral from the first to the last output time
    double last_ng_ml = 0.0;       ///< concentration at the last output time
};
struct SubjectExposure {
    AnalyteExposure mitragynine;
    AnalyteExposure hydroxymitragynine;
};

/// Exact percentiles (linear interpolation between order statistics) and mean over subjects.
struct Distribution {
    double p5 = 0.0;
    double p50 = 0.0;
    double p95 = 0.0;
    double mean = 0.0;
};
struct AnalyteDistributions {
    Distribution cmax_ng_ml;
    Distribution auc_ng_h_per_ml;
    Distribution last_ng_ml;
};

struct PopulationResult {
    std::vector<double> times_h;
    PercentileCurves mitragynine;         ///< empty when percentile_curves is false
    PercentileCurves hydroxymitragynine;  ///< empty when percentile_curves is false
    AnalyteDistributions mitragynine_summary;
    AnalyteDistributions hydroxymitragynine_summary;
    std::vector<SubjectExposure> subjects;  ///< indexed by subject number
    /// Widest relative histogram bin over all times (bound on the percentile-curve error).
    double percentile_max_relative_bin_width = 0.0;
};

/// Simulates `options.subjects` subjects, each with parameters theta * exp(omega * z).
/// @throws ValidationError (parameter names, `variability.*`, `regimen[i].*`, `times_h[i]`,
///         `population.subjects`, `population.threads`, `times_h` for > kMaxPopulationPoints
///         points or subjects x (doses + points) > kMaxPopulationWork)
PopulationResult SimulatePopulation(const ParameterSet& parameters,
                                    const Variability& variability,
                                    const std::vector<Dose>& regimen,
                                    const std::vector<double>& times_h,
                                    const PopulationOptions& options);

/// The parameters of subject `subject_idx` for a seed (what SimulatePopulation uses).
ParameterSet SampleSubject(const ParameterSet& parameters, const Variability& variability,
                           std::uint64_t seed, std::size_t subject_idx);

}  // namespace mitra::core::pk
