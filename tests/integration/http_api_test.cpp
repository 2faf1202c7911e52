// Foundation end to end against a real `mitra serve`: sign-in, sign-out, consent, TOTP,
// lockout, OpenAPI coverage, graceful shutdown.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "crypto/crypto.hpp"
#include "harness.hpp"

namespace mitra::testing {
namespace {

// Every test runs once per database backend (PostgreSQL when $MITRA_TEST_PG_DSN is set).
class HttpApiTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        const std::string url = FreshDatabase(GetParam(), dir_);
        if (url.empty()) {
            GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
        }
        clinic_ = CreateClinic(url);
        server_ = std::make_unique<Server>(clinic_.database_url);
    }
    std::uint16_t port() const { return server_->port(); }

    TempDir dir_;
    Clinic clinic_;
    std::unique_ptr<Server> server_;
};
INSTANTIATE_TEST_SUITE_P(Db, HttpApiTest, ::testing::ValuesIn(DatabaseBackendsForTests()),
                         BackendParamName);

TEST_P(HttpApiTest, SignInSeeYourselfSignOutKillsTokenAtOnce) {
    const std::string token = Login(port(), "p0@test.example");
    auto me = HttpRequest(port(), "GET", "/api/v1/me", {}, Bearer(token));
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.json()["role"], "patient");
    EXPECT_EQ(me.json()["patient_id"], clinic_.patient_ids[0]);
    EXPECT_EQ(HttpRequest(port(), "POST", "/api/v1/auth/logout", {}, Bearer(token)).status, 200);
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/me", {}, Bearer(token)).status, 401);
}

TEST_P(HttpApiTest, WrongPasswordAndUnknownEmailLookTheSame) {
    const auto wrong = HttpRequest(port(), "POST", "/api/v1/auth/login",
                                   Json{{"email", "p0@test.example"}, {"password", "nope-nope"}}.dump(),
                                   JsonHeaders());
    const auto unknown = HttpRequest(port(), "POST", "/api/v1/auth/login",
                                     Json{{"email", "ghost@test.example"}, {"password", "nope-nope"}}.dump(),
                                     JsonHeaders());
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(wrong.body, unknown.body);
}

TEST_P(HttpApiTest, LockoutAfterRepeatedFailuresDoesNotRevealAccounts) {
    auto attempt = [&](const std::string& email, const std::string& password) {
        return HttpRequest(port(), "POST", "/api/v1/auth/login",
                           Json{{"email", email}, {"password", password}}.dump(), JsonHeaders());
    };
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(attempt("p1@test.example", "wrong-password").status, 401);
        EXPECT_EQ(attempt("ghost@test.example", "wrong-password").status, 401);
    }
    const auto real = attempt("p1@test.example", kPassword);  // right password, but locked
    const auto ghost = attempt("ghost@test.example", "wrong-password");
    EXPECT_EQ(real.status, 429);
    EXPECT_EQ(ghost.status, 429);
    EXPECT_TRUE(real.headers.count("retry-after"));
    EXPECT_EQ(real.json()["error"]["code"], ghost.json()["error"]["code"]);
    // Other accounts are unaffected.
    EXPECT_EQ(attempt("p0@test.example", kPassword).status, 200);
}

TEST_P(HttpApiTest, ConsentGrantAndRevokeChangeWhatTheClinicianSees) {
    const std::string patient = Login(port(), "p0@test.example");
    const std::string clinician = Login(port(), "clin0@test.example");
    auto list = [&] {
        auto r = HttpRequest(port(), "GET", "/api/v1/patients", {}, Bearer(clinician));
        EXPECT_EQ(r.status, 200);
        std::vector<std::string> ids;
        const Json body = r.json();
        for (const auto& p : body["patients"]) {
            ids.push_back(p["id"]);
        }
        return ids;
    };
    EXPECT_TRUE(list().empty());
    const std::string pid = clinic_.patient_ids[0];
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(clinician)).status,
              404);
    auto grant = HttpRequest(port(), "POST", "/api/v1/patients/" + pid + "/consents",
                             Json{{"grantee_user_id", clinic_.clinician_ids[0]},
                                  {"purpose", "care"}}.dump(),
                             JsonHeaders(patient));
    ASSERT_EQ(grant.status, 201) << grant.body;
    const std::string cid = grant.json()["id"];
    EXPECT_EQ(list(), std::vector<std::string>{pid});
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(clinician)).status,
              200);
    // The other clinician still sees nothing.
    const std::string other = Login(port(), "clin1@test.example");
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(other)).status,
              404);
    auto revoke = HttpRequest(port(), "DELETE", "/api/v1/patients/" + pid + "/consents/" + cid,
                              {}, Bearer(patient));
    ASSERT_EQ(revoke.status, 200);
    EXPECT_FALSE(revoke.json()["revoked_at"].is_null());
    EXPECT_TRUE(list().empty());
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(clinician)).status,
              404);
}

