#include "api/catalog/data_dir.hpp"

#include <cstdlib>
#include <fstream>

#include "core/error.hpp"

namespace mitra::api::catalog {

std::filesystem::path DataDir() {
    if (const char* env = std::getenv("MITRA_DATA_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    return std::filesystem::path(MITRA_SOURCE_DIR) / "data";
}

nlohmann::json ReadJsonFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw InternalError("cannot open data file " + path.string());
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InternalError("data file " + path.string() + " is not valid JSON: " + e.what());
    }
}

}  // namespace mitra::api::catalog
