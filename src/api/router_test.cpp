#include "api/router.hpp"

#include <gtest/gtest.h>

namespace mitra::api {
namespace {

Router Table() {
    Router router;
    router.Add({"GET", "/api/v1/patients/{pid}", Access::kSignedIn, nullptr, {}});
    router.Add({"PATCH", "/api/v1/patients/{pid}", Access::kSignedIn, nullptr, {}});
    router.Add({"GET", "/api/v1/patients/{pid}/doses", Access::kSignedIn, nullptr, {}});
    router.Add({"POST", "/api/v1/alerts/{id}/acknowledge", Access::kSignedIn, nullptr, {}});
    router.Add({"GET", "/healthz", Access::kPublic, nullptr, {}});
    return router;
}

TEST(Router, MatchesLiteralsAndBindsParameters) {
    const Router router = Table();
    const RouteMatch m = router.Match("GET", "/api/v1/patients/abc/doses");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/v1/patients/{pid}/doses");
    ASSERT_EQ(m.params.size(), 1U);
    EXPECT_EQ(m.params.at("pid"), "abc");
    const RouteMatch ack = router.Match("POST", "/api/v1/alerts/42/acknowledge");
    ASSERT_NE(ack.route, nullptr);
    EXPECT_EQ(ack.params.at("id"), "42");
    EXPECT_NE(router.Match("GET", "/healthz").route, nullptr);
}

TEST(Router, RejectsEmptyParametersExtraSegmentsAndOtherLiterals) {
    const Router router = Table();
    EXPECT_EQ(router.Match("GET", "/api/v1/patients/").route, nullptr);
    EXPECT_EQ(router.Match("GET", "/api/v1/patients/abc/").route, nullptr);
    EXPECT_EQ(router.Match("GET", "/api/v1/patients/abc/doses/x").route, nullptr);
    EXPECT_EQ(router.Match("GET", "/api/v2/patients/abc").route, nullptr);
    EXPECT_EQ(router.Match("GET", "/healthz/").route, nullptr);
    EXPECT_EQ(router.Match("GET", "healthz").route, nullptr);
    EXPECT_EQ(router.Match("GET", "").route, nullptr);
}

TEST(Router, ListsTheMethodsThePathAllows) {
    const Router router = Table();
    const RouteMatch m = router.Match("DELETE", "/api/v1/patients/abc");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "PATCH"}));
    EXPECT_TRUE(m.params.empty());
}

TEST(Router, HeadFallsBackToGet) {
    const Router router = Table();
    const RouteMatch m = router.Match("HEAD", "/api/v1/patients/abc");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->method, "GET");
}

}  // namespace
}  // namespace mitra::api
