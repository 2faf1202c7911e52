#include "api/evaluation_groups.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace mitra::api {
namespace {

// Each caller "commits" by bumping `version`, then asks for an evaluation. An evaluation
// records the version it saw when it started. A caller is covered when, on return, some
// finished evaluation saw its version.
TEST(EvaluationGroups, EveryCallerIsCoveredByAnEvaluationThatStartedAfterIt) {
    EvaluationGroups groups;
    std::atomic<int> version{0};
    std::atomic<int> evaluated_up_to{0};
    std::atomic<int> evaluations{0};
    std::atomic<int> uncovered{0};
    constexpr int kThreads = 8;
    constexpr int kCallsPerThread = 200;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kCallsPerThread; ++i) {
                const int mine = ++version;
                groups.Run("patient-1", [&] {
                    const int seen = version.load();
                    ++evaluations;
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                    int prev = evaluated_up_to.load();
                    while (prev < seen && !evaluated_up_to.compare_exchange_weak(prev, seen)) {
                    }
                });
                if (evaluated_up_to.load() < mine) {
                    ++uncovered;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(uncovered.load(), 0);
    // 1,600 calls with 8 contending threads share evaluations: without sharing there would be
    // 1,600. The bound is loose (scheduling decides), but sharing must happen.
    EXPECT_LT(evaluations.load(), kThreads * kCallsPerThread);
    EXPECT_EQ(groups.ActiveKeys(), 0U);
}

TEST(EvaluationGroups, KeysDoNotShare) {
    EvaluationGroups groups;
    int a = 0;
    int b = 0;
    groups.Run("a", [&] { ++a; });
    groups.Run("b", [&] { ++b; });
    groups.Run("a", [&] { ++a; });
    EXPECT_EQ(a, 2);  // sequential callers each get their own evaluation
    EXPECT_EQ(b, 1);
}

TEST(EvaluationGroups, AFailureIsCountedAndTheNextCallerEvaluatesAgain) {
    EvaluationGroups groups;
    groups.Run("a", [] { throw std::runtime_error("database gone"); });
    EXPECT_EQ(groups.Failures(), 1U);
    int ran = 0;
    groups.Run("a", [&] { ++ran; });
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(groups.ActiveKeys(), 0U);
}

}  // namespace
}  // namespace mitra::api
