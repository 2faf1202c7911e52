#include "api/deferred_evaluation.hpp"

#include <pthread.h>
#include <vector>

#include "core/blocking.hpp"

namespace mitra::api {

DeferredEvaluation::DeferredEvaluation(Evaluate evaluate, std::chrono::milliseconds delay)
    : evaluate_(std::move(evaluate)), delay_(delay), thread_([this] { Run(); }) {}

DeferredEvaluation::~DeferredEvaluation() { Stop(); }

void DeferredEvaluation::Enqueue(const std::string& organization_id,
                                 const std::string& patient_id,
                                 const std::string& actor_user_id) {
    std::unique_lock lock(mutex_);
    // The thread sleeps until the queue is non-empty and then waits out the delay, which only
    // Stop() cuts short: only the first patient queued needs to wake it, not every write.
    const bool wake = queued_.empty();
    queued_.try_emplace(Key(organization_id, patient_id), actor_user_id);
    enqueued_.fetch_add(1, std::memory_order_release);
    if (stopping_) {
        // No thread any more (shutting down): the caller evaluates its own write.
        while (completed_.load(std::memory_order_acquire) < enqueued_.load()) {
            if (draining_) {
                const core::BlockingScope blocking;  // another thread evaluates
                done_.wait(lock);
            } else {
                DrainLocked(lock);
            }
        }
        return;
    }
    lock.unlock();  // so the woken thread does not block on the mutex straight away
    if (wake) {
        wake_.notify_one();
    }
}

void DeferredEvaluation::Barrier() {
    const std::uint64_t target = enqueued_.load(std::memory_order_acquire);
    if (completed_.load(std::memory_order_acquire) >= target) {
        return;
    }
    std::unique_lock lock(mutex_);
    while (completed_.load(std::memory_order_acquire) < target) {
        if (draining_) {
            const core::BlockingScope blocking;  // another thread evaluates
            done_.wait(lock);
        } else {
            DrainLocked(lock);
        }
    }
}

void DeferredEvaluation::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    Barrier();
}

std::size_t DeferredEvaluation::Pending() const {
    std::lock_guard lock(mutex_);
    return queued_.size();
}

void DeferredEvaluation::DrainLocked(std::unique_lock<std::mutex>& lock) {
    draining_ = true;
    // Everything queued so far is in `batch`: its tickets are covered once it is evaluated.
    const std::uint64_t covers = enqueued_.load(std::memory_order_acquire);
    std::map<Key, std::string> batch;
    batch.swap(queued_);
    lock.unlock();
    for (const auto& [key, actor] : batch) {
        try {
            evaluate_(key.first, key.second, actor);
        } catch (...) {
            failures_.fetch_add(1, std::memory_order_relaxed);
        }
        evaluations_.fetch_add(1, std::memory_order_relaxed);
    }
    lock.lock();
    draining_ = false;
    if (completed_.load(std::memory_order_relaxed) < covers) {
        completed_.store(covers, std::memory_order_release);
    }
    done_.notify_all();
}

void DeferredEvaluation::Run() {
    pthread_setname_np(pthread_self(), "mitra-evaluate");
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
        if (stopping_) {
            return;  // Stop() evaluates the rest
        }
        // Let a burst of writes for the same patients gather into one evaluation each.
        wake_.wait_for(lock, delay_, [&] { return stopping_; });
        if (stopping_) {
            return;
        }
        if (draining_) {
            // A request's Barrier is on it; wait for it to finish, then look again.
            done_.wait(lock, [&] { return !draining_; });
            continue;
        }
        if (!queued_.empty()) {
            DrainLocked(lock);
        }
    }
}

}  // namespace mitra::api
