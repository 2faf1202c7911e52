#pragma once
// Where the versioned clinical data files (data/) are read from: $MITRA_DATA_DIR if set,
// else the data/ folder of the source tree this binary was built from.

#include <filesystem>

#include <nlohmann/json.hpp>

namespace mitra::api::catalog {

std::filesystem::path DataDir();

/// Reads and parses a JSON file; throws mitra::Error (kInternal) naming the file on failure.
nlohmann::json ReadJsonFile(const std::filesystem::path& path);

}  // namespace mitra::api::catalog
