#include "core/pk/parameters.hpp"

#include <cmath>
#include <string>

#include "core/check.hpp"
#include "core/error.hpp"

namespace mitra::core::pk {

namespace {

constexpr const char* kFunction = "pk";

}  // namespace

void ParameterSet::Validate() const {
    CheckPositiveFinite(kFunction, "ka_per_h", ka_per_h);
    CheckPositiveFinite(kFunction, "cl_l_per_h", cl_l_per_h);
    CheckPositiveFinite(kFunction, "v1_l", v1_l);
    if (q_l_per_h.has_value() != v2_l.has_value()) {
        const char* missing = q_l_per_h.has_value() ? "v2_l" : "q_l_per_h";
        throw ValidationError(missing,
                              std::string(kFunction) + ": " + missing +
                                  " is required for a two-compartment model (give q_l_per_h and "
                                  "v2_l together, or omit both for one compartment)");
    }
    if (q_l_per_h.has_value()) {
        CheckPositiveFinite(kFunction, "q_l_per_h", *q_l_per_h);
        CheckPositiveFinite(kFunction, "v2_l", *v2_l);
    }
    if (!std::isfinite(bioavailability) || bioavailability <= 0.0 || bioavailability > 1.0) {
        throw ValidationError("bioavailability",
                              "pk: bioavailability must be a number in (0, 1]");
    }
    const double fm = metabolite.fraction_formed;
    if (!std::isfinite(fm) || fm <= 0.0 || fm > 1.0) {
        throw ValidationError("metabolite.fraction_formed",
                              "pk: metabolite.fraction_formed must be a number in (0, 1]");
    }
    CheckPositiveFinite(kFunction, "metabolite.cl_l_per_h", metabolite.cl_l_per_h);
    CheckPositiveFinite(kFunction, "metabolite.v_l", metabolite.v_l);
    CheckPositiveFinite(kFunction, "parent_molar_mass_g_per_mol", parent_molar_mass_g_per_mol);
    CheckPositiveFinite(kFunction, "metabolite_molar_mass_g_per_mol",
                        metabolite_molar_mass_g_per_mol);
}

void Variability::Validate() const {
    const std::pair<const char*, double> cvs[] = {
        {"variability.ka_per_h", ka_per_h_cv_percent},
        {"variability.cl_l_per_h", cl_l_per_h_cv_percent},
        {"variability.v1_l", v1_l_cv_percent},
        {"variability.q_l_per_h", q_l_per_h_cv_percent},
        {"variability.v2_l", v2_l_cv_percent},
        {"variability.metabolite.cl_l_per_h", metabolite_cl_l_per_h_cv_percent},
        {"variability.metabolite.v_l", metabolite_v_l_cv_percent},
    };
    for (const auto& [field, cv] : cvs) {
        CheckInRange(kFunction, field, cv, 0.0, 500.0);
    }
}

void ValidateRegimen(const std::vector<Dose>& regimen) {
    if (regimen.size() > kMaxDoses) {
        throw ValidationError("regimen", "pk: at most " + std::to_string(kMaxDoses) +
                                             " doses per simulation");
    }
    double previous_h = 0.0;
    for (std::size_t dose_idx = 0; dose_idx < regimen.size(); ++dose_idx) {
        const std::string prefix = "regimen[" + std::to_string(dose_idx) + "]";
        const Dose& dose = regimen[dose_idx];
        CheckNonNegativeFinite(kFunction, prefix + ".time_h", dose.time_h);
        if (dose.time_h < previous_h) {
            throw ValidationError(prefix + ".time_h",
                                  "pk: " + prefix + ".time_h is earlier than the previous dose "
                                                    "(doses must be sorted by time)");
        }
        previous_h = dose.time_h;
        CheckPositiveFinite(kFunction, prefix + ".dose_mg", dose.dose_mg);
    }
}

void ValidateTimes(const std::vector<double>& times_h, std::size_t max_points) {
    if (times_h.empty()) {
        throw ValidationError("times_h", "pk: times_h must hold at least one time");
    }
    if (times_h.size() > max_points) {
        throw ValidationError("times_h",
                              "pk: at most " + std::to_string(max_points) + " output times");
    }
    double previous_h = 0.0;
    for (std::size_t time_idx = 0; time_idx < times_h.size(); ++time_idx) {
        const std::string field = "times_h[" + std::to_string(time_idx) + "]";
        CheckNonNegativeFinite(kFunction, field, times_h[time_idx]);
        if (times_h[time_idx] < previous_h) {
            throw ValidationError(field, "pk: " + field +
                                             " is earlier than the previous time (times_h must "
                                             "be sorted)");
        }
        previous_h = times_h[time_idx];
    }
}

}  // namespace mitra::core::pk