TEST_P(HttpApiTest, GrantingToAPatientOrUnknownUserIsRejected) {
    const std::string patient = Login(port(), "p0@test.example");
    const std::string path = "/api/v1/patients/" + clinic_.patient_ids[0] + "/consents";
    for (const std::string& grantee : {clinic_.patient_user_ids[1], clinic_.admin_id,
                                       std::string("01900000-0000-7000-8000-000000000000")}) {
        auto r = HttpRequest(port(), "POST", path,
                             Json{{"grantee_user_id", grantee}, {"purpose", "care"}}.dump(),
                             JsonHeaders(patient));
        EXPECT_EQ(r.status, 400);
        EXPECT_EQ(r.json()["error"]["field"], "grantee_user_id");
    }
}

TEST_P(HttpApiTest, OrganizationCanRequireTotpForClinicians) {
    const std::string admin = Login(port(), "admin@test.example");
    // The admin enrols first, then requires a second factor for the clinic.
    auto start = HttpRequest(port(), "POST", "/api/v1/me/totp", {}, Bearer(admin));
    ASSERT_EQ(start.status, 200) << start.body;
    const std::string secret = start.json()["secret"];
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    auto bad = HttpRequest(port(), "POST", "/api/v1/me/totp/confirm",
                           Json{{"code", "000000"}}.dump(), JsonHeaders(admin));
    EXPECT_EQ(bad.status, 400);
    auto ok = HttpRequest(port(), "POST", "/api/v1/me/totp/confirm",
                          Json{{"code", crypto::TotpCode(secret, now_s)}}.dump(), JsonHeaders(admin));
    ASSERT_EQ(ok.status, 200) << ok.body;
    ASSERT_EQ(HttpRequest(port(), "PATCH", "/api/v1/organization",
                          Json{{"require_totp", true}}.dump(), JsonHeaders(admin)).status,
              200);
    // The admin now needs the code to sign in.
    auto no_code = HttpRequest(port(), "POST", "/api/v1/auth/login",
                               Json{{"email", "admin@test.example"}, {"password", kPassword}}.dump(),
                               JsonHeaders());
    EXPECT_EQ(no_code.status, 401);
    EXPECT_EQ(no_code.json()["error"]["code"], "totp_required");
    auto with_code = HttpRequest(port(), "POST", "/api/v1/auth/login",
                                 Json{{"email", "admin@test.example"}, {"password", kPassword},
                                      {"totp", crypto::TotpCode(secret, now_s)}}.dump(),
                                 JsonHeaders());
    EXPECT_EQ(with_code.status, 200);
    // A clinician without a second factor may only enrol.
    const std::string clinician = Login(port(), "clin0@test.example");
    auto me = HttpRequest(port(), "GET", "/api/v1/me", {}, Bearer(clinician));
    EXPECT_EQ(me.json()["restricted"], true);
    auto blocked = HttpRequest(port(), "GET", "/api/v1/patients", {}, Bearer(clinician));
    EXPECT_EQ(blocked.status, 403);
    EXPECT_EQ(blocked.json()["error"]["code"], "totp_required");
    // Patients are not required to use a second factor.
    const std::string patient = Login(port(), "p0@test.example");
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients", {}, Bearer(patient)).status, 200);
}

TEST_P(HttpApiTest, PatchKeepsHistory) {
    const std::string patient = Login(port(), "p0@test.example");
    const std::string base = "/api/v1/patients/" + clinic_.patient_ids[0];
    auto r = HttpRequest(port(), "PATCH", base,
                         Json{{"timezone", "America/Chicago"}, {"pregnant", false}}.dump(),
                         JsonHeaders(patient));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["timezone"], "America/Chicago");
    auto history = HttpRequest(port(), "GET", base + "/history", {}, Bearer(patient));
    ASSERT_EQ(history.status, 200);
    ASSERT_EQ(history.json()["history"].size(), 1u);
    EXPECT_EQ(history.json()["history"][0]["previous"]["timezone"], "UTC");
}

