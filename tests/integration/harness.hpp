#pragma once
// Test harness for integration tests: runs the real `mitra` binary (path in $MITRA_BIN) as a
// child process, on a temp database, on a free loopback port; and speaks HTTP/1.1 to it over a
// plain socket. No mocks: the server, the database and the network stack are real.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mitra::testing {

using Json = nlohmann::json;

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs `mitra args...` to completion, feeding `stdin_text`.
CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = {},
                 const std::map<std::string, std::string>& env = {});

struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    Json json() const;
};

/// One request on a fresh connection (Connection: close).
HttpResult HttpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});
/// Sends raw bytes and returns the raw response (for malformed-request tests).
std::string RawRequest(std::uint16_t port, const std::string& bytes);

/// A temp folder removed at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// A running `mitra serve`.
class Server {
public:
    /// Starts `mitra serve --database URL --listen 127.0.0.1:0` and waits for "listening on".
    /// Its log (stderr) goes to `log_path` when given, else to the test's stderr.
    explicit Server(const std::string& database_url,
                    const std::map<std::string, std::string>& env = {},
                    const std::string& log_path = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    std::uint16_t port() const { return port_; }
    int pid() const { return pid_; }
    /// SIGTERM and wait; returns the exit status.
    int Stop();
    /// SIGKILL and wait.
    void Kill();

private:
    int pid_ = -1;
    std::uint16_t port_ = 0;
};

/// The password every test account gets.
inline constexpr const char* kPassword = "test-password-1";

/// Environment for CLI and server children: fast password hashing for tests.
std::map<std::string, std::string> TestEnv();

/// A small clinic created through the CLI: one org, an admin, two clinicians, a researcher and
/// three patients. Patient 0 consents to clinician 0; patient 1 consented to clinician 0 and
/// revoked it; patient 2 has no consent (set up by the test through the API).
struct Clinic {
    std::string database_url;
    std::string org_id;
    std::string admin_id;
    std::vector<std::string> clinician_ids;
    std::string researcher_id;
    std::vector<std::string> patient_user_ids;
    std::vector<std::string> patient_ids;
    std::vector<std::string> emails;  // in creation order: admin, clin0, clin1, researcher, p0..p2
};

/// Creates the clinic's accounts with `mitra org add` / `mitra user add`.
Clinic CreateClinic(const std::string& database_url, int patients = 3);

/// Signs in and returns the bearer token (asserts success); `password` defaults to the one
/// CreateClinic gives every account.
std::string Login(std::uint16_t port, const std::string& email, const std::string& password = {});

std::map<std::string, std::string> Bearer(const std::string& token);
std::map<std::string, std::string> JsonHeaders(const std::string& token = {});

/// The database backends integration tests run against (value-parameterise a suite over
/// DatabaseBackendsForTests(); PostgreSQL runs when $MITRA_TEST_PG_DSN is set, see
/// scripts/pg-throwaway.sh, and is skipped otherwise).
enum class Backend { kSqlite, kPostgres };
std::vector<Backend> DatabaseBackendsForTests();
/// "sqlite" / "postgres", for test names: INSTANTIATE_TEST_SUITE_P(..., BackendParamName).
std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info);
/// A URL naming a fresh, empty database: a file in `dir` for SQLite, a fresh schema of
/// $MITRA_TEST_PG_DSN for PostgreSQL. Empty when the backend is not available: skip the test,
/// e.g. `if (url.empty()) GTEST_SKIP() << "no PostgreSQL";`.
std::string FreshDatabase(Backend kind, const TempDir& dir);

/// The database of a suite written for one backend: SQLite (`file` in `dir`) unless
/// $MITRA_TEST_BACKEND is "postgres", then a fresh schema of $MITRA_TEST_PG_DSN ("" when that
/// is unset: the suite skips). CMake runs such suites a second time with the variable set.
std::string SuiteDatabase(const TempDir& dir, const std::string& file);

}  // namespace mitra::testing
