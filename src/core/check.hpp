#pragma once
// Argument checks for numeric kernels, in the style of Stan's check_positive_finite:
// each takes (function, parameter, value) and throws ValidationError naming the parameter.

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace mitra {

inline void CheckFinite(const char* function, const std::string& parameter, double value) {
    if (!std::isfinite(value)) {
        throw ValidationError(parameter, std::string(function) + ": " + parameter +
                                             " must be a finite number");
    }
}

inline void CheckPositiveFinite(const char* function, const std::string& parameter,
                                double value) {
    if (!std::isfinite(value) || value <= 0.0) {
        throw ValidationError(parameter, std::string(function) + ": " + parameter +
                                             " must be a positive finite number");
    }
}

inline void CheckNonNegativeFinite(const char* function, const std::string& parameter,
                                   double value) {
    if (!std::isfinite(value) || value < 0.0) {
        throw ValidationError(parameter, std::string(function) + ": " + parameter +
                                             " must be a finite number >= 0");
    }
}

inline void CheckInRange(const char* function, const std::string& parameter, double value,
                         double lo, double hi) {
    if (!std::isfinite(value) || value < lo || value > hi) {
        throw ValidationError(parameter, std::string(function) + ": " + parameter +
                                             " must be between " + std::to_string(lo) + " and " +
                                             std::to_string(hi));
    }
}

}  // namespace mitra
