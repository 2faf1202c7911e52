#include "api/deferred_evaluation.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mitra::api {
namespace {

using namespace std::chrono_literals;

// A stand-in record: each "write" bumps the patient's version; an evaluation remembers the
// version it saw. A reader is covered when every patient it wrote has been evaluated at or
// after its write.
struct Record {
    std::mutex mutex;
    std::map<std::string, int> version;    // patient → writes so far
    std::map<std::string, int> evaluated;  // patient → version the last evaluation saw
    std::map<std::string, std::string> actor;
    int evaluations = 0;

    int Write(const std::string& patient) {
        std::lock_guard lock(mutex);
        return ++version[patient];
    }
    void Evaluate(const std::string& patient, const std::string& by) {
        std::lock_guard lock(mutex);
        evaluated[patient] = version[patient];
        actor[patient] = by;
        ++evaluations;
    }
    int EvaluatedAt(const std::string& patient) {
        std::lock_guard lock(mutex);
        return evaluated[patient];
    }
};

TEST(DeferredEvaluation, BarrierReturnsOnlyOnceEveryEarlierWriteIsEvaluated) {
    Record record;
    // A long delay: the background thread would not get there in time, so Barrier must work.
    DeferredEvaluation queue(
        [&](const std::string&, const std::string& patient, const std::string& actor) {
            std::this_thread::sleep_for(1ms);
            record.Evaluate(patient, actor);
        },
        10s);
    const int mine = record.Write("p1");
    queue.Enqueue("org", "p1", "u1");
    record.Write("p2");
    queue.Enqueue("org", "p2", "u2");
    EXPECT_EQ(queue.Pending(), 2u);
    queue.Barrier();
    EXPECT_GE(record.EvaluatedAt("p1"), mine);
    EXPECT_EQ(record.EvaluatedAt("p2"), 1);
    EXPECT_EQ(queue.Pending(), 0u);
    EXPECT_EQ(queue.Evaluations(), 2u);
    queue.Barrier();  // nothing queued: returns at once, evaluates nothing
    EXPECT_EQ(queue.Evaluations(), 2u);
}

TEST(DeferredEvaluation, ABurstOfWritesForOnePatientIsEvaluatedOnceByTheBackgroundThread) {
    Record record;
    DeferredEvaluation queue(
        [&](const std::string&, const std::string& patient, const std::string& actor) {
            record.Evaluate(patient, actor);
        },
        100ms);
    for (int i = 0; i < 50; ++i) {
        record.Write("p1");
        queue.Enqueue("org", "p1", i == 0 ? "first-writer" : "later-writer");
    }
    // No Barrier: the background thread evaluates after the delay.
    for (int i = 0; i < 500 && queue.Evaluations() == 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(queue.Evaluations(), 1u);
    EXPECT_EQ(record.EvaluatedAt("p1"), 50);
    EXPECT_EQ(record.actor["p1"], "first-writer") << "the write that queued it is the actor";
}

TEST(DeferredEvaluation, ConcurrentWritersAndReadersAlwaysSeeTheirWritesEvaluated) {
    Record record;
    DeferredEvaluation queue(
        [&](const std::string&, const std::string& patient, const std::string& actor) {
            std::this_thread::sleep_for(100us);
            record.Evaluate(patient, actor);
        },
        2ms);
    constexpr int kThreads = 8;
    constexpr int kWrites = 200;
    std::atomic<int> uncovered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const std::string patient = "p" + std::to_string(t % 3);
            for (int i = 0; i < kWrites; ++i) {
                const int mine = record.Write(patient);
                queue.Enqueue("org", patient, "u");
                if (i % 4 == 0) {  // a read after the write
                    queue.Barrier();
                    if (record.EvaluatedAt(patient) < mine) {
                        ++uncovered;
                    }
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    queue.Barrier();
    EXPECT_EQ(uncovered.load(), 0);
    for (int p = 0; p < 3; ++p) {
        const std::string patient = "p" + std::to_string(p);
        EXPECT_EQ(record.EvaluatedAt(patient), record.version[patient]);
    }
    // 1,600 writes over 3 patients coalesce into far fewer evaluations.
    EXPECT_LT(queue.Evaluations(), static_cast<std::uint64_t>(kThreads * kWrites));
}

TEST(DeferredEvaluation, AFailedEvaluationIsCountedAndDoesNotBlockOthers) {
    Record record;
    DeferredEvaluation queue(
        [&](const std::string&, const std::string& patient, const std::string& actor) {
            if (patient == "bad") {
                throw std::runtime_error("database unavailable");
            }
            record.Evaluate(patient, actor);
        },
        10s);
    queue.Enqueue("org", "bad", "u");
    record.Write("good");
    queue.Enqueue("org", "good", "u");
    queue.Barrier();
    EXPECT_EQ(queue.Failures(), 1u);
    EXPECT_EQ(record.EvaluatedAt("good"), 1);
}

TEST(DeferredEvaluation, StopEvaluatesWhatIsQueuedAndLaterWritesEvaluateInline) {
    Record record;
    DeferredEvaluation queue(
        [&](const std::string&, const std::string& patient, const std::string& actor) {
            record.Evaluate(patient, actor);
        },
        10s);
    record.Write("p1");
    queue.Enqueue("org", "p1", "u");
    queue.Stop();
    EXPECT_EQ(record.EvaluatedAt("p1"), 1) << "a graceful stop loses no evaluation";
    record.Write("p1");
    queue.Enqueue("org", "p1", "u");
    EXPECT_EQ(record.EvaluatedAt("p1"), 2);
}

}  // namespace
}  // namespace mitra::api
