#pragma once
// The time-based safety rules (missed check-in, weekly dose frequency, escalation) change
// with the clock, not with writes: a background thread re-evaluates every patient
// periodically (api::EvaluateAllPatients). Started by Serve after the database opens and
// stopped (joined) before it closes.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/ids.hpp"
#include "core/ports.hpp"

namespace mitra::app {

/// Default period of the scheduler: 15 minutes (an operations choice, not a clinical number;
/// the shortest time-based rule window is days). `mitra serve --alert-interval-s N`.
inline constexpr int kDefaultAlertIntervalS = 15 * 60;

class AlertScheduler {
public:
    /// interval <= 0: does not start a thread.
    AlertScheduler(core::Storage& storage, core::Clock& clock, core::Random& random,
                   std::chrono::seconds interval);
    ~AlertScheduler();
    AlertScheduler(const AlertScheduler&) = delete;
    AlertScheduler& operator=(const AlertScheduler&) = delete;

    /// Stops and joins the thread (idempotent).
    void Stop();

private:
    void Run();

    core::Storage& storage_;
    core::Clock& clock_;
    core::Random& random_;
    std::chrono::seconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mitra::app
