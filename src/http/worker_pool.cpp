#include "http/worker_pool.hpp"

#include <stdexcept>

#include <pthread.h>
#include <sched.h>

namespace mitra::http {
namespace {

std::size_t CpusOfThisProcess() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
        return static_cast<std::size_t>(CPU_COUNT(&set));
    }
    const unsigned cpus = std::thread::hardware_concurrency();
    return cpus > 0 ? cpus : 1;
}

std::size_t CheckedThreads(std::size_t threads) {
    if (threads == 0) {
        throw std::invalid_argument("worker_threads must be at least 1");
    }
    return threads;
}

}  // namespace

WorkerPool::WorkerPool(std::size_t threads, std::size_t runnable, const std::string& thread_name,
                       std::chrono::microseconds stall_check, std::size_t kept)
    : runnable_limit_(runnable != 0 ? runnable : CpusOfThisProcess()),
      max_at_once_(CheckedThreads(threads)),
      stall_check_(stall_check) {
    threads += kept;
    // A thread counts as running from its start until it first finds the queue empty, so a job
    // posted meanwhile is taken by a starting thread rather than waking one.
    active_ = threads;
    threads_.reserve(threads);
    try {
        for (std::size_t i = 0; i < threads; ++i) {
            threads_.emplace_back([this, thread_name] { WorkerLoop(thread_name); });
        }
        monitor_thread_ = std::thread([this] { MonitorLoop(); });
    } catch (...) {
        {
            std::lock_guard lock(mutex_);
            active_ -= threads - threads_.size();  // the threads never made
        }
        End(true);
        throw;
    }
}

WorkerPool::~WorkerPool() { End(true); }

void WorkerPool::Join() { End(false); }

void WorkerPool::Stop() { End(true); }

WorkerPool::Stats WorkerPool::GetStats() const {
    std::lock_guard lock(mutex_);
    return Stats{threads_.size(), runnable_limit_, sleeping_, taken_, stall_wakes_, max_at_once_};
}

bool WorkerPool::TakeableLocked() const {
    return queue_.size() > at_once_queued_ ||
           (at_once_queued_ > 0 && at_once_running_ < max_at_once_);
}

std::unique_ptr<WorkerPool::Job> WorkerPool::TakeLocked() {
    auto it = queue_.begin();
    if (at_once_running_ >= max_at_once_) {
        while ((*it)->at_once) {  // TakeableLocked: some job is not
            ++it;
        }
    }
    std::unique_ptr<Job> job = std::move(*it);
    queue_.erase(it);
    if (job->at_once) {
        --at_once_queued_;
        ++at_once_running_;
    }
    return job;
}

void WorkerPool::WakeOneLocked() {
    --sleeping_;
    ++active_;
    ++permits_;
}

void WorkerPool::PostJob(std::unique_ptr<Job> job, Start start) {
    bool wake = false;
    bool tell_monitor = false;
    {
        std::lock_guard lock(mutex_);
        job->at_once = start == Start::kAtOnce;
        const bool takeable = !job->at_once || at_once_running_ < max_at_once_;
        at_once_queued_ += job->at_once ? 1 : 0;
        queue_.push_back(std::move(job));
        if (!takeable) {
            // A thread that finishes a kAtOnce job takes it; nobody to wake now.
        } else if ((active_ < runnable_limit_ || start == Start::kAtOnce) && sleeping_ > 0) {
            WakeOneLocked();
            wake = true;
        } else if (monitor_idle_ && sleeping_ > 0) {
            monitor_idle_ = false;  // one notification is enough
            tell_monitor = true;    // a running thread takes it next, unless it is stuck
        }
    }
    // Outside the lock, so that the woken thread does not block on it at once.
    if (wake) {
        work_.notify_one();
    }
    if (tell_monitor) {
        monitor_.notify_one();
    }
}

