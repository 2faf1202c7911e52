// Lookup fallback, dates before/after a change, "no record", id normalisation and dataset
// validation, on a small hand-built dataset.
#include "core/legal/legal.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::core::legal {
namespace {

std::int32_t Day(const char* iso) { return *core::ParseDate(iso); }

Record Make(const std::string& id, Status status, std::optional<std::int32_t> from,
            std::optional<std::int32_t> to = std::nullopt) {
    Record r;
    r.jurisdiction = id;
    r.name = id;
    r.status = status;
    r.summary = "s";
    r.effective_from = from;
    if (!from) {
        r.effective_from_note = "NOT FOUND";
    }
    r.effective_to = to;
    r.sources.push_back({"cite", "", "S"});
    r.last_verified = Day("2026-01-01");
    r.confidence = Confidence::kMedium;
    return r;
}

Dataset Sample() {
    Dataset d;
    d.version = "t";
    d.records.push_back(Make("US", Status::kLegal, std::nullopt));
    d.records.push_back(Make("US-FL", Status::kRegulated, Day("2023-07-01"), Day("2025-08-19")));
    d.records.push_back(Make("US-FL", Status::kRestricted, Day("2025-08-19")));
    d.records.push_back(Make("US-CA-san-diego", Status::kBanned, std::nullopt));
    d.records.push_back(Make("US-LA", Status::kBanned, Day("2025-08-01")));
    return d;
}

TEST(LegalLookup, LocalityAnswersAtLocalityLevel) {
    auto r = Lookup(Sample(), "US-CA-san-diego", Day("2025-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kLocality);
    EXPECT_EQ(r->record.status, Status::kBanned);
    EXPECT_TRUE(r->start_date_unknown);
}

TEST(LegalLookup, UnknownLocalityFallsBackToSubdivision) {
    auto r = Lookup(Sample(), "US-FL-miami", Day("2024-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kSubdivision);
    EXPECT_EQ(r->record.jurisdiction, "US-FL");
    EXPECT_EQ(r->requested, "US-FL-miami");
}

TEST(LegalLookup, UnknownSubdivisionFallsBackToCountry) {
    auto r = Lookup(Sample(), "US-TX", Day("2024-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kCountry);
    EXPECT_EQ(r->record.jurisdiction, "US");
    // Locality with neither locality nor subdivision record: straight to the country.
    r = Lookup(Sample(), "US-NY-new-york", Day("2024-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kCountry);
}

TEST(LegalLookup, CountryAnswersAtCountryLevel) {
    auto r = Lookup(Sample(), "US", Day("2024-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kCountry);
}

TEST(LegalLookup, DatesBeforeOnAndAfterAChange) {
    const Dataset d = Sample();
    // Day before the change: the earlier period; the change day itself: the new one.
    EXPECT_EQ(Lookup(d, "US-FL", Day("2025-08-18"))->record.status, Status::kRegulated);
    EXPECT_EQ(Lookup(d, "US-FL", Day("2025-08-19"))->record.status, Status::kRestricted);
    EXPECT_EQ(Lookup(d, "US-FL", Day("2030-01-01"))->record.status, Status::kRestricted);
    // Before Florida's first record: no state record covers the day -> federal answers.
    auto before = Lookup(d, "US-FL", Day("2023-06-30"));
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(before->matched_level, Level::kCountry);
    EXPECT_EQ(before->record.status, Status::kLegal);
    // Louisiana: banned from 2025-08-01 only.
    EXPECT_EQ(Lookup(d, "US-LA", Day("2025-07-31"))->matched_level, Level::kCountry);
    EXPECT_EQ(Lookup(d, "US-LA", Day("2025-08-01"))->record.status, Status::kBanned);
}

TEST(LegalLookup, UnknownOrMalformedIsNoRecord) {
    const Dataset d = Sample();
    EXPECT_FALSE(Lookup(d, "TH", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "TH-10", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "USA", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "US-TEXAS", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "US-CA-san diego", Day("2024-01-01")).has_value());
    EXPECT_FALSE(Lookup(d, "US--x", Day("2024-01-01")).has_value());
}

TEST(LegalLookup, IdsAreNormalised) {
    auto r = Lookup(Sample(), "us-ca-San-Diego", Day("2024-01-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->matched_level, Level::kLocality);
    EXPECT_EQ(r->requested, "US-CA-san-diego");
}

TEST(LegalLookup, AgeIsDaysSinceLastVerified) {
    // 2026-01-01 -> 2026-03-01 = 31 + 28 = 59 days (hand).
    auto r = Lookup(Sample(), "US", Day("2024-01-01"), Day("2026-03-01"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->age_days, 59);
    // Without a reference day the query day is used.
    EXPECT_EQ(Lookup(Sample(), "US", Day("2026-01-11"))->age_days, 10);
}

TEST(LegalValidate, SampleIsValid) {
    EXPECT_TRUE(Validate(Sample()).empty());
    EXPECT_NO_THROW(ValidateOrThrow(Sample()));
}

TEST(LegalValidate, FindsEveryKindOfProblem) {
    auto problems_of = [](Record r) {
        Dataset d;
        d.records.push_back(std::move(r));
        return Validate(d);
    };
    Record r = Make("US-TX", Status::kLegal, Day("2020-01-01"));
    r.sources.clear();
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("us-tx", Status::kLegal, Day("2020-01-01"));
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("USA", Status::kLegal, Day("2020-01-01"));
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("US-TX", Status::kLegal, std::nullopt);
    r.effective_from_note.clear();
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("US-TX", Status::kLegal, Day("2020-01-01"), Day("2020-01-01"));
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("US-TX", Status::kLegal, Day("2020-01-01"));
    r.sources.front().evidence = "M";
    EXPECT_EQ(problems_of(r).size(), 1u);
    r = Make("US-TX", Status::kLegal, Day("2020-01-01"));
    r.minimum_age = 200;
    EXPECT_EQ(problems_of(r).size(), 1u);
}

TEST(LegalValidate, OverlappingPeriodsAreRejected) {
    Dataset d;
    d.records.push_back(Make("US-FL", Status::kRegulated, Day("2023-07-01"), Day("2025-08-20")));
    d.records.push_back(Make("US-FL", Status::kBanned, Day("2025-08-19")));
    ASSERT_EQ(Validate(d).size(), 1u);
    EXPECT_NE(Validate(d).front().find("overlaps"), std::string::npos);
    // Two open-ended records of one jurisdiction overlap too.
    Dataset e;
    e.records.push_back(Make("GB", Status::kRestricted, std::nullopt));
    e.records.push_back(Make("GB", Status::kBanned, std::nullopt));
    EXPECT_EQ(Validate(e).size(), 1u);
    try {
        ValidateOrThrow(e);
        FAIL() << "expected ValidationError";
    } catch (const ValidationError& err) {
        EXPECT_EQ(err.field(), "legal");
    }
    // Adjacent periods (to == next from) are fine.
    Dataset f;
    f.records.push_back(Make("TH", Status::kBanned, std::nullopt, Day("2021-08-24")));
    f.records.push_back(Make("TH", Status::kLegal, Day("2021-08-24")));
    EXPECT_TRUE(Validate(f).empty());
}

TEST(LegalIds, LevelsAndNormalisation) {
    EXPECT_EQ(ParseLevel("TH"), std::optional<Level>(Level::kCountry));
    EXPECT_EQ(ParseLevel("US-TX"), std::optional<Level>(Level::kSubdivision));
    EXPECT_EQ(ParseLevel("GB-ENG"), std::optional<Level>(Level::kSubdivision));
    EXPECT_EQ(ParseLevel("US-FL-sarasota-county"), std::optional<Level>(Level::kLocality));
    EXPECT_FALSE(ParseLevel("us").has_value());  // not normalised
    EXPECT_FALSE(ParseLevel("US-ABCD").has_value());
    EXPECT_EQ(NormalizeJurisdiction("gb-eng"), std::optional<std::string>("GB-ENG"));
}

}  // namespace
}  // namespace mitra::core::legal
