#include "api/legal_data.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <tuple>
#include <unistd.h>

#include "api/catalog/data_dir.hpp"
#include "api/catalog/legal_json.hpp"
#include "core/error.hpp"

namespace mitra::api {
namespace {

namespace fs = std::filesystem;

/// What identifies the folder's content: (name, size, mtime) of each *.json, sorted.
using Signature = std::vector<std::tuple<std::string, std::uintmax_t, std::int64_t>>;

Signature ReadSignature(const fs::path& dir) {
    Signature signature;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::error_code entry_ec;
        if (!entry.is_regular_file(entry_ec) || entry.path().extension() != ".json") {
            continue;
        }
        const auto size = entry.file_size(entry_ec);
        const auto mtime = entry.last_write_time(entry_ec);
        signature.emplace_back(entry.path().filename().string(), size,
                               static_cast<std::int64_t>(mtime.time_since_epoch().count()));
    }
    std::sort(signature.begin(), signature.end());
    return signature;
}

struct CacheEntry {
    Signature signature;
    std::shared_ptr<const core::legal::Dataset> dataset;
};

std::vector<fs::path> JsonFiles(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string UtcStamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
    return buffer;
}

std::string ReadAll(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw InternalError("cannot read " + file.string());
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::shared_ptr<const core::legal::Dataset> CurrentLegalDataset(const fs::path& dir) {
    static std::mutex mutex;
    static std::map<std::string, CacheEntry> cache;
    Signature signature = ReadSignature(dir);
    std::lock_guard<std::mutex> lock(mutex);
    CacheEntry& entry = cache[dir.string()];
    if (entry.dataset && entry.signature == signature) {
        return entry.dataset;
    }
    try {
        auto dataset = std::make_shared<const core::legal::Dataset>(
            catalog::LoadLegalDataset(dir));
        entry.dataset = std::move(dataset);
        entry.signature = std::move(signature);
    } catch (const Error&) {
        if (!entry.dataset) {
            throw;
        }
        // Keep serving the last good dataset; a later change of the files retries.
        entry.signature = std::move(signature);
    }
    return entry.dataset;
}

std::shared_ptr<const core::legal::Dataset> CurrentLegalDataset() {
    return CurrentLegalDataset(catalog::DataDir() / "legal");
}

LegalImportResult ImportLegalFile(const fs::path& file, const fs::path& data_dir, bool replace) {
    // 1. The file on its own: every record and field (names the record and field).
    core::legal::Dataset imported = catalog::LoadLegalFile(file);

    const fs::path dir = data_dir / "legal";
    const std::string name = file.filename().string();
    if (file.extension() != ".json") {
        throw ValidationError("file", "the legal dataset file name must end in .json");
    }
    std::error_code ec;
    if (!fs::is_directory(data_dir, ec)) {
        throw ValidationError("data-dir", "data dir " + data_dir.string() + " does not exist");
    }

    // 2. The dataset the server will load afterwards.
    core::legal::Dataset merged;
    std::vector<fs::path> others;
    std::vector<std::string> other_names;
    if (!replace) {
        for (const fs::path& existing : JsonFiles(dir)) {
            if (existing.filename() == name) {
                continue;
            }
            others.push_back(existing);
            other_names.push_back(existing.filename().string());
            core::legal::Dataset part =
                catalog::LegalDatasetFromJson(catalog::ReadJsonFile(existing));
            for (auto& r : part.records) {
                merged.records.push_back(std::move(r));
            }
        }
    } else {
        others = JsonFiles(dir);
        others.erase(std::remove_if(others.begin(), others.end(),
                                    [&](const fs::path& p) { return p.filename() == name; }),
                     others.end());
    }
    const std::size_t imported_records = imported.records.size();
    for (const auto& r : imported.records) {
        merged.records.push_back(r);
    }
    merged.version = imported.version;
    if (!replace && !other_names.empty()) {
        const auto problems = core::legal::Validate(merged);
        if (!problems.empty()) {
            std::string joined;
            for (const auto& p : problems) {
                joined += (joined.empty() ? "" : "; ") + p;
            }
            std::string files;
            for (const auto& n : other_names) {
                files += (files.empty() ? "" : ", ") + n;
            }
            throw ValidationError(
                "legal", "the file is valid alone but conflicts with the installed files (" +
                             files + "); fix it, name it like the file it updates, or use "
                             "--replace: " + joined);
        }
    }

    // 3. Install: temp file in the same folder, then rename (atomic on POSIX).
    fs::create_directories(dir, ec);
    if (ec) {
        throw InternalError("cannot create " + dir.string() + ": " + ec.message());
    }
    const std::string content = ReadAll(file);
    const fs::path target = dir / name;
    const fs::path temp = dir / ("." + name + ".tmp-" + std::to_string(::getpid()));
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out) {
            fs::remove(temp, ec);
            throw InternalError("cannot write " + temp.string());
        }
    }
    LegalImportResult result;
    fs::rename(temp, target, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw InternalError("cannot install " + target.string() + ": " + ec.message());
    }
    if (replace && !others.empty()) {
        const fs::path aside = dir / ("replaced-" + UtcStamp());
        fs::create_directories(aside, ec);
        for (const fs::path& p : others) {
            fs::rename(p, aside / p.filename(), ec);
            if (ec) {
                throw InternalError("cannot move " + p.string() + " aside: " + ec.message());
            }
            result.set_aside.push_back(aside / p.filename());
        }
    }
    result.installed = target;
    result.version = imported.version;
    result.records = imported_records;
    result.total_records = merged.records.size();
    return result;
}

}  // namespace mitra::api
