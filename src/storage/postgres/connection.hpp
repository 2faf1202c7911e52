#pragma once
// RAII wrappers over one libpq connection (PGconn) and its results (PGresult).
//
// Statements are prepared once per connection (PQprepare, named "m<N>") and cached by the
// address of their SQL constant (storage/postgres/queries.hpp). Parameters travel as text.
// SQLSTATE becomes a mitra error: class 23 (unique, foreign key, check) → ConflictError;
// class 08 (connection), 57P01..57P03 (shutdown), class 53 (resources), 40001/40P01
// (serialization, deadlock) or a lost connection → UnavailableError; the rest → InternalError.
// The SQLSTATE is kept in the message. A Connection is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace mitra::storage::postgres {

/// Throws the mitra error matching an SQLSTATE ("" when the connection was lost).
[[noreturn]] void ThrowPgError(const std::string& sqlstate, std::string_view what,
                               const std::string& detail);

struct ResultDeleter {
    void operator()(pg_result* result) const;
};
using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

class Connection;

/// One execution of a prepared statement: bind parameters ($1..), then Step() through rows.
class Statement {
public:
    Statement(Connection& connection, const char* sql) : connection_(connection), sql_(sql) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& Bind(int index, std::string_view value);
    Statement& Bind(int index, const std::string& value) {
        return Bind(index, std::string_view(value));
    }
    Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
    Statement& Bind(int index, bool value);
    Statement& Bind(int index, double value);
    Statement& BindNull(int index);
    template <typename T>
    Statement& Bind(int index, const std::optional<T>& value) {
        return value ? Bind(index, *value) : BindNull(index);
    }

    /// Executes on the first call; true while a row is available.
    bool Step();
    /// Executes a statement that returns no rows.
    void Run();
    /// Rows affected by the executed statement.
    int Changes() const;

    bool IsNull(int column) const;
    std::string Text(int column) const;
    /// Integers; booleans read as 1/0.
    std::int64_t Int(int column) const;
    double Real(int column) const;
    std::optional<std::string> OptText(int column) const;
    std::optional<std::int64_t> OptInt(int column) const;
    std::optional<double> OptReal(int column) const;

private:
    void Execute();
    const char* Value(int column) const;

    Connection& connection_;
    const char* sql_;
    std::vector<std::optional<std::string>> params_;
    ResultPtr result_;
    int row_ = -1;
    int rows_ = 0;
};

class Connection {
public:
    /// Connects to `url` (libpq URI or key=value string). Throws UnavailableError naming the
    /// host and port when the server cannot be reached.
    explicit Connection(const std::string& url);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    Statement Prepare(const char* sql) { return Statement(*this, sql); }
    /// Runs one or more statements without parameters or results.
    void Exec(const std::string& sql);
    /// Executes the cached prepared statement for `sql` (static storage) with text parameters.
    ResultPtr ExecPrepared(const char* sql, const std::vector<std::optional<std::string>>& params);

    /// Makes every transaction of this session read-only (default_transaction_read_only), so
    /// that statements may run without BEGIN: a write is refused (SQLSTATE 25006) instead of
    /// committing on its own, and a statement that finds the connection cut while idle (a
    /// server restart) reconnects and runs once more, as it cannot have changed anything.
    /// "BEGIN READ WRITE" still opens a writable transaction.
    void MakeReadOnly();

    /// An audit head (seq, hash) this connection's open transaction has locked and moved. While
    /// the transaction holds the row lock nobody else can move it, so a later append in the
    /// same transaction starts from here instead of a round trip to lock and read it again.
    /// Forgotten when the transaction ends or rolls back (also to a savepoint) and after any
    /// failed statement.
    const std::pair<std::int64_t, std::string>* HeldAuditHead(const std::string& org) const;
    void HoldAuditHead(const std::string& org, std::int64_t seq, const std::string& hash);

    /// False once the connection to the server was lost; such a connection is dropped.
    bool Healthy() const;
    /// True when no transaction is open.
    bool Idle() const;
    pg_conn* raw() const { return conn_; }

private:
    /// Throws for a failed result (or a null one: connection lost).
    void Check(pg_result* result, std::string_view what);
    ResultPtr ExecPreparedOnce(const char* sql,
                               const std::vector<std::optional<std::string>>& params);

    struct Prepared {
        std::string name;
        bool insert_or_conflict = false;  // "... ON CONFLICT DO NOTHING": 0 rows = conflict
    };

    pg_conn* conn_ = nullptr;
    bool read_only_ = false;  // MakeReadOnly
    std::unordered_map<std::string, std::pair<std::int64_t, std::string>> held_heads_;
    std::unordered_map<const char*, Prepared> prepared_;  // by SQL constant address
};

/// "host:port" of a connection string, for messages.
std::string DescribeTarget(const std::string& url);

}  // namespace mitra::storage::postgres
