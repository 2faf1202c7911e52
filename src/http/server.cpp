#include "http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "api/http_types.hpp"
#include "http/asio.hpp"
#include "http/log.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/static_files.hpp"
#include "http/worker_pool.hpp"

namespace mitra::http {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

constexpr std::size_t kFirstReadBytes = 8192;
// After an error response we half-close and discard what the client still sends, so the client
// reads our answer instead of a TCP reset; bounded in time and bytes.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerMaxBytes = 4 * 1024 * 1024;
constexpr std::chrono::milliseconds kDrainPollInterval{10};

constexpr std::string_view kRouteStatic = "static";
constexpr std::string_view kRouteMetrics = "/metrics";
constexpr std::string_view kRouteUnmatched = "unmatched";

// Beast 1.74 uses boost::string_view.
std::string_view Sv(beast::string_view text) {
    return {text.data(), text.size()};
}

constexpr const char* kRequestIdHeader = "X-Request-Id";

bool IsApiPath(std::string_view path) {
    return path == "/api" || path.starts_with("/api/");
}

/// Liveness and readiness: answered by the API, never a file of the web app.
bool IsOperationsPath(std::string_view path) { return path == "/healthz" || path == "/readyz"; }

bool HasCrLf(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

// A response the session writes, plus what logs and metrics need.
struct Outcome {
    api::HttpResponse response;
    std::string cache_control = "no-store";
    bool close = false;  // close the connection after writing
};

Outcome TransportError(int status, const std::string& code, const std::string& message,
                       const std::string& field = {}) {
    Outcome outcome;
    outcome.response = api::ErrorResponse(status, code, message, field);
    outcome.response.route = std::string(kRouteUnmatched);
    return outcome;
}

// Runs `fn` and closes the session entry bookkeeping at scope exit.
template <typename Fn>
class ScopeExit {
public:
    explicit ScopeExit(Fn fn) : fn_(std::move(fn)) {}
    ~ScopeExit() { fn_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

private:
    Fn fn_;
};

}  // namespace

class Server::Impl {
public:
    Impl(ServerOptions options, api::Dispatcher& dispatcher)
        : options_(std::move(options)),
          dispatcher_(dispatcher),
          logger_(options_.logger ? options_.logger
                                  : MakeJsonLogger("mitra.http", options_.log_level)),
          id_rng_(std::random_device{}()),
          pool_(options_.worker_threads, options_.runnable_workers, "mitra-worker",
                WorkerPool::kDefaultStallCheck, kWorkersKeptFromWrites) {
        if (!options_.static_root.empty()) {
            std::error_code ec;
            static_root_ = std::filesystem::canonical(options_.static_root, ec);
            if (ec || !std::filesystem::is_directory(static_root_)) {
                throw std::invalid_argument("static_root is not a readable folder: " +
                                            options_.static_root.string());
            }
        }
    }

    ~Impl() {
        // Run() normally does both; this covers a server that never ran or whose Run() threw.
        BatchLogWrites(*logger_, {});  // the logger may outlive us: no flushes posted to ioc_
        pool_.Stop();
    }

    std::uint16_t Listen() {
        if (acceptor_.is_open()) {
            return acceptor_.local_endpoint().port();
        }
        try {
            beast::error_code ec;
            tcp::endpoint endpoint(net::ip::make_address(options_.host, ec), options_.port);
            if (ec) {
                tcp::resolver resolver(ioc_);
                endpoint = *resolver.resolve(options_.host, std::to_string(options_.port)).begin();
            }
            acceptor_.open(endpoint.protocol());
            acceptor_.set_option(net::socket_base::reuse_address(true));
            acceptor_.bind(endpoint);
            acceptor_.listen(net::socket_base::max_listen_connections);
            return acceptor_.local_endpoint().port();
        } catch (const boost::system::system_error& e) {
            beast::error_code ignored;
            acceptor_.close(ignored);
            throw std::runtime_error("cannot listen on " + options_.host + ":" +
                                     std::to_string(options_.port) + ": " + e.code().message());
        }
    }

    void Run() {
        const std::uint16_t port = Listen();
        LogJson(*logger_, spdlog::level::info,
                Json{{"event", "listening"},
                     {"host", options_.host},
                     {"port", port},
                     {"worker_threads", options_.worker_threads},
                     {"static_root", static_root_.empty() ? Json(nullptr)
                                                          : Json(static_root_.string())}});
        net::co_spawn(ioc_, Accept(), [this](std::exception_ptr error) {
            LogUnhandled("accept", error);
        });
        if (options_.handle_signals) {
            signals_.add(SIGINT);
            signals_.add(SIGTERM);
            signals_.async_wait([this](const beast::error_code& ec, int signal_number) {
                if (!ec) {
                    LogJson(*logger_, spdlog::level::info,
                            Json{{"event", "signal"}, {"signal", signal_number}});
                    BeginShutdown();
                }
            });
        }
        // Lines below warn (the access lines above all) wait for the end of the event loop's
        // turn and go out in one write: one write(2) per request cost 2.2 us, 11 % of the
        // transport's time per request (bench/http, no-op dispatcher).
        BatchLogWrites(*logger_, [this] { net::post(ioc_, [this] { logger_->flush(); }); });
        // Returns when no work is left: acceptor closed, signals cancelled, sessions drained.
        ioc_.run();
        pool_.Join();
        BatchLogWrites(*logger_, {});  // writes what waits: the loop runs no flush any more
        LogJson(*logger_, spdlog::level::info, Json{{"event", "stopped"}});
        logger_->flush();
    }

    void Stop() {
        net::post(ioc_, [this] { BeginShutdown(); });
    }

private:
    struct SessionEntry {
        beast::tcp_stream* stream = nullptr;
        bool idle = true;  // waiting for the first byte of a request
    };

    struct StaticFile {
        std::string content;
        std::string content_type;
        std::string cache_control;
    };

    // Runs a blocking callable on the worker pool; the calling coroutine resumes on its own
    // executor (the I/O thread). No coroutine frame is created on the pool threads. Exceptions
    // from `fn` are rethrown in the caller.
    template <typename Fn>
    net::awaitable<std::invoke_result_t<Fn&>> RunBlocking(
        Fn fn, WorkerPool::Start start = WorkerPool::Start::kWhenRunnable) {
        using Result = std::invoke_result_t<Fn&>;
        auto executor = co_await net::this_coro::executor;
        co_return co_await net::async_initiate<const net::use_awaitable_t<>&,
                                               void(std::exception_ptr, Result)>(
            [this, executor, &fn, start](auto handler) {
                auto work = net::make_work_guard(executor);
                pool_.Post([handler = std::move(handler), work = std::move(work),
                            &fn]() mutable {
                    std::exception_ptr error;
                    Result result{};
                    try {
                        result = fn();
                    } catch (...) {
                        error = std::current_exception();  // rethrown in the awaiting coroutine
                    }
                    auto io_executor = work.get_executor();
                    net::post(io_executor, [handler = std::move(handler), error,
                                            result = std::move(result)]() mutable {
                        std::move(handler)(error, std::move(result));
                    });
                    work.reset();
                }, start);
            },
            net::use_awaitable);
    }

    void LogUnhandled(std::string_view where, std::exception_ptr error) {
        if (!error) {
            return;
        }
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            LogJson(*logger_, spdlog::level::err,
                    Json{{"event", "unhandled_exception"},
                         {"where", where},
                         {"exception_type", typeid(e).name()},
                         {"message", e.what()}});
        } catch (...) {
            LogJson(*logger_, spdlog::level::err,
                    Json{{"event", "unhandled_exception"},
                         {"where", where},
                         {"exception_type", "non-standard"}});
        }
    }

    void BeginShutdown() {
        if (stopping_) {
            return;
        }
        stopping_ = true;
        LogJson(*logger_, spdlog::level::info,
                Json{{"event", "shutdown_started"},
                     {"open_connections", sessions_.size()},
                     {"grace_ms", options_.shutdown_grace.count()}});
        beast::error_code ignored;
        acceptor_.close(ignored);
        signals_.cancel(ignored);
        for (auto& [id, entry] : sessions_) {
            if (entry->idle) {
                entry->stream->cancel();
            }
        }
        net::co_spawn(ioc_, Drain(), [this](std::exception_ptr error) {
            LogUnhandled("drain", error);
        });
    }

    // Waits for sessions to finish within the grace period, then closes what is left. Sessions
    // whose dispatcher call is still running end when it returns and their write fails.
    net::awaitable<void> Drain() {
        net::steady_timer timer(ioc_);
        const auto deadline = Clock::now() + options_.shutdown_grace;
        beast::error_code ec;
        while (!sessions_.empty() && Clock::now() < deadline) {
            timer.expires_after(kDrainPollInterval);
            co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
        if (!sessions_.empty()) {
            LogJson(*logger_, spdlog::level::warn,
                    Json{{"event", "shutdown_grace_expired"},
                         {"closing_connections", sessions_.size()}});
            for (auto& [id, entry] : sessions_) {
                entry->stream->close();
            }
        }
        while (!sessions_.empty()) {
            timer.expires_after(kDrainPollInterval);
            co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
    }

    net::awaitable<void> Accept() {
        net::steady_timer backoff(ioc_);
        for (;;) {
            beast::error_code ec;
            tcp::socket socket =
                co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
            if (stopping_ || !acceptor_.is_open()) {
                co_return;
            }
            if (ec) {
                // E.g. EMFILE: log and back off instead of spinning.
                LogJson(*logger_, spdlog::level::warn,
                        Json{{"event", "accept_failed"}, {"error", ec.message()}});
                backoff.expires_after(std::chrono::milliseconds(50));
                co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
                continue;
            }
            socket.set_option(tcp::no_delay(true), ec);
            net::co_spawn(ioc_, Session(std::move(socket)), [this](std::exception_ptr error) {
                LogUnhandled("session", error);
            });
        }
    }

    std::string NewRequestId() {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string id(32, '0');
        for (std::size_t half = 0; half < 2; ++half) {
            std::uint64_t bits = id_rng_();
            for (std::size_t nibble_idx = 0; nibble_idx < 16; ++nibble_idx) {
                id[half * 16 + nibble_idx] = kHex[bits & 0xF];
                bits >>= 4;
            }
        }
        return id;
    }

    net::awaitable<void> Session(tcp::socket socket) {
        beast::error_code ec;
        const auto peer = socket.remote_endpoint(ec);
        const std::string remote_address = ec ? std::string() : peer.address().to_string();
        beast::tcp_stream stream(std::move(socket));

        const std::uint64_t session_id = next_session_id_++;
        SessionEntry entry{&stream, true};
        sessions_.emplace(session_id, &entry);
        metrics_.ConnectionOpened();
        const ScopeExit unregister([this, session_id] {
            sessions_.erase(session_id);
            metrics_.ConnectionClosed();
        });

        beast::flat_buffer buffer;
        bool linger = false;
        while (!stopping_) {
            entry.idle = true;
            if (buffer.size() == 0) {
                stream.expires_after(options_.keep_alive_timeout);
                const std::size_t n = co_await stream.async_read_some(
                    buffer.prepare(kFirstReadBytes), net::redirect_error(net::use_awaitable, ec));
                if (ec) {
                    break;  // peer closed, idle timeout, or shutdown
                }
                buffer.commit(n);
            }
            entry.idle = false;
            const auto started = Clock::now();

            bhttp::request_parser<bhttp::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(
                std::min<std::size_t>(options_.max_header_bytes, UINT32_MAX)));
            parser.body_limit(options_.max_body_bytes);
            stream.expires_after(options_.read_timeout);
            co_await bhttp::async_read_header(stream, buffer, parser,
                                              net::redirect_error(net::use_awaitable, ec));
            if (!ec && !parser.is_done() &&
                beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
                bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_,
                                                         parser.get().version()};
                stream.expires_after(options_.write_timeout);
                co_await bhttp::async_write(stream, go_on,
                                            net::redirect_error(net::use_awaitable, ec));
                stream.expires_after(options_.read_timeout);
            }
            if (!ec) {
                co_await bhttp::async_read(stream, buffer, parser,
                                           net::redirect_error(net::use_awaitable, ec));
            }

            std::optional<Outcome> outcome;
            std::string request_id;
            std::string method_label = "OTHER";
            unsigned version = 11;
            bool request_keep_alive = false;
            bool head = false;
            {
                // Also after a header or body limit error: what was parsed so far is there.
                const auto& header = parser.get();
                const std::string_view incoming_id = Sv(header[kRequestIdHeader]);
                if (IsAcceptableRequestId(incoming_id)) {
                    request_id = std::string(incoming_id);
                }
                method_label = std::string(MethodLabel(Sv(header.method_string())));
                version = header.version() == 10 ? 10 : 11;
                request_keep_alive = header.keep_alive();
                head = header.method() == bhttp::verb::head;
            }
            if (request_id.empty()) {
                request_id = NewRequestId();
            }

            if (ec == bhttp::error::body_limit) {
                outcome = TransportError(
                    413, "payload_too_large",
                    "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
            } else if (ec == bhttp::error::header_limit) {
                outcome = TransportError(
                    431, "headers_too_large",
                    "request headers exceed " + std::to_string(options_.max_header_bytes) +
                        " bytes");
            } else if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target)
                                                  .category() &&
                       ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
                outcome = TransportError(400, "malformed_request", "malformed HTTP request");
            } else if (ec) {
                // Timeout, reset, or the peer closed mid-request: nobody to answer.
                LogJson(*logger_, spdlog::level::debug,
                        Json{{"event", "connection_dropped"},
                             {"request_id", request_id},
                             {"reason", ec.message()}});
                break;
            }
            metrics_.RequestStarted();
            if (outcome) {
                outcome->close = true;
                linger = true;
            } else {
                outcome = co_await HandleRequest(parser.release(), remote_address, request_id);
            }

            const bool keep_alive = request_keep_alive && !outcome->close && !stopping_;
            Response response = BuildResponse(*outcome, version, keep_alive, head, request_id);
            const std::size_t body_bytes = outcome->response.body.size();
            stream.expires_after(options_.write_timeout);
            co_await bhttp::async_write(stream, response,
                                        net::redirect_error(net::use_awaitable, ec));
            const double duration_s =
                std::chrono::duration<double>(Clock::now() - started).count();
            FinishRequest(*outcome, method_label, request_id, duration_s,
                          head ? 0 : body_bytes);
            if (ec || !keep_alive) {
                break;
            }
        }

        if (linger && stream.socket().is_open()) {
            co_await LingeringClose(stream);
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.close();
    }

    void FinishRequest(const Outcome& outcome, std::string_view method_label,
                       const std::string& request_id, double duration_s, std::size_t bytes) {
        const std::string_view route =
            outcome.response.route.empty() ? kRouteUnmatched : outcome.response.route;
        metrics_.RequestFinished(method_label, route, outcome.response.status, duration_s);
        LogRequest(*logger_, request_id, method_label, route, outcome.response.status,
                   duration_s * 1000.0, bytes);
    }

    Response BuildResponse(const Outcome& outcome, unsigned version, bool keep_alive, bool head,
                           const std::string& request_id) {
        const api::HttpResponse& api_response = outcome.response;
        int status = api_response.status;
        if (status < 100 || status > 999) {
            status = 500;
        }
        Response response{static_cast<bhttp::status>(status), version};
        response.set(bhttp::field::server, "mitra");
        response.set(kRequestIdHeader, request_id);
        if (!api_response.content_type.empty() && !HasCrLf(api_response.content_type)) {
            response.set(bhttp::field::content_type, api_response.content_type);
        }
        response.set(bhttp::field::cache_control, outcome.cache_control);
        response.set("X-Content-Type-Options", "nosniff");
        response.set("Referrer-Policy", "no-referrer");
        response.set("X-Frame-Options", "DENY");
        response.set("Content-Security-Policy", options_.content_security_policy);
        for (const auto& [name, value] : api_response.headers) {
            if (name.empty() || HasCrLf(name) || HasCrLf(value) ||
                name.find(':') != std::string::npos) {
                LogJson(*logger_, spdlog::level::err,
                        Json{{"event", "invalid_response_header_dropped"},
                             {"request_id", request_id},
                             {"route", api_response.route}});
                continue;
            }
            response.insert(name, value);
        }
        response.keep_alive(keep_alive);
        response.body() = api_response.body;
        response.prepare_payload();
        if (head) {
            // HEAD: the headers of the GET answer, Content-Length included, and no body.
            response.body().clear();
        }
        return response;
    }

    // Half-closes and discards the rest of what the client sends (bounded), so the error
    // response is read instead of being lost to a reset.
    net::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) {
            co_return;
        }
        std::array<char, 16384> scratch{};
        std::size_t discarded = 0;
        stream.expires_after(kLingerTime);
        while (discarded < kLingerMaxBytes) {
            const std::size_t n = co_await stream.async_read_some(
                net::buffer(scratch), net::redirect_error(net::use_awaitable, ec));
            if (ec) {
                break;
            }
            discarded += n;
        }
    }

    net::awaitable<Outcome> HandleRequest(Request request,
                                                         const std::string& remote_address,
                                                         const std::string& request_id) {
        ParsedTarget target = ParseTarget(Sv(request.target()));
        if (!target.ok) {
            Outcome outcome = TransportError(
                400, target.error_field == "query" ? "invalid_query" : "invalid_path",
                target.error_message, target.error_field);
            co_return outcome;
        }
        const bhttp::verb verb = request.method();
        const bool get_or_head = verb == bhttp::verb::get || verb == bhttp::verb::head;

        if (target.path == kRouteMetrics) {
            if (!get_or_head) {
                Outcome outcome = TransportError(405, "method_not_allowed",
                                                 "/metrics only answers GET");
                outcome.response.headers.emplace_back("Allow", "GET, HEAD");
                outcome.response.route = std::string(kRouteMetrics);
                co_return outcome;
            }
            Outcome outcome;
            outcome.response.content_type = "text/plain; version=0.0.4; charset=utf-8";
            outcome.response.route = std::string(kRouteMetrics);
            outcome.response.body = metrics_.RenderPrometheus();
            const WorkerPool::Stats pool = pool_.GetStats();
            outcome.response.body += Metrics::RenderWorkerPoolPrometheus(
                pool.threads, pool.runnable_limit, pool.max_at_once, pool.jobs,
                pool.stall_wakes);
            outcome.response.body += co_await RunBlocking([this] {
                return dispatcher_.MetricsText();
            });
            co_return outcome;
        }

        const bool static_candidate = !static_root_.empty() && get_or_head &&
                                      !IsApiPath(target.path) &&
                                      !IsOperationsPath(target.path);

        api::HttpRequest api_request;
        api_request.method = std::string(Sv(request.method_string()));
        api_request.path = target.path;
        api_request.query = std::move(target.query);
        for (const auto& field : request) {
            AddRequestHeader(api_request.headers, Sv(field.name_string()), Sv(field.value()));
        }
        api_request.body = std::move(request.body());
        api_request.request_id = request_id;
        api_request.remote_address = remote_address;

        // One trip to the worker pool per request: the static file, else the API, else (for a
        // client-side route of the single-page app) index.html. A write spends most of its time
        // waiting for its group commit, so it gets a thread at once; a read is short work on the
        // CPU and waits for a runnable place (worker_pool.hpp).
        const WorkerPool::Start start =
            get_or_head ? WorkerPool::Start::kWhenRunnable : WorkerPool::Start::kAtOnce;
        co_return co_await RunBlocking([this, &api_request, static_candidate]() -> Outcome {
            if (static_candidate) {
                if (std::optional<StaticFile> file = LoadStatic(api_request.path)) {
                    return StaticOutcome(std::move(*file));
                }
            }
            Outcome outcome;
            outcome.response = CallDispatcher(api_request);
            if (static_candidate && outcome.response.status == 404 &&
                outcome.response.route.empty() && IsClientRoute(api_request.path)) {
                if (std::optional<StaticFile> index = LoadStatic("/")) {
                    return StaticOutcome(std::move(*index));
                }
            }
            return outcome;
        }, start);
    }

    static Outcome StaticOutcome(StaticFile file) {
        Outcome outcome;
        outcome.response.content_type = std::move(file.content_type);
        outcome.response.body = std::move(file.content);
        outcome.response.route = std::string(kRouteStatic);
        outcome.cache_control = std::move(file.cache_control);
        return outcome;
    }

    // Worker pool.
    std::optional<StaticFile> LoadStatic(const std::string& path) const {
        const std::optional<std::filesystem::path> file = ResolveStaticPath(static_root_, path);
        if (!file) {
            return std::nullopt;
        }
        std::optional<std::string> content = ReadWholeFile(*file);
        if (!content) {
            return std::nullopt;
        }
        return StaticFile{std::move(*content), std::string(ContentTypeFor(*file)),
                          std::string(CacheControlFor(path))};
    }

    // Worker pool. The Dispatcher contract says Handle never throws; if it does, that is our
    // bug: log it (type only: the message might quote request data) and answer 500.
    api::HttpResponse CallDispatcher(const api::HttpRequest& request) {
        try {
            return dispatcher_.Handle(request);
        } catch (const std::exception& e) {
            LogJson(*logger_, spdlog::level::err,
                    Json{{"event", "dispatcher_exception"},
                         {"request_id", request.request_id},
                         {"exception_type", typeid(e).name()}});
        } catch (...) {
            LogJson(*logger_, spdlog::level::err,
                    Json{{"event", "dispatcher_exception"},
                         {"request_id", request.request_id},
                         {"exception_type", "non-standard"}});
        }
        return api::ErrorResponse(500, "internal", "internal error");
    }

    ServerOptions options_;
    api::Dispatcher& dispatcher_;
    std::shared_ptr<spdlog::logger> logger_;
    std::filesystem::path static_root_;  // canonical; empty = no static files
    Metrics metrics_;
    std::mt19937_64 id_rng_;  // I/O thread only
    // I/O thread only. Declared before ioc_ so coroutine frames destroyed with ioc_ can still
    // unregister themselves.
    std::unordered_map<std::uint64_t, SessionEntry*> sessions_;
    std::uint64_t next_session_id_ = 0;
    bool stopping_ = false;  // I/O thread only
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    net::signal_set signals_{ioc_};
    WorkerPool pool_;
};

Server::Server(ServerOptions options, api::Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(options), dispatcher)) {}

Server::~Server() = default;

std::uint16_t Server::Listen() {
    return impl_->Listen();
}

void Server::Run() {
    impl_->Run();
}

void Server::Stop() {
    impl_->Stop();
}

}  // namespace mitra::http
