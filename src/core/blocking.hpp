#pragma once
// A port for the thread that runs a job: "this thread is about to wait".
//
// Storage wraps every wait of a request's job in a BlockingScope: a disk sync, a database round
// trip, a wait for another thread (the write lane, a connection from the pool). The HTTP worker
// pool lets only as many of its threads run at once as the process has CPUs, so that short jobs
// are not spread over sleeping threads (each hand-off is a context switch); a worker that enters
// a BlockingScope gives its place to a waiting job at once. On a thread with no listener (any
// thread that is not a pool worker) a scope costs one thread-local read.

namespace mitra::core {

class BlockingScope {
public:
    /// Told, on the listener's own thread, when the outermost scope of that thread begins and ends.
    class Listener {
    public:
        virtual void OnBlockingEnter() noexcept = 0;
        virtual void OnBlockingExit() noexcept = 0;

    protected:
        ~Listener() = default;
    };

    BlockingScope() noexcept;
    ~BlockingScope();
    BlockingScope(const BlockingScope&) = delete;
    BlockingScope& operator=(const BlockingScope&) = delete;

    /// Sets (or, with nullptr, clears) the calling thread's listener; a scope open at the time
    /// still tells the listener it told at its start.
    static void SetListenerForThisThread(Listener* listener) noexcept;

private:
    Listener* told_ = nullptr;  // the listener told at the start (outermost scope only)
};

}  // namespace mitra::core
