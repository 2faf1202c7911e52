#pragma once
// Group commit, for both backends: every write UnitOfWork of a process runs on one writer
// connection, one at a time, in a shared outer transaction (a "batch"); each one after the
// batch's first runs inside its own SAVEPOINT. When a write UnitOfWork commits and another is
// already waiting for the lane, it hands the lane on and waits; the last writer of the burst
// (nobody waiting, or the batch full) COMMITs the outer transaction (one fsync for the whole
// batch) and wakes the others. So Commit() still returns only once the write is durable, a
// rolled-back UnitOfWork undoes only its own changes, and if the batch COMMIT fails every
// member's Commit() throws (none was acknowledged). Writers queue on a mutex instead of polling
// the database's locks. Combined writes (RunCombined) are run back to back by one thread; in a
// batch that thread opened they go without savepoints, and a failing one rolls the batch back
// and the writes before it run again (RunAgain).
//
// Traits: `static constexpr const char* kBegin` (the statement opening a batch),
// `static bool InTransaction(Connection&)` (false once the database ended the transaction on
// its own, e.g. after an I/O error) and `static bool Broken(Connection&)` (the connection is
// lost and must be replaced before the next batch).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/blocking.hpp"
#include "core/error.hpp"
#include "core/ports.hpp"

namespace mitra::storage {

template <typename Connection, typename Traits>
class WriteLane {
public:
    /// `reopen` replaces a connection Traits::Broken reports lost (null: never replaced).
    explicit WriteLane(std::unique_ptr<Connection> connection, int max_batch = 64,
                       std::function<std::unique_ptr<Connection>()> reopen = nullptr);
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

    /// Runs `body` on the writer connection inside the open batch and returns once its changes
    /// are durable. If `body` throws, its changes are undone and the exception is rethrown
    /// here; if the batch cannot be committed, this throws (nothing of `body` was kept). `body`
    /// must not open or end transactions itself. `body` may run more than once: when a later
    /// write of its batch fails, the batch is rolled back and `body` runs again into the next
    /// one (only the last run's changes are kept), so it must set what it reports on every run.
    void RunCombined(const std::function<void(Connection&)>& body);

    struct Stats {
        std::uint64_t commits = 0;         // batches committed with at least one write
        std::uint64_t writes = 0;          // write UnitOfWorks those batches committed
        double busy_seconds = 0;           // time the lane was owned (work + COMMIT)
        double commit_seconds = 0;         // time spent in COMMIT (WAL write + fsync)
        std::uint64_t replays = 0;         // combined writes run again (RunAgain)
        std::uint64_t queued = 0;          // combined writes waiting for the combiner now
    };
    Stats GetStats() const;

private:
    /// Leaves the lane; flushes the batch when nobody waits (or it is full). When `member` is
    /// set, waits until `batch` is over and throws if it failed.
    void Leave(bool member, std::uint64_t batch);
    /// The owner gives up the lane (mutex_ held): COMMITs the batch unless someone waits to
    /// join it (or it is full), counts it, and frees the lane.
    void EndOwnership(std::unique_lock<std::mutex>& lock);
    /// Records that the open batch is lost (caller holds mutex_).
    void FailOpenBatchLocked(const std::string& why);
    /// COMMIT (or ROLLBACK when empty) the outer transaction; owner only, without mutex_.
    bool Flush(bool has_members, std::string& error, ErrorCode& code);

