#include "core/pk/population.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/pk/linear_model.hpp"
#include "core/pk/population_batch.hpp"
#include "core/pk/propagate.hpp"

namespace mitra::core::pk {

namespace {

constexpr std::int32_t kOctaveBits = 1 << 23;  // float mantissa: one octave in bit space
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

// omega = sqrt(ln(1 + CV^2)) of a CV in percent; 0 means no variability.
double Omega(double cv_percent) {
    if (cv_percent <= 0.0) {
        return 0.0;
    }
    const double cv = cv_percent / 100.0;
    return std::sqrt(std::log1p(cv * cv));
}

double LogNormal(double typical, double omega, double z) {
    if (omega <= 0.0) {
        return typical;
    }
    return typical * std::exp(omega * z);
}

// Draws subjects' parameters into a reused ParameterSet (no allocation per subject).
class Sampler {
public:
    Sampler(const ParameterSet& parameters, const Variability& variability)
        : typical_(parameters),
          ka_(Omega(variability.ka_per_h_cv_percent)),
          cl_(Omega(variability.cl_l_per_h_cv_percent)),
          v1_(Omega(variability.v1_l_cv_percent)),
          q_(Omega(variability.q_l_per_h_cv_percent)),
          v2_(Omega(variability.v2_l_cv_percent)),
          metabolite_cl_(Omega(variability.metabolite_cl_l_per_h_cv_percent)),
          metabolite_v_(Omega(variability.metabolite_v_l_cv_percent)) {}

    const ParameterSet& Typical() const { return typical_; }

