#include "storage/sqlite/restore.hpp"

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {

void RestoreFrom(const std::string& path, const std::string& in_path) {
    sqlite3* source = nullptr;
    if (sqlite3_open_v2(in_path.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        const std::string message = source != nullptr ? sqlite3_errmsg(source) : "out of memory";
        sqlite3_close(source);
        throw ValidationError("in", "cannot open backup " + in_path + ": " + message);
    }
    Connection destination(path);
    sqlite3_backup* backup = sqlite3_backup_init(destination.raw(), "main", source, "main");
    if (backup == nullptr) {
        sqlite3_close(source);
        ThrowSqliteError(destination.raw(), sqlite3_errcode(destination.raw()), "restore");
    }
    const int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    sqlite3_close(source);
    if (rc != SQLITE_DONE) {
        ThrowSqliteError(destination.raw(), rc, "restore");
    }
}

}  // namespace mitra::storage::sqlite
