#pragma once
// Internal: event-to-event propagation of a LinearModel through doses and output times.
//
// Not part of the public API (simulate.hpp and population.hpp are). Kernels keep a small
// cache of step factors keyed by the step length, so a uniform grid costs no exp() per point:
// one multiply per mode to advance, one dot product per analyte to read out, and (when AUC is
// requested) one more dot product per analyte for the exact integral over the step.
// Kernel objects are per thread.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "core/pk/linear_model.hpp"
#include "core/pk/parameters.hpp"

namespace mitra::core::pk::detail {

// Step lengths within this relative distance share cached factors (the propagated state is
// then off by at most ~1e-13 relative per step; it removes cache misses from grids such as
// k * 0.1 h whose differences vary in the last bits).
inline constexpr double kStepMatchRelative = 1e-13;
inline constexpr int kCacheSlots = 4;

inline bool SameStep(double a, double b) { return std::fabs(a - b) <= kStepMatchRelative * b; }

class ModalKernel {
public:
    explicit ModalKernel(const LinearModel& model)
        : rates_(model.RatesPerH()),
          parent_coef_(model.ParentCoefficients()),
          metabolite_coef_(model.MetaboliteCoefficients()) {}

    void Reset() { amplitude_ = {}; }
    void AddDose(double dose_mg) {
        for (int i = 0; i < kStates; ++i) {
            amplitude_[i] += dose_mg;
        }
    }
    // Sums of exponentials cancel at a dose time (C = 0 + roundoff); never report below 0.
    double Parent() const {
        return std::max(0.0, (parent_coef_[0] * amplitude_[0] + parent_coef_[1] * amplitude_[1]) +
               (parent_coef_[2] * amplitude_[2] + parent_coef_[3] * amplitude_[3]));
    }
    double Metabolite() const {
        return std::max(0.0, (metabolite_coef_[0] * amplitude_[0] + metabolite_coef_[1] * amplitude_[1]) +
               (metabolite_coef_[2] * amplitude_[2] + metabolite_coef_[3] * amplitude_[3]));
    }

    // Advances by dt > 0; with kAuc adds the exact integral of both concentrations.
    template <bool kAuc>
    void Advance(double dt_h, double& auc_parent, double& auc_metabolite) {
        const Factors& f = Lookup(dt_h);
        if constexpr (kAuc) {
            double ap = 0.0;
            double am = 0.0;
            for (int i = 0; i < kStates; ++i) {
                const double integral = amplitude_[i] * f.integral[i];
                ap += parent_coef_[i] * integral;
                am += metabolite_coef_[i] * integral;
            }
            auc_parent += ap;
            auc_metabolite += am;
        }
        for (int i = 0; i < kStates; ++i) {
            amplitude_[i] *= f.decay[i];
        }
    }

private:
    struct Factors {
        double dt_h = -1.0;
        std::array<double, kStates> decay{};
        std::array<double, kStates> integral{};  // (1 - exp(-lambda dt)) / lambda
    };

    const Factors& Lookup(double dt_h) {
        if (SameStep(dt_h, cache_[0].dt_h)) {
            return cache_[0];
        }
        for (int slot = 1; slot < kCacheSlots; ++slot) {
            if (SameStep(dt_h, cache_[slot].dt_h)) {
                std::swap(cache_[0], cache_[slot]);
                return cache_[0];
            }
        }
        for (int slot = kCacheSlots - 1; slot > 0; --slot) {
            cache_[slot] = cache_[slot - 1];
        }
        Factors& f = cache_[0];
        f.dt_h = dt_h;
        for (int i = 0; i < kStates; ++i) {
            const double x = rates_[i] * dt_h;
            f.decay[i] = std::exp(-x);
            f.integral[i] = rates_[i] > 0.0 ? -std::expm1(-x) / rates_[i] : dt_h;
        }
        return f;
    }

    std::array<double, kStates> rates_;
    std::array<double, kStates> parent_coef_;
    std::array<double, kStates> metabolite_coef_;
    std::array<double, kStates> amplitude_{};
    std::array<Factors, kCacheSlots> cache_{};
};

// General path: physical state (umol), Phi = expm(A dt), Psi = int_0^dt expm(A s) ds from the
// block matrix expm([[A, I], [0, 0]] dt) = [[Phi, Psi], [0, I]] (Van Loan 1978).
class MatrixKernel {
public:
    explicit MatrixKernel(const LinearModel& model)
        : rate_matrix_(model.RateMatrix()),
          depot_umol_per_mg_(model.DepotUmolPerMg()),
          parent_scale_(model.ParentNgMlPerUmol()),
          metabolite_scale_(model.MetaboliteNgMlPerUmol()) {}

