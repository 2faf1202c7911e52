#include "core/pk/linear_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace mitra::core::pk {

namespace {

template <int N>
MatrixN<N> Multiply(const MatrixN<N>& a, const MatrixN<N>& b) {
    MatrixN<N> c{};
    for (int row = 0; row < N; ++row) {
        for (int mid = 0; mid < N; ++mid) {
            const double a_rm = a[row][mid];
            for (int col = 0; col < N; ++col) {
                c[row][col] += a_rm * b[mid][col];
            }
        }
    }
    return c;
}

template <int N>
MatrixN<N> Identity() {
    MatrixN<N> id{};
    for (int idx = 0; idx < N; ++idx) {
        id[idx][idx] = 1.0;
    }
    return id;
}

// Solves P X = Q by Gaussian elimination with partial pivoting.
template <int N>
MatrixN<N> Solve(MatrixN<N> p, MatrixN<N> q) {
    for (int col = 0; col < N; ++col) {
        int pivot = col;
        for (int row = col + 1; row < N; ++row) {
            if (std::fabs(p[row][col]) > std::fabs(p[pivot][col])) {
                pivot = row;
            }
        }
        std::swap(p[col], p[pivot]);
        std::swap(q[col], q[pivot]);
        const double diag = p[col][col];
        if (diag == 0.0) {
            throw InternalError("pk: singular Pade denominator");
        }
        for (int row = col + 1; row < N; ++row) {
            const double factor = p[row][col] / diag;
            if (factor == 0.0) {
                continue;
            }
            for (int k = col; k < N; ++k) {
                p[row][k] -= factor * p[col][k];
            }
            for (int k = 0; k < N; ++k) {
                q[row][k] -= factor * q[col][k];
            }
        }
    }
    MatrixN<N> x{};
    for (int col = 0; col < N; ++col) {
        for (int row = N - 1; row >= 0; --row) {
            double sum = q[row][col];
            for (int k = row + 1; k < N; ++k) {
                sum -= p[row][k] * x[k][col];
            }
            x[row][col] = sum / p[row][row];
        }
    }
    return x;
}

template <int N>
MatrixN<N> ExpmImpl(const MatrixN<N>& m) {
    // Higham (2005), SIAM J. Matrix Anal. Appl. 26(4):1179, Pade degree 13.
    static constexpr double kB[] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
                                    1187353796428800.0,  129060195264000.0,   10559470521600.0,
                                    670442572800.0,      33522128640.0,       1323241920.0,
                                    40840800.0,          960960.0,            16380.0,
                                    182.0,               1.0};
    constexpr double kTheta13 = 5.371920351148152;
    double norm1 = 0.0;
    for (int col = 0; col < N; ++col) {
        double sum = 0.0;
        for (int row = 0; row < N; ++row) {
            sum += std::fabs(m[row][col]);
        }
        norm1 = std::max(norm1, sum);
    }
    if (!std::isfinite(norm1)) {
        throw InternalError("pk: non-finite matrix in expm");
    }
    int squarings = 0;
    if (norm1 > kTheta13) {
        squarings = static_cast<int>(std::ceil(std::log2(norm1 / kTheta13)));
    }
    MatrixN<N> a = m;
    const double scale = std::ldexp(1.0, -squarings);
    for (auto& row : a) {
        for (double& v : row) {
            v *= scale;
        }
    }
    const MatrixN<N> id = Identity<N>();
    const MatrixN<N> a2 = Multiply<N>(a, a);
    const MatrixN<N> a4 = Multiply<N>(a2, a2);
    const MatrixN<N> a6 = Multiply<N>(a4, a2);
    MatrixN<N> u_inner{};
    MatrixN<N> v_inner{};
    MatrixN<N> u_rest{};
    MatrixN<N> v_rest{};
    for (int row = 0; row < N; ++row) {
        for (int col = 0; col < N; ++col) {
            u_inner[row][col] = kB[13] * a6[row][col] + kB[11] * a4[row][col] + kB[9] * a2[row][col];
            v_inner[row][col] = kB[12] * a6[row][col] + kB[10] * a4[row][col] + kB[8] * a2[row][col];
            u_rest[row][col] = kB[7] * a6[row][col] + kB[5] * a4[row][col] + kB[3] * a2[row][col] +
                               kB[1] * id[row][col];
            v_rest[row][col] = kB[6] * a6[row][col] + kB[4] * a4[row][col] + kB[2] * a2[row][col] +
                               kB[0] * id[row][col];
        }
    }
    MatrixN<N> u_poly = Multiply<N>(a6, u_inner);
    MatrixN<N> v_poly = Multiply<N>(a6, v_inner);
    for (int row = 0; row < N; ++row) {
        for (int col = 0; col < N; ++col) {
            u_poly[row][col] += u_rest[row][col];
            v_poly[row][col] += v_rest[row][col];
        }
    }
    const MatrixN<N> u = Multiply<N>(a, u_poly);
    MatrixN<N> num{};
    MatrixN<N> den{};
    for (int row = 0; row < N; ++row) {
        for (int col = 0; col < N; ++col) {
            num[row][col] = v_poly[row][col] + u[row][col];
            den[row][col] = v_poly[row][col] - u[row][col];
        }
    }
    MatrixN<N> result = Solve<N>(den, num);
    for (int idx = 0; idx < squarings; ++idx) {
        result = Multiply<N>(result, result);
    }
    return result;
}

}  // namespace

