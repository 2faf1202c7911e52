// Loopback tests of http::Server: a real server on 127.0.0.1 with a port picked by the kernel, a
// small test Dispatcher, and a client written with plain POSIX sockets (so the client shares no
// parsing code with the server).
#include "http/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/http_types.hpp"
#include "http/log.hpp"

namespace mitra::http {
namespace {

using namespace std::chrono_literals;

class TestDispatcher : public api::Dispatcher {
public:
    api::HttpResponse Handle(const api::HttpRequest& request) override {
        {
            const std::lock_guard lock(mutex_);
            ++calls_;
            handler_thread_ = std::this_thread::get_id();
            char name[16] = {};
            pthread_getname_np(pthread_self(), name, sizeof name);
            handler_thread_name_ = name;
            last_ = request;
        }
        if (request.path == "/slow") {
            slow_started_ = true;
            std::this_thread::sleep_for(300ms);
            return Json(200, R"({"slow":true})", "/slow");
        }
        if (request.path == "/throw") {
            throw std::runtime_error("dispatcher bug");
        }
        if (request.path == "/healthz") {
            return Json(200, R"({"status":"ok"})", "/healthz");
        }
        if (request.path == "/echo" || request.path.starts_with("/api/")) {
            return Json(200, nlohmann::json{{"body", request.body}}.dump(), request.path);
        }
        return api::ErrorResponse(404, "not_found", "no such route");
    }

    std::string MetricsText() override {
        return "# TYPE test_dispatcher_metric gauge\ntest_dispatcher_metric 1\n";
    }

    int Calls() {
        const std::lock_guard lock(mutex_);
        return calls_;
    }
    api::HttpRequest Last() {
        const std::lock_guard lock(mutex_);
        return last_;
    }
    std::thread::id HandlerThread() {
        const std::lock_guard lock(mutex_);
        return handler_thread_;
    }
    std::string HandlerThreadName() {
        const std::lock_guard lock(mutex_);
        return handler_thread_name_;
    }
    std::atomic<bool> slow_started_{false};

private:
    static api::HttpResponse Json(int status, std::string body, std::string route) {
        api::HttpResponse response;
        response.status = status;
        response.body = std::move(body);
        response.route = std::move(route);
        return response;
    }

