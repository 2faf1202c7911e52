#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace mitra::testing {
namespace {

std::string BinaryPath() {
    const char* bin = std::getenv("MITRA_BIN");
    if (bin != nullptr && *bin != '\0') {
        return bin;
    }
#ifdef MITRA_BIN_PATH
    return MITRA_BIN_PATH;
#else
    throw std::runtime_error("MITRA_BIN is not set");
#endif
}

std::vector<char*> Argv(std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    return argv;
}

void ApplyEnv(const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) {
        ::setenv(k.c_str(), v.c_str(), 1);
    }
}

std::string ReadAll(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

int Connect(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

}  // namespace

std::map<std::string, std::string> TestEnv() { return {{"MITRA_PASSWORD_HASH_COST", "min"}}; }

CliResult RunCli(const std::vector<std::string>& args_in, const std::string& stdin_text,
                 const std::map<std::string, std::string>& env) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::vector<std::string> args{BinaryPath()};
    args.insert(args.end(), args_in.begin(), args_in.end());
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
            ::close(fd);
        }
        ApplyEnv(TestEnv());
        ApplyEnv(env);
        auto argv = Argv(args);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (!stdin_text.empty()) {
        [[maybe_unused]] auto n = ::write(in_pipe[1], stdin_text.data(), stdin_text.size());
    }
    ::close(in_pipe[1]);
    CliResult result;
    std::thread err_reader([&] { result.err = ReadAll(err_pipe[0]); });
    result.out = ReadAll(out_pipe[0]);
    err_reader.join();
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

Json HttpResult::json() const {
    try {
        return Json::parse(body);
    } catch (const std::exception&) {
        ADD_FAILURE() << "response is not JSON: " << body.substr(0, 200);
        return Json();
    }
}

std::string RawRequest(std::uint16_t port, const std::string& bytes) {
    const int fd = Connect(port);
    if (fd < 0) {
        return {};
    }
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string out = ReadAll(fd);
    ::close(fd);
    return out;
}

HttpResult HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers) {
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Connection: close\r\n";
    for (const auto& [k, v] : headers) {
        request += k + ": " + v + "\r\n";
    }
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    request += "\r\n" + body;
    const std::string raw = RawRequest(port, request);
    HttpResult result;
    const auto header_end = raw.find("\r\n\r\n");
    if (raw.size() < 12 || header_end == std::string::npos) {
        return result;
    }
    result.status = std::atoi(raw.substr(9, 3).c_str());
    std::size_t pos = raw.find("\r\n") + 2;
    while (pos < header_end) {
        const auto eol = raw.find("\r\n", pos);
        const std::string line = raw.substr(pos, eol - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') {
                value.erase(value.begin());
            }
            result.headers[name] = value;
        }
        pos = eol + 2;
    }
    result.body = raw.substr(header_end + 4);
    if (result.headers["transfer-encoding"] == "chunked") {
        std::string decoded;
        std::size_t p = 0;
        while (p < result.body.size()) {
            const auto eol = result.body.find("\r\n", p);
            const std::size_t len = std::strtoul(result.body.substr(p, eol - p).c_str(), nullptr, 16);
            if (len == 0) {
                break;
            }
            decoded += result.body.substr(eol + 2, len);
            p = eol + 2 + len + 2;
        }
        result.body = decoded;
    }
    return result;
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("mitra-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(rd()));
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

Server::Server(const std::string& database_url, const std::map<std::string, std::string>& env,
               const std::string& log_path) {
    int out_pipe[2];
    if (::pipe(out_pipe) != 0) {
        throw std::runtime_error("pipe failed");
    }
    std::vector<std::string> args{BinaryPath(), "serve", "--database", database_url, "--listen",
                                  "127.0.0.1:0", "--log-level", "warn"};
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out_pipe[1], 1);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        if (!log_path.empty()) {
            const int log =
                ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (log < 0) {
                ::_exit(126);
            }
            ::dup2(log, 2);
        }
        ApplyEnv(TestEnv());
        ApplyEnv(env);
        auto argv = Argv(args);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{out_pipe[0], POLLIN, 0};
        if (::poll(&pfd, 1, 200) > 0) {
            char buf[512];
            const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
            if (n <= 0) {
                break;
            }
            seen.append(buf, static_cast<std::size_t>(n));
            const auto at = seen.find("listening on http://127.0.0.1:");
            if (at != std::string::npos && seen.find('\n', at) != std::string::npos) {
                port_ = static_cast<std::uint16_t>(
                    std::atoi(seen.c_str() + at + std::strlen("listening on http://127.0.0.1:")));
                break;
            }
        }
    }
    // Keep draining stdout in the background so the child never blocks on a full pipe.
    std::thread([fd = out_pipe[0]] {
        char buf[512];
        while (::read(fd, buf, sizeof buf) > 0) {
        }
        ::close(fd);
    }).detach();
    if (port_ == 0) {
        Kill();
        throw std::runtime_error("mitra serve did not start: " + seen);
    }
}

