#include "storage/sqlite/checkpointer.hpp"

#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/yielding_vfs.hpp"

namespace mitra::storage::sqlite {

Checkpointer::Checkpointer(Connection& writer, const std::string& path, int frames)
    : writer_(writer),
      frames_(frames < 1 ? 1 : frames),
      restart_frames_(RestartFrames(frames_)),
      own_(std::make_unique<Connection>(path)),
      thread_([this] { Run(); }) {
    // Replaces the auto-checkpoint (itself a WAL hook) of the writer connection.
    sqlite3_wal_hook(writer_.raw(), &Checkpointer::OnCommit, this);
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_autocheckpoint(writer_.raw(), 1000);  // uninstalls OnCommit
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

namespace {

/// Frames of a WAL of `wal_frames` already in the database file, given what the last
/// checkpoint backfilled: none, if the WAL has since restarted from its first frame.
int Backfilled(int wal_frames, int backfilled) {
    return wal_frames < backfilled ? 0 : backfilled;
}

}  // namespace

CommitAction DecideAfterCommit(int frames, int wal_frames, int backfilled, int last_catch_up_at) {
    const int restart_frames = RestartFrames(frames);
    const int little_frames = std::max(1, frames / 8);
    // `wal_frames` counts every frame in the WAL, checkpointed or not. Under steady writes the
    // WAL cannot restart (a reader or a newer commit always follows the checkpoint), so the
    // total stays past the threshold: count only the frames written since the last checkpoint,
    // or every commit would start another one, each with two fsyncs competing with COMMIT's.
    const int pending = wal_frames - Backfilled(wal_frames, backfilled);
    CommitAction action;
    if (wal_frames >= restart_frames) {
        // The background thread copies frames while the writer appends more, so it never
        // backfills the whole WAL and the WAL never restarts from its first frame: it would grow
        // for as long as writes keep coming. On the writer's thread, right after its commit, no
        // write can run (the write lane is still held), so a checkpoint can finish the WAL: it
        // copies only what the background thread has not, and the next write starts the WAL
        // over (unless a reader still uses old frames; then a later commit tries again).
        // Every write waits while it runs, so it runs once little is left to copy: until then
        // the background thread is kept copying, and each of its rounds is shorter than the one
        // before, for it copies only what was committed during that one. Should it fall behind,
        // the writer catches up anyway at twice the restart size, so the WAL stays bounded.
        // (At most once per little_frames new frames, in case readers keep the WAL from
        // restarting.)
        const bool spaced =
            wal_frames < last_catch_up_at || wal_frames - last_catch_up_at >= little_frames;
        if (spaced && wal_frames >= 2 * restart_frames) {
            action.catch_up = CommitAction::CatchUp::kEvenIfBusy;
        } else if (spaced && pending <= little_frames) {
            action.catch_up = CommitAction::CatchUp::kIfIdle;
        }
        action.wake_background = pending > 0;
    } else {
        action.wake_background = pending >= frames;
    }
    return action;
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* /*schema*/, int frames) {
    auto* me = static_cast<Checkpointer*>(self);
    const CommitAction action =
        DecideAfterCommit(me->frames_, frames, me->backfilled_.load(std::memory_order_relaxed),
                          me->catch_up_at_);
    if (action.catch_up != CommitAction::CatchUp::kNo) {
        // Never waits for a background round unless the WAL is overdue: a later commit comes
        // back. (A round would make this checkpoint BUSY.)
        std::unique_lock running(me->running_, std::try_to_lock);
        if (!running.owns_lock() && action.catch_up == CommitAction::CatchUp::kEvenIfBusy) {
            running.lock();
        }
        if (running.owns_lock()) {
            me->CatchUp(db, frames);
            return SQLITE_OK;
        }
    }
    if (action.wake_background) {
        {
            std::lock_guard lock(me->mutex_);
            me->due_ = true;
        }
        me->wake_.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::CatchUp(sqlite3* db, int frames) {
    catch_up_at_ = frames;
    // (Read again: a background round may have ended since OnCommit read it.)
    const int before = Backfilled(frames, backfilled_.load(std::memory_order_relaxed));
    const auto started = std::chrono::steady_clock::now();
    int log_frames = 0;
    int copied = 0;
    if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied) ==
        SQLITE_OK) {
        backfilled_.store(copied, std::memory_order_relaxed);
        catch_ups_.fetch_add(1, std::memory_order_relaxed);
        catch_up_frames_.fetch_add(copied > before ? copied - before : 0,
                                   std::memory_order_relaxed);
    }
    catch_up_ns_.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count(),
                           std::memory_order_relaxed);
}

void Checkpointer::SyncDatabaseFile() {
    // A checkpoint that does not reach the end of the WAL as it is when the checkpoint ends
    // leaves the pages it copied unsynced (safe: the WAL still holds them). The checkpoint that
    // does reach the end syncs the database file, and with it every page copied since: under
    // steady writes that is the writer's catch-up, inside the write lane, where that fsync took
    // most of the 6.2-8.8 ms every write waited. Synced here, off the write path, in the rounds
    // just before a catch-up, the catch-up's fsync covers little more than the pages it copied.
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(own_->raw(), "main", SQLITE_FCNTL_FILE_POINTER, &file) ==
            SQLITE_OK &&
        file != nullptr && file->pMethods != nullptr) {
        file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);  // failure: the catch-up syncs anyway
    }
}

void Checkpointer::Run() {
    pthread_setname_np(pthread_self(), "mitra-checkpt");
    YieldWritesOnThisThread(true);  // a checkpoint never holds the core for long
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || due_; });
        if (stopping_) {
            return;
        }
        lock.unlock();
        int log_frames = 0;
        int copied = 0;
        // BUSY (another checkpoint running, e.g. another process's) is fine: the next commit
        // past the threshold asks again.
        {
            std::lock_guard running(running_);
            if (sqlite3_wal_checkpoint_v2(own_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                          &log_frames, &copied) == SQLITE_OK) {
                if (log_frames >= restart_frames_) {
                    SyncDatabaseFile();
                }
                backfilled_.store(copied, std::memory_order_relaxed);
            }
        }
        checkpoints_.fetch_add(1, std::memory_order_relaxed);
        lock.lock();
        // Commits during this checkpoint asked for another; the next commit past the threshold
        // (counted from what this one backfilled) asks again if it is still due.
        due_ = false;
    }
}

}  // namespace mitra::storage::sqlite
