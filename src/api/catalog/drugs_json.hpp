#pragma once
// Loads data/drugs/drugs.json into a core::drugs::DrugCatalog. A malformed file or an unknown
// class name is mitra::InternalError naming the file and the entry.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/drugs/drugs.hpp"

namespace mitra::api::catalog {

core::drugs::DrugCatalog DrugCatalogFromJson(const nlohmann::json& json,
                                             const std::string& source = "drugs");
core::drugs::DrugCatalog LoadDrugCatalog(const std::filesystem::path& path);
core::drugs::DrugCatalog LoadDrugCatalog();  // DataDir()/drugs/drugs.json

}  // namespace mitra::api::catalog
