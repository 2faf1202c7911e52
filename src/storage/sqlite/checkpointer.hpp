#pragma once
// WAL checkpoints off the write path. By default SQLite checkpoints inside the COMMIT that
// pushes the WAL past 1,000 frames: that writer copies the WAL into the database file and
// fsyncs it while every other write waits behind it. Here the writer connection's
// auto-checkpoint is replaced by a hook that only wakes a background thread, which runs a
// PASSIVE checkpoint on its own connection (it never blocks writers or readers; frames still in
// use by a reader are left for the next round). The thread yields its CPU every few page
// writes (yielding_vfs.hpp), so copying many pages never holds a core for long. Once the WAL
// reaches 4x the threshold, the writer runs one checkpoint itself right after its commit, so
// that the WAL can start over instead of growing for as long as writes keep coming. Durability
// is unchanged: a commit is durable once its WAL frames are fsynced, which COMMIT does itself
// at synchronous=FULL.

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
    /// this object; checkpoints once at least `frames` frames were added to the WAL since the
    /// last checkpoint.
    Checkpointer(Connection& writer, const std::string& path, int frames = 1000);
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;
    /// Stops the thread and gives the writer back its own auto-checkpoint.
    ~Checkpointer();

    /// Checkpoints run so far by the background thread.
    std::uint64_t Checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }
    /// Checkpoints the writer ran itself to let a WAL of 4 x `frames` frames start over.
    std::uint64_t CatchUps() const { return catch_ups_.load(std::memory_order_relaxed); }

private:
    static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
    void Run();

    Connection& writer_;
    const int frames_;
    const int restart_frames_;
    std::unique_ptr<Connection> own_;
    std::mutex mutex_;
    std::mutex running_;  // held while a checkpoint of ours runs (background or catch-up)
    std::condition_variable wake_;
    bool due_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> checkpoints_{0};
    std::atomic<int> backfilled_{0};  // WAL frames the last checkpoint left in the database
    std::atomic<std::uint64_t> catch_ups_{0};
    int catch_up_at_ = 0;  // WAL frames at the last catch-up (writer thread only)
    std::thread thread_;
};

}  // namespace mitra::storage::sqlite
