// PK engine benchmark (B1, B2 of shared/reference/performance.md). Prints figures; not a test.
//
// B1: one subject, two-compartment parent + 7-OH (data/pk/tanna-2022-2cmt-illustrative.json),
//     270 doses (q8h taper over 90 days), 2,160 hourly output points: ours vs SUNDIALS CVODE
//     (in process). Writes the case and our curves to <outdir> for the numpy/scipy and
//     R deSolve peers run by bench/pk/run.sh.
// B2: population of 10,000 subjects over the same taper (data/pk/variability-configurable),
//     per-subject summaries, 1 and 2 threads; also with percentile curves (curves=1, the
//     default of POST /api/v1/simulations).
//
// Usage: mitra_pk_bench <outdir>
//        mitra_pk_bench --population <subjects> <threads> <curves 0|1> [repetitions]
//            (B2 only; one repetition by default, for profilers such as valgrind)
// Output lines "OURS <seconds per subject>", "PEER cvode <s> <max rel err>", "POP ..." are
// parsed by run.sh.

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "api/catalog/pk_json.hpp"
#include "core/pk/linear_model.hpp"
#include "core/pk/population.hpp"
#include "core/pk/simulate.hpp"

namespace pk = mitra::core::pk;

namespace {

double Now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Median over `reps` of the mean time of `inner` calls.
template <class Fn>
double MedianSeconds(int reps, int inner, Fn&& fn) {
    std::vector<double> samples;
    for (int rep = 0; rep < reps; ++rep) {
        const double start = Now();
        for (int idx = 0; idx < inner; ++idx) {
            fn();
        }
        samples.push_back((Now() - start) / inner);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

int Rhs(sunrealtype, N_Vector y, N_Vector ydot, void* user) {
    const auto* a = static_cast<const pk::Matrix4*>(user);
    const sunrealtype* x = N_VGetArrayPointer(y);
    sunrealtype* dx = N_VGetArrayPointer(ydot);
    for (int row = 0; row < pk::kStates; ++row) {
        double sum = 0.0;
        for (int col = 0; col < pk::kStates; ++col) {
            sum += (*a)[row][col] * x[col];
        }
        dx[row] = sum;
    }
    return 0;
}

void Cvode(const pk::ParameterSet& p, const std::vector<pk::Dose>& doses,
           const std::vector<double>& times, double rtol, std::vector<double>& parent,
           std::vector<double>& met) {
    const pk::LinearModel model(p);
    pk::Matrix4 a = model.RateMatrix();
    SUNContext ctx = nullptr;
    SUNContext_Create(nullptr, &ctx);
    N_Vector y = N_VNew_Serial(pk::kStates, ctx);
    N_VConst(0.0, y);
    void* mem = CVodeCreate(CV_BDF, ctx);
    CVodeInit(mem, Rhs, 0.0, y);
    CVodeSStolerances(mem, rtol, 1e-14);
    CVodeSetUserData(mem, &a);
    CVodeSetMaxNumSteps(mem, 1000000);
    SUNMatrix jac = SUNDenseMatrix(pk::kStates, pk::kStates, ctx);
    SUNLinearSolver ls = SUNLinSol_Dense(y, jac, ctx);
    CVodeSetLinearSolver(mem, ls, jac);
    double t = 0.0;
    std::size_t dose_idx = 0;
    auto advance_to = [&](double target) {
        if (target > t) {
            CVodeSetStopTime(mem, target);
            double reached = t;
            CVode(mem, target, y, &reached, CV_NORMAL);
            t = target;
        }
    };
    parent.clear();
    met.clear();
    for (double t_out : times) {
        while (dose_idx < doses.size() && doses[dose_idx].time_h <= t_out) {
            advance_to(doses[dose_idx].time_h);
            N_VGetArrayPointer(y)[0] += doses[dose_idx].dose_mg * model.DepotUmolPerMg();
            CVodeReInit(mem, t, y);
            ++dose_idx;
        }
        advance_to(t_out);
        parent.push_back(N_VGetArrayPointer(y)[1] * model.ParentNgMlPerUmol());
        met.push_back(N_VGetArrayPointer(y)[3] * model.MetaboliteNgMlPerUmol());
    }
    SUNLinSolFree(ls);
    SUNMatDestroy(jac);
    N_VDestroy(y);
    CVodeFree(&mem);
    SUNContext_Free(&ctx);
}

double MaxRelErr(const std::vector<double>& a, const std::vector<double>& b) {
    const double peak = *std::max_element(b.begin(), b.end());
    double worst = 0.0;
    for (std::size_t idx = 0; idx < a.size(); ++idx) {
        worst = std::max(worst, std::fabs(a[idx] - b[idx]) / std::max(std::fabs(b[idx]), 1e-6 * peak));
    }
    return worst;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string outdir = argc > 1 ? argv[1] : ".";
    const pk::ParameterSet p =
        mitra::api::catalog::LoadPkParameterSet("tanna-2022-2cmt-illustrative").parameters;
    std::vector<pk::Dose> doses;
    for (int idx = 0; idx < 270; ++idx) {
        doses.push_back({8.0 * idx, 20.0 - 18.0 * idx / 269.0});  // 20 mg -> 2 mg, q8h
    }
    std::vector<double> times;
    for (int idx = 0; idx < 2160; ++idx) {
        times.push_back(idx);
    }
    if (outdir == "--population" && (argc == 5 || argc == 6)) {
        const pk::PopulationOptions options{std::stoul(argv[2]), 20261125, std::stoi(argv[3]),
                                            std::stoi(argv[4]) != 0};
        const int reps = argc == 6 ? std::stoi(argv[5]) : 1;
        const pk::Variability variability = mitra::api::catalog::LoadPkVariability();
        std::vector<double> seconds;
        pk::PopulationResult result;
        for (int rep = 0; rep < reps; ++rep) {
            const double start = Now();
            result = pk::SimulatePopulation(p, variability, doses, times, options);
            seconds.push_back(Now() - start);
        }
        std::sort(seconds.begin(), seconds.end());
        std::printf("POP subjects=%zu curves=%d threads=%d median %.4f s min %.4f s over %d "
                    "(AUC p50 %.1f ng*h/mL, Cmax p50 %.3f ng/mL, p50 at 48 h %.3f ng/mL)\n",
                    options.subjects, options.percentile_curves ? 1 : 0, options.threads,
                    seconds[seconds.size() / 2], seconds.front(), reps,
                    result.mitragynine_summary.auc_ng_h_per_ml.p50,
                    result.mitragynine_summary.cmax_ng_ml.p50,
                    options.percentile_curves ? result.mitragynine.p50[48] : 0.0);
        return 0;
    }

    // B1 ours: model preparation + propagation per subject.
    std::vector<double> parent(times.size());
    std::vector<double> met(times.size());
    const double ours_s = MedianSeconds(7, 2000, [&] {
        const pk::LinearModel model(p);
        pk::SimulateInto(model, doses, times.data(), times.size(), parent.data(), met.data());
    });
    std::printf("OURS %.6e s/subject  (%.2f us/subject, %.2f ns/output point)\n", ours_s,
                ours_s * 1e6, ours_s * 1e9 / times.size());

    // Write the case for the external peers.
    {
        std::ofstream params(outdir + "/params.csv");
        params.precision(17);
        params << "name,value\n"
               << "ka," << p.ka_per_h << "\ncl," << p.cl_l_per_h << "\nv1," << p.v1_l << "\nq,"
               << *p.q_l_per_h << "\nv2," << *p.v2_l << "\nf," << p.bioavailability << "\nfm,"
               << p.metabolite.fraction_formed << "\nclm," << p.metabolite.cl_l_per_h
               << "\nvm," << p.metabolite.v_l << "\nmwp," << p.parent_molar_mass_g_per_mol
               << "\nmwm," << p.metabolite_molar_mass_g_per_mol << "\n";
        std::ofstream dose_file(outdir + "/doses.csv");
        dose_file.precision(17);
        dose_file << "time_h,dose_mg\n";
        for (const auto& d : doses) {
            dose_file << d.time_h << "," << d.dose_mg << "\n";
        }
        std::ofstream curve(outdir + "/ours.csv");
        curve.precision(17);
        curve << "time_h,mitragynine_ng_ml,hydroxymitragynine_ng_ml\n";
        for (std::size_t idx = 0; idx < times.size(); ++idx) {
            curve << times[idx] << "," << parent[idx] << "," << met[idx] << "\n";
        }
    }

    // B1 CVODE: verify at rtol 1e-10, time at rtol 1e-8 (and 1e-10).
    std::vector<double> cp;
    std::vector<double> cm;
    Cvode(p, doses, times, 1e-10, cp, cm);
    const double err10 = std::max(MaxRelErr(parent, cp), MaxRelErr(met, cm));
    std::printf("CHECK cvode rtol 1e-10 max relative error vs ours %.2e\n", err10);
    for (double rtol : {1e-8, 1e-10}) {
        const double s = MedianSeconds(5, 5, [&] { Cvode(p, doses, times, rtol, cp, cm); });
        const double err = std::max(MaxRelErr(parent, cp), MaxRelErr(met, cm));
        std::printf("PEER cvode_bdf_rtol%.0e %.6e %.2e\n", rtol, s, err);
    }

    // B2 population. 1 and 2 threads alternate run by run (15 runs each; a run is ~10-100 ms)
    // so that both see the same machine; the medians are reported.
    const pk::Variability variability = mitra::api::catalog::LoadPkVariability();
    constexpr int kPopulationRuns = 15;
    for (bool curves : {false, true}) {
        std::vector<double> seconds[2];
        pk::PopulationResult result[2];
        for (int run = 0; run < kPopulationRuns; ++run) {
            for (int threads : {1, 2}) {
                const pk::PopulationOptions options{10'000, 20261125, threads, curves};
                const double start = Now();
                result[threads - 1] = pk::SimulatePopulation(p, variability, doses, times, options);
                seconds[threads - 1].push_back(Now() - start);
            }
        }
        double one = 0.0;
        for (int threads : {1, 2}) {
            std::vector<double>& runs = seconds[threads - 1];
            std::sort(runs.begin(), runs.end());
            const double s = runs[runs.size() / 2];
            if (threads == 1) {
                one = s;
            }
            const pk::PopulationResult& r = result[threads - 1];
            std::printf("POP subjects=10000 curves=%d threads=%d %.4f s (%.2f us/subject) "
                        "speedup %.2fx (AUC p50 %.1f ng*h/mL, bin width %.3f)\n",
                        curves ? 1 : 0, threads, s, s * 1e6 / 10'000, one / s,
                        r.mitragynine_summary.auc_ng_h_per_ml.p50,
                        r.percentile_max_relative_bin_width);
        }
    }
    return 0;
}