MatrixN<4> ExpmPade(const MatrixN<4>& m) { return ExpmImpl<4>(m); }
MatrixN<8> ExpmPade(const MatrixN<8>& m) { return ExpmImpl<8>(m); }

LinearModel::LinearModel(const ParameterSet& p) {
    p.Validate();
    const double k10 = p.cl_l_per_h / p.v1_l;
    const double km = p.metabolite.cl_l_per_h / p.metabolite.v_l;
    const double fm = p.metabolite.fraction_formed;

    Matrix4& a = rate_matrix_;
    a[0][0] = -p.ka_per_h;
    a[1][0] = p.ka_per_h;
    a[1][1] = -k10;
    a[3][1] = fm * k10;
    a[3][3] = -km;

    std::array<double, kStates> rates{};
    double parent_slowest = std::min(p.ka_per_h, k10);
    if (p.TwoCompartment()) {
        const double k12 = *p.q_l_per_h / p.v1_l;
        const double k21 = *p.q_l_per_h / *p.v2_l;
        a[1][1] = -(k10 + k12);
        a[1][2] = k21;
        a[2][1] = k12;
        a[2][2] = -k21;
        // Roots of s^2 - (k10+k12+k21) s + k10 k21; beta from the product (no cancellation).
        const double sum = k10 + k12 + k21;
        const double disc = std::sqrt(std::max(0.0, sum * sum - 4.0 * k10 * k21));
        const double alpha = 0.5 * (sum + disc);
        const double beta = k10 * k21 / alpha;
        rates = {p.ka_per_h, alpha, beta, km};
        mode_count_ = 4;
        parent_slowest = std::min({p.ka_per_h, alpha, beta});
    } else {
        rates = {p.ka_per_h, k10, km, 0.0};
        mode_count_ = 3;
    }
    rates_per_h_ = rates;
    parent_terminal_rate_per_h_ = parent_slowest;
    metabolite_terminal_rate_per_h_ = std::min(parent_slowest, km);

    depot_umol_per_mg_ = p.bioavailability * 1000.0 / p.parent_molar_mass_g_per_mol;
    parent_ng_ml_per_umol_ = p.parent_molar_mass_g_per_mol / p.v1_l;
    metabolite_ng_ml_per_umol_ = p.metabolite_molar_mass_g_per_mol / p.metabolite.v_l;
    parent_auc_inf_per_mg_ = p.bioavailability * 1000.0 / p.cl_l_per_h;
    metabolite_auc_inf_per_mg_ = depot_umol_per_mg_ * fm / p.metabolite.cl_l_per_h *
                                 p.metabolite_molar_mass_g_per_mol;

    for (int i = 0; i < mode_count_; ++i) {
        for (int j = i + 1; j < mode_count_; ++j) {
            const double gap = std::fabs(rates[i] - rates[j]);
            if (gap < kMinRelativeEigenGap * std::max(rates[i], rates[j])) {
                modal_ = false;
            }
        }
    }
    if (!modal_) {
        return;
    }
    // Sylvester: P_i e0 = prod_{j != i} (A + lambda_j I) e0 / prod_{j != i} (lambda_j - lambda_i).
    for (int i = 0; i < mode_count_; ++i) {
        std::array<double, kStates> v{1.0, 0.0, 0.0, 0.0};
        double denominator = 1.0;
        for (int j = 0; j < mode_count_; ++j) {
            if (j == i) {
                continue;
            }
            std::array<double, kStates> w{};
            for (int row = 0; row < kStates; ++row) {
                double sum = rates[j] * v[row];
                for (int col = 0; col < kStates; ++col) {
                    sum += a[row][col] * v[col];
                }
                w[row] = sum;
            }
            v = w;
            denominator *= rates[j] - rates[i];
        }
        parent_coef_[i] = depot_umol_per_mg_ * parent_ng_ml_per_umol_ * v[1] / denominator;
        metabolite_coef_[i] = depot_umol_per_mg_ * metabolite_ng_ml_per_umol_ * v[3] / denominator;
    }
}

}  // namespace mitra::core::pk
