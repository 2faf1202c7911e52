// WAL checkpoints run on the background thread once the WAL passes the threshold, the writer
// keeps committing meanwhile, and nothing is lost.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "storage/sqlite/checkpointer.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/yielding_vfs.hpp"
#include "storage/test_temp_dir.hpp"

namespace mitra::storage::sqlite {
namespace {

std::string FreshPath(const std::string& name) {
    static const ProcessTempDir dir("mitra-ckpt-");
    return dir.Fresh(name);
}

/// Inserts `rows` rows of table t (x, pad BLOB), about one page each, x = 0, 1, ... (or
/// `same_x` in every row), into the transaction the caller has open.
void InsertPaddedRows(Connection& connection, int rows, std::optional<int> same_x = {}) {
    for (int i = 0; i < rows; ++i) {
        connection.Prepare("INSERT INTO t (x, pad) VALUES (?1, zeroblob(3000))")
            .Bind(1, same_x.value_or(i))
            .Run();
    }
}

/// Inserts `rows` rows of table t in one transaction of their own.
void WritePaddedRows(Connection& connection, int rows) {
    connection.Exec("BEGIN");
    InsertPaddedRows(connection, rows);
    connection.Exec("COMMIT");
}

TEST(SqliteCheckpointer, CheckpointsInTheBackgroundOncePastTheThreshold) {
    const std::string path = FreshPath("ckpt.db");
    Connection writer(path);
    writer.Exec("CREATE TABLE t (x INTEGER)");
    {
        Checkpointer checkpointer(writer, path, 20);
        for (int i = 0; i < 200; ++i) {
            writer.Prepare("INSERT INTO t (x) VALUES (?1)").Bind(1, i).Run();
        }
        for (int i = 0; i < 400 && checkpointer.Checkpoints() == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        EXPECT_GE(checkpointer.Checkpoints(), 1u);
    }
    Connection reader(path);
    auto st = reader.Prepare("SELECT count(*), sum(x) FROM t");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), 200);
    EXPECT_EQ(st.Int(1), 199 * 200 / 2);
}

TEST(SqliteCheckpointer, TheWriterNoLongerCheckpointsInsideItsCommits) {
    const std::string path = FreshPath("no-auto.db");
    Connection writer(path);
    writer.Exec("PRAGMA synchronous=OFF");  // only to keep the test fast
    writer.Exec("CREATE TABLE t (x INTEGER)");
    Checkpointer checkpointer(writer, path, 1000000);  // the thread is never woken
    for (int i = 0; i < 1500; ++i) {
        writer.Prepare("INSERT INTO t (x) VALUES (?1)").Bind(1, i).Run();
    }
    // SQLite's own auto-checkpoint would have backfilled and restarted the WAL at 1,000
    // frames; here every commit's frame is still in the WAL.
    int log_frames = -1;
    int copied = -1;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer.raw(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                        &log_frames, &copied),
              SQLITE_OK);
    EXPECT_GE(log_frames, 1500);
    EXPECT_EQ(checkpointer.Checkpoints(), 0u);
}

TEST(SqliteCheckpointer, TheWalStartsOverUnderSteadyWritesInsteadOfGrowing) {
    const std::string path = FreshPath("bounded.db");
    Connection writer(path);
    writer.Exec("PRAGMA synchronous=OFF");  // only to keep the test fast
    writer.Exec("CREATE TABLE t (x INTEGER)");
    Checkpointer checkpointer(writer, path, 20);  // the writer catches up at 80 frames
    for (int i = 0; i < 3000; ++i) {
        writer.Prepare("INSERT INTO t (x) VALUES (?1)").Bind(1, i).Run();
    }
    // Without the writer's own catch-up the background thread never finishes the WAL while
    // commits keep coming, and the WAL file would grow to about 3,000 frames here. Its size is
    // its high-water mark: it never shrinks when the WAL starts over.
    EXPECT_GE(checkpointer.CatchUps(), 1u);
    const auto wal_bytes = std::filesystem::file_size(path + "-wal");
    EXPECT_LT(wal_bytes, 1000u * (4096 + 24))
        << "the WAL grew to " << wal_bytes / 4120 << " frames";
    auto st = writer.Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), 3000);
}