void WorkerPool::WorkerLoop(const std::string& name) {
    pthread_setname_np(pthread_self(), name.c_str());  // top -H, perf: one name per role
    // SCHED_BATCH: a woken worker does not preempt the thread that woke it. On a busy core the
    // I/O thread then reads and posts every request that is ready before a worker takes them,
    // instead of being switched out after the first. Any thread may choose it; should a
    // sandbox refuse, the worker stays SCHED_OTHER and works the same, a little slower.
    const sched_param normal{};  // SCHED_BATCH has priority 0 only
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &normal);
    core::BlockingScope::SetListenerForThisThread(this);
    std::unique_lock lock(mutex_);
    for (;;) {
        if (TakeableLocked() && !stopping_) {
            std::unique_ptr<Job> job = TakeLocked();
            ++taken_;
            const bool last_before_join = joining_ && queue_.empty();
            const bool at_once = job->at_once;
            lock.unlock();
            if (last_before_join) {
                work_.notify_all();  // the sleeping threads may end now
            }
            job->Run();
            job.reset();  // a job's captures are destroyed outside the lock, too
            lock.lock();
            at_once_running_ -= at_once ? 1 : 0;
            continue;
        }
        if (stopping_ || (joining_ && queue_.empty())) {
            break;
        }
        --active_;
        ++sleeping_;
        // Join() does not hand out places: the sleeping threads end once the queue is empty.
        work_.wait(lock, [&] { return permits_ > 0 || stopping_ || (joining_ && queue_.empty()); });
        if (permits_ > 0) {
            --permits_;  // whoever woke us counted us as running already
        } else {
            --sleeping_;
            ++active_;
        }
    }
    --active_;
    core::BlockingScope::SetListenerForThisThread(nullptr);
}

void WorkerPool::MonitorLoop() {
    pthread_setname_np(pthread_self(), "mitra-monitor");
    std::unique_lock lock(mutex_);
    for (;;) {
        // The state, not only a Post's notification, decides: a job may have queued before
        // this thread first got here.
        monitor_idle_ = true;
        monitor_.wait(lock, [&] { return monitor_stop_ || (TakeableLocked() && sleeping_ > 0); });
        // Jobs queued while every runnable thread was busy: while jobs wait, check every stall
        // check that one was taken. Posts do not wake the monitor in this phase.
        monitor_idle_ = false;
        while (!monitor_stop_ && TakeableLocked()) {
            const std::uint64_t taken = taken_;
            const auto deadline = std::chrono::steady_clock::now() + stall_check_;
            monitor_.wait_until(lock, deadline, [&] { return monitor_stop_; });
            if (!monitor_stop_ && TakeableLocked() && taken_ == taken && sleeping_ > 0) {
                ++stall_wakes_;  // every running thread waits on something nobody declared
                WakeOneLocked();
                work_.notify_one();
            }
        }
        if (monitor_stop_) {
            return;
        }
    }
}

void WorkerPool::End(bool drop_queued) {
    std::deque<std::unique_ptr<Job>> dropped;
    {
        std::lock_guard lock(mutex_);
        if (drop_queued) {
            stopping_ = true;
            dropped.swap(queue_);
            at_once_queued_ = 0;
        } else {
            joining_ = true;
        }
    }
    work_.notify_all();
    for (std::thread& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    {
        std::lock_guard lock(mutex_);
        monitor_stop_ = true;
    }
    monitor_.notify_all();
    if (monitor_thread_.joinable()) {
        monitor_thread_.join();
    }
}

void WorkerPool::OnBlockingEnter() noexcept {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        --active_;
        if (TakeableLocked() && active_ < runnable_limit_ && sleeping_ > 0) {
            WakeOneLocked();
            wake = true;
        }
    }
    if (wake) {
        work_.notify_one();
    }
}

void WorkerPool::OnBlockingExit() noexcept {
    std::lock_guard lock(mutex_);
    ++active_;
}

}  // namespace mitra::http
