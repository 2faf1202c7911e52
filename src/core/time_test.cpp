#include "core/time.hpp"

#include <chrono>
#include <cstdint>
#include <random>

#include <date/date.h>
#include <gtest/gtest.h>

namespace mitra::core {
namespace {

TEST(Rfc3339, RoundTripsUtc) {
    // 2026-11-25T00:00:00Z = 1795564800 s (date -u -d 2026-11-25 +%s).
    EXPECT_EQ(ParseRfc3339("2026-11-25T00:00:00Z"), 1795564800000LL);
    EXPECT_EQ(FormatRfc3339(1795564800123LL), "2026-11-25T00:00:00.123Z");
    EXPECT_EQ(ParseRfc3339("2026-11-25T00:00:00.123Z"), 1795564800123LL);
}

TEST(Rfc3339, FormatsEdgesByHand) {
    EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
    // 2024-02-29T12:34:56Z = 1709210096 s (date -u -d 2024-02-29T12:34:56Z +%s): a leap day.
    EXPECT_EQ(FormatRfc3339(1709210096789LL), "2024-02-29T12:34:56.789Z");
    EXPECT_EQ(FormatRfc3339(253402300799999LL), "9999-12-31T23:59:59.999Z");
}

TEST(Rfc3339, FormatsAsTheDateLibraryDoes) {
    // The reference is Howard Hinnant's date::format, which FormatRfc3339 used to call.
    std::mt19937_64 random(20261203);
    std::uniform_int_distribution<std::int64_t> any(-62'135'596'800'000LL, 253'402'300'799'999LL);
    for (int i = 0; i < 20000; ++i) {
        const std::int64_t ms = any(random);
        const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds{ms}};
        ASSERT_EQ(FormatRfc3339(ms), date::format("%FT%TZ", tp)) << ms;
        ASSERT_EQ(ParseRfc3339(FormatRfc3339(ms)), ms) << ms;
    }
    // Outside years 0000-9999 the library's own output stands.
    const date::sys_time<std::chrono::milliseconds> far{
        std::chrono::milliseconds{-62'200'000'000'000LL}};
    EXPECT_EQ(FormatRfc3339(-62'200'000'000'000LL), date::format("%FT%TZ", far));
}

TEST(Rfc3339, AppliesOffsets) {
    EXPECT_EQ(ParseRfc3339("2026-11-25T01:30:00+01:30"), 1795564800000LL);
    EXPECT_EQ(ParseRfc3339("2026-11-24T19:00:00-05:00"), 1795564800000LL);
}

TEST(Rfc3339, RejectsMalformed) {
    for (const char* bad : {"", "2026-11-25", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                            "2026-11-25T24:00:00Z", "2026-11-25T00:00:00", "2026-11-25 00:00:00Z",
                            "2026-11-25T00:00:00+5:00", "2026-11-25T00:00:00.Z", "abcd"}) {
        EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
    }
}

TEST(Dates, ParseAndFormat) {
    EXPECT_EQ(ParseDate("1970-01-02"), 1);
    EXPECT_EQ(FormatDate(20417), "2025-11-25");
    EXPECT_FALSE(ParseDate("2025-02-29").has_value());
}

TEST(TimeZones, LocalDayAcrossDst) {
    ASSERT_TRUE(IsValidTimeZone("America/New_York"));
    EXPECT_FALSE(IsValidTimeZone("Mars/Olympus"));
    // 2026-03-08 is the US spring-forward day: 23 hours long in New York.
    const auto day = *ParseDate("2026-03-08");
    const std::int64_t start = LocalDayStartMs(day, "America/New_York");
    const std::int64_t next = LocalDayStartMs(day + 1, "America/New_York");
    EXPECT_EQ(next - start, 23LL * 3600 * 1000);
    EXPECT_EQ(start, *ParseRfc3339("2026-03-08T05:00:00Z"));  // midnight EST = 05:00Z
    // 04:59Z on the 8th is still the 7th locally; 05:00Z is the 8th.
    EXPECT_EQ(LocalDay(*ParseRfc3339("2026-03-08T04:59:59Z"), "America/New_York"), day - 1);
    EXPECT_EQ(LocalDay(*ParseRfc3339("2026-03-08T05:00:00Z"), "America/New_York"), day);
    // 2026-11-01: fall back, 25 hours.
    const auto fall = *ParseDate("2026-11-01");
    EXPECT_EQ(LocalDayStartMs(fall + 1, "America/New_York") -
                  LocalDayStartMs(fall, "America/New_York"),
              25LL * 3600 * 1000);
}

}  // namespace
}  // namespace mitra::core
