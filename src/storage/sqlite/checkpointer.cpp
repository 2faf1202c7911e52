#include "storage/sqlite/checkpointer.hpp"

#include <sqlite3.h>

#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {

Checkpointer::Checkpointer(Connection& writer, const std::string& path, int frames)
    : writer_(writer),
      frames_(frames < 1 ? 1 : frames),
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

int Checkpointer::OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
    auto* me = static_cast<Checkpointer*>(self);
    if (frames >= me->frames_) {
        {
            std::lock_guard lock(me->mutex_);
            me->due_ = true;
        }
        me->wake_.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::Run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || due_; });
        if (stopping_) {
            return;
        }
        due_ = false;
        lock.unlock();
        int log_frames = 0;
        int copied = 0;
        // BUSY (another checkpoint running, e.g. another process's) is fine: the next commit
        // past the threshold asks again.
        sqlite3_wal_checkpoint_v2(own_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  &copied);
        checkpoints_.fetch_add(1, std::memory_order_relaxed);
        lock.lock();
    }
}

}  // namespace mitra::storage::sqlite
