// `mitra audit verify`: intact chain → exit 0; a changed, deleted or truncated entry → non-zero,
// naming the first bad entry. The tampering is done behind mitra's back with SQLite itself.

#include <gtest/gtest.h>

#include <sqlite3.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

void Tamper(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

class AuditVerifyTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (dir_.path() / "t.db").string();
        clinic_ = CreateClinic("sqlite:" + path_, 2);
        Server server(clinic_.database_url);
        for (int i = 0; i < 3; ++i) {
            Login(server.port(), "p0@test.example");
        }
        server.Stop();
    }
    CliResult Verify() { return RunCli({"audit", "verify", "--database", clinic_.database_url}); }

    TempDir dir_;
    std::string path_;
    Clinic clinic_;
};

TEST_F(AuditVerifyTest, IntactChainPasses) {
    const auto r = Verify();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // 1 organization + 6 users + 3 sign-ins.
    EXPECT_EQ(Json::parse(r.out)["entries"], 10);
}

TEST_F(AuditVerifyTest, ChangedEntryIsNamed) {
    Tamper(path_, "UPDATE audit_log SET action = 'nothing.to.see' WHERE seq = 4");
    const auto r = Verify();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("entry 4"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("changed"), std::string::npos) << r.err;
}

TEST_F(AuditVerifyTest, DeletedEntryIsNamed) {
    Tamper(path_, "DELETE FROM audit_log WHERE seq = 5");
    const auto r = Verify();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("entry 6"), std::string::npos) << r.err;
}

TEST_F(AuditVerifyTest, RewrittenChainIsCaughtByItsLinks) {
    // Changing an entry and recomputing only its own hash still breaks the next link.
    Tamper(path_, "UPDATE audit_log SET hash = 'forged' WHERE seq = 3");
    const auto r = Verify();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("entry 3"), std::string::npos) << r.err;
}

TEST_F(AuditVerifyTest, TruncatedTailIsCaught) {
    Tamper(path_, "DELETE FROM audit_log WHERE seq >= 9");
    const auto r = Verify();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("deleted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mitra::testing