    std::mutex mutex_;
    int calls_ = 0;
    std::thread::id handler_thread_;
    std::string handler_thread_name_;
    api::HttpRequest last_;
};

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

std::string Lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

// One client connection; every read gives up after 5 s so a broken server fails, not hangs.
class Client {
public:
    explicit Client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~Client() { ::close(fd_); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool Connected() const { return connected_; }

    void Send(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // Reads one response (Content-Length framed). nullopt if the connection ends first.
    std::optional<RawResponse> Read(bool head = false) {
        std::size_t head_end;
        while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        RawResponse response;
        const std::string head_text = buffer_.substr(0, head_end);
        buffer_.erase(0, head_end + 4);
        std::size_t line_end = head_text.find("\r\n");
        response.status = std::stoi(head_text.substr(9, 3));
        while (line_end != std::string::npos) {
            const std::size_t next = head_text.find("\r\n", line_end + 2);
            const std::string line = head_text.substr(line_end + 2, next == std::string::npos
                                                                   ? std::string::npos
                                                                   : next - line_end - 2);
            const std::size_t colon = line.find(':');
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            response.headers[Lower(line.substr(0, colon))] = value;
            line_end = next;
        }
        if (response.status == 100 || head) {
            return response;
        }
        const std::size_t length = response.headers.count("content-length")
                                       ? std::stoul(response.headers["content-length"])
                                       : 0;
        while (buffer_.size() < length) {
            if (!Fill()) {
                return std::nullopt;
            }
        }
        response.body = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return response;
    }

    std::optional<RawResponse> Request(std::string_view bytes) {
        Send(bytes);
        return Read();
    }

    // True if the server closes the connection (EOF or reset) before the 5 s read timeout.
    bool WaitClosed() {
        char scratch[4096];
        for (;;) {
            const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
            if (n == 0) {
                return true;
            }
            if (n < 0) {
                return errno == ECONNRESET;
            }
        }
    }

private:
    bool Fill() {
        char scratch[16384];
        const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
        if (n <= 0) {
            return false;
        }
        buffer_.append(scratch, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string buffer_;
};

std::string Get(std::string_view target, std::string_view extra_headers = {}) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
           std::string(extra_headers) + "\r\n";
}

class ServerTest : public ::testing::Test {
protected:
    void Start(ServerOptions options = DefaultOptions()) {
        server_ = std::make_unique<Server>(std::move(options), dispatcher_);
        port_ = server_->Listen();
        thread_ = std::thread([this] {
            io_thread_ = std::this_thread::get_id();
            server_->Run();
            run_returned_ = true;
        });
    }

    static ServerOptions DefaultOptions() {
        ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.max_body_bytes = 1024;
        options.read_timeout = 300ms;
        options.keep_alive_timeout = 5s;
        options.shutdown_grace = 2s;
        options.log_level = "warn";
        options.handle_signals = false;
        return options;
    }

    void TearDown() override {
        if (server_) {
            server_->Stop();
        }
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    TestDispatcher dispatcher_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::thread::id io_thread_;
    std::atomic<bool> run_returned_{false};
};

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
    Start();
    Client client(port_);
    ASSERT_TRUE(client.Connected());
    auto first = client.Request(Get("/echo"));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200);
    EXPECT_NE(Lower(first->headers["connection"]), "close");
    auto second = client.Request(Get("/echo"));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200);
    EXPECT_EQ(dispatcher_.Calls(), 2);
}

TEST_F(ServerTest, PassesDecodedPathQueryHeadersAndBody) {
    Start();
    Client client(port_);
    auto response = client.Request(
        "POST /api/v1/caf%C3%A9?a=1&b=x%20y&c=+z&a=2&flag HTTP/1.1\r\nHost: test\r\n"
        "X-Custom-Header: v1\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"
        "{\"k\":1}");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    const api::HttpRequest seen = dispatcher_.Last();
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, "/api/v1/caf\xC3\xA9");
    EXPECT_EQ(seen.query.at("a"), "2");
    EXPECT_EQ(seen.query.at("b"), "x y");
    EXPECT_EQ(seen.query.at("c"), " z");
    EXPECT_EQ(seen.query.at("flag"), "");
    EXPECT_EQ(seen.headers.at("x-custom-header"), "v1");
    EXPECT_EQ(seen.headers.at("content-type"), "application/json");
    EXPECT_EQ(seen.body, "{\"k\":1}");
    EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_F(ServerTest, ApiResponsesCarrySecurityHeadersAndNoStore) {
    Start();
    Client client(port_);
    auto response = client.Request(Get("/api/v1/me"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->headers["server"], "mitra");
    EXPECT_EQ(response->headers["cache-control"], "no-store");
    EXPECT_EQ(response->headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(response->headers["referrer-policy"], "no-referrer");
    EXPECT_EQ(response->headers["x-frame-options"], "DENY");
    EXPECT_NE(response->headers["content-security-policy"].find("default-src 'self'"),
              std::string::npos);
    EXPECT_EQ(response->headers["content-type"], "application/json");
}

TEST_F(ServerTest, OversizedBodyGets413AndIsNotDispatched) {
    Start();
    Client client(port_);
    const std::string body(4096, 'x');
    auto response = client.Request(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        "Content-Length: 4096\r\n\r\n" + body);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(Lower(response->headers["connection"]), "close");
    auto json = nlohmann::json::parse(response->body);
    EXPECT_EQ(json["error"]["code"], "payload_too_large");
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, OversizedChunkedBodyGets413) {
    Start();
    Client client(port_);
    const std::string chunk(2000, 'x');
    auto response = client.Request(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + chunk +
        "\r\n0\r\n\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, HugeHeaderGets431) {
    Start();
    Client client(port_);
    auto response =
        client.Request(Get("/echo", "X-Big: " + std::string(20000, 'a') + "\r\n"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 431);
    EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "headers_too_large");
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, GarbageGets400ThenClose) {
    Start();
    Client client(port_);
    auto response = client.Request("THIS IS NOT HTTP\r\n\r\n");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "malformed_request");
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, InvalidPercentEscapeGets400NamingPath) {
    Start();
    Client client(port_);
    auto response = client.Request(Get("/api/v1/%zz"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["field"], "path");
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, ReadTimeoutClosesHalfSentRequest) {
    Start();
    Client client(port_);
    client.Send("GET /echo HTTP/1.1\r\nHost: test\r\n");  // no blank line: never completes
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(ServerTest, IdleKeepAliveConnectionTimesOut) {
    ServerOptions options = DefaultOptions();
    options.keep_alive_timeout = 200ms;
    Start(options);
    Client client(port_);
    ASSERT_TRUE(client.Request(Get("/echo")));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.WaitClosed());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(ServerTest, EchoesAcceptableRequestIdAndGeneratesOtherwise) {
    Start();
    Client client(port_);
    auto given = client.Request(Get("/echo", "X-Request-Id: abc-123_XYZ\r\n"));
    ASSERT_TRUE(given);
    EXPECT_EQ(given->headers["x-request-id"], "abc-123_XYZ");
    EXPECT_EQ(dispatcher_.Last().request_id, "abc-123_XYZ");

    auto generated = client.Request(Get("/echo"));
    ASSERT_TRUE(generated);
    const std::string id = generated->headers["x-request-id"];
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(dispatcher_.Last().request_id, id);

    auto refused = client.Request(Get("/echo", "X-Request-Id: bad id; drop\r\n"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->headers["x-request-id"].size(), 32u);
    auto too_long =
        client.Request(Get("/echo", "X-Request-Id: " + std::string(65, 'a') + "\r\n"));
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->headers["x-request-id"].size(), 32u);
    EXPECT_NE(too_long->headers["x-request-id"], id);
}

// The access lines wait for the end of the event loop's turn (log.hpp, BatchLogWrites), not for
// shutdown or a full buffer.
TEST_F(ServerTest, AccessLinesReachTheLogWhileTheServerRuns) {
    const std::filesystem::path log_path =
        std::filesystem::temp_directory_path() /
        ("mitra-access-" + std::to_string(::getpid()) + ".log");
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ServerOptions options = DefaultOptions();
    options.logger = MakeJsonLogger("test", "info", fd);
    Start(options);
    Client client(port_);
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        auto response = client.Request(Get("/echo"));
        ASSERT_TRUE(response);
        ids.push_back(response->headers["x-request-id"]);
    }
    const auto logged = [&] {
        std::ifstream in(log_path);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        for (const std::string& id : ids) {
            if (text.find("\"request_id\":\"" + id + "\"") == std::string::npos) {
                return false;
            }
        }
        return true;
    };
    bool all = logged();
    for (int i = 0; i < 200 && !all; ++i) {
        std::this_thread::sleep_for(10ms);
        all = logged();
    }
    EXPECT_TRUE(all) << "an access line is still waiting while the server runs";
    server_->Stop();
    thread_.join();
    server_.reset();  // and with it the logger, before its file descriptor closes
    options.logger.reset();
    ::close(fd);
    std::filesystem::remove(log_path);
}

TEST_F(ServerTest, MetricsAreServedInPrometheusFormat) {
    Start();
    Client client(port_);
    ASSERT_TRUE(client.Request(Get("/echo")));
    ASSERT_TRUE(client.Request(Get("/nowhere")));
    auto metrics = client.Request(Get("/metrics"));
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = metrics->body;
    EXPECT_NE(text.find("# TYPE mitra_http_requests_total counter"), std::string::npos);
    EXPECT_NE(text.find(R"(mitra_http_requests_total{method="GET",route="/echo",status="2xx"} 1)"),
              std::string::npos)
        << text;
    EXPECT_NE(
        text.find(R"(mitra_http_requests_total{method="GET",route="unmatched",status="4xx"} 1)"),
        std::string::npos);
    EXPECT_NE(text.find("# TYPE mitra_http_request_duration_seconds histogram"),
              std::string::npos);
    EXPECT_NE(text.find(R"(mitra_http_request_duration_seconds_bucket{le="+Inf"} 2)"),
              std::string::npos);
    EXPECT_NE(text.find("mitra_http_requests_in_flight 1"), std::string::npos);  // this one
    EXPECT_NE(text.find("mitra_http_connections_open 1"), std::string::npos);
    EXPECT_NE(text.find("test_dispatcher_metric 1"), std::string::npos);
    EXPECT_EQ(text.find("nowhere"), std::string::npos);  // raw paths never become labels
    // The worker pool: the two requests before this one ran there, and nothing stalled.
    EXPECT_NE(text.find("mitra_http_worker_threads " +
                        std::to_string(DefaultOptions().worker_threads +
                                       kWorkersKeptFromWrites) +
                        "\n"),
              std::string::npos);
    EXPECT_NE(text.find("mitra_http_worker_write_limit " +
                        std::to_string(DefaultOptions().worker_threads) + "\n"),
              std::string::npos);
    EXPECT_NE(text.find("# TYPE mitra_http_worker_runnable_limit gauge"), std::string::npos);
    EXPECT_NE(text.find("mitra_http_worker_jobs_total 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mitra_http_worker_stall_wakes_total 0\n"), std::string::npos);
}

TEST_F(ServerTest, HealthzGoesToTheDispatcher) {
    Start();
    Client client(port_);
    auto response = client.Request(Get("/healthz"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, R"({"status":"ok"})");
    EXPECT_EQ(dispatcher_.Calls(), 1);
}

TEST_F(ServerTest, DispatcherRunsOffTheIoThread) {
    Start();
    Client client(port_);
    ASSERT_TRUE(client.Request(Get("/echo")));
    EXPECT_NE(dispatcher_.HandlerThread(), std::thread::id());
    EXPECT_NE(dispatcher_.HandlerThread(), io_thread_);
    EXPECT_NE(dispatcher_.HandlerThread(), std::this_thread::get_id());
    // Workers carry their role's name (top -H, perf); the I/O thread keeps the process name.
    EXPECT_EQ(dispatcher_.HandlerThreadName(), "mitra-worker");
}

TEST_F(ServerTest, DispatcherExceptionBecomes500Json) {
    Start();
    Client client(port_);
    auto response = client.Request(Get("/throw"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 500);
    EXPECT_EQ(nlohmann::json::parse(response->body)["error"]["code"], "internal");
    // The server survives.
    auto next = client.Request(Get("/echo"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
    Start();
    Client client(port_);
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto interim = client.Read();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    auto response = client.Request("hello");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(dispatcher_.Last().body, "hello");
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightAndRefusesNewConnections) {
    Start();
    Client idle(port_);
    ASSERT_TRUE(idle.Request(Get("/echo")));  // now an idle keep-alive connection
    Client slow(port_);
    slow.Send(Get("/slow"));
    while (!dispatcher_.slow_started_) {
        std::this_thread::sleep_for(1ms);
    }
    const auto stop_at = std::chrono::steady_clock::now();
    server_->Stop();

    // The idle connection is closed promptly.
    EXPECT_TRUE(idle.WaitClosed());
    // New connections are refused once the acceptor is closed.
    bool refused = false;
    while (!refused && std::chrono::steady_clock::now() - stop_at < 2s) {
        Client late(port_);
        refused = !late.Connected();
    }
    EXPECT_TRUE(refused);
    EXPECT_FALSE(run_returned_);

    // The in-flight request still completes, and the connection then closes.
    auto response = slow.Read();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, R"({"slow":true})");
    EXPECT_EQ(Lower(response->headers["connection"]), "close");
    thread_.join();
    EXPECT_TRUE(run_returned_);
    EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 2s);
}

TEST_F(ServerTest, ShutdownGraceBoundsTheWait) {
    ServerOptions options = DefaultOptions();
    options.shutdown_grace = 50ms;
    Start(options);
    Client slow(port_);
    slow.Send(Get("/slow"));
    while (!dispatcher_.slow_started_) {
        std::this_thread::sleep_for(1ms);
    }
    server_->Stop();
    // The connection is closed when the grace expires; Run() returns once the handler is done.
    EXPECT_FALSE(slow.Read());
    thread_.join();
    EXPECT_TRUE(run_returned_);
}

class StaticServerTest : public ServerTest {
protected:
    void SetUp() override {
        base_ = std::filesystem::temp_directory_path() /
                ("mitra_http_static_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(base_);
        root_ = base_ / "www";
        std::filesystem::create_directories(root_ / "assets");
        Write(root_ / "index.html", "<!doctype html><title>mitra</title>");
        Write(root_ / "assets" / "app-1234.js", "console.log(1)");
        Write(root_ / "assets" / "style.css", "body{}");
        Write(base_ / "secret.txt", "SECRET");
        std::filesystem::create_symlink(base_ / "secret.txt", root_ / "link.txt");
        ServerOptions options = DefaultOptions();
        options.static_root = root_;
        Start(options);
    }

    void TearDown() override {
        ServerTest::TearDown();
        std::filesystem::remove_all(base_);
    }

    static void Write(const std::filesystem::path& file, const std::string& content) {
        std::ofstream(file, std::ios::binary) << content;
    }

    std::filesystem::path base_;
    std::filesystem::path root_;
};

TEST_F(StaticServerTest, ServesFilesWithContentTypes) {
    Client client(port_);
    auto index = client.Request(Get("/"));
    ASSERT_TRUE(index);
    EXPECT_EQ(index->status, 200);
    EXPECT_EQ(index->headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(index->headers["cache-control"], "no-cache");
    EXPECT_EQ(index->body, "<!doctype html><title>mitra</title>");

    auto script = client.Request(Get("/assets/app-1234.js"));
    ASSERT_TRUE(script);
    EXPECT_EQ(script->status, 200);
    EXPECT_EQ(script->headers["content-type"], "text/javascript; charset=utf-8");
    EXPECT_EQ(script->headers["cache-control"], "public, max-age=31536000, immutable");
    EXPECT_EQ(script->headers["x-content-type-options"], "nosniff");

    auto css = client.Request(Get("/assets/style.css"));
    ASSERT_TRUE(css);
    EXPECT_EQ(css->headers["content-type"], "text/css; charset=utf-8");
    EXPECT_EQ(dispatcher_.Calls(), 0);
}

TEST_F(StaticServerTest, HeadHasLengthButNoBody) {
    Client client(port_);
    client.Send("HEAD /assets/style.css HTTP/1.1\r\nHost: test\r\n\r\n");
    auto head = client.Read(/*head=*/true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->headers["content-length"], "6");
    EXPECT_TRUE(head->body.empty());
    // Had HEAD sent body bytes, they would corrupt the next response on this connection.
    auto get = client.Request(Get("/assets/style.css"));
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, "body{}");
}

TEST_F(StaticServerTest, ClientRoutesFallBackToIndexButMissingAssetsDoNot) {
    Client client(port_);
    auto route = client.Request(Get("/patients/0190a3f4-1111"));
    ASSERT_TRUE(route);
    EXPECT_EQ(route->status, 200);
    EXPECT_EQ(route->body, "<!doctype html><title>mitra</title>");

    auto missing = client.Request(Get("/assets/missing.js"));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->headers["content-type"], "application/json");

    auto health = client.Request(Get("/healthz"));
    ASSERT_TRUE(health);
    EXPECT_EQ(health->body, R"({"status":"ok"})");

    auto api = client.Request(Get("/api/v1/nothing"));
    ASSERT_TRUE(api);
    EXPECT_EQ(api->headers["cache-control"], "no-store");
}

TEST_F(StaticServerTest, RefusesPathTraversal) {
    for (const std::string target :
         {"/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/secret.txt", "/assets/../../secret.txt",
          "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/..%5c..%5csecret.txt",
          "/./index.html"}) {
        Client client(port_);
        auto response = client.Request(Get(target));
        ASSERT_TRUE(response) << target;
        EXPECT_EQ(response->status, 400) << target;
        EXPECT_EQ(response->body.find("SECRET"), std::string::npos) << target;
        EXPECT_EQ(response->body.find("root:"), std::string::npos) << target;
    }
    // A symlink inside the root that points outside it is not followed.
    Client client(port_);
    auto link = client.Request(Get("/link.txt"));
    ASSERT_TRUE(link);
    EXPECT_EQ(link->status, 404);
    EXPECT_EQ(link->body.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace mitra::http
