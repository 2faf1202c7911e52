#pragma once
// For storage tests: one folder per test process under the system temp folder, created on first
// use and removed, with everything in it, when the process exits (every test case runs in a
// process of its own under ctest, so nothing is left behind in /tmp).

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace mitra::storage {

class ProcessTempDir {
public:
    /// `prefix` + the process id, e.g. "mitra-lane-" -> /tmp/mitra-lane-12345.
    explicit ProcessTempDir(const std::string& prefix)
        : path_(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    ~ProcessTempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ProcessTempDir(const ProcessTempDir&) = delete;
    ProcessTempDir& operator=(const ProcessTempDir&) = delete;

    /// The path of `name` in the folder, with no file there yet.
    std::string Fresh(const std::string& name) const {
        const auto path = path_ / name;
        std::filesystem::remove(path);
        return path.string();
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace mitra::storage
