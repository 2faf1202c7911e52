#pragma once
// mitra's HTTP/1.1 server (Boost.Beast 1.74, C++20 coroutines).
//
// One I/O thread (the thread that calls Run()) accepts connections and runs one coroutine per
// connection: read with limits and timeouts -> build an api::HttpRequest -> call
// api::Dispatcher::Handle on a worker thread pool (it may block on the database) -> write the
// response. The server itself answers GET /metrics (Prometheus text), serves the built web app
// from `static_root`, and answers transport errors (400/413/431) in the DESIGN error shape.
// Everything else, including /healthz and /readyz, goes to the dispatcher.
//
// Lifecycle: construct -> Listen() (binds, returns the port) -> Run() (blocks) -> returns after
// Stop(), SIGINT or SIGTERM once the shutdown has drained: the acceptor is closed, idle
// keep-alive connections are closed, in-flight requests finish (bounded by shutdown_grace; then
// their connections are closed), and no dispatcher call is running any more. The caller may then
// close the database. Stop() is thread-safe and may be called from any thread, any time.
// Listen() and Run() are called from one thread, once each.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace mitra::api {
class Dispatcher;
}

namespace mitra::http {

/// A Content-Security-Policy for a same-origin single-page app: scripts, styles, fonts, data
/// fetches only from our origin; images also from data: URLs (charts, icons); no plugins, no
/// framing, no <base> hijacking, forms post only to us.
/// Worker threads beyond ServerOptions::worker_threads, kept for reads while that many writes run.
inline constexpr std::size_t kWorkersKeptFromWrites = 2;

inline constexpr const char* kDefaultContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct ServerOptions {
    std::string host = "127.0.0.1";  ///< address or name to bind
    std::uint16_t port = 0;          ///< 0 picks a free port; Listen() returns the actual one
    std::size_t max_body_bytes = 1024 * 1024;  ///< larger bodies get 413 payload_too_large
    std::size_t max_header_bytes = 16 * 1024;  ///< larger request heads get 431
    /// From a request's first byte until it is completely received; then the connection closes.
    std::chrono::milliseconds read_timeout{std::chrono::seconds(15)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(15)};  ///< per response
    /// How long a keep-alive connection may wait for its next request.
    std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(60)};
    /// Requests that may write (not GET/HEAD) doing blocking work (Dispatcher::Handle) at once.
    /// The pool has kWorkersKeptFromWrites threads more, which only other requests use while
    /// that many writes run: reads go on while every write waits (a lock held elsewhere).
    std::size_t worker_threads = 4;
    /// How many of those run at once while none waits (see worker_pool.hpp); 0 = one per CPU
    /// this process may run on.
    std::size_t runnable_workers = 0;
    /// Folder with the built web app; empty = no static files. GET/HEAD of paths outside /api/
    /// that name a file below it are served from it; see README.md for the fallback order.
    std::filesystem::path static_root;
    /// How long in-flight requests may take to finish after shutdown starts.
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(10)};
    std::string log_level = "info";  ///< trace, debug, info, warn, error, critical, off
    /// Log sink; when null the server makes a JSON-lines stderr logger at `log_level`.
    std::shared_ptr<spdlog::logger> logger;
    std::string content_security_policy = kDefaultContentSecurityPolicy;
    bool handle_signals = true;  ///< SIGINT/SIGTERM start the graceful shutdown
};

class Server {
public:
    /// @throws std::invalid_argument for an unknown log level, a missing static_root or zero
    ///         worker_threads.
    Server(ServerOptions options, api::Dispatcher& dispatcher);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens. @return the bound port. @throws std::runtime_error if it cannot.
    std::uint16_t Listen();
    /// Serves until shut down (see the header comment); calls Listen() first if needed.
    void Run();
    /// Starts the graceful shutdown. Thread-safe; repeated calls are harmless.
    void Stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mitra::http
