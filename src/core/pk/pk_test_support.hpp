#pragma once
// Test-only helpers shared by the pk tests: parameter fixtures (the numbers of
// data/pk/*.json, repeated here so closed-form tests do not depend on file loading), regimens
// and an independent closed-form superposition.

#include <cmath>
#include <vector>

#include "core/pk/parameters.hpp"

namespace mitra::core::pk::testing {

inline ParameterSet OneCompartment() {
    ParameterSet p;
    p.name = "test-1cmt";
    p.ka_per_h = 5.984;
    p.cl_l_per_h = 233.0;
    p.v1_l = 15228.0;
    p.bioavailability = 1.0;
    p.metabolite = {1.0, 923.2, 7552.0};
    p.parent_molar_mass_g_per_mol = 398.50;
    p.metabolite_molar_mass_g_per_mol = 414.50;
    return p;
}

inline ParameterSet TwoCompartment() {
    ParameterSet p = OneCompartment();
    p.name = "test-2cmt";
    p.ka_per_h = 1.5;
    p.v1_l = 637.9;
    p.q_l_per_h = 170.2;
    p.v2_l = 6312.1;
    p.bioavailability = 0.8;
    p.metabolite.fraction_formed = 0.6;
    return p;
}

// 90-day taper: q8h (270 doses) from 20 mg down to 2 mg per dose.
inline std::vector<Dose> TaperRegimen() {
    std::vector<Dose> doses;
    for (int idx = 0; idx < 270; ++idx) {
        doses.push_back({8.0 * idx, 20.0 - 18.0 * idx / 269.0});
    }
    return doses;
}

inline std::vector<double> Grid(double step_h, int count, double start_h = 0.0) {
    std::vector<double> times;
    for (int idx = 0; idx < count; ++idx) {
        times.push_back(start_h + step_h * idx);
    }
    return times;
}

// Independent closed form: sums over doses of the single-dose sum of exponentials, written out
// per model (standard ADVAN2/ADVAN4 formulas; metabolite by convolution), both in ng/mL.
struct Closed {
    double parent;
    double metabolite;
};

inline Closed ClosedFormSuperposition(const ParameterSet& p, const std::vector<Dose>& doses,
                                      double t_h) {
    const double ka = p.ka_per_h;
    const double k10 = p.cl_l_per_h / p.v1_l;
    const double km = p.metabolite.cl_l_per_h / p.metabolite.v_l;
    // Central amount per umol dosed: sum c_j exp(-l_j t).
    std::vector<double> rates;
    std::vector<double> coef;
    if (p.q_l_per_h) {
        const double k12 = *p.q_l_per_h / p.v1_l;
        const double k21 = *p.q_l_per_h / *p.v2_l;
        const double s = k10 + k12 + k21;
        const double d = std::sqrt(s * s - 4 * k10 * k21);
        const double a = (s + d) / 2;
        const double b = (s - d) / 2;
        const double ca = ka * (k21 - a) / ((ka - a) * (b - a));
        const double cb = ka * (k21 - b) / ((ka - b) * (a - b));
        rates = {a, b, ka};
        coef = {ca, cb, -(ca + cb)};
    } else {
        rates = {k10, ka};
        coef = {ka / (ka - k10), -ka / (ka - k10)};
    }
    Closed c{0.0, 0.0};
    for (const Dose& dose : doses) {
        if (dose.time_h > t_h) {
            break;
        }
        const double dt = t_h - dose.time_h;
        const double umol = p.bioavailability * dose.dose_mg * 1000.0 / p.parent_molar_mass_g_per_mol;
        double central = 0.0;
        double met = 0.0;
        for (std::size_t j = 0; j < rates.size(); ++j) {
            central += coef[j] * std::exp(-rates[j] * dt);
            met += coef[j] * (std::exp(-rates[j] * dt) - std::exp(-km * dt)) / (km - rates[j]);
        }
        met *= p.metabolite.fraction_formed * k10;
        c.parent += umol * central / p.v1_l * p.parent_molar_mass_g_per_mol;
        c.metabolite += umol * met / p.metabolite.v_l * p.metabolite_molar_mass_g_per_mol;
    }
    return c;
}

// |a - b| relative to |b|, with values below floor compared in absolute terms against floor.
inline double RelErr(double a, double b, double floor) {
    return std::fabs(a - b) / std::max(std::fabs(b), floor);
}

}  // namespace mitra::core::pk::testing
