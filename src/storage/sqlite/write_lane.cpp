#include "storage/sqlite/write_lane.hpp"

#include <sqlite3.h>

#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {

WriteLane::WriteLane(std::unique_ptr<Connection> connection, int max_batch)
    : connection_(std::move(connection)), max_batch_(max_batch < 1 ? 1 : max_batch) {}

WriteLane::~WriteLane() {
    if (open_) {
        try {
            connection_->Exec("ROLLBACK");
        } catch (const std::exception&) {
            // Closing the connection rolls back anyway.
        }
    }
}

Connection& WriteLane::Enter() {
    {
        std::unique_lock lock(mutex_);
        ++waiting_;
        lane_free_.wait(lock, [&] { return !busy_; });
        --waiting_;
        busy_ = true;
    }
    owned_since_ = std::chrono::steady_clock::now();
    try {
        if (!open_) {
            connection_->Exec("BEGIN IMMEDIATE");
            open_ = true;
            std::lock_guard lock(mutex_);
            ++batch_;
        }
        connection_->Exec("SAVEPOINT mitra_uow");
    } catch (...) {
        Leave(false, 0);
        throw;
    }
    return *connection_;
}

void WriteLane::CommitAndLeave() {
    bool ok = true;
    try {
        connection_->Exec("RELEASE mitra_uow");
    } catch (const std::exception&) {
        ok = false;
    }
    // SQLite may have rolled the whole transaction back on an I/O error: then the batch is lost.
    if (!ok || sqlite3_get_autocommit(connection_->raw()) != 0) {
        std::uint64_t batch = 0;
        {
            std::lock_guard lock(mutex_);
            batch = batch_;
            FailOpenBatchLocked("the write transaction was rolled back by SQLite");
        }
        try {
            if (sqlite3_get_autocommit(connection_->raw()) == 0) {
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

void WriteLane::RollbackAndLeave() noexcept {
    try {
        connection_->Exec("ROLLBACK TO mitra_uow");
        connection_->Exec("RELEASE mitra_uow");
    } catch (const std::exception&) {
        // The outer transaction is unusable: abandon the batch (its members get an error).
        std::lock_guard lock(mutex_);
        FailOpenBatchLocked("the write transaction was rolled back by SQLite");
    }
    if (open_ && sqlite3_get_autocommit(connection_->raw()) != 0) {
        open_ = false;  // SQLite ended it
    }
    try {
        Leave(false, 0);
    } catch (const std::exception&) {
        // Leave throws only for members.
    }
}

bool WriteLane::Flush(bool has_members, std::string& error, ErrorCode& code) {
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
        if (sqlite3_get_autocommit(connection_->raw()) == 0) {
            connection_->Exec("ROLLBACK");
        }
    } catch (const std::exception&) {
    }
    return false;
}

void WriteLane::FailOpenBatchLocked(const std::string& why) {
    failures_.emplace(batch_, std::make_pair(ErrorCode::kUnavailable, why));
    members_ = 0;
}

void WriteLane::Leave(bool member, std::uint64_t batch) {
    std::unique_lock lock(mutex_);
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
    if (!member) {
        return;
    }
    durable_.wait(lock, [&] { return finished_batch_ >= batch; });
    const auto failed = failures_.find(batch);
    if (failed != failures_.end()) {
        throw Error(failed->second.first, "commit failed: " + failed->second.second);
    }
}

WriteLane::Stats WriteLane::GetStats() const {
    Stats stats;
    stats.commits = commits_.load(std::memory_order_relaxed);
    stats.writes = committed_writes_.load(std::memory_order_relaxed);
    stats.busy_seconds = static_cast<double>(busy_ns_.load(std::memory_order_relaxed)) / 1e9;
    stats.commit_seconds = static_cast<double>(commit_ns_.load(std::memory_order_relaxed)) / 1e9;
    return stats;
}

}  // namespace mitra::storage::sqlite
