#pragma once
// Safety-rule evaluation after a write, taken off the write's path and coalesced per patient.
//
// A handler that changed a patient's facts (dose, assessment, substance use, medication,
// adverse event, patient settings) commits, queues the patient here and answers. A background
// thread waits `delay` after the first queued patient (so a burst of writes for one patient
// costs one evaluation), then evaluates every queued patient once. Reads keep seeing their
// own writes' consequences: every other request first calls Barrier(), which returns once each
// patient queued before the call has been evaluated (helping with the work when the background
// thread is not already on it). So within one server a write's alerts and taper hold are
// visible to the very next request, exactly as if the write had evaluated them itself; another
// server process on the same PostgreSQL database sees them within `delay`, and the scheduler's
// periodic pass (or `mitra alerts evaluate`) covers a process that died in between.
//
// The evaluation itself is a parameter, so the queue's ordering and coalescing rules are
// tested on their own; the server passes EvaluatePatientNow (alerting.hpp).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace mitra::api {

class DeferredEvaluation {
public:
    /// (organization_id, patient_id, actor_user_id of the first write that queued it)
    using Evaluate =
        std::function<void(const std::string&, const std::string&, const std::string&)>;

    explicit DeferredEvaluation(Evaluate evaluate,
                                std::chrono::milliseconds delay = std::chrono::milliseconds(200));
    DeferredEvaluation(const DeferredEvaluation&) = delete;
    DeferredEvaluation& operator=(const DeferredEvaluation&) = delete;
    /// Stop(): evaluates what is still queued, then joins the thread.
    ~DeferredEvaluation();

    /// Queues the patient (once, however many writes arrive before it is evaluated).
    void Enqueue(const std::string& organization_id, const std::string& patient_id,
                 const std::string& actor_user_id);
    /// Returns once every patient queued before the call has been evaluated. Cheap (two
    /// atomic loads) when nothing is queued.
    void Barrier();
    /// Evaluates what is queued and stops the thread; later Enqueue calls evaluate inline.
    void Stop();

    /// Evaluations run, evaluations that threw (counted, never rethrown: the write they follow
    /// is already durable, and the next write or the scheduler's pass catches up), and
    /// patients waiting now.
    std::uint64_t Evaluations() const { return evaluations_.load(std::memory_order_relaxed); }
    std::uint64_t Failures() const { return failures_.load(std::memory_order_relaxed); }
    std::size_t Pending() const;

private:
    using Key = std::pair<std::string, std::string>;  // organization, patient

    void Run();
    /// Takes everything queued and evaluates it without the lock; `lock` is held on entry and
    /// on return. Only one drain runs at a time.
    void DrainLocked(std::unique_lock<std::mutex>& lock);

    const Evaluate evaluate_;
    const std::chrono::milliseconds delay_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    std::map<Key, std::string> queued_;  // → actor
    std::atomic<std::uint64_t> enqueued_{0};   // writes queued so far (a ticket each)
    std::atomic<std::uint64_t> completed_{0};  // every ticket <= this has been evaluated
    bool draining_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> evaluations_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::thread thread_;
};

}  // namespace mitra::api
