#pragma once
// The legal-status dataset as the server sees it, and `mitra import legal FILE`.
//
// Where: `<data dir>/legal/*.json`, the data dir being $MITRA_DATA_DIR or the source tree's
// data/ (api/catalog/data_dir.hpp). `mitra serve` and `mitra import legal` must agree on it:
// set MITRA_DATA_DIR for both, or pass the same folder to `import legal --data-dir`.
//
// When a running server sees an import: at its next lookup. CurrentLegalDataset() compares the
// folder's *.json names, sizes and modification times with those it loaded (one stat per file,
// per request) and reloads when they differ. Imports replace files by atomic rename, so a
// lookup reads either the old or the new file, never half of one. If a reload fails (a file
// edited by hand into an invalid state), the last good dataset keeps being served.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/legal/legal.hpp"

namespace mitra::api {

/// The dataset in `dir` (default DataDir()/"legal"), cached per folder and reloaded when its
/// files change. Thread-safe. @throws InternalError if it has never loaded successfully.
std::shared_ptr<const core::legal::Dataset> CurrentLegalDataset();
std::shared_ptr<const core::legal::Dataset> CurrentLegalDataset(const std::filesystem::path& dir);

struct LegalImportResult {
    std::filesystem::path installed;                 ///< the file written
    std::string version;                             ///< the imported file's "version"
    std::size_t records = 0;                         ///< records in the imported file
    std::size_t total_records = 0;                   ///< records the server will now serve
    std::vector<std::filesystem::path> set_aside;    ///< files moved away by `replace`
};

/// Validates `file` completely (LoadLegalFile), then validates the dataset the server would
/// load afterwards (the folder's other files plus this one, unless `replace`), and only then
/// installs it as `<data_dir>/legal/<file name>` (replacing a file of that name) by writing a
/// temporary file and renaming it. With `replace`, the folder's other *.json files are moved to
/// `<data_dir>/legal/replaced-<UTC time>/` so the imported file is the whole dataset.
/// Nothing is changed when any check fails.
/// @throws ValidationError naming the record and field; InternalError for I/O failures.
LegalImportResult ImportLegalFile(const std::filesystem::path& file,
                                  const std::filesystem::path& data_dir, bool replace);

}  // namespace mitra::api