    struct Task {
        const std::function<void(Connection&)>* body = nullptr;
        std::exception_ptr error;  // the body's own failure (its changes are undone)
        std::uint64_t batch = 0;   // the batch holding its changes; 0: none
        bool done = false;         // the caller may return
        bool lead = false;         // the caller is to combine the next batch
        std::condition_variable wake;  // done or lead changed (set under mutex_)
    };
    /// Shared by the caller and the combiner, so the combiner can signal a task after it has
    /// let go of mutex_ (the woken caller then takes it at once instead of blocking on it)
    /// even if the caller, waking on its own, has returned by then.
    using TaskRef = std::shared_ptr<Task>;
    /// Owns the lane, runs the queued tasks into the open batch, ends the batch and completes
    /// the tasks; hands the combining on to the next queued task. Called by the combiner only.
    void Combine(std::unique_lock<std::mutex>& lock);
    /// The writes of a batch that the running Combine opened itself. None of them has a
    /// savepoint: should one fail, the whole transaction is rolled back and the others run
    /// again into a new batch (RunAgain). That saves a statement per write (a round trip on
    /// PostgreSQL) and costs only on failure. A batch that a UnitOfWork opened or may join keeps
    /// a savepoint per write, as a UnitOfWork's changes cannot be run again.
    struct Replayable {
        bool own = false;          // the open batch was opened by this Combine
        std::vector<Task*> tasks;  // its writes so far, in order
    };
    /// Runs one task into the open batch (owner only, without mutex_).
    void RunTask(Task& task, Replayable& replayable);
    /// After the open batch was rolled back: runs its earlier writes again, into a new batch.
    void RunAgain(Replayable& replayable);
    /// Opens a batch (BEGIN), replacing a lost connection first (owner only, without mutex_).
    void OpenBatch();

    std::unique_ptr<Connection> connection_;
    const int max_batch_;
    const std::function<std::unique_ptr<Connection>()> reopen_;

    std::mutex mutex_;
    std::condition_variable lane_free_;
    std::condition_variable durable_;
    bool busy_ = false;          // someone owns the lane
    int waiting_ = 0;            // threads blocked in Enter
    bool open_ = false;          // the outer transaction is open (owner-only)
    bool savepoint_ = false;     // the owner runs inside SAVEPOINT mitra_uow (owner-only)
    int members_ = 0;            // committed savepoints in the open batch
    std::uint64_t batch_ = 0;           // number of the open (or last) batch
    std::uint64_t finished_batch_ = 0;  // batches end in order: every batch <= this is over
    std::map<std::uint64_t, std::pair<ErrorCode, std::string>> failures_;  // failed batches
    std::vector<TaskRef> queued_;        // combined writes not yet run
    bool combining_ = false;             // some thread combines (or is about to)

