#pragma once
// The pool of threads that runs the server's blocking work (Dispatcher::Handle, static files).
//
// It has `threads` threads, but lets at most `runnable` of them run jobs at once, `runnable`
// being the number of CPUs the process may use unless set. A posted job wakes a sleeping thread
// only while fewer than that are running; otherwise it waits for a running thread to take it
// next. On a busy core this saves the context switch per request that a pool waking one thread
// per job pays: on one pinned core, authenticated reads ran about 1.2x faster with one worker
// than with eight (bench/http).
//
// The threads beyond `runnable` are for jobs that wait. A job that waits inside a
// core::BlockingScope (a disk sync, a database round trip, the write lane) gives its place to a
// queued job at once. For a wait nobody declared, a monitor thread wakes one more thread when
// jobs have queued for the stall check (kDefaultStallCheck) without any being taken, so no job
// waits on another forever.
//
// Jobs posted Start::kAtOnce (the ones that mostly wait: the server's writes) hold at most
// `threads` threads at once; the `kept` threads beyond them run only the other jobs then. Should every
// write wait on something that does not come (a database lock held by another process, a disk
// that stalls), reads still find a thread; the writes beyond the limit wait in the queue,
// and the reads behind them go first.

#include <utility>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/blocking.hpp"

namespace mitra::http {

class WorkerPool final : private core::BlockingScope::Listener {
public:
    /// How long queued jobs may go untaken, with every runnable thread busy, before the monitor
    /// wakes one more thread. Each check wakes the monitor once: at 1 ms it cost 1.9 % of the
    /// core under load (bench/http), at 5 ms 0.3 %.
    static constexpr std::chrono::microseconds kDefaultStallCheck{5000};

    struct Stats {
        std::size_t threads = 0;  ///< all of them, the kept ones included
        std::size_t runnable_limit = 0;
        std::size_t sleeping = 0;       ///< threads waiting for a job
        std::uint64_t jobs = 0;         ///< jobs taken so far
        std::uint64_t stall_wakes = 0;  ///< threads the monitor woke
        std::size_t max_at_once = 0;    ///< threads kAtOnce jobs may hold at once (`threads`)
    };

    /// @param threads at least 1; @param runnable 0 = the CPUs this process may run on (its
    /// affinity mask, as `taskset` sets it); @param thread_name at most 15 characters (Linux),
    /// each worker carries it (the monitor is "mitra-monitor"); @param stall_check see above;
    /// @param kept threads beyond `threads` that kAtOnce jobs never hold.
    /// @throws std::invalid_argument when `threads` is 0.
    WorkerPool(std::size_t threads, std::size_t runnable, const std::string& thread_name,
               std::chrono::microseconds stall_check = kDefaultStallCheck, std::size_t kept = 0);
    /// Stop(), then the threads end.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// How a posted job gets a thread.
    enum class Start {
        kWhenRunnable,  ///< wakes a thread only while fewer than `runnable` run
        kAtOnce,        ///< wakes a sleeping thread if there is one: for jobs that mostly wait
                        ///< (at most `threads` of them run at once)
    };

    /// Queues `job` (a callable `void()`, which must not throw). Thread-safe.
    template <class F>
    void Post(F&& job, Start start = Start::kWhenRunnable) {
        PostJob(std::make_unique<JobOf<std::decay_t<F>>>(std::forward<F>(job)), start);
    }

    /// Runs every job queued (also those the jobs post meanwhile), then ends the threads. Not
    /// from a worker; nothing may be posted after it returns.
    void Join();
    /// Drops the jobs not yet started, lets the running ones finish, ends the threads.
    void Stop();

    Stats GetStats() const;

private:
    struct Job {
        virtual ~Job() = default;
        virtual void Run() noexcept = 0;
        bool at_once = false;  // posted Start::kAtOnce
    };
    template <class F>
    struct JobOf final : Job {
        explicit JobOf(F&& f) : fn(std::move(f)) {}
        explicit JobOf(const F& f) : fn(f) {}
        void Run() noexcept override { fn(); }
        F fn;
    };

    void PostJob(std::unique_ptr<Job> job, Start start);
    void WorkerLoop(const std::string& name);
    void MonitorLoop();
    void WakeOneLocked();  // needs sleeping_ > 0
    /// A queued job a thread may take now: any but a kAtOnce one while max_at_once run.
    bool TakeableLocked() const;
    /// Removes and returns the first takeable job (needs TakeableLocked()).
    std::unique_ptr<Job> TakeLocked();
    void End(bool drop_queued);
    void OnBlockingEnter() noexcept override;
    void OnBlockingExit() noexcept override;

    const std::size_t runnable_limit_;
    const std::size_t max_at_once_;
    const std::chrono::microseconds stall_check_;
    mutable std::mutex mutex_;
    std::condition_variable work_;     // sleeping workers
    std::condition_variable monitor_;  // the monitor
    std::deque<std::unique_ptr<Job>> queue_;
    std::size_t active_ = 0;    // awake (or woken) workers not inside a BlockingScope
    std::size_t sleeping_ = 0;  // workers waiting for a wake-up
    std::size_t permits_ = 0;   // wake-ups given and not yet taken
    std::size_t at_once_queued_ = 0;   // kAtOnce jobs in queue_
    std::size_t at_once_running_ = 0;  // kAtOnce jobs taken and not yet finished
    std::uint64_t taken_ = 0;
    std::uint64_t stall_wakes_ = 0;
    bool monitor_idle_ = false;  // the monitor waits for a job to queue past a busy pool
    bool monitor_stop_ = false;
    bool joining_ = false;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
    std::thread monitor_thread_;
};

}  // namespace mitra::http