    void Reset() { state_ = {}; }
    void AddDose(double dose_mg) { state_[0] += dose_mg * depot_umol_per_mg_; }
    double Parent() const { return std::max(0.0, state_[1] * parent_scale_); }
    double Metabolite() const { return std::max(0.0, state_[3] * metabolite_scale_); }

    template <bool kAuc>
    void Advance(double dt_h, double& auc_parent, double& auc_metabolite) {
        const Factors& f = Lookup(dt_h);
        std::array<double, kStates> next{};
        for (int row = 0; row < kStates; ++row) {
            double sum = 0.0;
            for (int col = 0; col < kStates; ++col) {
                sum += f.phi[row][col] * state_[col];
            }
            next[row] = sum;
        }
        if constexpr (kAuc) {
            double central = 0.0;
            double metabolite = 0.0;
            for (int col = 0; col < kStates; ++col) {
                central += f.psi[1][col] * state_[col];
                metabolite += f.psi[3][col] * state_[col];
            }
            auc_parent += central * parent_scale_;
            auc_metabolite += metabolite * metabolite_scale_;
        }
        state_ = next;
    }

private:
    struct Factors {
        double dt_h = -1.0;
        Matrix4 phi{};
        Matrix4 psi{};
    };

    const Factors& Lookup(double dt_h) {
        if (SameStep(dt_h, cache_[0].dt_h)) {
            return cache_[0];
        }
        for (int slot = 1; slot < kCacheSlots; ++slot) {
            if (SameStep(dt_h, cache_[slot].dt_h)) {
                std::swap(cache_[0], cache_[slot]);
                return cache_[0];
            }
        }
        for (int slot = kCacheSlots - 1; slot > 0; --slot) {
            cache_[slot] = cache_[slot - 1];
        }
        MatrixN<8> block{};
        for (int row = 0; row < kStates; ++row) {
            for (int col = 0; col < kStates; ++col) {
                block[row][col] = rate_matrix_[row][col] * dt_h;
            }
            block[row][kStates + row] = dt_h;
        }
        const MatrixN<8> e = ExpmPade(block);
        Factors& f = cache_[0];
        f.dt_h = dt_h;
        for (int row = 0; row < kStates; ++row) {
            for (int col = 0; col < kStates; ++col) {
                f.phi[row][col] = e[row][col];
                f.psi[row][col] = e[row][kStates + col];
            }
        }
        return f;
    }

    Matrix4 rate_matrix_;
    double depot_umol_per_mg_;
    double parent_scale_;
    double metabolite_scale_;
    std::array<double, kStates> state_{};
    std::array<Factors, kCacheSlots> cache_{};
};

// Walks doses and output times in order from t = 0 (zero state). A dose at exactly an output
// time is given before that output is read (concentrations are continuous for oral input).
// sink(time_idx, parent_ng_ml, metabolite_ng_ml, cumulative_auc_parent, cumulative_auc_met),
// AUCs in ng*h/mL from t = 0 (zero unless kAuc).
// REQUIRES: validated, sorted doses and times.
template <bool kAuc, class Kernel, class Sink>
void PropagateWith(Kernel& kernel, const std::vector<Dose>& doses, const double* times_h,
                   std::size_t count, Sink&& sink) {
    kernel.Reset();
    double t_h = 0.0;
    double auc_parent = 0.0;
    double auc_metabolite = 0.0;
    std::size_t dose_idx = 0;
    const std::size_t dose_count = doses.size();
    for (std::size_t time_idx = 0; time_idx < count; ++time_idx) {
        const double t_out_h = times_h[time_idx];
        while (dose_idx < dose_count && doses[dose_idx].time_h <= t_out_h) {
            const double dose_h = doses[dose_idx].time_h;
            if (dose_h > t_h) {
                kernel.template Advance<kAuc>(dose_h - t_h, auc_parent, auc_metabolite);
                t_h = dose_h;
            }
            kernel.AddDose(doses[dose_idx].dose_mg);
            ++dose_idx;
        }
        if (t_out_h > t_h) {
            kernel.template Advance<kAuc>(t_out_h - t_h, auc_parent, auc_metabolite);
            t_h = t_out_h;
        }
        sink(time_idx, kernel.Parent(), kernel.Metabolite(), auc_parent, auc_metabolite);
    }
}

template <bool kAuc, class Sink>
void Propagate(const LinearModel& model, const std::vector<Dose>& doses, const double* times_h,
               std::size_t count, Sink&& sink) {
    if (model.Modal()) {
        ModalKernel kernel(model);
        PropagateWith<kAuc>(kernel, doses, times_h, count, sink);
    } else {
        MatrixKernel kernel(model);
        PropagateWith<kAuc>(kernel, doses, times_h, count, sink);
    }
}

}  // namespace mitra::core::pk::detail
