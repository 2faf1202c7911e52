#include "storage/sqlite/checkpointer.hpp"

#include <pthread.h>
#include <sqlite3.h>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/yielding_vfs.hpp"

namespace mitra::storage::sqlite {

Checkpointer::Checkpointer(Connection& writer, const std::string& path, int frames)
    : writer_(writer),
      frames_(frames < 1 ? 1 : frames),
      restart_frames_(4 * frames_),
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

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* /*schema*/, int frames) {
    auto* me = static_cast<Checkpointer*>(self);
    // (At most once per frames_/4 new frames, in case readers keep the WAL from restarting.)
    if (frames >= me->restart_frames_ &&
        (frames < me->catch_up_at_ || frames - me->catch_up_at_ >= me->frames_ / 4)) {
        me->catch_up_at_ = frames;
        // The background thread copies frames while the writer appends more, so it never
        // backfills the whole WAL and the WAL never restarts from its first frame: it would grow
        // for as long as writes keep coming. Here, on the writer's thread, no write can run
        // (the write lane is still held by this commit), so a checkpoint can finish the WAL:
        // it copies only what the background thread has not, and the next write starts the
        // WAL over (unless a reader still uses old frames; then the next commit tries again).
        int log_frames = 0;
        int copied = 0;
        // Waits for a background checkpoint in progress (it would make this one BUSY).
        std::lock_guard running(me->running_);
        if (sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                      &copied) == SQLITE_OK) {
            me->backfilled_.store(copied, std::memory_order_relaxed);
            me->catch_ups_.fetch_add(1, std::memory_order_relaxed);
        }
        return SQLITE_OK;
    }
    // `frames` counts every frame in the WAL, checkpointed or not. Under steady writes the
    // WAL cannot restart (a reader or a newer commit always follows the checkpoint), so the
    // total stays past the threshold: count only the frames written since the last checkpoint,
    // or every commit would start another one, each with two fsyncs competing with COMMIT's.
    int backfilled = me->backfilled_.load(std::memory_order_relaxed);
    if (frames < backfilled) {  // the WAL restarted from its first frame
        backfilled = 0;
    }
    if (frames - backfilled >= me->frames_) {
        {
            std::lock_guard lock(me->mutex_);
            me->due_ = true;
        }
        me->wake_.notify_one();
    }
    return SQLITE_OK;
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
