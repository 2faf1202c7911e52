#pragma once
// RAII wrappers over one sqlite3 connection and its prepared statements.
//
// Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT) and cached by the
// address of their SQL constant (storage/sqlite/queries.hpp). SQLite result codes become
// mitra errors: constraint → ConflictError, busy/locked/I/O → UnavailableError, the rest →
// InternalError; the extended code is kept in the message. A Connection is used by one thread
// at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace mitra::storage::sqlite {

/// Throws the mitra error matching an SQLite result code.
[[noreturn]] void ThrowSqliteError(sqlite3* db, int rc, std::string_view what);

class Statement {
public:
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    /// Resets and clears bindings so the cached statement is ready for its next use.
    ~Statement();

    Statement& Bind(int index, std::string_view value);
    Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
    Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
    Statement& Bind(int index, bool value) { return Bind(index, static_cast<std::int64_t>(value)); }
    Statement& Bind(int index, double value);
    Statement& BindNull(int index);
    template <typename T>
    Statement& Bind(int index, const std::optional<T>& value) {
        return value ? Bind(index, *value) : BindNull(index);
    }

    /// Advances; true while a row is available.
    bool Step();
    /// Runs a statement that returns no rows.
    void Run();

    bool IsNull(int column) const;
    std::string Text(int column) const;
    std::int64_t Int(int column) const;
    double Real(int column) const;
    std::optional<std::string> OptText(int column) const;
    std::optional<std::int64_t> OptInt(int column) const;
    std::optional<double> OptReal(int column) const;

private:
    sqlite3_stmt* stmt_;
};

class Connection {
public:
    /// Opens (creating if needed) with WAL, synchronous=FULL, foreign keys and a busy timeout,
    /// through the VFS of yielding_vfs.hpp.
    explicit Connection(const std::string& path);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    /// A cached prepared statement for `sql`, which must be a string with static storage.
    Statement Prepare(const char* sql);
    /// Runs one or more statements without results. `sql` must have static storage: a single
    /// statement is cached by its address like Prepare().
    void Exec(const char* sql);
    /// Runs SQL built at run time (never cached: its address says nothing about its text).
    void Exec(const std::string& sql);

    sqlite3* raw() const { return db_; }

private:
    void ExecUncached(const char* sql);

    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace mitra::storage::sqlite
