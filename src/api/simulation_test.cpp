// Unit tests of the simulation request readers shared by the API and `mitra simulate`: file
// formats, field names in errors, uniform grids and the exposure bounds.

#include <gtest/gtest.h>

#include <functional>

#include "api/simulation.hpp"
#include "core/error.hpp"

namespace mitra::api {
namespace {

std::string FieldOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ValidationError& e) {
        return e.field();
    }
    return "<no ValidationError>";
}

TEST(RegimenText, CsvWithHeaderCommentsAndBlankLines) {
    const auto doses = ParseRegimenText("# taper\ntime_h, dose_mg\r\n\n0,39\n24 , 19.5\n");
    ASSERT_EQ(doses.size(), 2u);
    EXPECT_EQ(doses[1].time_h, 24.0);
    EXPECT_EQ(doses[1].dose_mg, 19.5);
}

TEST(RegimenText, JsonArrayOrObject) {
    EXPECT_EQ(ParseRegimenText(R"([{"time_h":0,"dose_mg":1}])").size(), 1u);
    EXPECT_EQ(ParseRegimenText(R"({"regimen":[{"time_h":0,"dose_mg":1},{"time_h":1,"dose_mg":2}]})")
                  .size(),
              2u);
}

TEST(RegimenText, ErrorsNameTheFieldOrLine) {
    EXPECT_EQ(FieldOf([] { ParseRegimenText("0,39\n"); }), "regimen");  // no header
    EXPECT_EQ(FieldOf([] { ParseRegimenText("time_h,dose_mg\n0,39,1\n"); }), "regimen");
    EXPECT_EQ(FieldOf([] { ParseRegimenText(""); }), "regimen");
    EXPECT_EQ(FieldOf([] { ParseRegimenText("time_h,dose_mg\n0,abc\n"); }),
              "regimen line 2 dose_mg");
    EXPECT_EQ(FieldOf([] { ParseRegimenText("time_h,dose_mg\n5,1\n2,1\n"); }),
              "regimen[1].time_h");
    EXPECT_EQ(FieldOf([] { ParseRegimenText("time_h,dose_mg\n0,-1\n"); }),
              "regimen[0].dose_mg");
    EXPECT_EQ(FieldOf([] { ParseRegimenText(R"([{"time_h":0}])"); }), "regimen[0].dose_mg");
    EXPECT_EQ(FieldOf([] { ParseRegimenText("[{"); }), "regimen");
}

TEST(TimesText, LinesOrJson) {
    EXPECT_EQ(ParseTimesText("time_h\n0\n1.5\n3\n"), (std::vector<double>{0, 1.5, 3}));
    EXPECT_EQ(ParseTimesText("[0, 2]"), (std::vector<double>{0, 2}));
    EXPECT_EQ(ParseTimesText(R"({"times_h":[1]})"), (std::vector<double>{1}));
    EXPECT_EQ(FieldOf([] { ParseTimesText("0\n2\n1\n"); }), "times_h[2]");
    EXPECT_EQ(FieldOf([] { ParseTimesText(""); }), "times_h");
}

TEST(UniformGrid, IncludesBothEndsAndIsBounded) {
    const auto t = UniformTimes(48, 0.1);  // 0.1 * 480 = 48 within rounding: 481 points
    ASSERT_EQ(t.size(), 481u);
    EXPECT_DOUBLE_EQ(t.back(), 48.0);
    EXPECT_EQ(UniformTimes(10, 3).size(), 4u);  // 0, 3, 6, 9
    EXPECT_EQ(FieldOf([] { UniformTimes(0, 1); }), "hours");
    EXPECT_EQ(FieldOf([] { UniformTimes(10, 0); }), "step_h");
    EXPECT_EQ(FieldOf([] { UniformTimes(1e6, 1); }), "step_h");  // > 200,000 points
}

TEST(RequestModel, FieldNamesCarryThePrefix) {
    const nlohmann::json model = {
        {"ka_per_h", 1}, {"cl_l_per_h", 10}, {"v1_l", 100}, {"bioavailability", 1},
        {"metabolite", {{"fraction_formed", 1}, {"cl_l_per_h", 20}, {"v_l", 0}}}};
    EXPECT_EQ(FieldOf([&] { ResolveModel(&model, "model"); }), "model.metabolite.v_l");
    EXPECT_EQ(FieldOf([&] { ResolveModel(&model, ""); }), "metabolite.v_l");
    try {
        ResolveModel(&model, "model");
    } catch (const ValidationError& e) {
        EXPECT_NE(std::string(e.what()).find("model.metabolite.v_l"), std::string::npos)
            << e.what();
    }
    const nlohmann::json number = 5;
    EXPECT_EQ(FieldOf([&] { ResolveModel(&number, "model"); }), "model");
}

TEST(Exposure, BoundsAreCheckedBeforeComputing) {
    ResolvedModel model = ResolveModel(nullptr);
    constexpr std::int64_t kDay = 86'400'000;
    EXPECT_EQ(FieldOf([&] { ComputeExposureJson({}, {10 * kDay, 10 * kDay, 1}, model); }), "to");
    EXPECT_EQ(FieldOf([&] { ComputeExposureJson({}, {0, 367 * kDay, 1}, model); }), "to");
    EXPECT_EQ(FieldOf([&] { ComputeExposureJson({}, {0, kDay, 0}, model); }), "step_h");
    EXPECT_EQ(FieldOf([&] { ComputeExposureJson({}, {0, 300 * kDay, 0.1}, model); }), "step_h");
    // 10 half-lives of the default set's slowest analyte: > 10 x 45.3 h (data/pk default).
    EXPECT_GT(ExposureLookbackMs(model.record.parameters), 10 * 45 * 3'600'000LL);
}

}  // namespace
}  // namespace mitra::api
