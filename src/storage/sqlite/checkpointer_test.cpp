// WAL checkpoints run on the background thread once the WAL passes the threshold, the writer
// keeps committing meanwhile, and nothing is lost.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/sqlite/checkpointer.hpp"
#include "storage/sqlite/connection.hpp"

namespace mitra::storage::sqlite {
namespace {

std::string FreshPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("mitra-ckpt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / name).string();
    std::filesystem::remove(path);
    return path;
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

}  // namespace
}  // namespace mitra::storage::sqlite
