#pragma once
// WAL checkpoints off the write path. By default SQLite checkpoints inside the COMMIT that
// pushes the WAL past 1,000 frames: that writer copies the WAL into the database file and
// fsyncs it while every other write waits behind it. Here the writer connection's
// auto-checkpoint is replaced by a hook that only wakes a background thread, which runs a
// PASSIVE checkpoint on its own connection (it never blocks writers or readers; frames still in
// use by a reader are left for the next round). The thread yields its CPU every few page
// writes (yielding_vfs.hpp), so copying many pages never holds a core for long. Once the WAL
// reaches 4x the threshold, the writer runs one checkpoint itself right after a commit, so
// that the WAL can start over instead of growing for as long as writes keep coming. Every write
// waits meanwhile, so it waits for a commit after which little is left to copy (the background
// thread, kept copying, syncs the database file in those rounds), unless the WAL reaches 8x.
// Measured at 8 connections (bench/storage's load), a catch-up held the lane 6.2-8.8 ms before
// and 0.9-1.1 ms after, and the p99 of a dose write fell from 8.6-11.2 ms to 6.4-7.6 ms in most
// runs; throughput did not change beyond the noise (the database file's fsync moved, it did
// not go away). Durability is unchanged: a commit is durable once its WAL frames are fsynced,
// which COMMIT does itself at synchronous=FULL.

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

/// What the writer does after a commit, decided from the WAL's size in frames (`wal_frames`),
/// the frames the last checkpoint left in the database (`backfilled`), the WAL's size at the
/// writer's last catch-up, and the checkpoint threshold `frames`. (The policy of
/// Checkpointer, as a function of its state so that tests can pin it down.)
struct CommitAction {
    enum class CatchUp {
        kNo,
        kIfIdle,      // checkpoint now, unless a background round runs (a later commit retries)
        kEvenIfBusy,  // checkpoint now, after the round that runs: the WAL is at 8x `frames`
    };
    CatchUp catch_up = CatchUp::kNo;
    bool wake_background = false;  // when no catch-up runs
};
CommitAction DecideAfterCommit(int frames, int wal_frames, int backfilled, int last_catch_up_at);

/// The WAL size (in frames) past which the writer catches up, for the checkpoint threshold
/// `frames`.
constexpr int RestartFrames(int frames) { return 4 * frames; }

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
    /// WAL frames those checkpoints copied (what the background thread had left).
    std::uint64_t CatchUpFrames() const {
        return catch_up_frames_.load(std::memory_order_relaxed);
    }
    /// Time the writer spent in those checkpoints (every write waits meanwhile), in seconds.
    double CatchUpSeconds() const {
        return static_cast<double>(catch_up_ns_.load(std::memory_order_relaxed)) * 1e-9;
    }

private:
    static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
    /// Checkpoints on the writer's connection `db`, inside its commit; holds running_.
    void CatchUp(sqlite3* db, int frames);
    void Run();
    void SyncDatabaseFile();

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
    std::atomic<std::uint64_t> catch_up_frames_{0};
    std::atomic<std::int64_t> catch_up_ns_{0};
    int catch_up_at_ = 0;  // WAL frames at the last catch-up (writer thread only)
    std::thread thread_;
};

}  // namespace mitra::storage::sqlite
