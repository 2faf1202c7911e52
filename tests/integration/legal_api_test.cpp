// GET /api/v1/legal and `mitra import legal` through the real server and CLI: each fallback
// level, dates before/after a change (data/legal records, domain.md §7), no_record, bad input,
// and an imported dataset seen by a running server at its next lookup.

#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace mitra::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kShippedData = fs::path(MITRA_SOURCE_DIR) / "data";

/// A copy of data/ the test may change; the server and the CLI both get MITRA_DATA_DIR = it.
fs::path CopyData(const TempDir& dir) {
    const fs::path data = dir.path() / "data";
    fs::copy(kShippedData, data, fs::copy_options::recursive);
    return data;
}

std::map<std::string, std::string> EnvWith(const fs::path& data) {
    auto env = TestEnv();
    env["MITRA_DATA_DIR"] = data.string();
    return env;
}

HttpResult Legal(std::uint16_t port, const std::string& token, const std::string& query) {
    return HttpRequest(port, "GET", "/api/v1/legal" + query, {}, Bearer(token));
}

Json Minimal(const std::string& jurisdiction, const std::string& status,
             const std::string& version = "test-1") {
    return {{"dataset", "test"},
            {"version", version},
            {"records",
             {{{"jurisdiction", jurisdiction},
               {"name", "Test " + jurisdiction},
               {"status", status},
               {"summary", "test record"},
               {"minimum_age", 21},
               {"limits", Json::array()},
               {"effective_from", "2026-01-01"},
               {"effective_to", nullptr},
               {"sources", {{{"citation", "Test citation"}, {"url", nullptr}, {"evidence", "V"}}}},
               {"last_verified", "2026-02-01"},
               {"confidence", "medium"}}}}};
}

class LegalApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        data_ = new fs::path(CopyData(*dir_));
        clinic_ = new Clinic(CreateClinic("sqlite:" + (dir_->path() / "t.db").string(), 1));
        server_ = new Server(clinic_->database_url, EnvWith(*data_));
        token_ = new std::string(Login(server_->port(), "p0@test.example"));
    }
    static void TearDownTestSuite() {
        delete token_;
        delete server_;
        delete clinic_;
        delete data_;
        delete dir_;
    }
    static Json Ok(const std::string& query) {
        const auto r = Legal(server_->port(), *token_, query);
        EXPECT_EQ(r.status, 200) << query << ": " << r.body;
        return r.status == 200 ? r.json() : Json::object();
    }

    static TempDir* dir_;
    static fs::path* data_;
    static Clinic* clinic_;
    static Server* server_;
    static std::string* token_;
};
TempDir* LegalApiTest::dir_ = nullptr;
fs::path* LegalApiTest::data_ = nullptr;
Clinic* LegalApiTest::clinic_ = nullptr;
Server* LegalApiTest::server_ = nullptr;
std::string* LegalApiTest::token_ = nullptr;

TEST_F(LegalApiTest, EachFallbackLevel) {
    // Locality with its own record (data/legal/us.json: San Diego city ban, domain.md §7).
    Json j = Ok("?jurisdiction=US-CA-san-diego&on=2026-01-15");
    EXPECT_EQ(j["matched_level"], "locality");
    EXPECT_EQ(j["jurisdiction"], "US-CA-san-diego");
    EXPECT_EQ(j["status"], "banned");
    EXPECT_FALSE(j["sources"].empty());
    // Unknown locality of a state with a record -> the state.
    j = Ok("?jurisdiction=US-TX-austin&on=2026-01-15");
    EXPECT_EQ(j["matched_level"], "subdivision");
    EXPECT_EQ(j["jurisdiction"], "US-TX");
    EXPECT_EQ(j["requested"], "US-TX-austin");
    EXPECT_EQ(j["status"], "regulated");
    // State without a record -> the country.
    j = Ok("?jurisdiction=US-CA&on=2026-01-15");
    EXPECT_EQ(j["matched_level"], "country");
    EXPECT_EQ(j["jurisdiction"], "US");
    // A country.
    j = Ok("?jurisdiction=TH&on=2026-01-15");
    EXPECT_EQ(j["matched_level"], "country");
    EXPECT_EQ(j["status"], "regulated");
    EXPECT_EQ(j["as_of"], "2026-01-15");
    // Ids are normalised.
    EXPECT_EQ(Ok("?jurisdiction=us-tx")["jurisdiction"], "US-TX");
    // Without `on`: today; age_days counts from last_verified to today.
    j = Ok("?jurisdiction=US-TX");
    EXPECT_GE(j["age_days"].get<int>(), 0);
}

TEST_F(LegalApiTest, DatesBeforeAndAfterAChange) {
    // Thailand: banned until 2021-08-24, then legal, regulated from 2022-08-27 (domain.md §7).
    EXPECT_EQ(Ok("?jurisdiction=TH&on=2021-08-23")["status"], "banned");
    EXPECT_EQ(Ok("?jurisdiction=TH&on=2021-08-24")["status"], "legal");
    EXPECT_EQ(Ok("?jurisdiction=TH&on=2022-08-26")["status"], "legal");
    EXPECT_EQ(Ok("?jurisdiction=TH&on=2022-08-27")["status"], "regulated");
    // Louisiana: before its 2025-08-01 ban the federal record answers.
    Json before = Ok("?jurisdiction=US-LA&on=2025-07-31");
    EXPECT_EQ(before["matched_level"], "country");
    EXPECT_EQ(before["status"], "legal");
    Json after = Ok("?jurisdiction=US-LA&on=2025-08-01");
    EXPECT_EQ(after["matched_level"], "subdivision");
    EXPECT_EQ(after["status"], "banned");
    EXPECT_EQ(after["effective_from"], "2025-08-01");
}

