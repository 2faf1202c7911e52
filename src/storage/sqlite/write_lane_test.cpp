// Group commit (write_lane.hpp): concurrent write UnitOfWorks commit in batches, yet each one
// is atomic on its own: committed ones are all there (also after reopening the file), rolled
// back ones are not, and a rollback never takes a neighbour's changes with it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "storage/open_storage.hpp"
#include "storage/test_temp_dir.hpp"

namespace mitra::storage {
namespace {

std::string Path(const std::string& name) {
    static const ProcessTempDir dir("mitra-lane-");
    return dir.Fresh(name);
}

std::string OrgId(int thread, int i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "01900000-0000-7000-8000-%06d%06d", thread, i);
    return buf;
}

TEST(SqliteWriteLane, ConcurrentCommitsAndRollbacksStayIndependent) {
    const std::string path = Path("lane.db");
    constexpr int kThreads = 8;
    constexpr int kPerThread = 40;
    std::atomic<int> committed{0};
    std::atomic<int> errors{0};
    {
        auto storage = OpenStorage("sqlite:" + path, {});
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    try {
                        auto uow = storage->Begin(core::TxMode::kWrite);
                        const std::string id = OrgId(t, i);
                        uow->Organizations().Insert({id, "org " + id, false, i});
                        // Read-your-writes inside the unit of work.
                        if (!uow->Organizations().FindById(id).has_value()) {
                            ++errors;
                        }
                        if (i % 5 == 4) {
                            continue;  // destroyed without Commit: rolled back
                        }
                        uow->Commit();
                        ++committed;
                    } catch (const std::exception&) {
                        ++errors;
                    }
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        // The counters /metrics shows: every committed write counted once, in no more group
        // commits than writes (and no commit for the rolled-back ones).
        std::map<std::string, double> metrics;
        for (const auto& m : storage->Metrics()) {
            metrics[m.name] = m.value;
        }
        EXPECT_EQ(metrics["mitra_sqlite_committed_writes_total"], committed.load());
        EXPECT_GE(metrics["mitra_sqlite_commits_total"], 1);
        EXPECT_LE(metrics["mitra_sqlite_commits_total"], committed.load());
        EXPECT_GT(metrics["mitra_sqlite_commit_seconds_total"], 0);
        EXPECT_GE(metrics["mitra_sqlite_write_lane_busy_seconds_total"],
                  metrics["mitra_sqlite_commit_seconds_total"]);
    }
    EXPECT_EQ(errors.load(), 0);
    // 4 of every 5 commit: 8 threads x 40 x 4/5 = 256.
    EXPECT_EQ(committed.load(), kThreads * kPerThread * 4 / 5);
    auto reopened = OpenStorage("sqlite:" + path, {});
    auto uow = reopened->Begin(core::TxMode::kRead);
    EXPECT_EQ(static_cast<int>(uow->Organizations().List().size()), committed.load());
    EXPECT_FALSE(uow->Organizations().FindById(OrgId(0, 4)).has_value());
    EXPECT_TRUE(uow->Organizations().FindById(OrgId(0, 3)).has_value());
}

TEST(SqliteWriteLane, AConflictInOneUnitOfWorkLeavesTheOthersIntact) {
    auto storage = OpenStorage("sqlite:" + Path("conflict.db"), {});
    {
        auto uow = storage->Begin(core::TxMode::kWrite);
        uow->Organizations().Insert({OrgId(1, 1), "Same", false, 1});
        uow->Commit();
    }
    {
        auto uow = storage->Begin(core::TxMode::kWrite);
        uow->Organizations().Insert({OrgId(1, 2), "Other", false, 1});
        EXPECT_THROW(uow->Organizations().Insert({OrgId(1, 3), "Same", false, 1}), ConflictError);
        uow->Commit();
    }
    auto uow = storage->Begin(core::TxMode::kRead);
    EXPECT_EQ(uow->Organizations().List().size(), 2u);
}

}  // namespace
}  // namespace mitra::storage
