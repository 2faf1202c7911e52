// `mitra check-product` on the example COAs in docs/examples through the real binary: exit codes
// and reports as docs/coa-format.md states them.

#include <gtest/gtest.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

std::string Example(const std::string& name) {
    return std::string(MITRA_SOURCE_DIR) + "/docs/examples/" + name;
}

TEST(CheckProductCli, PassingLotWithIntakeExits0) {
    const auto r = RunCli({"check-product", Example("coa-passing.csv"), "--daily-intake-g", "10"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("daily intake 10 g/day"), std::string::npos) << r.out;
}

TEST(CheckProductCli, PassingLotWithoutIntakeCannotBeDetermined) {
    const auto r = RunCli({"check-product", Example("coa-passing.csv")});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.out.find("cannot"), std::string::npos) << r.out;
}

TEST(CheckProductCli, FailingLotExits1AndJsonNamesTheRule) {
    const auto text = RunCli({"check-product", Example("coa-failing-7oh.json")});
    EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
    const auto json = RunCli({"check-product", Example("coa-failing-7oh.json"), "--json"});
    EXPECT_EQ(json.exit_code, 1) << json.err;
    const Json doc = Json::parse(json.out);
    ASSERT_EQ(doc["lots"].size(), 1u);
    EXPECT_EQ(doc["lots"][0]["passes"], false);
    bool saw_fail = false;
    for (const Json& f : doc["lots"][0]["findings"]) {
        EXPECT_TRUE(f.contains("citation")) << f.dump();
        saw_fail = saw_fail || f["verdict"] == "fail";
    }
    EXPECT_TRUE(saw_fail);
}

TEST(CheckProductCli, IncompleteAssayIsNeverAPass) {
    const auto r =
        RunCli({"check-product", Example("coa-incomplete.csv"), "--daily-intake-g", "5"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(CheckProductCli, RejectedRowsExit3) {
    const auto bad_rows = RunCli({"check-product", Example("coa-bad-rows.csv")});
    EXPECT_EQ(bad_rows.exit_code, 3) << bad_rows.out << bad_rows.err;
    EXPECT_NE(bad_rows.out.find("6 rejection(s)"), std::string::npos) << bad_rows.out;
    const auto unknown = RunCli({"check-product", Example("coa-unknown-column.csv")});
    EXPECT_EQ(unknown.exit_code, 3) << unknown.out << unknown.err;
}

TEST(CheckProductCli, JurisdictionRuleAndBadOptions) {
    const auto with_rule = RunCli({"check-product", Example("coa-failing-7oh.json"), "--json",
                                   "--rule", "US-FL-7oh-dry-weight"});
    EXPECT_EQ(with_rule.exit_code, 1) << with_rule.err;
    const Json doc = Json::parse(with_rule.out);
    bool saw_rule = false;
    for (const Json& f : doc["lots"][0]["findings"]) {
        saw_rule = saw_rule || f["rule"].get<std::string>().find("US-FL") != std::string::npos;
    }
    EXPECT_TRUE(saw_rule) << with_rule.out;
    // Invalid input: exit 2 with a message on stderr, nothing on stdout.
    const auto bad_rule = RunCli({"check-product", Example("coa-passing.csv"), "--rule", "XX"});
    EXPECT_EQ(bad_rule.exit_code, 2);
    EXPECT_FALSE(bad_rule.err.empty());
    const auto bad_intake =
        RunCli({"check-product", Example("coa-passing.csv"), "--daily-intake-g=-1"});
    EXPECT_EQ(bad_intake.exit_code, 2);
    EXPECT_NE(bad_intake.err.find("daily_intake_g"), std::string::npos) << bad_intake.err;
    const auto missing = RunCli({"check-product", "/nonexistent/coa.csv"});
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.exit_code, 2) << "an unreadable file is not 'cannot determine'";
}

}  // namespace
}  // namespace mitra::testing
