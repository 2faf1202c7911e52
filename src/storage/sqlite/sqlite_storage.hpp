#pragma once
// The SQLite backend: one database file in WAL mode with synchronous=FULL, a small pool of
// connections for read UnitOfWorks, and one writer connection on which write UnitOfWorks run in
// turn and commit in groups (write_lane.hpp: one fsync per burst of concurrent commits; Commit()
// still returns only once durable). Thread-safe.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ports.hpp"
#include "storage/sqlite/write_lane.hpp"

namespace mitra::storage::sqlite {

class Connection;
class Checkpointer;

struct SqliteOptions {
    std::string path;
    int pool_size = 8;
};

class SqliteStorage final : public core::Storage {
public:
    /// Opens the file; does not migrate (see Migrate).
    explicit SqliteStorage(SqliteOptions options);
    ~SqliteStorage() override;

    /// Applies pending migrations up to `up_to` (all, by default; tests build older schemas) in
    /// one transaction each. Throws if the database has a newer schema than this binary knows.
    /// Returns the resulting version.
    int Migrate(int up_to = KnownVersion());
    /// Highest migration version this binary carries.
    static int KnownVersion();

    std::unique_ptr<core::UnitOfWork> Begin(core::TxMode mode) override;
    /// Concurrent writes run back to back on one thread and commit together (RunCombined).
    void Write(const std::function<void(core::UnitOfWork&)>& body) override;
    bool Ping() override;
    void MarkBackgroundThread() override;
    std::string BackendName() const override { return "sqlite"; }
    int SchemaVersion() override;
    /// Group-commit counters of the write lane.
    std::vector<Metric> Metrics() const override;

    /// Writes a consistent copy of the database to `out_path` (SQLite online backup API).
    void BackupTo(const std::string& out_path);

    /// Returns a connection to the pool (used by the unit of work).
    void Release(std::unique_ptr<Connection> connection);

private:
    std::unique_ptr<Connection> Acquire();

    SqliteOptions options_;
    std::unique_ptr<WriteLane> lane_;  // every write UnitOfWork; group commit (write_lane.hpp)
    // Declared after lane_ so it is destroyed first: it hooks the lane's connection.
    std::unique_ptr<Checkpointer> checkpointer_;  // WAL checkpoints off the write path
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_ = 0;
};

}  // namespace mitra::storage::sqlite
