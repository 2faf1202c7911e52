// WAL checkpoints run on the background thread once the WAL passes the threshold, the writer
// keeps committing meanwhile, and nothing is lost.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
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

/// Inserts `rows` rows of table t (x, pad BLOB) in one transaction, about one page each.
void WritePaddedRows(Connection& connection, int rows) {
    connection.Exec("BEGIN");
    for (int i = 0; i < rows; ++i) {
        connection.Prepare("INSERT INTO t (x, pad) VALUES (?1, zeroblob(3000))").Bind(1, i).Run();
    }
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

}  // namespace
}  // namespace mitra::storage::sqlite