    // REQUIRES: `s` is a copy of Typical() (only the varying fields are written).
    void Sample(std::uint64_t seed, std::size_t subject_idx, ParameterSet& s) const {
        std::uint64_t state =
            seed ^ (static_cast<std::uint64_t>(subject_idx) * 0xD1B54A32D192ED03ULL);
        SplitMix64(state);
        // Fixed draw order, whether or not a CV is zero, so streams never shift.
        const double z_ka = NextNormal(state);
        const double z_cl = NextNormal(state);
        const double z_v1 = NextNormal(state);
        const double z_q = NextNormal(state);
        const double z_v2 = NextNormal(state);
        const double z_mcl = NextNormal(state);
        const double z_mv = NextNormal(state);
        const ParameterSet& p = typical_;
        s.ka_per_h = LogNormal(p.ka_per_h, ka_, z_ka);
        s.cl_l_per_h = LogNormal(p.cl_l_per_h, cl_, z_cl);
        s.v1_l = LogNormal(p.v1_l, v1_, z_v1);
        if (p.q_l_per_h.has_value()) {
            s.q_l_per_h = LogNormal(*p.q_l_per_h, q_, z_q);
        }
        if (p.v2_l.has_value()) {
            s.v2_l = LogNormal(*p.v2_l, v2_, z_v2);
        }
        s.metabolite.cl_l_per_h = LogNormal(p.metabolite.cl_l_per_h, metabolite_cl_, z_mcl);
        s.metabolite.v_l = LogNormal(p.metabolite.v_l, metabolite_v_, z_mv);
    }

private:
    ParameterSet typical_;
    double ka_;
    double cl_;
    double v1_;
    double q_;
    double v2_;
    double metabolite_cl_;
    double metabolite_v_;
};

using detail::HistogramRange;
using detail::PercentileHistograms;

// Quantiles q (increasing, in [0, 1]) of the `total` values of one cell (rank q * (total - 1),
// as numpy's default), in one pass over the cell's slots: the rank's position within its slot
// is interpolated linearly in float bit space (piecewise-linear log2 scale); the slots below
// and above the range interpolate towards the exact extremes.
template <std::size_t kCount>
std::array<double, kCount> Quantiles(const PercentileHistograms& h, std::size_t cell,
                                     const HistogramRange& range, std::size_t total,
                                     const std::array<double, kCount>& qs) {
    using H = PercentileHistograms;
    std::array<double, kCount> out{};
    std::size_t next = 0;
    const std::uint32_t* c = h.Counts(cell);
    double before = 0.0;
    auto rank = [&] { return qs[next] * static_cast<double>(total - 1); };
    auto within = [&](double count) {
        return std::clamp((rank() - before + 0.5) / count, 0.0, 1.0);
    };
    auto from_bits = [](double bits) {
        return static_cast<double>(
            std::bit_cast<float>(static_cast<std::uint32_t>(std::llround(bits))));
    };
    for (; next < kCount && rank() < before + c[H::kZeroSlot]; ++next) {
        out[next] = 0.0;
    }
    before += c[H::kZeroSlot];
    const double lo = std::bit_cast<std::uint32_t>(h.MinPositive(cell));
    for (; next < kCount && rank() < before + c[H::kUnderSlot]; ++next) {
        out[next] = from_bits(lo + within(c[H::kUnderSlot]) * (range.lo_bits - lo));
    }
    before += c[H::kUnderSlot];
    const double bin_bits = 1.0 / range.bins_per_bit;
    for (int bin = 0; bin < kPercentileBins && next < kCount; ++bin) {
        const double count = c[H::kFirstBinSlot + static_cast<std::size_t>(bin)];
        if (count > 0.0) {
            const double edge = range.lo_bits + bin * bin_bits;
            for (; next < kCount && rank() < before + count; ++next) {
                out[next] = from_bits(edge + within(count) * bin_bits);
            }
        }
        before += count;
    }
    const float max = h.Max(cell);
    const double hi = std::bit_cast<std::uint32_t>(max);
    for (; next < kCount; ++next) {
        out[next] = c[H::kOverSlot] == 0
                        ? static_cast<double>(max)
                        : from_bits(range.hi_bits + within(c[H::kOverSlot]) * (hi - range.hi_bits));
    }
    return out;
}

// Exact p5/p50/p95 (numpy's default linear interpolation between order statistics) by
// selection instead of a full sort; the mean sums in subject order.
Distribution Summarise(std::vector<double>& values) {
    Distribution d;
    double sum = 0.0;
    for (double v : values) {
        sum += v;
    }
    d.mean = sum / static_cast<double>(values.size());
    // Quantiles in increasing order: each selection works on the part above the previous one.
    auto from = values.begin();
    auto at = [&](double q) {
        const double rank = q * static_cast<double>(values.size() - 1);
        const auto below = static_cast<std::ptrdiff_t>(std::floor(rank));
        const auto nth = values.begin() + below;
        std::nth_element(from, nth, values.end());
        from = nth;
        const double low = *nth;
        const double high =
            nth + 1 == values.end() ? low : *std::min_element(nth + 1, values.end());
        return low + (rank - static_cast<double>(below)) * (high - low);
    };
    d.p5 = at(0.05);
    d.p50 = at(0.50);
    d.p95 = at(0.95);
    return d;
}

// Simulates one subject; optionally writes both curves (float) to `curves` (2 x points,
// interleaved per time: parent, metabolite).
SubjectExposure RunSubject(const LinearModel& model, const std::vector<Dose>& regimen,
                           const std::vector<double>& times_h, float* curves) {
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

// Evaluates subjects on one thread: the batch kernel for eligible subjects (kBatchLanes at a
// time), the scalar path for the others. Allocates only at construction (and when a group's
// propagator tables are first sized).
// sink(subject_ids, count, exposures, curves, lane_stride) receives each evaluated group:
// curves[cell * lane_stride + k] is subject_ids[k]'s value of cell (time_idx * 2 + analyte),
// or nullptr when curves are not requested (the scalar path passes its curve whenever it
// computed one).
// With histograms, batches are collected into groups and swept block by block of output
// times (kBlockPoints), so the block's histogram rows stay in cache for the whole group
// instead of streaming the full table once per batch.
class SubjectRunner {
public:
    static constexpr std::size_t kBlockPoints = 64;
    static constexpr std::size_t kMaxGroupBatches = 32;
    static constexpr std::size_t kGroupBytes = 256 * 1024;

    // Either collects curves (for `sink`), or counts them into `histograms` (with one range per
    // cell), or neither.
    SubjectRunner(const Sampler& sampler, std::uint64_t seed,
                  const detail::EventProgram* program, const std::vector<Dose>& regimen,
                  const std::vector<double>& times_h, bool curves,
                  PercentileHistograms* histograms, const HistogramRange* ranges)
        : sampler_(sampler),
          seed_(seed),
          program_(program),
          regimen_(regimen),
          times_h_(times_h),
          histograms_(histograms),
          ranges_(ranges),
          subject_(sampler.Typical()),
          buffer_(curves || histograms != nullptr ? times_h.size() * kAnalytes : 0),
          lanes_buffer_(curves && program != nullptr
                            ? times_h.size() * kAnalytes * detail::kBatchLanes
                            : 0) {
        if (program == nullptr) {
            return;
        }
        kernel_.emplace(*program);
        if (histograms == nullptr) {
            return;
        }
        const std::size_t batch_bytes = sizeof(detail::BatchWork) + sizeof(detail::BatchModels) +
                                        program->step_lengths_h.size() * kStates *
                                            sizeof(detail::Lanes);
        const std::size_t group =
            std::clamp<std::size_t>(kGroupBytes / batch_bytes, 1, kMaxGroupBatches);
        group_models_.resize(group);
        group_work_.resize(group);
        group_ids_.resize(group);
        // Op ranges of the output blocks: each ends after its last output.
        std::size_t outputs = 0;
        for (std::size_t op_idx = 0; op_idx < program->ops.size(); ++op_idx) {
            if (program->ops[op_idx].kind == detail::EventProgram::OpKind::kOutput &&
                ++outputs % kBlockPoints == 0) {
                block_ends_.push_back(op_idx + 1);
            }
        }
        if (block_ends_.empty() || block_ends_.back() != program->ops.size()) {
            block_ends_.push_back(program->ops.size());
        }
    }

    template <class Sink>
    void Run(std::size_t begin, std::size_t end, Sink&& sink) {
        const bool curves = !buffer_.empty();
        const std::size_t cells = buffer_.size();
        const bool grouped = !group_models_.empty();
        for (std::size_t subject_idx = begin; subject_idx < end; ++subject_idx) {
            sampler_.Sample(seed_, subject_idx, subject_);
            const LinearModel model(subject_);
            if (program_ != nullptr && detail::BatchEligible(model, *program_)) {
                if (grouped) {
                    group_models_[batches_].Set(lanes_, model);
                    group_ids_[batches_][static_cast<std::size_t>(lanes_)] = subject_idx;
                } else {
                    models_.Set(lanes_, model);
                    lane_subject_[static_cast<std::size_t>(lanes_)] = subject_idx;
                }
                if (++lanes_ == detail::kBatchLanes) {
                    if (grouped) {
                        lanes_ = 0;
                        if (++batches_ == group_models_.size()) {
                            FlushGroup(sink);
                        }
                    } else {
                        Flush(sink);
                    }
                }
                continue;
            }
            const SubjectExposure e =
                RunSubject(model, regimen_, times_h_, curves ? buffer_.data() : nullptr);
            if (histograms_ != nullptr) {
                for (std::size_t cell = 0; cell < cells; ++cell) {
                    histograms_->Add(cell, ranges_[cell], buffer_[cell]);
                }
            }
            sink(&subject_idx, 1, &e, curves ? buffer_.data() : nullptr, std::size_t{1});
        }
        if (grouped && (batches_ > 0 || lanes_ > 0)) {
            FlushGroup(sink);
        } else if (!grouped && lanes_ > 0) {
            Flush(sink);
        }
    }

private:
    template <class Sink>
    void Flush(Sink& sink) {
        for (int lane = lanes_; lane < detail::kBatchLanes; ++lane) {
            models_.CopyLane(0, lane);  // padding: computed, ignored
        }
        const bool curves = !lanes_buffer_.empty();
        detail::BatchOutputs outputs;
        outputs.curves = curves ? lanes_buffer_.data() : nullptr;
        outputs.active_lanes = lanes_;
        kernel_->Run(models_, summary_, outputs);
        Deliver(lane_subject_.data(), lanes_, sink, curves ? lanes_buffer_.data() : nullptr);
        lanes_ = 0;
    }

    // Runs the collected batches (the last one possibly partial) block by block.
    template <class Sink>
    void FlushGroup(Sink& sink) {
        const std::size_t batches = batches_ + (lanes_ > 0 ? 1 : 0);
        const int last_lanes = lanes_ > 0 ? lanes_ : detail::kBatchLanes;
        for (int lane = last_lanes; lane < detail::kBatchLanes; ++lane) {
            group_models_[batches - 1].CopyLane(0, lane);  // padding: computed, not counted
        }
        for (std::size_t b = 0; b < batches; ++b) {
            kernel_->Prepare(group_models_[b], group_work_[b]);
        }
        detail::BatchOutputs outputs;
        outputs.histograms = histograms_;
        outputs.ranges = ranges_;
        std::size_t op_begin = 0;
        for (const std::size_t op_end : block_ends_) {
            for (std::size_t b = 0; b < batches; ++b) {
                outputs.active_lanes = b + 1 == batches ? last_lanes : detail::kBatchLanes;
                kernel_->Advance(group_models_[b], group_work_[b], op_begin, op_end, outputs);
            }
            op_begin = op_end;
        }
        for (std::size_t b = 0; b < batches; ++b) {
            kernel_->Finish(group_models_[b], group_work_[b], summary_);
            Deliver(group_ids_[b].data(), b + 1 == batches ? last_lanes : detail::kBatchLanes,
                    sink, nullptr);
        }
        batches_ = 0;
        lanes_ = 0;
    }

    template <class Sink>
    void Deliver(const std::size_t* ids, int lanes, Sink& sink, const float* curves) {
        for (int lane = 0; lane < lanes; ++lane) {
            SubjectExposure& e = exposures_[static_cast<std::size_t>(lane)];
            e.mitragynine = {summary_.parent_cmax_ng_ml.lane[lane],
                             summary_.parent_auc_ng_h_per_ml.lane[lane],
                             summary_.parent_last_ng_ml.lane[lane]};
            e.hydroxymitragynine = {summary_.metabolite_cmax_ng_ml.lane[lane],
                                    summary_.metabolite_auc_ng_h_per_ml.lane[lane],
                                    summary_.metabolite_last_ng_ml.lane[lane]};
        }
        sink(ids, lanes, exposures_.data(), curves, std::size_t{detail::kBatchLanes});
    }

    const Sampler& sampler_;
    std::uint64_t seed_;
    const detail::EventProgram* program_;
    const std::vector<Dose>& regimen_;
    const std::vector<double>& times_h_;
    PercentileHistograms* histograms_;
    const HistogramRange* ranges_;
    ParameterSet subject_;
    std::vector<float> buffer_;
    std::vector<float> lanes_buffer_;
    std::optional<detail::BatchKernel> kernel_;
    detail::BatchModels models_;
    detail::BatchSummary summary_;
    std::array<std::size_t, detail::kBatchLanes> lane_subject_{};
    std::array<SubjectExposure, detail::kBatchLanes> exposures_{};
    int lanes_ = 0;
    // Grouped mode (histograms).
    std::vector<detail::BatchModels> group_models_;
    std::vector<detail::BatchWork> group_work_;
    std::vector<std::array<std::size_t, detail::kBatchLanes>> group_ids_;
    std::vector<std::size_t> block_ends_;
    std::size_t batches_ = 0;
};

}  // namespace

ParameterSet SampleSubject(const ParameterSet& parameters, const Variability& variability,
                           std::uint64_t seed, std::size_t subject_idx) {
    const Sampler sampler(parameters, variability);
    ParameterSet s = parameters;
    sampler.Sample(seed, subject_idx, s);
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

    // Fast path: the shared event program, evaluated kBatchLanes subjects at a time.
    detail::EventProgram program;
    const detail::EventProgram* batch_program =
        detail::BuildEventProgram(regimen, times_h, program) ? &program : nullptr;
    const Sampler sampler(parameters, variability);

    // Pilot: histogram ranges from the first subjects (the same subjects for any thread count).
    std::vector<HistogramRange> ranges(curves ? cells : 0);
    if (curves) {
        const std::size_t pilot = std::min(subjects, kPilotSubjects);
        std::vector<float> samples(pilot * cells);  // [cell][subject]
        SubjectRunner runner(sampler, options.seed, batch_program, regimen, times_h, true,
                             nullptr, nullptr);
        runner.Run(0, pilot, [&](const std::size_t* ids, int count, const SubjectExposure*,
                                 const float* values, std::size_t stride) {
            for (std::size_t cell = 0; cell < cells; ++cell) {
                for (int k = 0; k < count; ++k) {
                    samples[cell * pilot + ids[k]] = values[cell * stride + k];
                }
            }
        });
        // Range per cell: the pilot's ~1st and ~99th percentiles (outer order statistics would
        // let one extreme subject stretch the bins), widened by one octave below.
        std::vector<float> lo(cells);
        std::vector<float> hi(cells);
        const auto lo_rank = static_cast<std::ptrdiff_t>(pilot / 100);
        const auto hi_rank = static_cast<std::ptrdiff_t>(pilot - 1 - pilot / 100);
        for (std::size_t cell = 0; cell < cells; ++cell) {
            const auto column = samples.begin() + static_cast<std::ptrdiff_t>(cell * pilot);
            const auto column_end = column + static_cast<std::ptrdiff_t>(pilot);
            std::nth_element(column, column + lo_rank, column_end);
            lo[cell] = column[lo_rank];
            std::nth_element(column + lo_rank, column + hi_rank, column_end);
            hi[cell] = column[hi_rank];
        }
        constexpr std::int32_t kMaxBits = 0x7F7FFFFF;  // FLT_MAX
        std::array<float, kAnalytes> peak{};
        for (std::size_t cell = 0; cell < cells; ++cell) {
            float& analyte_peak = peak[cell % kAnalytes];
            for (std::size_t idx = 0; idx < pilot; ++idx) {
                analyte_peak = std::max(analyte_peak, samples[cell * pilot + idx]);
            }
        }
        for (std::size_t cell = 0; cell < cells; ++cell) {
            HistogramRange& r = ranges[cell];
            r.zero_below = static_cast<float>(kZeroRelativeToPeak * peak[cell % kAnalytes]);
            if (lo[cell] <= r.zero_below) {
                lo[cell] = std::nextafter(r.zero_below, std::numeric_limits<float>::infinity());
            }
            if (hi[cell] > r.zero_below) {
                const auto lo_bits = std::bit_cast<std::int32_t>(lo[cell]);
                const auto hi_bits = std::bit_cast<std::int32_t>(hi[cell]);
                r.lo_bits = lo_bits > kOctaveBits ? lo_bits - kOctaveBits : 1;
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
    if (curves) {
        for (PercentileCurves* c : {&result.mitragynine, &result.hydroxymitragynine}) {
            c->p5.resize(points);
            c->p50.resize(points);
            c->p95.resize(points);
        }
    }

    // Work is handed out in chunks of subjects (dynamic: a thread that starts late or is slowed
    // down takes fewer). Results do not depend on which thread runs a chunk: subjects are
    // independent, histogram counts are integers and extremes are min/max.
    // Large buffers are first touched by the thread that uses them (fresh memory is costly and
    // would otherwise be serial): each thread builds its own histograms; thread 0 sizes
    // result.subjects while the others start, and they stage exposures until it is ready.
    const std::size_t chunk_subjects = curves ? 256 : 64;
    const std::size_t chunk_count = (subjects + chunk_subjects - 1) / chunk_subjects;
    std::atomic<std::size_t> next_chunk{0};
    std::atomic<bool> subjects_ready{false};
    struct alignas(64) Worker {
        std::optional<PercentileHistograms> histograms;
        // Chunks finished before result.subjects was sized, and their exposures in that order.
        std::vector<SubjectExposure> staged;
        std::vector<std::size_t> chunks;
        std::vector<double> scratch;  // summary selection
    };
    std::vector<Worker> workers(thread_count);

    // Phase 2 (same threads, after all subjects): copy staged exposures, merge histograms and
    // compute percentile curves by cell range; phase 3: the six summary distributions.
    auto percentile_cells = [&](std::size_t cell_begin, std::size_t cell_end) {
        PercentileHistograms& h = *workers[0].histograms;
        for (std::size_t idx = 1; idx < workers.size(); ++idx) {
            h.MergeCells(*workers[idx].histograms, cell_begin, cell_end);
        }
        for (std::size_t cell = cell_begin; cell < cell_end; ++cell) {
            PercentileCurves& c =
                cell % kAnalytes == 0 ? result.mitragynine : result.hydroxymitragynine;
            const std::size_t time_idx = cell / kAnalytes;
            const auto q = Quantiles<3>(h, cell, ranges[cell], subjects, {0.05, 0.50, 0.95});
            c.p5[time_idx] = q[0];
            c.p50[time_idx] = q[1];
            c.p95[time_idx] = q[2];
        }
    };
    constexpr std::size_t kSummaryTasks = 6;
    auto summary_task = [&](std::size_t task, std::vector<double>& values) {
        const bool parent = task < 3;
        AnalyteDistributions& d =
            parent ? result.mitragynine_summary : result.hydroxymitragynine_summary;
        auto fill = [&](auto field, Distribution& out) {
            for (std::size_t idx = 0; idx < subjects; ++idx) {
                const SubjectExposure& e = result.subjects[idx];
                values[idx] = (parent ? e.mitragynine : e.hydroxymitragynine).*field;
            }
            out = Summarise(values);
        };
        switch (task % 3) {
            case 0:
                fill(&AnalyteExposure::cmax_ng_ml, d.cmax_ng_ml);
                break;
            case 1:
                fill(&AnalyteExposure::auc_ng_h_per_ml, d.auc_ng_h_per_ml);
                break;
            default:
                fill(&AnalyteExposure::last_ng_ml, d.last_ng_ml);
                break;
        }
    };

    std::vector<std::exception_ptr> errors(thread_count);
    std::vector<std::exception_ptr> phase2_errors(thread_count);
    std::barrier sync(static_cast<std::ptrdiff_t>(thread_count));
    auto failed = [&] {
        return std::any_of(errors.begin(), errors.end(),
                           [](const std::exception_ptr& e) { return e != nullptr; });
    };
    auto run_thread = [&](std::size_t thread_idx) {
        Worker& worker = workers[thread_idx];
        try {
            if (curves) {
                worker.histograms.emplace(cells);
            }
            if (thread_idx == 0) {
                result.subjects.resize(subjects);
                subjects_ready.store(true, std::memory_order_release);
            }
            worker.scratch.resize(thread_idx < kSummaryTasks ? subjects : 0);
            SubjectRunner runner(sampler, options.seed, batch_program, regimen, times_h, false,
                                 curves ? &*worker.histograms : nullptr, ranges.data());
            for (std::size_t chunk = next_chunk++; chunk < chunk_count; chunk = next_chunk++) {
                const std::size_t begin = chunk * chunk_subjects;
                const std::size_t end = std::min(subjects, begin + chunk_subjects);
                SubjectExposure* out = nullptr;
                if (subjects_ready.load(std::memory_order_acquire)) {
                    out = result.subjects.data() + begin;
                } else {
                    const std::size_t base = worker.staged.size();
                    worker.staged.resize(base + (end - begin));
                    worker.chunks.push_back(chunk);
                    out = worker.staged.data() + base;
                }
                runner.Run(begin, end,
                           [&](const std::size_t* ids, int count, const SubjectExposure* exposures,
                               const float*, std::size_t) {
                               for (int k = 0; k < count; ++k) {
                                   out[ids[k] - begin] = exposures[k];
                               }
                           });
            }
        } catch (...) {
            errors[thread_idx] = std::current_exception();
        }
        sync.arrive_and_wait();  // every thread arrives, also after an error
        const bool skip = failed();
        try {
            if (!skip) {
                const SubjectExposure* staged = worker.staged.data();
                for (const std::size_t chunk : worker.chunks) {
                    const std::size_t begin = chunk * chunk_subjects;
                    const std::size_t end = std::min(subjects, begin + chunk_subjects);
                    std::copy(staged, staged + (end - begin),
                              result.subjects.begin() + static_cast<std::ptrdiff_t>(begin));
                    staged += end - begin;
                }
                if (curves) {
                    percentile_cells(cells * thread_idx / thread_count,
                                     cells * (thread_idx + 1) / thread_count);
                }
            }
        } catch (...) {
            phase2_errors[thread_idx] = std::current_exception();
        }
        sync.arrive_and_wait();
        try {
            if (!skip) {
                for (std::size_t task = thread_idx; task < kSummaryTasks; task += thread_count) {
                    summary_task(task, worker.scratch);
                }
            }
        } catch (...) {
            phase2_errors[thread_idx] = std::current_exception();
        }
    };
    if (thread_count == 1) {
        run_thread(0);
    } else {
        std::vector<std::thread> pool;
        pool.reserve(thread_count - 1);
        for (std::size_t idx = 1; idx < thread_count; ++idx) {
            pool.emplace_back(run_thread, idx);
        }
        run_thread(0);
        for (std::thread& t : pool) {
            t.join();
        }
    }
    for (const auto* list : {&errors, &phase2_errors}) {
        for (const std::exception_ptr& error : *list) {
            if (error) {
                std::rethrow_exception(error);
            }
        }
    }
    return result;
}

}  // namespace mitra::core::pk
