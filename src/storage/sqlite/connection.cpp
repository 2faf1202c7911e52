#include "storage/sqlite/connection.hpp"

#include <cstring>
#include <mutex>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite/yielding_vfs.hpp"

namespace mitra::storage::sqlite {

void ThrowSqliteError(sqlite3* db, int rc, std::string_view what) {
    const int extended = db != nullptr ? sqlite3_extended_errcode(db) : rc;
    std::string message = std::string(what) + ": " +
                          (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) +
                          " (sqlite " + std::to_string(extended) + ")";
    switch (rc & 0xFF) {
        case SQLITE_CONSTRAINT:
            throw ConflictError(std::move(message));
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
            throw UnavailableError(std::move(message));
        default:
            throw InternalError(std::move(message));
    }
}

Statement::~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, std::string_view value) {
    const int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                     SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) {
        ThrowSqliteError(sqlite3_db_handle(stmt_), rc, "bind");
    }
    return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) {
        ThrowSqliteError(sqlite3_db_handle(stmt_), rc, "bind");
    }
    return *this;
}

Statement& Statement::Bind(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) {
        ThrowSqliteError(sqlite3_db_handle(stmt_), rc, "bind");
    }
    return *this;
}

Statement& Statement::BindNull(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) {
        ThrowSqliteError(sqlite3_db_handle(stmt_), rc, "bind");
    }
    return *this;
}

bool Statement::Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    ThrowSqliteError(sqlite3_db_handle(stmt_), rc, "query");
}

void Statement::Run() {
    while (Step()) {
    }
}

bool Statement::IsNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string Statement::Text(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Real(int column) const { return sqlite3_column_double(stmt_, column); }

std::optional<std::string> Statement::OptText(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Text(column);
}

std::optional<std::int64_t> Statement::OptInt(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Int(column);
}

std::optional<double> Statement::OptReal(int column) const {
    if (IsNull(column)) {
        return std::nullopt;
    }
    return Real(column);
}

namespace {

/// Once per process, before the first connection initialises SQLite: turn off its memory
/// statistics, which take a process-wide mutex on every allocation of every connection (the
/// write lane's and the readers' threads then queue on it). mitra reads no SQLite memory
/// statistic. Fails harmlessly (SQLITE_MISUSE) if something else initialised SQLite first.
void ConfigureSqliteOnce() {
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Connection::Connection(const std::string& path) {
    ConfigureSqliteOnce();
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags,
                                   YieldingVfsName());
    if (rc != SQLITE_OK) {
        std::string message = "cannot open SQLite database '" + path + "': " +
                              (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw UnavailableError(message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
         "PRAGMA temp_store=MEMORY;");
}

Connection::~Connection() {
    for (auto& [sql, stmt] : cache_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
}

Statement Connection::Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            ThrowSqliteError(db_, rc, "prepare");
        }
        it = cache_.emplace(sql, stmt).first;
    }
    return Statement(it->second);
}

void Connection::Exec(const char* sql) {
    if (std::strchr(sql, ';') == nullptr) {
        // One statement (BEGIN, COMMIT, SAVEPOINT ...; every transaction runs a few): keep it
        // prepared instead of compiling it again each time.
        Prepare(sql).Run();
        return;
    }
    ExecUncached(sql);
}

void Connection::Exec(const std::string& sql) { ExecUncached(sql.c_str()); }

void Connection::ExecUncached(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        sqlite3_free(error);
        ThrowSqliteError(db_, rc, "exec");
    }
}

}  // namespace mitra::storage::sqlite
