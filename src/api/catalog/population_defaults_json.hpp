#pragma once
// Loads data/products/population_defaults.json into core::units::PopulationDefaults.
// A malformed file is mitra::InternalError naming the file and the part at fault.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/units/dose.hpp"

namespace mitra::api::catalog {

core::units::PopulationDefaults PopulationDefaultsFromJson(
    const nlohmann::json& json, const std::string& source = "population defaults");
core::units::PopulationDefaults LoadPopulationDefaults(const std::filesystem::path& path);
core::units::PopulationDefaults
LoadPopulationDefaults();  // DataDir()/products/population_defaults.json

}  // namespace mitra::api::catalog
