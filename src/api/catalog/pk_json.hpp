#pragma once
// Loads named, versioned pharmacokinetic parameter sets and variability sets from data/pk/*.json
// into core::pk types, keeping each entry's evidence tag and citation for display.
//
// Stateless functions; each call reads the file again (callers cache if they need to).

#include <string>
#include <vector>

#include "core/pk/parameters.hpp"

namespace mitra::api::catalog {

/// One parameter's provenance as written in the data file.
struct PkParameterSource {
    std::string parameter;  ///< e.g. "cl_l_per_h", "metabolite.v_l"
    std::string evidence;   ///< "V", "D", "assumption", ...
    std::string text;       ///< formula or note
};

struct PkParameterSetRecord {
    core::pk::ParameterSet parameters;  ///< validated
    std::string title;
    std::string summary;
    std::vector<std::string> citations;  ///< full citation strings
    std::vector<PkParameterSource> sources;
};

/// Names of the parameter sets in data/pk (files with a "parameters" object), sorted.
std::vector<std::string> ListPkParameterSets();

/// Reads data/pk/<name>.json. @throws NotFoundError for an unknown name (or one that is not a
/// plain file name), InternalError for a malformed file, ValidationError if values are invalid.
PkParameterSetRecord LoadPkParameterSet(const std::string& name);

/// The set marked "default": true (exactly one must exist).
PkParameterSetRecord LoadDefaultPkParameterSet();

/// Reads a variability set (data/pk/<name>.json with "cv_percent").
core::pk::Variability LoadPkVariability(const std::string& name = "variability-configurable");

}  // namespace mitra::api::catalog