    std::chrono::steady_clock::time_point owned_since_;  // owner-only
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> committed_writes_{0};
    std::atomic<std::int64_t> busy_ns_{0};
    std::atomic<std::int64_t> commit_ns_{0};
    std::atomic<std::uint64_t> replays_{0};
    std::atomic<std::uint64_t> queued_now_{0};  // queued_.size(), for GetStats
};


template <typename Connection, typename Traits>
WriteLane<Connection, Traits>::WriteLane(std::unique_ptr<Connection> connection, int max_batch,
                                         std::function<std::unique_ptr<Connection>()> reopen)
    : connection_(std::move(connection)),
      max_batch_(max_batch < 1 ? 1 : max_batch),
      reopen_(std::move(reopen)) {}

template <typename Connection, typename Traits>
WriteLane<Connection, Traits>::~WriteLane() {
    if (open_) {
        try {
            connection_->Exec("ROLLBACK");
        } catch (const std::exception&) {
            // Closing the connection rolls back anyway.
        }
    }
}

template <typename Connection, typename Traits>
Connection& WriteLane<Connection, Traits>::Enter() {
    {
        std::unique_lock lock(mutex_);
        ++waiting_;
        {
            const core::BlockingScope blocking;  // a worker pool may run another job meanwhile
            lane_free_.wait(lock, [&] { return !busy_; });
        }
        --waiting_;
        busy_ = true;
    }
    owned_since_ = std::chrono::steady_clock::now();
    try {
        if (!open_) {
            OpenBatch();
            // The batch holds only this UnitOfWork's changes until it leaves the lane, so it
            // needs no savepoint: a rollback ends the whole (one-member) transaction. Saves two
            // statements (two round trips on PostgreSQL) whenever writes do not overlap.
            savepoint_ = false;
        } else {
            connection_->Exec("SAVEPOINT mitra_uow");
            savepoint_ = true;
        }
    } catch (...) {
        Leave(false, 0);
        throw;
    }
    return *connection_;
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::OpenBatch() {
    if (reopen_ && Traits::Broken(*connection_)) {
        connection_ = reopen_();  // the server went away and came back (or throws)
    }
    try {
        connection_->Exec(Traits::kBegin);
    } catch (const UnavailableError&) {
        // Cut while idle (a server restart): the client library notices only on use.
        // BEGIN has no effect to lose, so retry once on a fresh connection.
        if (!reopen_ || !Traits::Broken(*connection_)) {
            throw;
        }
        connection_ = reopen_();
        connection_->Exec(Traits::kBegin);
    }
    open_ = true;
    std::lock_guard lock(mutex_);
    ++batch_;
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::RunCombined(const std::function<void(Connection&)>& body) {
    const TaskRef shared = std::make_shared<Task>();
    Task& task = *shared;
    task.body = &body;
    std::unique_lock lock(mutex_);
    queued_.push_back(shared);
    queued_now_.store(queued_.size(), std::memory_order_relaxed);
    if (!combining_) {
        combining_ = true;
        task.lead = true;
    }
    while (!task.done) {
        if (task.lead) {
            task.lead = false;
            Combine(lock);  // runs this task among the queued ones (or hands on a full lane)
        } else {
            const core::BlockingScope blocking;
            task.wake.wait(lock, [&] { return task.done || task.lead; });
        }
    }
    lock.unlock();
    if (task.error) {
        std::rethrow_exception(task.error);
    }
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::RunTask(Task& task, Replayable& replayable) {
    // A task that opens the batch, or joins one this Combine opened, needs no savepoint: if it
    // fails, the whole transaction is rolled back and the tasks before it run again.
    const bool fresh = !open_;
    const bool bare = fresh || replayable.own;
    try {
        if (fresh) {
            OpenBatch();
            replayable.own = true;
            replayable.tasks.clear();
        } else if (!bare) {
            connection_->Exec("SAVEPOINT mitra_uow");
        }
    } catch (...) {
        task.error = std::current_exception();  // nothing of it ran
        if (open_ && !Traits::InTransaction(*connection_)) {
            std::lock_guard lock(mutex_);
            FailOpenBatchLocked("the write transaction was rolled back by the database");
            open_ = false;
        }
        return;
    }
    // A task's savepoint is never released: the next task's nests inside it and the batch's
    // COMMIT ends them all, which saves a statement (a round trip on PostgreSQL) per write.
    // ROLLBACK TO undoes the most recent savepoint of that name: this task's own.
    try {
        (*task.body)(*connection_);
    } catch (...) {
        task.error = std::current_exception();
        try {
            if (bare) {
                if (Traits::InTransaction(*connection_)) {
                    connection_->Exec("ROLLBACK");
                }
            } else if (Traits::InTransaction(*connection_)) {
                connection_->Exec("ROLLBACK TO mitra_uow");
            }
        } catch (const std::exception&) {
            // Handled below: the transaction is no longer usable.
        }
        if (bare) {
            // The whole batch is gone (or going, with the connection): this task's changes
            // and those of the tasks before it, which run again into a new batch.
            open_ = false;
            RunAgain(replayable);
            return;
        }
    }
    if (open_ && !Traits::InTransaction(*connection_)) {
        // The database ended the transaction on its own (an I/O error, a lost connection):
        // every change of the batch is gone, this task's included.
        std::lock_guard lock(mutex_);
        FailOpenBatchLocked("the write transaction was rolled back by the database");
        open_ = false;
        if (!task.error) {
            task.error = std::make_exception_ptr(
                Error(ErrorCode::kUnavailable,
                      "commit failed: the write transaction was rolled back by the database"));
        }
        return;
    }
    if (!task.error) {
        std::lock_guard lock(mutex_);
        task.batch = batch_;
        ++members_;
        if (replayable.own) {
            replayable.tasks.push_back(&task);
        }
    }
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::RunAgain(Replayable& replayable) {
    std::vector<Task*> again;
    again.swap(replayable.tasks);
    replayable.own = false;
    {
        std::lock_guard lock(mutex_);
        members_ = 0;  // the rolled-back batch holds nothing; nobody waits for its number
    }
    replays_.fetch_add(again.size(), std::memory_order_relaxed);
    for (Task* t : again) {
        t->batch = 0;
        t->error = nullptr;
        RunTask(*t, replayable);  // the first opens the new batch
    }
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::Combine(std::unique_lock<std::mutex>& lock) {
    ++waiting_;
    {
        const core::BlockingScope blocking;
        lane_free_.wait(lock, [&] { return !busy_; });
    }
    --waiting_;
    busy_ = true;
    owned_since_ = std::chrono::steady_clock::now();
    // Run what is queued, and what arrives meanwhile, up to a full batch.
    std::vector<TaskRef> ran;
    Replayable replayable;
    while (!queued_.empty() && members_ < max_batch_) {
        std::vector<TaskRef> take;
        take.swap(queued_);
        queued_now_.store(0, std::memory_order_relaxed);
        lock.unlock();
        for (std::size_t i = 0; i < take.size(); ++i) {
            if (members_ >= max_batch_) {  // owner-only counter while the lane is held
                lock.lock();
                queued_.insert(queued_.begin(), take.begin() + static_cast<std::ptrdiff_t>(i),
                               take.end());
                queued_now_.store(queued_.size(), std::memory_order_relaxed);
                lock.unlock();
                break;
            }
            RunTask(*take[i], replayable);
            ran.push_back(std::move(take[i]));
        }
        lock.lock();
    }
    // End the batch as Leave does: COMMIT now unless a UnitOfWork is waiting to join it (the
    // last of those then commits for everyone).
    EndOwnership(lock);
    std::uint64_t last = 0;
    for (const TaskRef& t : ran) {
        last = t->batch > last ? t->batch : last;
    }
    // The next queued task combines the next batch; this thread finishes this one's tasks.
    // Signals go out once mutex_ is released; but the next combiner must not wait for this
    // batch to end (a UnitOfWork may be the one to end it), so then it is woken first.
    TaskRef next;
    if (queued_.empty()) {
        combining_ = false;
    } else {
        next = queued_.front();
        next->lead = true;
        if (finished_batch_ < last) {
            lock.unlock();
            next->wake.notify_one();
            next.reset();
            lock.lock();
        }
    }
    {
        const core::BlockingScope blocking;
        durable_.wait(lock, [&] { return finished_batch_ >= last; });
    }
    for (const TaskRef& t : ran) {
        if (!t->error && t->batch != 0) {
            const auto failed = failures_.find(t->batch);
            if (failed != failures_.end()) {
                t->error = std::make_exception_ptr(
                    Error(failed->second.first, "commit failed: " + failed->second.second));
            }
        }
        t->done = true;
    }
    lock.unlock();
    if (next) {
        next->wake.notify_one();
    }
    for (const TaskRef& t : ran) {
        t->wake.notify_one();
    }
    ran.clear();  // a caller that has returned frees its task here
    lock.lock();
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::CommitAndLeave() {
    bool ok = true;
    try {
        if (savepoint_) {
            connection_->Exec("RELEASE mitra_uow");
        }
    } catch (const std::exception&) {
        ok = false;
    }
    // The database may have rolled the whole transaction back (SQLite on an I/O error, a lost
    // PostgreSQL connection): then the batch is lost.
    if (!ok || !Traits::InTransaction(*connection_)) {
        std::uint64_t batch = 0;
        {
            std::lock_guard lock(mutex_);
            batch = batch_;
            FailOpenBatchLocked("the write transaction was rolled back by the database");
        }
        try {
            if (Traits::InTransaction(*connection_)) {
                connection_->Exec("ROLLBACK");
            }
        } catch (const std::exception&) {
        }
        open_ = false;
        Leave(true, batch);  // throws: the batch failed
        return;
    }
    std::uint64_t batch = 0;
    {
        std::lock_guard lock(mutex_);
        batch = batch_;
        ++members_;
    }
    Leave(true, batch);
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::RollbackAndLeave() noexcept {
    try {
        if (savepoint_) {
            connection_->Exec("ROLLBACK TO mitra_uow");
            connection_->Exec("RELEASE mitra_uow");
        } else if (open_) {
            connection_->Exec("ROLLBACK");  // only this UnitOfWork's changes were in it
            open_ = false;
        }
    } catch (const std::exception&) {
        // The outer transaction is unusable: abandon the batch (its members get an error).
        std::lock_guard lock(mutex_);
        FailOpenBatchLocked("the write transaction was rolled back by the database");
    }
    if (open_ && !Traits::InTransaction(*connection_)) {
        open_ = false;  // the database ended it
    }
    try {
        Leave(false, 0);
    } catch (const std::exception&) {
        // Leave throws only for members.
    }
}

template <typename Connection, typename Traits>
bool WriteLane<Connection, Traits>::Flush(bool has_members, std::string& error, ErrorCode& code) {
    if (!open_) {
        return true;
    }
    open_ = false;
    try {
        const auto start = std::chrono::steady_clock::now();
        connection_->Exec(has_members ? "COMMIT" : "ROLLBACK");
        commit_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count(),
                             std::memory_order_relaxed);
        return true;
    } catch (const Error& e) {
        error = e.what();
        code = e.code();
    } catch (const std::exception& e) {
        error = e.what();
        code = ErrorCode::kUnavailable;
    }
    try {
        if (Traits::InTransaction(*connection_)) {
            connection_->Exec("ROLLBACK");
        }
    } catch (const std::exception&) {
    }
    return false;
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::FailOpenBatchLocked(const std::string& why) {
    failures_.emplace(batch_, std::make_pair(ErrorCode::kUnavailable, why));
    members_ = 0;
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::EndOwnership(std::unique_lock<std::mutex>& lock) {
    const bool flush = waiting_ == 0 || members_ >= max_batch_ || !open_;
    if (flush) {
        const std::uint64_t flushing = batch_;
        const bool has_members = members_ > 0 && failures_.count(flushing) == 0;
        lock.unlock();
        std::string error;
        ErrorCode code = ErrorCode::kUnavailable;
        const bool ok = Flush(has_members, error, code);
        lock.lock();
        if (ok && has_members) {
            commits_.fetch_add(1, std::memory_order_relaxed);
            committed_writes_.fetch_add(static_cast<std::uint64_t>(members_),
                                        std::memory_order_relaxed);
        }
        members_ = 0;
        if (!ok) {
            failures_.emplace(flushing, std::make_pair(code, error));
        }
        finished_batch_ = flushing;
        durable_.notify_all();
    }
    busy_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - owned_since_)
                           .count(),
                       std::memory_order_relaxed);
    busy_ = false;
    lane_free_.notify_one();
}

template <typename Connection, typename Traits>
void WriteLane<Connection, Traits>::Leave(bool member, std::uint64_t batch) {
    std::unique_lock lock(mutex_);
    EndOwnership(lock);
    if (!member) {
        return;
    }
    {
        const core::BlockingScope blocking;
        durable_.wait(lock, [&] { return finished_batch_ >= batch; });
    }
    const auto failed = failures_.find(batch);
    if (failed != failures_.end()) {
        throw Error(failed->second.first, "commit failed: " + failed->second.second);
    }
}

template <typename Connection, typename Traits>
typename WriteLane<Connection, Traits>::Stats WriteLane<Connection, Traits>::GetStats() const {
    Stats stats;
    stats.commits = commits_.load(std::memory_order_relaxed);
    stats.writes = committed_writes_.load(std::memory_order_relaxed);
    stats.busy_seconds = static_cast<double>(busy_ns_.load(std::memory_order_relaxed)) / 1e9;
    stats.commit_seconds = static_cast<double>(commit_ns_.load(std::memory_order_relaxed)) / 1e9;
    stats.replays = replays_.load(std::memory_order_relaxed);
    stats.queued = queued_now_.load(std::memory_order_relaxed);
    return stats;
}

/// The lane's counters for /metrics, named `<prefix>_commits_total` and so on.
template <typename Stats>
std::vector<core::Storage::Metric> LaneMetrics(const std::string& prefix, const Stats& stats) {
    return {
        {prefix + "_commits_total", "Group commits (one fsync each) that stored writes.",
         static_cast<double>(stats.commits)},
        {prefix + "_committed_writes_total", "Write transactions those group commits stored.",
         static_cast<double>(stats.writes)},
        {prefix + "_write_lane_busy_seconds_total",
         "Time the single writer connection was in use (writes and commits).", stats.busy_seconds},
        {prefix + "_commit_seconds_total", "Time spent in COMMIT (WAL write and fsync).",
         stats.commit_seconds},
        {prefix + "_write_replays_total",
         "Writes run again because a later write of their group failed (which rolls the group "
         "back).",
         static_cast<double>(stats.replays)},
        {prefix + "_write_lane_queued", "Writes waiting for the writer to take them now.",
         static_cast<double>(stats.queued), false},
    };
}

}  // namespace mitra::storage
