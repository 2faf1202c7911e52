#include "storage/open_storage.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "storage/postgres/backup.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "storage/sqlite/restore.hpp"
#include "storage/sqlite/sqlite_storage.hpp"

namespace mitra::storage {

DatabaseUrl ParseDatabaseUrl(const std::string& url) {
    if (url.empty()) {
        throw ValidationError("database", "a database URL is required (sqlite:PATH or postgresql://...)");
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        return {DatabaseUrl::Kind::kPostgres, url};
    }
    std::string path = url;
    if (url.rfind("sqlite:", 0) == 0) {
        path = url.substr(7);
        if (path.rfind("//", 0) == 0) {
            path = path.substr(2);  // sqlite:///abs/path
        }
    } else if (url.find("://") != std::string::npos) {
        throw ValidationError("database", "unsupported database URL scheme: " + url);
    }
    if (path.empty()) {
        throw ValidationError("database", "the SQLite URL names no file");
    }
    return {DatabaseUrl::Kind::kSqlite, path};
}

std::unique_ptr<core::Storage> OpenStorage(const std::string& url, const OpenOptions& options) {
    const DatabaseUrl parsed = ParseDatabaseUrl(url);
    switch (parsed.kind) {
        case DatabaseUrl::Kind::kSqlite: {
            const auto parent = std::filesystem::path(parsed.target).parent_path();
            if (!parent.empty() && !std::filesystem::exists(parent)) {
                throw ValidationError("database",
                                      "folder " + parent.string() + " does not exist");
            }
            auto storage = std::make_unique<sqlite::SqliteStorage>(
                sqlite::SqliteOptions{parsed.target, options.pool_size});
            if (options.migrate) {
                storage->Migrate();
            } else if (storage->SchemaVersion() > sqlite::SqliteStorage::KnownVersion()) {
                throw Error(ErrorCode::kConflict, "database schema is newer than this mitra");
            }
            return storage;
        }
        case DatabaseUrl::Kind::kPostgres: {
            // Throws UnavailableError naming host:port when the server cannot be reached.
            auto storage = std::make_unique<postgres::PostgresStorage>(
                postgres::PostgresOptions{parsed.target, options.pool_size});
            if (options.migrate) {
                storage->Migrate();
            } else if (storage->SchemaVersion() > postgres::PostgresStorage::KnownVersion()) {
                throw Error(ErrorCode::kConflict, "database schema is newer than this mitra");
            }
            return storage;
        }
    }
    throw ValidationError("database", "unsupported database URL");
}

void BackupDatabase(const std::string& url, const std::string& out_path) {
    const DatabaseUrl parsed = ParseDatabaseUrl(url);
    if (parsed.kind == DatabaseUrl::Kind::kPostgres) {
        postgres::BackupTo(parsed.target, out_path);
        return;
    }
    sqlite::SqliteStorage storage(sqlite::SqliteOptions{parsed.target, 1});
    storage.BackupTo(out_path);
}

void RestoreDatabase(const std::string& url, const std::string& in_path) {
    if (!std::filesystem::is_regular_file(in_path)) {
        throw ValidationError("in", "no backup file at " + in_path);
    }
    const DatabaseUrl parsed = ParseDatabaseUrl(url);
    if (parsed.kind == DatabaseUrl::Kind::kPostgres) {
        postgres::RestoreFrom(parsed.target, in_path);
        return;
    }
    sqlite::RestoreFrom(parsed.target, in_path);
}

}  // namespace mitra::storage
