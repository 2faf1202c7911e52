#pragma once
// The linear compartment system of one parameter set, prepared once for exact evaluation.
//
// States (amounts in umol): 0 depot, 1 parent central, 2 parent peripheral (two-compartment
// only), 3 7-OH. dx/dt = A x with
//   A = [ -ka                 0              0      0   ]
//       [  ka   -(k10 + k12)                k21      0   ]
//       [  0            k12               -k21      0   ]
//       [  0       fm * k10                 0     -km   ]
// k10 = CL/V1, k12 = Q/V1, k21 = Q/V2, km = CLm/Vm. Doses (F x dose) enter the depot only, so
// the whole state is a superposition of the depot impulse response, which is a sum of
// exponentials over the eigenvalues -lambda_i (ka, alpha, beta, km; closed form). The
// coefficients (depot column of the spectral projectors, Sylvester's formula) are computed once
// here. Between events the state is then advanced exactly by "modal amplitudes"
//   m_i(t) = sum_doses dose_mg * exp(-lambda_i (t - t_dose)),
// i.e. m_i <- m_i * exp(-lambda_i dt) and m_i += dose_mg at a dose (the ADVAN idea).
// When two eigenvalues are closer than kMinRelativeEigenGap the projectors are ill-conditioned;
// the model then uses the general path: Phi(dt) = expm(A dt) by Pade(13) scaling and squaring
// (Higham 2005) on the physical state, equally exact, slower per distinct step length.
//
// Immutable after construction; safe to share between threads.

#include <array>

#include "core/pk/parameters.hpp"

namespace mitra::core::pk {

inline constexpr int kStates = 4;
inline constexpr double kMinRelativeEigenGap = 1e-3;

using Matrix4 = std::array<std::array<double, kStates>, kStates>;

class LinearModel {
public:
    /// Validates `parameters` (ValidationError naming the parameter) and prepares the model.
    explicit LinearModel(const ParameterSet& parameters);

    /// True when the modal (sum-of-exponentials) path is used; false for the expm path.
    bool Modal() const { return modal_; }
    /// Decay rates lambda_i (1/h) of the modes; unused modes have rate 0 and coefficient 0.
    const std::array<double, kStates>& RatesPerH() const { return rates_per_h_; }
    /// ng/mL of mitragynine per unit modal amplitude (mg dosed) for each mode.
    const std::array<double, kStates>& ParentCoefficients() const { return parent_coef_; }
    /// ng/mL of 7-OH per unit modal amplitude (mg dosed) for each mode.
    const std::array<double, kStates>& MetaboliteCoefficients() const { return metabolite_coef_; }
    int ModeCount() const { return mode_count_; }

    /// Rate matrix A (1/h) on umol amounts, for the expm path and for tests.
    const Matrix4& RateMatrix() const { return rate_matrix_; }
    /// umol entering the depot per mg dosed: F * 1000 / MW(parent).
    double DepotUmolPerMg() const { return depot_umol_per_mg_; }
    /// ng/mL per umol in the central compartment: MW(parent) / V1.
    double ParentNgMlPerUmol() const { return parent_ng_ml_per_umol_; }
    /// ng/mL per umol in the 7-OH compartment: MW(7-OH) / Vm.
    double MetaboliteNgMlPerUmol() const { return metabolite_ng_ml_per_umol_; }

    /// Slowest rate with a non-zero contribution to the parent (min of ka, alpha, beta) and to
    /// 7-OH (min over all modes), 1/h: the terminal rates.
    double ParentTerminalRatePerH() const { return parent_terminal_rate_per_h_; }
    double MetaboliteTerminalRatePerH() const { return metabolite_terminal_rate_per_h_; }

    /// Single-dose AUC(0, inf) per mg dosed, ng*h/mL: F*1000/CL and F*1000/MWp*fm/CLm*MWm.
    double ParentAucInfPerMg() const { return parent_auc_inf_per_mg_; }
    double MetaboliteAucInfPerMg() const { return metabolite_auc_inf_per_mg_; }

private:
    bool modal_ = true;
    int mode_count_ = 0;
    std::array<double, kStates> rates_per_h_{};
    std::array<double, kStates> parent_coef_{};
    std::array<double, kStates> metabolite_coef_{};
    Matrix4 rate_matrix_{};
    double depot_umol_per_mg_ = 0.0;
    double parent_ng_ml_per_umol_ = 0.0;
    double metabolite_ng_ml_per_umol_ = 0.0;
    double parent_terminal_rate_per_h_ = 0.0;
    double metabolite_terminal_rate_per_h_ = 0.0;
    double parent_auc_inf_per_mg_ = 0.0;
    double metabolite_auc_inf_per_mg_ = 0.0;
};

/// exp(M) of a small dense matrix by Pade(13) scaling and squaring (Higham 2005, Algorithm 2.3
/// without the lower-degree shortcuts). Used by the general path and by tests.
template <int N>
using MatrixN = std::array<std::array<double, N>, N>;
MatrixN<4> ExpmPade(const MatrixN<4>& m);
MatrixN<8> ExpmPade(const MatrixN<8>& m);

}  // namespace mitra::core::pk
