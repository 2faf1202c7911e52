#include "core/pk/population.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/pk/linear_model.hpp"
#include "core/pk/propagate.hpp"

namespace mitra::core::pk {

namespace {

constexpr std::uint32_t kOctaveBits = 1U << 23;  // float mantissa: one octave in bit space
constexpr int kAnalytes = 2;
// Concentrations below this fraction of the pilot's peak are roundoff (e.g. at a dose time)
// and are counted as 0 in the percentile histograms.
constexpr double kZeroRelativeToPeak = 1e-12;

std::uint64_t SplitMix64(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// One standard normal (Box-Muller, cosine branch) from two 53-bit uniforms.
double NextNormal(std::uint64_t& state) {
    const double u1 = (static_cast<double>(SplitMix64(state) >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double LogNormal(double typical, double cv_percent, double z) {
    if (cv_percent <= 0.0) {
        return typical;
    }
    const double cv = cv_percent / 100.0;
    return typical * std::exp(std::sqrt(std::log1p(cv * cv)) * z);
}

// Histogram range of one (time, analyte) cell, in float bit patterns.
struct Range {
    float zero_below = 0.0F;  // values <= this count as 0 (roundoff level)
    std::uint32_t lo_bits = 1;
    std::uint32_t hi_bits = 2;
    double bins_per_bit = 0.0;
};

struct Histograms {
    explicit Histograms(std::size_t cells)
        : counts(cells * kPercentileBins, 0),
          zero(cells, 0),
          under(cells, 0),
          over(cells, 0),
          min_positive(cells, std::numeric_limits<float>::infinity()),
          max(cells, 0.0F) {}

    void Add(std::size_t cell, const Range& range, float value) {
        if (!(value > range.zero_below)) {
            ++zero[cell];
            return;
        }
        min_positive[cell] = std::min(min_positive[cell], value);
        max[cell] = std::max(max[cell], value);
        const auto bits = std::bit_cast<std::uint32_t>(value);
        if (bits < range.lo_bits) {
            ++under[cell];
        } else if (bits >= range.hi_bits) {
            ++over[cell];
        } else {
            const auto bin = std::min<std::uint32_t>(
                kPercentileBins - 1,
                static_cast<std::uint32_t>((bits - range.lo_bits) * range.bins_per_bit));
            ++counts[cell * kPercentileBins + bin];
        }
    }

    void Merge(const Histograms& other) {
        for (std::size_t idx = 0; idx < counts.size(); ++idx) {
            counts[idx] += other.counts[idx];
        }
        for (std::size_t cell = 0; cell < zero.size(); ++cell) {
            zero[cell] += other.zero[cell];
            under[cell] += other.under[cell];
            over[cell] += other.over[cell];
            min_positive[cell] = std::min(min_positive[cell], other.min_positive[cell]);
            max[cell] = std::max(max[cell], other.max[cell]);
        }
    }

    // Quantile q in [0, 1] of `total` values (rank q * (total - 1), as numpy's default).
    double Quantile(std::size_t cell, const Range& range, std::size_t total, double q) const {
        const double rank = q * static_cast<double>(total - 1);
        auto within = [&](double before, double count) {
            return std::clamp((rank - before + 0.5) / count, 0.0, 1.0);
        };
        auto from_bits = [](double bits) {
            return static_cast<double>(
                std::bit_cast<float>(static_cast<std::uint32_t>(std::llround(bits))));
        };
        double before = 0.0;
        if (rank < before + zero[cell]) {
            return 0.0;
        }
        before += zero[cell];
        if (rank < before + under[cell]) {
            const double lo = std::bit_cast<std::uint32_t>(min_positive[cell]);
            return from_bits(lo + within(before, under[cell]) * (range.lo_bits - lo));
        }
        before += under[cell];
        const double bin_bits = 1.0 / range.bins_per_bit;
        for (int bin = 0; bin < kPercentileBins; ++bin) {
            const double count = counts[cell * kPercentileBins + static_cast<std::size_t>(bin)];
            if (count > 0.0 && rank < before + count) {
                const double edge = range.lo_bits + bin * bin_bits;
                return from_bits(edge + within(before, count) * bin_bits);
            }
            before += count;
        }
        const double hi = std::bit_cast<std::uint32_t>(max[cell]);
        if (over[cell] == 0) {
            return max[cell];
        }
        return from_bits(range.hi_bits + within(before, over[cell]) * (hi - range.hi_bits));
    }

    std::vector<std::uint32_t> counts;
    std::vector<std::uint32_t> zero;
    std::vector<std::uint32_t> under;
    std::vector<std::uint32_t> over;
    std::vector<float> min_positive;
    std::vector<float> max;
};

Distribution Summarise(std::vector<double> values) {
    Distribution d;
    std::sort(values.begin(), values.end());
    auto at = [&](double q) {
        const double rank = q * static_cast<double>(values.size() - 1);
        const auto below = static_cast<std::size_t>(std::floor(rank));
        const std::size_t above = std::min(values.size() - 1, below + 1);
        return values[below] + (rank - static_cast<double>(below)) * (values[above] - values[below]);
    };
    d.p5 = at(0.05);
    d.p50 = at(0.50);
    d.p95 = at(0.95);
    double sum = 0.0;
    for (double v : values) {
        sum += v;
    }
    d.mean = sum / static_cast<double>(values.size());
    return d;
}

// Simulates one subject; optionally writes both curves (float) to `curves` (2 x points,
// interleaved per time: parent, metabolite).
SubjectExposure RunSubject(const ParameterSet& subject, const std::vector<Dose>& regimen,
                           const std::vector<double>& times_h, float* curves) {
    const LinearModel model(subject);
    SubjectExposure e;
    double auc_parent_first = 0.0;
    double auc_metabolite_first = 0.0;
    const std::size_t last = times_h.size() - 1;
    auto sink = [&](std::size_t idx, double parent, double metabolite, double auc_parent,
                    double auc_metabolite) {
        if (curves != nullptr) {
            curves[2 * idx] = static_cast<float>(parent);
            curves[2 * idx + 1] = static_cast<float>(metabolite);
        }
        e.mitragynine.cmax_ng_ml = std::max(e.mitragynine.cmax_ng_ml, parent);
        e.hydroxymitragynine.cmax_ng_ml = std::max(e.hydroxymitragynine.cmax_ng_ml, metabolite);
        if (idx == 0) {
            auc_parent_first = auc_parent;
            auc_metabolite_first = auc_metabolite;
        }
        if (idx == last) {
            e.mitragynine.auc_ng_h_per_ml = auc_parent - auc_parent_first;
            e.hydroxymitragynine.auc_ng_h_per_ml = auc_metabolite - auc_metabolite_first;
            e.mitragynine.last_ng_ml = parent;
            e.hydroxymitragynine.last_ng_ml = metabolite;
        }
    };
    detail::Propagate<true>(model, regimen, times_h.data(), times_h.size(), sink);
    return e;
}

}  // namespace

ParameterSet SampleSubject(const ParameterSet& parameters, const Variability& variability,
                           std::uint64_t seed, std::size_t subject_idx) {
    std::uint64_t state = seed ^ (static_cast<std::uint64_t>(subject_idx) * 0xD1B54A32D192ED03ULL);
    SplitMix64(state);
    // Fixed draw order, whether or not a CV is zero, so streams never shift.
    const double z_ka = NextNormal(state);
    const double z_cl = NextNormal(state);
    const double z_v1 = NextNormal(state);
    const double z_q = NextNormal(state);
    const double z_v2 = NextNormal(state);
    const double z_mcl = NextNormal(state);
    const double z_mv = NextNormal(state);
    ParameterSet s = parameters;
    s.ka_per_h = LogNormal(parameters.ka_per_h, variability.ka_per_h_cv_percent, z_ka);
    s.cl_l_per_h = LogNormal(parameters.cl_l_per_h, variability.cl_l_per_h_cv_percent, z_cl);
    s.v1_l = LogNormal(parameters.v1_l, variability.v1_l_cv_percent, z_v1);
    if (parameters.q_l_per_h.has_value()) {
        s.q_l_per_h = LogNormal(*parameters.q_l_per_h, variability.q_l_per_h_cv_percent, z_q);
    }
    if (parameters.v2_l.has_value()) {
        s.v2_l = LogNormal(*parameters.v2_l, variability.v2_l_cv_percent, z_v2);
    }
    s.metabolite.cl_l_per_h = LogNormal(parameters.metabolite.cl_l_per_h,
                                        variability.metabolite_cl_l_per_h_cv_percent, z_mcl);
    s.metabolite.v_l =
        LogNormal(parameters.metabolite.v_l, variability.metabolite_v_l_cv_percent, z_mv);
    return s;
}

PopulationResult SimulatePopulation(const ParameterSet& parameters,
                                    const Variability& variability,
                                    const std::vector<Dose>& regimen,
                                    const std::vector<double>& times_h,
                                    const PopulationOptions& options) {
    parameters.Validate();
    variability.Validate();
    ValidateRegimen(regimen);
    ValidateTimes(times_h, kMaxPopulationPoints);
    if (options.subjects < 1 || options.subjects > kMaxSubjects) {
        throw ValidationError("population.subjects", "pk: population.subjects must be between "
                                                     "1 and " + std::to_string(kMaxSubjects));
    }
    if (options.threads < 1 || options.threads > kMaxThreads) {
        throw ValidationError("population.threads", "pk: population.threads must be between 1 "
                                                    "and " + std::to_string(kMaxThreads));
    }
    const double work = static_cast<double>(options.subjects) *
                        static_cast<double>(regimen.size() + times_h.size());
    if (work > kMaxPopulationWork) {
        throw ValidationError("population.subjects",
                              "pk: population.subjects x (doses + output times) must not exceed " +
                                  std::to_string(static_cast<long long>(kMaxPopulationWork)));
    }

    const std::size_t points = times_h.size();
    const std::size_t cells = points * kAnalytes;
    const std::size_t subjects = options.subjects;
    const bool curves = options.percentile_curves;

    PopulationResult result;
    result.times_h = times_h;
    result.subjects.resize(subjects);

    // Pilot: histogram ranges from the first subjects (the same subjects for any thread count).
    std::vector<Range> ranges(curves ? cells : 0);
    if (curves) {
        const std::size_t pilot = std::min(subjects, kPilotSubjects);
        std::vector<float> samples(pilot * cells);
        for (std::size_t subject_idx = 0; subject_idx < pilot; ++subject_idx) {
            RunSubject(SampleSubject(parameters, variability, options.seed, subject_idx),
                       regimen, times_h, samples.data() + subject_idx * cells);
        }
        // Range per cell: the pilot's ~1st and ~99th percentiles (outer order statistics would
        // let one extreme subject stretch the bins), widened by one octave below.
        std::vector<float> lo(cells);
        std::vector<float> hi(cells);
        std::vector<float> column(pilot);
        const std::size_t lo_rank = pilot / 100;
        const std::size_t hi_rank = pilot - 1 - pilot / 100;
        for (std::size_t cell = 0; cell < cells; ++cell) {
            for (std::size_t subject_idx = 0; subject_idx < pilot; ++subject_idx) {
                column[subject_idx] = samples[subject_idx * cells + cell];
            }
            std::sort(column.begin(), column.end());
            lo[cell] = column[lo_rank];
            hi[cell] = column[hi_rank];
        }
        constexpr std::uint32_t kMaxBits = 0x7F7FFFFFU;  // FLT_MAX
        std::array<float, kAnalytes> peak{};
        for (std::size_t idx = 0; idx < samples.size(); ++idx) {
            peak[idx % kAnalytes] = std::max(peak[idx % kAnalytes], samples[idx]);
        }
        for (std::size_t cell = 0; cell < cells; ++cell) {
            Range& r = ranges[cell];
            r.zero_below = static_cast<float>(kZeroRelativeToPeak * peak[cell % kAnalytes]);
            if (lo[cell] <= r.zero_below) {
                lo[cell] = std::nextafter(r.zero_below, std::numeric_limits<float>::infinity());
            }
            if (hi[cell] > r.zero_below) {
                const std::uint32_t lo_bits = std::bit_cast<std::uint32_t>(lo[cell]);
                const std::uint32_t hi_bits = std::bit_cast<std::uint32_t>(hi[cell]);
                r.lo_bits = lo_bits > kOctaveBits ? lo_bits - kOctaveBits : 1U;
                r.hi_bits = hi_bits < kMaxBits - kOctaveBits ? hi_bits + kOctaveBits : kMaxBits;
            }
            r.bins_per_bit = static_cast<double>(kPercentileBins) / (r.hi_bits - r.lo_bits);
            const double width_octaves = 1.0 / (r.bins_per_bit * kOctaveBits);
            if (hi[cell] > r.zero_below) {
                result.percentile_max_relative_bin_width = std::max(
                    result.percentile_max_relative_bin_width, std::exp2(width_octaves) - 1.0);
            }
        }
    }

    const auto thread_count = static_cast<std::size_t>(
        std::min<std::size_t>(static_cast<std::size_t>(options.threads), subjects));
    std::vector<Histograms> histograms;
    if (curves) {
        histograms.reserve(thread_count);
        for (std::size_t idx = 0; idx < thread_count; ++idx) {
            histograms.emplace_back(cells);
        }
    }
    std::vector<std::exception_ptr> errors(thread_count);
    auto work_chunk = [&](std::size_t thread_idx) {
        try {
            const std::size_t begin = subjects * thread_idx / thread_count;
            const std::size_t end = subjects * (thread_idx + 1) / thread_count;
            std::vector<float> buffer(curves ? cells : 0);
            for (std::size_t subject_idx = begin; subject_idx < end; ++subject_idx) {
                result.subjects[subject_idx] =
                    RunSubject(SampleSubject(parameters, variability, options.seed, subject_idx),
                               regimen, times_h, curves ? buffer.data() : nullptr);
                if (curves) {
                    Histograms& h = histograms[thread_idx];
                    for (std::size_t cell = 0; cell < cells; ++cell) {
                        h.Add(cell, ranges[cell], buffer[cell]);
                    }
                }
            }
        } catch (...) {
            errors[thread_idx] = std::current_exception();
        }
    };
    if (thread_count == 1) {
        work_chunk(0);
    } else {
        std::vector<std::thread> pool;
        pool.reserve(thread_count - 1);
        for (std::size_t idx = 1; idx < thread_count; ++idx) {
            pool.emplace_back(work_chunk, idx);
        }
        work_chunk(0);
        for (std::thread& t : pool) {
            t.join();
        }
    }
    for (const std::exception_ptr& error : errors) {
        if (error) {
            std::rethrow_exception(error);
        }
    }

    if (curves) {
        for (std::size_t idx = 1; idx < histograms.size(); ++idx) {
            histograms[0].Merge(histograms[idx]);
        }
        const Histograms& h = histograms[0];
        for (int analyte = 0; analyte < kAnalytes; ++analyte) {
            PercentileCurves& c = analyte == 0 ? result.mitragynine : result.hydroxymitragynine;
            c.p5.resize(points);
            c.p50.resize(points);
            c.p95.resize(points);
            for (std::size_t time_idx = 0; time_idx < points; ++time_idx) {
                const std::size_t cell = time_idx * kAnalytes + static_cast<std::size_t>(analyte);
                c.p5[time_idx] = h.Quantile(cell, ranges[cell], subjects, 0.05);
                c.p50[time_idx] = h.Quantile(cell, ranges[cell], subjects, 0.50);
                c.p95[time_idx] = h.Quantile(cell, ranges[cell], subjects, 0.95);
            }
        }
    }

    auto distributions = [&](auto member) {
        AnalyteDistributions d;
        std::vector<double> values(subjects);
        auto fill = [&](auto field) {
            for (std::size_t idx = 0; idx < subjects; ++idx) {
                values[idx] = (result.subjects[idx].*member).*field;
            }
            return Summarise(values);
        };
        d.cmax_ng_ml = fill(&AnalyteExposure::cmax_ng_ml);
        d.auc_ng_h_per_ml = fill(&AnalyteExposure::auc_ng_h_per_ml);
        d.last_ng_ml = fill(&AnalyteExposure::last_ng_ml);
        return d;
    };
    result.mitragynine_summary = distributions(&SubjectExposure::mitragynine);
    result.hydroxymitragynine_summary = distributions(&SubjectExposure::hydroxymitragynine);
    return result;
}

}  // namespace mitra::core::pk
