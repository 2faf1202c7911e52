#pragma once
// The one factory that chooses a storage backend from a database URL:
//   "sqlite:PATH" or a bare PATH  -> SQLite
//   "postgresql://..." / "postgres://..." -> PostgreSQL
// Only this file and src/storage know which backends exist.

#include <memory>
#include <string>

#include "core/ports.hpp"

namespace mitra::storage {

struct DatabaseUrl {
    enum class Kind { kSqlite, kPostgres };
    Kind kind = Kind::kSqlite;
    std::string target;  // file path for SQLite, the full URL for PostgreSQL
};

/// Throws ValidationError (field "database") for an empty or unsupported URL.
DatabaseUrl ParseDatabaseUrl(const std::string& url);

struct OpenOptions {
    int pool_size = 8;
    bool migrate = true;  // apply pending migrations; always refuses a newer schema
};

/// Opens (and by default migrates) the database named by `url`.
std::unique_ptr<core::Storage> OpenStorage(const std::string& url, const OpenOptions& options);

/// Writes a consistent backup of the database at `url` to `out_path` (SQLite: online backup
/// API, a database file; PostgreSQL: pg_dump -Fc of the current schema).
void BackupDatabase(const std::string& url, const std::string& out_path);

/// Replaces the contents of the database at `url` with the backup in `in_path` (written by
/// BackupDatabase for the same backend). Stop every `mitra serve` on the database first.
void RestoreDatabase(const std::string& url, const std::string& in_path);

}  // namespace mitra::storage
