#include "app/alert_scheduler.hpp"

#include <iostream>
#include <pthread.h>

#include "api/alerting.hpp"

namespace mitra::app {

AlertScheduler::AlertScheduler(core::Storage& storage, core::Clock& clock, core::Random& random,
                               std::chrono::seconds interval)
    : storage_(storage), clock_(clock), random_(random), interval_(interval) {
    if (interval_.count() > 0) {
        thread_ = std::thread([this] { Run(); });
    }
}

AlertScheduler::~AlertScheduler() { Stop(); }

void AlertScheduler::Stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void AlertScheduler::Run() {
    pthread_setname_np(pthread_self(), "mitra-alerts");
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        int failures = 0;
        try {
            api::EvaluateAllPatients(storage_, clock_, random_, &failures);
        } catch (const std::exception&) {
            ++failures;  // the database is unavailable; try again next period
        }
        if (failures > 0) {
            // Counts only: patient data never goes to the log.
            std::cerr << "alert scheduler: " << failures << " patient evaluation(s) failed\n";
        }
        lock.lock();
    }
}

}  // namespace mitra::app