Server::~Server() {
    if (pid_ > 0) {
        Stop();
    }
}

int Server::Stop() {
    if (pid_ <= 0) {
        return -1;
    }
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Server::Kill() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

Clinic CreateClinic(const std::string& database_url, int patients) {
    Clinic clinic;
    clinic.database_url = database_url;
    auto org = RunCli({"org", "add", "--database", database_url, "--name", "Test Clinic"});
    if (org.exit_code != 0) {
        throw std::runtime_error("org add failed: " + org.err);
    }
    clinic.org_id = Json::parse(org.out)["id"];
    auto add = [&](const std::string& role, const std::string& email) {
        auto r = RunCli({"user", "add", "--database", database_url, "--org", clinic.org_id,
                         "--role", role, "--email", email, "--password-stdin"},
                        std::string(kPassword) + "\n");
        if (r.exit_code != 0) {
            throw std::runtime_error("user add failed: " + r.err);
        }
        clinic.emails.push_back(email);
        return Json::parse(r.out);
    };
    clinic.admin_id = add("admin", "admin@test.example")["id"];
    clinic.clinician_ids.push_back(add("clinician", "clin0@test.example")["id"]);
    clinic.clinician_ids.push_back(add("clinician", "clin1@test.example")["id"]);
    clinic.researcher_id = add("researcher", "research@test.example")["id"];
    for (int i = 0; i < patients; ++i) {
        const Json p = add("patient", "p" + std::to_string(i) + "@test.example");
        clinic.patient_user_ids.push_back(p["id"]);
        clinic.patient_ids.push_back(p["patient_id"]);
    }
    return clinic;
}

std::string Login(std::uint16_t port, const std::string& email, const std::string& password) {
    const auto r = HttpRequest(port, "POST", "/api/v1/auth/login",
                               Json{{"email", email},
                                    {"password", password.empty() ? kPassword : password}}
                                   .dump(),
                               {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) {
        return {};
    }
    return r.json()["token"];
}

std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

std::map<std::string, std::string> JsonHeaders(const std::string& token) {
    std::map<std::string, std::string> h{{"Content-Type", "application/json"}};
    if (!token.empty()) {
        h["Authorization"] = "Bearer " + token;
    }
    return h;
}

std::vector<Backend> DatabaseBackendsForTests() { return {Backend::kSqlite, Backend::kPostgres}; }

std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::kSqlite ? "sqlite" : "postgres";
}

std::string SuiteDatabase(const TempDir& dir, const std::string& file) {
    const char* backend = std::getenv("MITRA_TEST_BACKEND");
    if (backend != nullptr && std::string_view(backend) == "postgres") {
        return FreshDatabase(Backend::kPostgres, dir);
    }
    return "sqlite:" + (dir.path() / file).string();
}

std::string FreshDatabase(Backend kind, const TempDir& dir) {
    static std::atomic<int> counter{0};
    const int n = counter++;
    if (kind == Backend::kSqlite) {
        return "sqlite:" + (dir.path() / ("t" + std::to_string(n) + ".db")).string();
    }
    const char* dsn = std::getenv("MITRA_TEST_PG_DSN");
    if (dsn == nullptr || *dsn == '\0') {
        return {};
    }
    // A fresh schema per call; the throwaway cluster is removed after the run.
    std::random_device rd;
    const std::string schema = "it_" + std::to_string(::getpid()) + "_" + std::to_string(n) +
                               "_" + std::to_string(rd() % 100000);
    PGconn* conn = PQconnectdb(dsn);
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("cannot reach MITRA_TEST_PG_DSN: " + message);
    }
    PGresult* result = PQexec(conn, ("CREATE SCHEMA " + schema).c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const std::string message = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    if (!ok) {
        throw std::runtime_error("CREATE SCHEMA failed: " + message);
    }
    const std::string base = dsn;
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
}

}  // namespace mitra::testing