TEST(SqliteCheckpointer, PastTheRestartSizeTheWriterWaitsForLittleLeftToCopyBeforeCatchingUp) {
    using C = CommitAction::CatchUp;
    // Threshold 1,000 frames: the writer catches up past 4,000, once at most 125 are left to
    // copy, and whatever is left at 8,000.
    const auto at = [](int wal, int backfilled, int last_catch_up = 0) {
        return DecideAfterCommit(1000, wal, backfilled, last_catch_up);
    };
    // Before the restart size, only the background thread runs, every 1,000 new frames.
    EXPECT_EQ(at(999, 0).catch_up, C::kNo);
    EXPECT_FALSE(at(999, 0).wake_background);
    EXPECT_TRUE(at(1000, 0).wake_background);
    EXPECT_FALSE(at(3500, 2600).wake_background);
    EXPECT_EQ(at(3990, 3990).catch_up, C::kNo);
    // Past it, with much left to copy: no catch-up yet, the background thread keeps copying.
    EXPECT_EQ(at(4000, 3500).catch_up, C::kNo);
    EXPECT_TRUE(at(4000, 3500).wake_background);
    EXPECT_EQ(at(7999, 7000).catch_up, C::kNo);
    // Little left: the writer catches up, unless a background round runs.
    EXPECT_EQ(at(4200, 4100).catch_up, C::kIfIdle);
    EXPECT_EQ(at(4200, 4075).catch_up, C::kIfIdle);
    EXPECT_EQ(at(4200, 4074).catch_up, C::kNo);
    EXPECT_TRUE(at(4200, 4100).wake_background);  // should that round run
    // At most once per 125 new frames (readers may keep the WAL from starting over).
    EXPECT_EQ(at(4200, 4200, 4100).catch_up, C::kNo);
    EXPECT_FALSE(at(4200, 4200, 4100).wake_background);
    EXPECT_EQ(at(4225, 4200, 4100).catch_up, C::kIfIdle);
    // Overdue: whatever is left, waiting for a background round that runs.
    EXPECT_EQ(at(8000, 5000).catch_up, C::kEvenIfBusy);
    EXPECT_EQ(at(8000, 5000, 7950).catch_up, C::kNo);
    // A WAL that started over counts from its first frame.
    EXPECT_EQ(at(900, 7000).catch_up, C::kNo);
    EXPECT_FALSE(at(900, 7000).wake_background);
    EXPECT_TRUE(at(1000, 7000).wake_background);
    EXPECT_EQ(at(4000, 7000, 7500).catch_up, C::kNo);  // 4,000 left: far from little
    EXPECT_EQ(at(4100, 4000, 7500).catch_up, C::kIfIdle);
}

TEST(SqliteCheckpointer, TheWriterCatchesUpWithLittleLeftToCopy) {
    // On a real file, with a background thread that keeps up. A shared machine's disk can stall
    // that thread's fsync for hundreds of milliseconds, after which the writer catches up at
    // 8x with much to copy; so the run is tried up to three times, and one must show it.
    std::string last;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const std::string path = FreshPath("little-left-" + std::to_string(attempt) + ".db");
        Connection writer(path);
        writer.Exec("PRAGMA synchronous=OFF");  // only to keep the test fast
        writer.Exec("CREATE TABLE t (x INTEGER)");
        // Catches up past 800 frames, once at most 25 are left to copy (or at 1,600).
        Checkpointer checkpointer(writer, path, 200);
        constexpr int kRows = 3000;
        for (int i = 0; i < kRows; ++i) {
            writer.Prepare("INSERT INTO t (x) VALUES (?1)").Bind(1, i).Run();
            // Slow enough that the background thread keeps up, as it does under real load.
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        auto st = writer.Prepare("SELECT count(*) FROM t");
        ASSERT_TRUE(st.Step());
        ASSERT_EQ(st.Int(0), kRows);
        ASSERT_LT(std::filesystem::file_size(path + "-wal"), 1650u * (4096 + 24));
        // At most 25 frames each, up to 50 on average for a late round. Catching up as soon as
        // the WAL passed 800 frames copied 130 on average here, measured (this way, 4).
        const auto catch_ups = checkpointer.CatchUps();
        const auto frames = checkpointer.CatchUpFrames();
        if (catch_ups >= 2 && frames <= 50 * catch_ups) {
            EXPECT_GT(checkpointer.CatchUpSeconds(), 0.0);
            return;
        }
        last = std::to_string(frames) + " frames in " + std::to_string(catch_ups) + " catch-ups";
    }
    ADD_FAILURE() << "in none of three runs; the last: " << last;
}

