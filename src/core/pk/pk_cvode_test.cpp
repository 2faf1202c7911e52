// Reference check against SUNDIALS CVODE (BDF, dense Newton, rtol 1e-10): the engine must agree
// to <= 1e-6 relative error on single-dose, steady-state, irregular and taper regimens.
// CVODE is linked by this test only, never by the engine.

#include <gtest/gtest.h>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <cmath>
#include <vector>

#include "core/pk/linear_model.hpp"
#include "core/pk/pk_test_support.hpp"
#include "core/pk/simulate.hpp"

namespace mitra::core::pk {
namespace {

using testing::Grid;
using testing::OneCompartment;
using testing::TaperRegimen;
using testing::TwoCompartment;

int Rhs(sunrealtype, N_Vector y, N_Vector ydot, void* user) {
    const auto* a = static_cast<const Matrix4*>(user);
    const sunrealtype* x = N_VGetArrayPointer(y);
    sunrealtype* dx = N_VGetArrayPointer(ydot);
    for (int row = 0; row < kStates; ++row) {
        double sum = 0.0;
        for (int col = 0; col < kStates; ++col) {
            sum += (*a)[row][col] * x[col];
        }
        dx[row] = sum;
    }
    return 0;
}

// Physical-state ODE integrated by CVODE between events; returns ng/mL at `times`.
SimulationResult SolveWithCvode(const ParameterSet& p, const std::vector<Dose>& doses,
                                const std::vector<double>& times) {
    const LinearModel model(p);
    Matrix4 a = model.RateMatrix();
    SUNContext ctx = nullptr;
    SUNContext_Create(nullptr, &ctx);
    N_Vector y = N_VNew_Serial(kStates, ctx);
    N_VConst(0.0, y);
    void* mem = CVodeCreate(CV_BDF, ctx);
    CVodeInit(mem, Rhs, 0.0, y);
    CVodeSStolerances(mem, 1e-10, 1e-16);
    CVodeSetUserData(mem, &a);
    CVodeSetMaxNumSteps(mem, 1000000);
    SUNMatrix jac = SUNDenseMatrix(kStates, kStates, ctx);
    SUNLinearSolver ls = SUNLinSol_Dense(y, jac, ctx);
    CVodeSetLinearSolver(mem, ls, jac);

    SimulationResult out;
    out.times_h = times;
    double t = 0.0;
    std::size_t dose_idx = 0;
    auto advance_to = [&](double target) {
        if (target <= t) {
            return;
        }
        CVodeSetStopTime(mem, target);
        double reached = t;
        const int flag = CVode(mem, target, y, &reached, CV_NORMAL);
        EXPECT_GE(flag, 0);
        t = target;
    };
    for (double t_out : times) {
        while (dose_idx < doses.size() && doses[dose_idx].time_h <= t_out) {
            advance_to(doses[dose_idx].time_h);
            N_VGetArrayPointer(y)[0] += doses[dose_idx].dose_mg * model.DepotUmolPerMg();
            CVodeReInit(mem, t, y);
            ++dose_idx;
        }
        advance_to(t_out);
        out.mitragynine_ng_ml.push_back(N_VGetArrayPointer(y)[1] * model.ParentNgMlPerUmol());
        out.hydroxymitragynine_ng_ml.push_back(N_VGetArrayPointer(y)[3] *
                                               model.MetaboliteNgMlPerUmol());
    }
    SUNLinSolFree(ls);
    SUNMatDestroy(jac);
    N_VDestroy(y);
    CVodeFree(&mem);
    SUNContext_Free(&ctx);
    return out;
}

// Max relative error over points above 1e-6 of the curve's maximum (below that, absolute
// error relative to 1e-6 x max).
void ExpectAgrees(const ParameterSet& p, const std::vector<Dose>& doses,
                  const std::vector<double>& times) {
    const SimulationResult ours = Simulate(p, doses, times);
    const SimulationResult ref = SolveWithCvode(p, doses, times);
    const auto max_p = *std::max_element(ref.mitragynine_ng_ml.begin(), ref.mitragynine_ng_ml.end());
    const auto max_m = *std::max_element(ref.hydroxymitragynine_ng_ml.begin(),
                                         ref.hydroxymitragynine_ng_ml.end());
    double worst = 0.0;
    for (std::size_t idx = 0; idx < times.size(); ++idx) {
        worst = std::max(worst, testing::RelErr(ours.mitragynine_ng_ml[idx],
                                                ref.mitragynine_ng_ml[idx], 1e-6 * max_p));
        worst = std::max(worst, testing::RelErr(ours.hydroxymitragynine_ng_ml[idx],
                                                ref.hydroxymitragynine_ng_ml[idx], 1e-6 * max_m));
    }
    EXPECT_LE(worst, 1e-6) << p.name;
    ::testing::Test::RecordProperty("max_relative_error_" + p.name, std::to_string(worst));
    std::printf("[cvode] %s max relative error %.3g\n", p.name.c_str(), worst);
}

TEST(PkCvode, SingleDose) {
    for (const auto& p : {OneCompartment(), TwoCompartment()}) {
        ExpectAgrees(p, {{0.0, 39.0}}, Grid(0.25, 961));
    }
}

TEST(PkCvode, SteadyState) {
    std::vector<Dose> doses;
    for (int day = 0; day < 30; ++day) {
        doses.push_back({24.0 * day, 40.0});
    }
    for (const auto& p : {OneCompartment(), TwoCompartment()}) {
        ExpectAgrees(p, doses, Grid(1.0, 24 * 30 + 1));
    }
}

TEST(PkCvode, IrregularDosing) {
    const std::vector<Dose> doses{{0.5, 12.0},   {3.25, 4.0}, {3.25, 2.0},  {11.0, 25.0},
                                  {29.9, 7.0},   {30.0, 7.0}, {55.55, 16.0}, {80.0, 1.0},
                                  {121.0, 40.0}, {170.2, 9.0}};
    std::vector<double> times;
    for (double t = 0.0; t < 300.0; t += 0.7) {
        times.push_back(t);
    }
    for (const auto& p : {OneCompartment(), TwoCompartment()}) {
        ExpectAgrees(p, doses, times);
    }
}

TEST(PkCvode, Taper) {
    for (const auto& p : {OneCompartment(), TwoCompartment()}) {
        ExpectAgrees(p, TaperRegimen(), Grid(1.0, 2160));
    }
}

TEST(PkCvode, CoincidentEigenvaluesGeneralPath) {
    ParameterSet p = OneCompartment();
    p.name = "degenerate";
    p.ka_per_h = p.cl_l_per_h / p.v1_l;
    p.metabolite.v_l = p.metabolite.cl_l_per_h / p.ka_per_h;  // km = ka = k10 too
    ASSERT_FALSE(LinearModel(p).Modal());
    ExpectAgrees(p, TaperRegimen(), Grid(1.0, 2160));
}

}  // namespace
}  // namespace mitra::core::pk
