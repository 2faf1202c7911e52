#pragma once
// WAL checkpoints off the write path. By default SQLite checkpoints inside the COMMIT that
// pushes the WAL past 1,000 frames: that writer copies the WAL into the database file and
// fsyncs it while every other write waits behind it. Here the writer connection's
// auto-checkpoint is replaced by a hook that only wakes a background thread, which runs a
// PASSIVE checkpoint on its own connection (it never blocks writers or readers; frames still in
// use by a reader are left for the next round). Durability is unchanged: a commit is durable
// once its WAL frames are fsynced, which COMMIT does itself at synchronous=FULL.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace mitra::storage::sqlite {

class Connection;

class Checkpointer {
public:
    /// Takes over the checkpoints of `writer`'s database (opened at `path`), which must outlive
    /// this object; checkpoints once the WAL holds at least `frames` frames.
    Checkpointer(Connection& writer, const std::string& path, int frames = 1000);
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;
    /// Stops the thread and gives the writer back its own auto-checkpoint.
    ~Checkpointer();

    /// Checkpoints run so far.
    std::uint64_t Checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

private:
    static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
    void Run();

    Connection& writer_;
    const int frames_;
    std::unique_ptr<Connection> own_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> checkpoints_{0};
    std::thread thread_;
};

}  // namespace mitra::storage::sqlite