TEST(SqliteCheckpointer, ABackgroundCheckpointYieldsTheCpuWhileItCopiesPages) {
    const std::string path = FreshPath("yield.db");
    Connection writer(path);
    writer.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    const long before = YieldingVfsYields();
    {
        Checkpointer checkpointer(writer, path, 200);  // the writer catches up only at 800
        WritePaddedRows(writer, 400);  // some 400 pages to copy
        for (int i = 0; i < 400 && checkpointer.Checkpoints() == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ASSERT_GE(checkpointer.Checkpoints(), 1u);
    }
    // The checkpoint wrote each page with its own call; it gave up the CPU once per
    // kWritesPerYield of them.
    EXPECT_GE(YieldingVfsYields() - before, 400 / kWritesPerYield - 1);
    // And copied every page: after the WAL is gone, a fresh connection reads all rows from the
    // database file alone.
    writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
    Connection reader(path);
    auto st = reader.Prepare("SELECT count(*), sum(x), sum(length(pad)) FROM t");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), 400);
    EXPECT_EQ(st.Int(1), 399 * 400 / 2);
    EXPECT_EQ(st.Int(2), 400 * 3000);
}

TEST(SqliteYieldingVfs, ConnectionsThroughItShareTheDatabaseWithTheDefaultVfs) {
    const std::string path = FreshPath("vfs.db");
    {
        Connection connection(path);  // through the yielding VFS
        connection.Exec("CREATE TABLE t (x INTEGER PRIMARY KEY, s TEXT)");
        connection.Exec("BEGIN");
        for (int i = 0; i < 500; ++i) {
            connection.Prepare("INSERT INTO t (x, s) VALUES (?1, ?2)")
                .Bind(1, i)
                .Bind(2, std::string(static_cast<std::size_t>(i % 97), 'a'))
                .Run();
        }
        connection.Exec("COMMIT");
        // A connection through SQLite's own default VFS, open at the same time: the WAL index
        // (shared memory) and the file locks agree between the two.
        sqlite3* plain = nullptr;
        ASSERT_EQ(sqlite3_open_v2(path.c_str(), &plain, SQLITE_OPEN_READWRITE, nullptr),
                  SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(plain, "SELECT count(*), sum(length(s)) FROM t", -1, &st,
                                     nullptr),
                  SQLITE_OK);
        ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
        EXPECT_EQ(sqlite3_column_int64(st, 0), 500);
        EXPECT_EQ(sqlite3_column_int64(st, 1), [] {
            std::int64_t sum = 0;
            for (int i = 0; i < 500; ++i) {
                sum += i % 97;
            }
            return sum;
        }());
        sqlite3_finalize(st);
        ASSERT_EQ(sqlite3_exec(plain, "INSERT INTO t (x, s) VALUES (1000, 'default VFS')",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(plain);
        auto back = connection.Prepare("SELECT s FROM t WHERE x = 1000");
        ASSERT_TRUE(back.Step());
        EXPECT_EQ(back.Text(0), "default VFS");
    }
    Connection reopened(path);
    auto st = reopened.Prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), 501);
}

TEST(SqliteYieldingVfs, OnlyAMarkedThreadYieldsAsItWrites) {
    const std::string path = FreshPath("marked.db");
    Connection connection(path);
    connection.Exec("PRAGMA synchronous=OFF");  // only to keep the test fast
    connection.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    const long before = YieldingVfsYields();
    WritePaddedRows(connection, 200);  // about one WAL frame per row
    EXPECT_EQ(YieldingVfsYields() - before, 0) << "an unmarked thread never yields";
    std::thread background([&] {
        YieldWritesOnThisThread(true);
        WritePaddedRows(connection, 200);
    });
    background.join();
    EXPECT_GE(YieldingVfsYields() - before, 200 / kWritesPerYield - 1);
}

