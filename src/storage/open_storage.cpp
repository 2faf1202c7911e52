#include "storage/open_storage.hpp"

#include <filesystem>

#include "core/error.hpp"
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
        case DatabaseUrl::Kind::kPostgres:
            throw ValidationError("database", "the PostgreSQL backend is not built into this mitra yet");
    }
    throw ValidationError("database", "unsupported database URL");
}

void BackupDatabase(const std::string& url, const std::string& out_path) {
    const DatabaseUrl parsed = ParseDatabaseUrl(url);
    if (parsed.kind != DatabaseUrl::Kind::kSqlite) {
        throw ValidationError("database", "backup of this backend is not supported yet");
    }
    sqlite::SqliteStorage storage(sqlite::SqliteOptions{parsed.target, 1});
    storage.BackupTo(out_path);
}

}  // namespace mitra::storage
