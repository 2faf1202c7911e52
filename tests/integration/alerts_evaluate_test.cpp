// The scheduled path of alert evaluation: `mitra alerts evaluate` (the same function the server's
// scheduler and `mitra demo` run) over every patient of a database whose history was stored
// without evaluation (the demo cohort, its alerts removed). It raises alerts from stored facts, never raises the same ongoing condition
// twice, and the alerts carry their evidence and sources.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <regex>
#include <set>
#include <string>

#include "harness.hpp"

namespace mitra::testing {
namespace {

constexpr const char* kDemoClinician = "dr.okafor@demo.mitra.example";
constexpr const char* kDemoPassword = "demo-password-2026";

TEST(AlertsEvaluate, RaisesFromStoredHistoryOnceAndExplainsWhy) {
    TempDir dir;
    const std::string path = (dir.path() / "demo.db").string();
    const auto demo = RunCli({"demo", "--patients", "6", "--days", "35", "--no-serve",
                              "--database", path});
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    const std::string url = "sqlite:" + path;
    // The demo evaluates its seeded history once, so the panel opens with its alerts.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(demo.out, m, std::regex(R"(, (\d+) open safety alerts)")))
        << demo.out;
    const int seeded = std::stoi(m[1]);
    EXPECT_GT(seeded, 0);
    // Forget them, as if the history had been stored without evaluation.
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "DELETE FROM alerts", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }

    const auto first = RunCli({"alerts", "evaluate", "--database", url});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const Json first_report = Json::parse(first.out);
    EXPECT_EQ(first_report["raised"].get<int>(), seeded) << first.out;
    EXPECT_EQ(first_report["failed"].get<int>(), 0) << first.out;

    // Nothing changed since: the same ongoing conditions are not raised again.
    const auto second = RunCli({"alerts", "evaluate", "--database", url});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(Json::parse(second.out)["raised"].get<int>(), 0) << second.out;

    // Clinicians see them with the facts that triggered them and their sources.
    Server server(url);
    const std::string token = Login(server.port(), kDemoClinician, kDemoPassword);
    ASSERT_FALSE(token.empty());
    const auto patients = HttpRequest(server.port(), "GET", "/api/v1/patients", {}, Bearer(token));
    ASSERT_EQ(patients.status, 200);
    const Json patient_list = patients.json()["patients"];
    int seen = 0;
    std::set<std::string> rules;
    for (const Json& p : patient_list) {
        const auto alerts = HttpRequest(server.port(), "GET",
                                        "/api/v1/patients/" + p["id"].get<std::string>() + "/alerts",
                                        {}, Bearer(token));
        ASSERT_EQ(alerts.status, 200) << alerts.body;
        const Json body = alerts.json();
        for (const Json& a : body["alerts"]) {
            ++seen;
            rules.insert(a["rule_id"].get<std::string>());
            EXPECT_FALSE(a["evidence"].empty()) << a.dump();
            EXPECT_FALSE(a["citations"].empty()) << a.dump();
            EXPECT_EQ(a["status"], "open");
        }
    }
    EXPECT_GT(seen, 0) << "the clinician's consented patients have no alerts";
    EXPECT_FALSE(rules.empty());
}

// `mitra demo --database postgresql://...` builds the same clinic in an empty PostgreSQL
// database, and refuses (changing nothing) a database that already holds an organization.
TEST(Demo, BuildsInAnEmptyPostgresDatabaseAndRefusesOneWithData) {
    TempDir dir;
    const std::string url = FreshDatabase(Backend::kPostgres, dir);
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    const auto demo = RunCli({"demo", "--patients", "6", "--days", "14", "--no-serve",
                              "--database", url});
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    EXPECT_NE(demo.out.find("created in the PostgreSQL database"), std::string::npos) << demo.out;
    EXPECT_EQ(demo.out.find(url), std::string::npos) << "the URL (it may hold a password) is shown";
    std::smatch m;
    ASSERT_TRUE(std::regex_search(demo.out, m, std::regex(R"(, (\d+) doses, )"))) << demo.out;
    EXPECT_GT(std::stoi(m[1]), 0);

    auto odd_patients = [&] {
        Server server(url);
        const auto patients = HttpRequest(server.port(), "GET", "/api/v1/patients", {},
                                          Bearer(Login(server.port(), kDemoClinician,
                                                       kDemoPassword)));
        EXPECT_EQ(patients.status, 200) << patients.body;
        return patients.json()["patients"].size();
    };
    EXPECT_EQ(odd_patients(), 3u);  // patients 1, 3 and 5 consent to dr. Okafor

    const auto again = RunCli({"demo", "--patients", "6", "--days", "14", "--no-serve",
                               "--database", url});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_NE(again.err.find("the demo needs an empty database"), std::string::npos) << again.err;
    EXPECT_EQ(odd_patients(), 3u);  // nothing was added or removed
}

}  // namespace
}  // namespace mitra::testing