/// count(*), sum(x) and sum(length(pad)) of table t, read through SQLite's default VFS.
struct Totals {
    std::int64_t rows = -1;
    std::int64_t sum_x = -1;
    std::int64_t pad_bytes = -1;
    std::string integrity;
};
Totals ReadThroughDefaultVfs(const std::string& path) {
    Totals out;
    sqlite3* plain = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &plain, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(plain, "SELECT count(*), sum(x), sum(length(pad)) FROM t", -1, &st,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        out.rows = sqlite3_column_int64(st, 0);
        out.sum_x = sqlite3_column_int64(st, 1);
        out.pad_bytes = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(plain, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        out.integrity = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(plain);
    return out;
}

TEST(SqliteYieldingVfs, AWalCommitReachesTheFileAsOneWriteUpToTheLimit) {
    const std::string path = FreshPath("gather.db");
    Connection connection(path);  // synchronous=FULL
    connection.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    WritePaddedRows(connection, 1);  // the WAL's header is written (and synced) once, here

    long before = YieldingVfsWalFlushes();
    WritePaddedRows(connection, 20);  // about 20 frames of 4,120 bytes: under the limit
    EXPECT_EQ(YieldingVfsWalFlushes() - before, 1) << "forty frame writes, one write(2)";

    // 300 frames (about 1.2 MB) pass the limit many times: each piece stays under it. A piece
    // of 128 KiB or more would come out short in the unix VFS and fail the commit.
    before = YieldingVfsWalFlushes();
    WritePaddedRows(connection, 300);
    const long pieces = YieldingVfsWalFlushes() - before;
    EXPECT_GE(pieces, 300 * 4120 / kWalWriteLimit);
    EXPECT_LE(pieces, 320 * 4120 / kWalWriteLimit + 2);

    const Totals totals = ReadThroughDefaultVfs(path);
    EXPECT_EQ(totals.integrity, "ok");
    EXPECT_EQ(totals.rows, 321);
    EXPECT_EQ(totals.sum_x, 0 + 19 * 20 / 2 + 299 * 300 / 2);
    EXPECT_EQ(totals.pad_bytes, 321 * 3000);
}

TEST(SqliteYieldingVfs, ACommitWithoutSyncPublishesOnlyFramesAlreadyInTheFile) {
    // No fsync at synchronous=OFF, so the held-back frames must reach the file when the commit
    // publishes them in the WAL index: another connection reads them at once.
    const std::string path = FreshPath("nosync.db");
    Connection connection(path);
    connection.Exec("PRAGMA synchronous=OFF");
    connection.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    std::int64_t rows = 0;
    std::int64_t sum_x = 0;
    for (int round = 0; round < 5; ++round) {
        WritePaddedRows(connection, 10);
        rows += 10;
        sum_x += 9 * 10 / 2;
        const Totals totals = ReadThroughDefaultVfs(path);
        ASSERT_EQ(totals.integrity, "ok") << "round " << round;
        ASSERT_EQ(totals.rows, rows) << "round " << round;
        ASSERT_EQ(totals.sum_x, sum_x) << "round " << round;
        ASSERT_EQ(totals.pad_bytes, rows * 3000) << "round " << round;
    }
}

TEST(SqliteYieldingVfs, ATransactionLargerThanItsPageCacheReadsBackTheFramesItSpilled) {
    // With a small page cache, SQLite writes dirty pages to the WAL before COMMIT and reads them
    // back from there: those reads must see the held-back bytes.
    const std::string path = FreshPath("spill.db");
    Connection connection(path);
    connection.Exec("PRAGMA cache_size=10");
    connection.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    connection.Exec("BEGIN");
    InsertPaddedRows(connection, 200);
    {
        auto st = connection.Prepare("SELECT count(*), sum(x), sum(length(pad)) FROM t");
        ASSERT_TRUE(st.Step());
        EXPECT_EQ(st.Int(0), 200);
        EXPECT_EQ(st.Int(1), 199 * 200 / 2);
        EXPECT_EQ(st.Int(2), 200 * 3000);
    }
    connection.Exec("COMMIT");
    const Totals totals = ReadThroughDefaultVfs(path);
    EXPECT_EQ(totals.integrity, "ok");
    EXPECT_EQ(totals.rows, 200);
    EXPECT_EQ(totals.sum_x, 199 * 200 / 2);
}

TEST(SqliteYieldingVfs, FramesSpilledByARolledBackTransactionNeverOverwriteLaterCommits) {
    // One connection spills frames and rolls back; another then commits frames at the same
    // place in the WAL. The first one's held-back bytes must have reached the file before it
    // let go of its lock, not when it next touches the WAL. (SQLite 3.40 reads the WAL while it
    // rolls back, which writes them already; the VFS also writes them before any lock change.)
    const std::string path = FreshPath("rollback.db");
    Connection first(path);
    first.Exec("CREATE TABLE t (x INTEGER, pad BLOB)");
    first.Exec("PRAGMA cache_size=10");
    first.Exec("BEGIN");
    InsertPaddedRows(first, 100, -1);
    first.Exec("ROLLBACK");
    EXPECT_EQ(YieldingVfsHeldBytes(), 0) << "held past the end of their transaction";
    {
        Connection second(path);
        WritePaddedRows(second, 100);
    }
    {
        auto st = first.Prepare("SELECT count(*), sum(x) FROM t");  // the first touches the WAL
        ASSERT_TRUE(st.Step());
        EXPECT_EQ(st.Int(0), 100);
        EXPECT_EQ(st.Int(1), 99 * 100 / 2);
    }
    const Totals totals = ReadThroughDefaultVfs(path);
    EXPECT_EQ(totals.integrity, "ok");
    EXPECT_EQ(totals.rows, 100);
    EXPECT_EQ(totals.sum_x, 99 * 100 / 2);
    EXPECT_EQ(totals.pad_bytes, 100 * 3000);
}

}  // namespace
}  // namespace mitra::storage::sqlite
