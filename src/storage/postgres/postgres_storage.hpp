#pragma once
// The PostgreSQL backend (libpq): a fixed-size pool of read-only sessions, on which a read
// UnitOfWork runs its statements without BEGIN; write UnitOfWorks share transactions (BEGIN ...
// COMMIT) on the write lane's own connection. Prepared named statements,
// SQLSTATE mapped to ConflictError / UnavailableError / InternalError. Broken connections are
// dropped and replaced, so service resumes by itself when the database returns. Several
// processes may share one database: every piece of shared state (sessions, consent, throttles,
// the audit chain) lives in it; the audit chain serialises per organization with a row lock.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ports.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/shared/write_lane.hpp"

namespace mitra::storage::postgres {

struct PostgresLaneTraits {
    static constexpr const char* kBegin = "BEGIN";
    static bool InTransaction(Connection& c) { return !c.Idle(); }
    static bool Broken(Connection& c) { return !c.Healthy(); }
};

using WriteLane = storage::WriteLane<Connection, PostgresLaneTraits>;

struct PostgresOptions {
    std::string url;  // postgresql://user@host:port/db?... (libpq URI or key=value string)
    int pool_size = 8;
    std::chrono::milliseconds acquire_timeout{10000};
};

class PostgresStorage final : public core::Storage {
public:
    /// Connects once so an unreachable server fails at start with a message naming host:port
    /// (UnavailableError). Does not migrate (see Migrate).
    explicit PostgresStorage(PostgresOptions options);
    ~PostgresStorage() override;

    /// Applies pending migrations, one transaction each, serialised across processes with
    /// pg_advisory_xact_lock. Throws ConflictError if the database has a newer schema than this
    /// binary knows. Returns the resulting version.
    int Migrate();
    /// Highest migration version this binary carries.
    static int KnownVersion();

    std::unique_ptr<core::UnitOfWork> Begin(core::TxMode mode) override;
    /// Concurrent writes run back to back on one thread and commit together (RunCombined).
    void Write(const std::function<void(core::UnitOfWork&)>& body) override;
    bool Ping() override;
    std::string BackendName() const override { return "postgresql"; }
    int SchemaVersion() override;
    /// Group-commit counters of the write lane.
    std::vector<Metric> Metrics() const override;

    /// Takes a connection from the pool (opening one if below the pool size); waits up to the
    /// acquire timeout, then throws UnavailableError.
    std::unique_ptr<Connection> Acquire();
    /// Returns a connection; a broken one (or one left inside a transaction) is dropped.
    void Release(std::unique_ptr<Connection> connection);

private:
    PostgresOptions options_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;
    std::unique_ptr<WriteLane> lane_;  // every write UnitOfWork; group commit
};

}  // namespace mitra::storage::postgres
