#pragma once
// Group commit for SQLite: every write UnitOfWork of a process runs on one writer connection,
// one at a time, each inside its own SAVEPOINT of a shared outer transaction (a "batch").
// When a write UnitOfWork commits and another is already waiting for the lane, it releases its
// savepoint, hands the lane on and waits; the last writer of the burst (nobody waiting, or the
// batch full) COMMITs the outer transaction — one fsync for the whole batch — and wakes the
// others. So Commit() still returns only once the write is durable (WAL, synchronous=FULL),
// a rolled-back UnitOfWork undoes only its own savepoint, and if the batch COMMIT fails every
// member's Commit() throws (none was acknowledged). Writers queue on a mutex instead of
// polling SQLite's lock.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace mitra::storage::sqlite {

class Connection;

class WriteLane {
public:
    explicit WriteLane(std::unique_ptr<Connection> connection, int max_batch = 64);
    ~WriteLane();
    WriteLane(const WriteLane&) = delete;
    WriteLane& operator=(const WriteLane&) = delete;

    /// Blocks until the caller owns the lane, opens the batch if needed, starts a savepoint and
    /// returns the writer connection (the caller's until CommitAndLeave / RollbackAndLeave).
    Connection& Enter();
    /// Keeps the caller's changes and returns once they are durable; throws (and the changes
    /// are lost) if the batch could not be committed. The caller no longer owns the lane.
    void CommitAndLeave();
    /// Undoes the caller's changes. The caller no longer owns the lane.
    void RollbackAndLeave() noexcept;

    struct Stats {
        std::uint64_t commits = 0;         // batches committed with at least one write
        std::uint64_t writes = 0;          // write UnitOfWorks those batches committed
        double busy_seconds = 0;           // time the lane was owned (work + COMMIT)
        double commit_seconds = 0;         // time spent in COMMIT (WAL write + fsync)
    };
    Stats GetStats() const;

private:
    /// Leaves the lane; flushes the batch when nobody waits (or it is full). When `member` is
    /// set, waits until `batch` is over and throws if it failed.
    void Leave(bool member, std::uint64_t batch);
    /// Records that the open batch is lost (caller holds mutex_).
    void FailOpenBatchLocked(const std::string& why);
    /// COMMIT (or ROLLBACK when empty) the outer transaction; owner only, without mutex_.
    bool Flush(bool has_members, std::string& error, ErrorCode& code);

    std::unique_ptr<Connection> connection_;
    const int max_batch_;

    std::mutex mutex_;
    std::condition_variable lane_free_;
    std::condition_variable durable_;
    bool busy_ = false;          // someone owns the lane
    int waiting_ = 0;            // threads blocked in Enter
    bool open_ = false;          // the outer transaction is open (owner-only)
    int members_ = 0;            // committed savepoints in the open batch
    std::uint64_t batch_ = 0;           // number of the open (or last) batch
    std::uint64_t finished_batch_ = 0;  // batches end in order: every batch <= this is over
    std::map<std::uint64_t, std::pair<ErrorCode, std::string>> failures_;  // failed batches

    std::chrono::steady_clock::time_point owned_since_;  // owner-only
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> committed_writes_{0};
    std::atomic<std::int64_t> busy_ns_{0};
    std::atomic<std::int64_t> commit_ns_{0};
};

}  // namespace mitra::storage::sqlite
