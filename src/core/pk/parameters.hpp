#pragma once
// Pharmacokinetic parameter sets, between-subject variability, dosing regimens and their
// validation, plus the mg <-> nmol <-> ng/mL conversions.
//
// These are plain values: they own nothing and are safe to share between threads once built.
// Every clinical number arrives from data (data/pk/*.json via api/catalog/pk_json.hpp) or from
// a request; nothing here carries a literature constant. Validation throws
// mitra::ValidationError whose field() is the request field name (`cl_l_per_h`,
// `metabolite.v_l`, `regimen[3].time_h`, `times_h[2]`, `population.subjects`, ...).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mitra::core::pk {

/// Hard limits on request size. They bound memory and CPU time per request; exceeding one is a
/// ValidationError (HTTP 400) naming the field.
inline constexpr std::size_t kMaxDoses = 20'000;
inline constexpr std::size_t kMaxOutputPoints = 200'000;
inline constexpr std::size_t kMaxSubjects = 100'000;
/// Output points of a population run (percentile histograms cost memory per point and thread).
inline constexpr std::size_t kMaxPopulationPoints = 20'000;
/// subjects x (doses + output points) of a population run: about 5 s of one core.
inline constexpr double kMaxPopulationWork = 1e9;
inline constexpr int kMaxThreads = 256;

/// 7-hydroxymitragynine formation and elimination (one compartment).
struct MetaboliteParameters {
    /// Fraction of the parent's eliminated MOLES converted to 7-OH, in (0, 1].
    double fraction_formed = 1.0;
    double cl_l_per_h = 0.0;  ///< apparent 7-OH clearance, L/h (> 0)
    double v_l = 0.0;         ///< apparent 7-OH volume, L (> 0)
};

/// One named, versioned parameter set: first-order oral absorption (depot) into the parent's
/// central compartment, optional peripheral compartment, elimination from central; 7-OH formed
/// from the parent's eliminated amount. Clearances and volumes are apparent (CL/F, V/F) when
/// `bioavailability` is 1.
struct ParameterSet {
    std::string name;     ///< e.g. "tanna-2022-1cmt"; empty for request-supplied parameters
    std::string version;  ///< version of the data file, e.g. "1"

    double ka_per_h = 0.0;    ///< absorption rate constant, 1/h (> 0)
    double cl_l_per_h = 0.0;  ///< parent clearance from central, L/h (> 0)
    double v1_l = 0.0;        ///< parent central volume, L (> 0)
    std::optional<double> q_l_per_h;  ///< inter-compartmental clearance, L/h; with v2_l
    std::optional<double> v2_l;       ///< peripheral volume, L; with q_l_per_h
    double bioavailability = 1.0;     ///< fraction of the dose absorbed, (0, 1]
    MetaboliteParameters metabolite;

    double parent_molar_mass_g_per_mol = 0.0;      ///< mitragynine (from data)
    double metabolite_molar_mass_g_per_mol = 0.0;  ///< 7-hydroxymitragynine (from data)

    bool TwoCompartment() const { return q_l_per_h.has_value() || v2_l.has_value(); }

    /// Checks every parameter; q_l_per_h and v2_l must be given together.
    /// @throws ValidationError whose field() is the parameter name (`ka_per_h`, `cl_l_per_h`,
    ///         `v1_l`, `q_l_per_h`, `v2_l`, `bioavailability`, `metabolite.fraction_formed`,
    ///         `metabolite.cl_l_per_h`, `metabolite.v_l`, `parent_molar_mass_g_per_mol`,
    ///         `metabolite_molar_mass_g_per_mol`).
    void Validate() const;
};

/// Log-normal between-subject variability: theta_i = theta * exp(eta), eta ~ N(0, omega^2),
/// omega^2 = ln(1 + CV^2). CV in percent; 0 means no variability. No correlations.
struct Variability {
    double ka_per_h_cv_percent = 0.0;
    double cl_l_per_h_cv_percent = 0.0;
    double v1_l_cv_percent = 0.0;
    double q_l_per_h_cv_percent = 0.0;
    double v2_l_cv_percent = 0.0;
    double metabolite_cl_l_per_h_cv_percent = 0.0;
    double metabolite_v_l_cv_percent = 0.0;

    /// Each CV must be finite and in [0, 500] %.
    /// @throws ValidationError with field `variability.<parameter>` (e.g. `variability.v1_l`).
    void Validate() const;
};

/// One oral dose of mitragynine.
struct Dose {
    double time_h = 0.0;   ///< hours from the simulation origin, >= 0
    double dose_mg = 0.0;  ///< mg of mitragynine, > 0
};

/// REQUIRES nothing; checks sorted (non-decreasing), finite, non-negative times, positive finite
/// amounts and at most kMaxDoses entries.
/// @throws ValidationError with field `regimen` (count) or `regimen[i].time_h` /
///         `regimen[i].dose_mg`.
void ValidateRegimen(const std::vector<Dose>& regimen);

/// Checks a non-empty output grid: sorted (non-decreasing), finite, >= 0, at most `max_points`.
/// @throws ValidationError with field `times_h` or `times_h[i]`.
void ValidateTimes(const std::vector<double>& times_h,
                   std::size_t max_points = kMaxOutputPoints);

/// mg -> nmol: mg / (g/mol) = mmol, x 1e6.
inline double MilligramsToNanomoles(double amount_mg, double molar_mass_g_per_mol) {
    return amount_mg / molar_mass_g_per_mol * 1e6;
}
/// nmol -> mg.
inline double NanomolesToMilligrams(double amount_nmol, double molar_mass_g_per_mol) {
    return amount_nmol * molar_mass_g_per_mol * 1e-6;
}
/// nM (nmol/L) -> ng/mL: nM x MW / 1000 (domain.md §0).
inline double NanomolarToNgPerMl(double concentration_nmol_per_l, double molar_mass_g_per_mol) {
    return concentration_nmol_per_l * molar_mass_g_per_mol / 1000.0;
}
/// ng/mL -> nM.
inline double NgPerMlToNanomolar(double concentration_ng_ml, double molar_mass_g_per_mol) {
    return concentration_ng_ml * 1000.0 / molar_mass_g_per_mol;
}

}  // namespace mitra::core::pk
