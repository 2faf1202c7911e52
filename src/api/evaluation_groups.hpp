#pragma once
// Shares work among concurrent callers that each need "an evaluation that started after I
// asked" (group commit, applied to alert evaluation). Callers name a key (one patient); per key
// at most one evaluation runs; callers arriving while it runs wait and are covered by the next
// one, which starts after they arrived. So a caller always returns after an evaluation that saw
// its committed write, and a burst of N callers costs about two evaluations.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace mitra::api {

class EvaluationGroups {
public:
    /// Returns once an `evaluate` call that started after this call began has finished (this
    /// thread's or another's). An exception from `evaluate` is counted, not rethrown: the
    /// callers it covered return as covered.
    template <typename Fn>
    void Run(const std::string& key, Fn evaluate) {
        std::unique_lock lock(mutex_);
        Group& group = groups_[key];  // std::map: references stay valid while others insert
        const std::uint64_t ticket = ++group.requested;
        ++group.users;
        while (group.done < ticket) {
            if (group.running) {
                changed_.wait(lock);
                continue;
            }
            group.running = true;
            const std::uint64_t covers = group.requested;  // everyone who has arrived so far
            lock.unlock();
            try {
                evaluate();
            } catch (...) {
                failures_.fetch_add(1, std::memory_order_relaxed);
            }
            lock.lock();
            group.running = false;
            group.done = std::max(group.done, covers);
            changed_.notify_all();
        }
        if (--group.users == 0) {
            groups_.erase(key);
        }
    }

    /// Evaluations that threw.
    std::uint64_t Failures() const { return failures_.load(std::memory_order_relaxed); }

    /// Keys with callers in flight (0 when idle).
    std::size_t ActiveKeys() {
        std::lock_guard lock(mutex_);
        return groups_.size();
    }

private:
    struct Group {
        std::uint64_t requested = 0;  // tickets handed out
        std::uint64_t done = 0;       // every ticket <= done has been covered
        bool running = false;
        int users = 0;
    };
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, Group> groups_;
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace mitra::api
