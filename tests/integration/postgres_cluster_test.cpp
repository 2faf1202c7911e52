// Several `mitra serve` processes on one PostgreSQL behave as one service (sessions, consent
// and sign-in throttling live in the database, not in a process). The outage test is in
// postgres_outage_test.cpp. Needs $MITRA_TEST_PG_DSN (scripts/pg-throwaway.sh); skipped
// without it.

#include <gtest/gtest.h>


#include "harness.hpp"

namespace mitra::testing {
namespace {

class TwoServers : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string url = FreshDatabase(Backend::kPostgres, dir_);
        if (url.empty()) {
            GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
        }
        clinic_ = CreateClinic(url);
        a_ = std::make_unique<Server>(url);
        b_ = std::make_unique<Server>(url);
    }
    TempDir dir_;
    Clinic clinic_;
    std::unique_ptr<Server> a_;
    std::unique_ptr<Server> b_;
};

TEST_F(TwoServers, SessionCreatedOnOneWorksOnTheOtherAndSignOutEndsItOnBoth) {
    const std::string token = Login(a_->port(), "p0@test.example");
    auto me = HttpRequest(b_->port(), "GET", "/api/v1/me", {}, Bearer(token));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.json()["patient_id"], clinic_.patient_ids[0]);
    ASSERT_EQ(HttpRequest(b_->port(), "POST", "/api/v1/auth/logout", {}, Bearer(token)).status,
              200);
    EXPECT_EQ(HttpRequest(a_->port(), "GET", "/api/v1/me", {}, Bearer(token)).status, 401);
}

TEST_F(TwoServers, ConsentRevokedThroughOneTakesEffectAtOnceOnTheOther) {
    const std::string patient = Login(a_->port(), "p0@test.example");
    const std::string clinician = Login(b_->port(), "clin0@test.example");
    const std::string pid = clinic_.patient_ids[0];
    auto grant = HttpRequest(a_->port(), "POST", "/api/v1/patients/" + pid + "/consents",
                             Json{{"grantee_user_id", clinic_.clinician_ids[0]},
                                  {"purpose", "care"}}.dump(),
                             JsonHeaders(patient));
    ASSERT_EQ(grant.status, 201) << grant.body;
    EXPECT_EQ(
        HttpRequest(b_->port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(clinician)).status,
        200);
    const std::string cid = grant.json()["id"];
    ASSERT_EQ(HttpRequest(a_->port(), "DELETE", "/api/v1/patients/" + pid + "/consents/" + cid,
                          {}, Bearer(patient))
                  .status,
              200);
    // The very next request on the other process: no cache may keep the access alive.
    EXPECT_EQ(
        HttpRequest(b_->port(), "GET", "/api/v1/patients/" + pid, {}, Bearer(clinician)).status,
        404);
}

TEST_F(TwoServers, LoginLockoutHoldsAcrossProcesses) {
    auto attempt = [&](std::uint16_t port, const std::string& password) {
        return HttpRequest(port, "POST", "/api/v1/auth/login",
                           Json{{"email", "p1@test.example"}, {"password", password}}.dump(),
                           JsonHeaders());
    };
    // Five failures lock the account (the same threshold http_api_test's lockout test uses),
    // spread over both processes: each sees only some of them.
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(attempt(i % 2 == 0 ? a_->port() : b_->port(), "wrong-password").status, 401);
    }
    EXPECT_EQ(attempt(a_->port(), kPassword).status, 429);
    EXPECT_EQ(attempt(b_->port(), kPassword).status, 429);
}

}  // namespace
}  // namespace mitra::testing