TEST_F(LegalApiTest, UnknownIsNoRecordAndBadInputIs400) {
    auto r = Legal(server_->port(), *token_, "?jurisdiction=DE");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "no_record");
    r = Legal(server_->port(), *token_, "?jurisdiction=ZZ-ABC");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "no_record");
    // Texas before its record and before any US record? The US record has no start date, so
    // the federal record answers; not a 404.
    EXPECT_EQ(Legal(server_->port(), *token_, "?jurisdiction=US-TX&on=2000-01-01").status, 200);

    for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
             {"", "jurisdiction"},
             {"?jurisdiction=", "jurisdiction"},
             {"?jurisdiction=Texas!", "jurisdiction"},
             {"?jurisdiction=US-TX&on=2026-02-30", "on"},
             {"?jurisdiction=US-TX&on=tomorrow", "on"}}) {
        r = Legal(server_->port(), *token_, query);
        EXPECT_EQ(r.status, 400) << query << ": " << r.body;
        EXPECT_EQ(r.json()["error"]["field"], field) << query;
    }
    EXPECT_EQ(HttpRequest(server_->port(), "GET", "/api/v1/legal?jurisdiction=US").status, 401);
}

TEST_F(LegalApiTest, ImportIsSeenAtTheNextLookupAndBadFilesChangeNothing) {
    const fs::path legal_dir = *data_ / "legal";
    auto list = [&] {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(legal_dir)) {
            names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    };
    const auto before = list();
    ASSERT_EQ(Legal(server_->port(), *token_, "?jurisdiction=DE").status, 404);

    // A bad file: the error names the record and field; nothing is installed.
    TempDir files;
    Json bad = Minimal("DE", "legal");
    bad["records"][0]["sources"] = Json::array();
    std::ofstream(files.path() / "germany.json") << bad.dump();
    auto r = RunCli({"import", "legal", (files.path() / "germany.json").string(), "--data-dir",
                     data_->string()});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("records[0]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("source"), std::string::npos) << r.err;
    bad = Minimal("DE", "sort-of-legal");
    std::ofstream(files.path() / "germany.json", std::ios::trunc) << bad.dump();
    r = RunCli({"import", "legal", (files.path() / "germany.json").string(), "--data-dir",
                data_->string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("records[0].status"), std::string::npos) << r.err;
    // Valid alone but overlapping the installed US-TX record: rejected too.
    std::ofstream(files.path() / "texas.json") << Minimal("US-TX", "banned").dump();
    r = RunCli({"import", "legal", (files.path() / "texas.json").string(), "--data-dir",
                data_->string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("US-TX"), std::string::npos) << r.err;
    EXPECT_EQ(list(), before);
    EXPECT_EQ(Legal(server_->port(), *token_, "?jurisdiction=DE").status, 404);

    // A good file: installed, printed as one JSON line, and the running server answers with it
    // at its next lookup (no restart).
    std::ofstream(files.path() / "germany.json", std::ios::trunc)
        << Minimal("DE", "legal").dump();
    r = RunCli({"import", "legal", (files.path() / "germany.json").string(), "--data-dir",
                data_->string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Json printed = Json::parse(r.out);
    EXPECT_EQ(printed["records"], 1);
    EXPECT_EQ(printed["installed"], (legal_dir / "germany.json").string());
    EXPECT_TRUE(fs::exists(legal_dir / "germany.json"));
    Json de = Ok("?jurisdiction=DE&on=2026-03-01");
    EXPECT_EQ(de["status"], "legal");
    EXPECT_EQ(de["minimum_age"], 21);
    EXPECT_EQ(Legal(server_->port(), *token_, "?jurisdiction=DE&on=2025-12-31").status, 404);
    // The shipped records are still served.
    EXPECT_EQ(Ok("?jurisdiction=TH&on=2026-01-15")["status"], "regulated");

    // --replace: the file becomes the whole dataset; the others are moved aside.
    std::ofstream(files.path() / "only.json") << Minimal("FR", "banned", "test-2").dump();
    r = RunCli({"import", "legal", (files.path() / "only.json").string(), "--data-dir",
                data_->string(), "--replace"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Json::parse(r.out)["set_aside"].size(), 3u);  // international, us, germany
    EXPECT_EQ(Ok("?jurisdiction=FR&on=2026-03-01")["dataset_version"], "test-2");
    EXPECT_EQ(Legal(server_->port(), *token_, "?jurisdiction=TH").status, 404);
}

TEST(LegalImportCli, MissingOrNonJsonFileFails) {
    TempDir dir;
    const fs::path data = CopyData(dir);
    auto r = RunCli({"import", "legal", (dir.path() / "absent.json").string(), "--data-dir",
                     data.string()});
    EXPECT_NE(r.exit_code, 0);
    std::ofstream(dir.path() / "x.json") << "{not json";
    r = RunCli({"import", "legal", (dir.path() / "x.json").string(), "--data-dir",
                data.string()});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(fs::exists(data / "legal" / "x.json"));
}

}  // namespace
}  // namespace mitra::testing