TEST_P(HttpApiTest, OpenApiDocumentsEveryRoutedEndpoint) {
    auto doc = HttpRequest(port(), "GET", "/api/v1/openapi.json");
    ASSERT_EQ(doc.status, 200);
    const Json spec = doc.json();
    EXPECT_EQ(spec["openapi"], "3.1.0");
    int checked = 0;
    for (const auto& [path, methods] : spec["paths"].items()) {
        std::string concrete = path;
        for (auto pos = concrete.find('{'); pos != std::string::npos; pos = concrete.find('{')) {
            concrete.replace(pos, concrete.find('}', pos) - pos + 1,
                             "01900000-0000-7000-8000-00000000abcd");
        }
        for (const auto& [method, op] : methods.items()) {
            std::string upper = method;
            for (auto& c : upper) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            auto r = HttpRequest(port(), upper, concrete, "{}", JsonHeaders());
            // The route exists: whatever the answer, it is not "no such endpoint" or 405.
            const bool unrouted = r.status == 405 ||
                                  (r.status == 404 && r.body.find("no such endpoint") != std::string::npos);
            EXPECT_FALSE(unrouted) << upper << " " << path << " -> " << r.status;
            EXPECT_TRUE(op.contains("responses")) << path;
            ++checked;
        }
    }
    EXPECT_GT(checked, 15);
    // And an undocumented path is not routed.
    EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/undocumented").status, 404);
}

TEST_P(HttpApiTest, ReadyzAndMetrics) {
    EXPECT_EQ(HttpRequest(port(), "GET", "/readyz").status, 200);
    auto metrics = HttpRequest(port(), "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos);
    EXPECT_NE(metrics.body.find("mitra_api_auth_failures_total"), std::string::npos);
}

// `top -H` and `perf` tell the server's threads apart by name (docs/operations.md); the I/O thread
// keeps the process name, so `pkill mitra` and `ps -C mitra` still find the process.
TEST_P(HttpApiTest, ServerThreadsAreNamedByRole) {
    const auto thread_names = [&] {
        std::multiset<std::string> names;
        for (const auto& task : std::filesystem::directory_iterator(
                 "/proc/" + std::to_string(server_->pid()) + "/task")) {
            std::ifstream comm(task.path() / "comm");
            std::string name;
            std::getline(comm, name);
            names.insert(name);
        }
        return names;
    };
    // Each thread names itself as it starts (until then it carries the process's name); give
    // them a moment.
    std::multiset<std::string> names = thread_names();
    for (int i = 0; i < 100 && (names.count("mitra") > 1 || names.count("mitra-alerts") == 0);
         ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        names = thread_names();
    }
    EXPECT_EQ(names.count("mitra"), 1U);
    EXPECT_EQ(names.count("mitra-worker"), 10U);  // app::ServeOptions::workers, 2 kept for reads
    EXPECT_EQ(names.count("mitra-monitor"), 1U);  // http/worker_pool.hpp
    EXPECT_EQ(names.count("mitra-audit"), 1U);
    EXPECT_EQ(names.count("mitra-evaluate"), 1U);
    EXPECT_EQ(names.count("mitra-alerts"), 1U);
    EXPECT_EQ(names.count("mitra-checkpt"), GetParam() == Backend::kSqlite ? 1U : 0U);
    std::string all;
    for (const std::string& name : names) {
        all += name + " ";
    }
    EXPECT_EQ(names.size(), GetParam() == Backend::kSqlite ? 16U : 15U) << all;
}

TEST_P(HttpApiTest, GracefulShutdownExitsZeroAndKeepsTheAuditChain) {
    const std::string patient = Login(port(), "p0@test.example");
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(HttpRequest(port(), "GET", "/api/v1/patients/" + clinic_.patient_ids[0], {},
                              Bearer(patient)).status,
                  200);
    }
    EXPECT_EQ(server_->Stop(), 0);
    const auto verify = RunCli({"audit", "verify", "--database", clinic_.database_url});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    // The read-audit queue was flushed at shutdown: 1 organization + 7 users created,
    // 1 sign-in and the 5 reads = 14 entries.
    const Json report = Json::parse(verify.out);
    EXPECT_EQ(report["intact"], true);
    EXPECT_EQ(report["entries"], 14);
}

}  // namespace
}  // namespace mitra::testing

namespace mitra::testing {
namespace {

TEST(WebApp, DeepLinksToAppPagesServeTheAppAndUnknownApiPathsStayJson) {
    const auto web = std::filesystem::path(MITRA_SOURCE_DIR) / "web" / "dist" / "index.html";
    ASSERT_TRUE(std::filesystem::exists(web)) << "build the web app first (npm run build in web/)";
    TempDir dir;
    Clinic clinic = CreateClinic("sqlite:" + (dir.path() / "t.db").string(), 1);
    Server server(clinic.database_url);
    const auto page = HttpRequest(server.port(), "GET", "/p/log");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.headers.at("content-type").find("text/html"), std::string::npos);
    const auto api = HttpRequest(server.port(), "GET", "/api/v1/no-such-thing");
    EXPECT_EQ(api.status, 404);
    EXPECT_EQ(api.json()["error"]["code"], "not_found");
}

}  // namespace
}  // namespace mitra::testing
