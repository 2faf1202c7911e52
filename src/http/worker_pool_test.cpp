#include "http/worker_pool.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/blocking.hpp"

namespace mitra::http {
namespace {

using namespace std::chrono_literals;

// The monitor never fires within a test that uses this: what happens follows from the wake-up
// rules alone.
constexpr std::chrono::microseconds kNoStallCheck = 600s;

/// Waits until every thread of `pool` sleeps (they start awake), so that what follows depends
/// only on the wake-up rules.
void WaitUntilAllSleep(const WorkerPool& pool) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (pool.GetStats().sleeping != pool.GetStats().threads) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the pool's threads never slept";
        std::this_thread::sleep_for(1ms);
    }
}

void Spin(std::chrono::microseconds how_long) {
    const auto end = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < end) {
    }
}

TEST(WorkerPool, RunsAtMostTheRunnableLimitAtOnceWhileNoJobWaits) {
    for (const std::size_t limit : {1u, 2u}) {
        WorkerPool pool(8, limit, "mitra-test", kNoStallCheck);
        WaitUntilAllSleep(pool);
        std::atomic<int> running{0};
        std::atomic<int> most{0};
        std::atomic<int> done{0};
        constexpr int kJobs = 200;
        for (int i = 0; i < kJobs; ++i) {
            pool.Post([&] {
                const int now = running.fetch_add(1) + 1;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                Spin(50us);  // short, and far below the stall check: the queue keeps moving
                running.fetch_sub(1);
                done.fetch_add(1);
            });
        }
        pool.Join();
        EXPECT_EQ(done.load(), kJobs);
        EXPECT_EQ(most.load(), static_cast<int>(limit)) << "limit " << limit;
        EXPECT_EQ(pool.GetStats().stall_wakes, 0u);
        EXPECT_EQ(pool.GetStats().jobs, static_cast<std::uint64_t>(kJobs));
    }
}

TEST(WorkerPool, AJobEnteringABlockingScopeLetsTheQueuedJobRun) {
    std::promise<void> second_queued;
    std::promise<void> second_ran;
    std::promise<void> first_done;
    WorkerPool pool(4, 1, "mitra-test", kNoStallCheck);
    WaitUntilAllSleep(pool);
    // The first job waits for the second, which is queued behind it on the only runnable place.
    pool.Post([&] {
        second_queued.get_future().wait();
        const core::BlockingScope blocking;
        second_ran.get_future().wait();
        first_done.set_value();
    });
    pool.Post([&] { second_ran.set_value(); });
    second_queued.set_value();
    const bool done = first_done.get_future().wait_for(5s) == std::future_status::ready;
    EXPECT_TRUE(done) << "the queued job never ran";
    if (!done) {
        second_ran.set_value();  // lets the first job end; the pool drops the second
    }
    EXPECT_EQ(pool.GetStats().stall_wakes, 0u);
}

TEST(WorkerPool, AJobPostedWhileTheRunningOneWaitsInAScopeRunsAtOnce) {
    std::promise<void> first_waits;
    std::promise<void> second_ran;
    std::promise<void> first_done;
    WorkerPool pool(4, 1, "mitra-test", kNoStallCheck);
    WaitUntilAllSleep(pool);
    pool.Post([&] {
        const core::BlockingScope blocking;
        first_waits.set_value();
        second_ran.get_future().wait();
        first_done.set_value();
    });
    first_waits.get_future().wait();
    pool.Post([&] { second_ran.set_value(); });
    const bool done = first_done.get_future().wait_for(5s) == std::future_status::ready;
    EXPECT_TRUE(done) << "the job posted meanwhile never ran";
    if (!done) {
        second_ran.set_value();
    }
}

TEST(WorkerPool, TheMonitorWakesAThreadWhenRunningJobsWaitWithoutSaying) {
    constexpr std::chrono::microseconds kStallCheck = 20ms;
    std::promise<void> second_ran;
    std::promise<void> first_done;
    WorkerPool pool(4, 1, "mitra-test", kStallCheck);
    WaitUntilAllSleep(pool);
    const auto start = std::chrono::steady_clock::now();
    pool.Post([&] {
        second_ran.get_future().wait();  // no BlockingScope
        first_done.set_value();
    });
    pool.Post([&] { second_ran.set_value(); });
    const bool done = first_done.get_future().wait_for(5s) == std::future_status::ready;
    EXPECT_TRUE(done) << "the monitor never woke a thread";
    if (!done) {
        second_ran.set_value();
        return;
    }
    EXPECT_GE(std::chrono::steady_clock::now() - start, kStallCheck);
    EXPECT_EQ(pool.GetStats().stall_wakes, 1u);
}

// The server posts writes kAtOnce. With every write place taken by a write that waits on
// something that does not come, a read still finds a thread, and a further write waits in the
// queue (the read behind it goes first) until a place frees.
TEST(WorkerPool, KAtOnceJobsHoldAtMostTheirLimitSoOtherJobsStillRun) {
    WorkerPool pool(2, 1, "mitra-test", kNoStallCheck, 2);  // 4 threads, writes on 2 at most
    EXPECT_EQ(pool.GetStats().threads, 4u);
    EXPECT_EQ(pool.GetStats().max_at_once, 2u);
    WaitUntilAllSleep(pool);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> writes_started{0};
    std::atomic<int> writes_done{0};
    auto stuck_write = [&] {
        writes_started.fetch_add(1);
        const core::BlockingScope blocking;  // as the write lane waits
        released.wait();
        writes_done.fetch_add(1);
    };
    // As many writes as threads: without the limit, they would hold every thread.
    for (int i = 0; i < 4; ++i) {
        pool.Post(stuck_write, WorkerPool::Start::kAtOnce);  // the last two wait in the queue
    }
    std::promise<void> read_ran;
    pool.Post([&] { read_ran.set_value(); });
    const bool read = read_ran.get_future().wait_for(5s) == std::future_status::ready;
    EXPECT_TRUE(read) << "a read found no thread while the writes waited";
    EXPECT_EQ(writes_started.load(), 2) << "a write started past the limit";
    release.set_value();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (writes_done.load() < 4 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(writes_done.load(), 4) << "the queued writes never ran once places freed";
    EXPECT_EQ(pool.GetStats().stall_wakes, 0u);
}

TEST(WorkerPool, JoinRunsEveryQueuedJobAndTheJobsTheyPost) {
    std::atomic<int> ran{0};
    {
        WorkerPool pool(3, 1, "mitra-test");
        for (int i = 0; i < 100; ++i) {
            pool.Post([&] {
                ran.fetch_add(1);
                pool.Post([&] { ran.fetch_add(1); });
            });
        }
        pool.Join();
        EXPECT_EQ(ran.load(), 200);
    }
    EXPECT_EQ(ran.load(), 200);
}

TEST(WorkerPool, StopDropsTheJobsNotStartedAndWaitsForTheRunningOne) {
    WorkerPool pool(2, 1, "mitra-test", kNoStallCheck);
    WaitUntilAllSleep(pool);
    std::promise<void> started;
    std::atomic<bool> release{false};
    std::atomic<bool> finished{false};
    pool.Post([&] {
        started.set_value();
        while (!release.load()) {
            std::this_thread::sleep_for(1ms);
        }
        finished = true;
    });
    started.get_future().wait();
    auto token = std::make_shared<int>(0);
    std::atomic<int> ran{0};
    for (int i = 0; i < 10; ++i) {
        pool.Post([&ran, token] { ran.fetch_add(1); });
    }
    EXPECT_EQ(token.use_count(), 11);
    std::thread releaser([&] {
        std::this_thread::sleep_for(20ms);
        release = true;
    });
    pool.Stop();
    releaser.join();
    EXPECT_TRUE(finished.load());
    EXPECT_EQ(ran.load(), 0);
    EXPECT_EQ(token.use_count(), 1) << "the dropped jobs were destroyed";
}

TEST(WorkerPool, DefaultsToOneRunnableThreadPerCpuOfTheProcess) {
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    WorkerPool pool(2, 0, "mitra-test");
    EXPECT_EQ(pool.GetStats().runnable_limit, static_cast<std::size_t>(CPU_COUNT(&set)));
    EXPECT_EQ(pool.GetStats().threads, 2u);
}

TEST(WorkerPool, NamesItsThreadsAndRefusesNone) {
    WorkerPool pool(1, 1, "mitra-test");
    std::promise<std::string> name;
    pool.Post([&] {
        char buffer[16] = {};
        pthread_getname_np(pthread_self(), buffer, sizeof buffer);
        name.set_value(buffer);
    });
    EXPECT_EQ(name.get_future().get(), "mitra-test");
    EXPECT_THROW(WorkerPool(0, 1, "mitra-test"), std::invalid_argument);
}

TEST(WorkerPool, RunsItsJobsUnderTheBatchPolicySoAWakeUpDoesNotPreemptTheWaker) {
    const int own_policy = sched_getscheduler(0);
    WorkerPool pool(2, 2, "mitra-test");
    std::promise<int> policy;
    pool.Post([&] { policy.set_value(sched_getscheduler(0)); });
    EXPECT_EQ(policy.get_future().get(), SCHED_BATCH);
    EXPECT_EQ(sched_getscheduler(0), own_policy) << "the thread that made the pool is unchanged";
}

}  // namespace
}  // namespace mitra::http
