// The shipped data/legal dataset: schema-valid, and the dated facts of domain.md §7 answer as
// the brief states them (before/after each dated change). Also the operator import path.
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "api/catalog/data_dir.hpp"
#include "api/catalog/legal_json.hpp"
#include "core/error.hpp"
#include "core/legal/legal.hpp"
#include "core/time.hpp"

namespace mitra::core::legal {
namespace {

using api::catalog::LoadLegalDataset;
using api::catalog::LoadLegalFile;

std::int32_t Day(const char* iso) { return *core::ParseDate(iso); }

const Dataset& Shipped() {
    static const Dataset dataset = LoadLegalDataset();
    return dataset;
}

Status StatusOn(const char* id, const char* day) {
    auto r = Lookup(Shipped(), id, Day(day));
    if (!r) {
        throw std::runtime_error(std::string("no record for ") + id);
    }
    return r->record.status;
}

TEST(LegalData, ShippedDatasetIsValidAndEveryRecordIsSourced) {
    EXPECT_TRUE(Validate(Shipped()).empty());
    EXPECT_GE(Shipped().records.size(), 40u);
    for (const Record& r : Shipped().records) {
        EXPECT_FALSE(r.sources.empty()) << r.jurisdiction;
        EXPECT_TRUE(ParseLevel(r.jurisdiction).has_value()) << r.jurisdiction;
        EXPECT_EQ(core::FormatDate(r.last_verified), "2026-01-01") << r.jurisdiction;
        if (!r.effective_from) {
            EXPECT_FALSE(r.effective_from_note.empty()) << r.jurisdiction;
        }
    }
    EXPECT_FALSE(Shipped().last_verified_basis.empty());
}

TEST(LegalData, LouisianaBannedFromFirstOfAugust2025) {
    EXPECT_EQ(StatusOn("US-LA", "2025-08-01"), Status::kBanned);
    auto before = Lookup(Shipped(), "US-LA", Day("2025-07-31"));
    ASSERT_TRUE(before.has_value());
    EXPECT_EQ(before->matched_level, Level::kCountry);  // no state record before the Act
    EXPECT_EQ(before->record.jurisdiction, "US");
}

TEST(LegalData, FloridaHistory) {
    auto age21 = Lookup(Shipped(), "US-FL", Day("2024-01-01"));
    ASSERT_TRUE(age21.has_value());
    EXPECT_EQ(age21->matched_level, Level::kSubdivision);
    EXPECT_EQ(age21->record.minimum_age, std::optional<int>(21));
    EXPECT_TRUE(age21->record.limits.empty());
    EXPECT_EQ(Lookup(Shipped(), "US-FL", Day("2023-06-30"))->matched_level, Level::kCountry);
    auto first_rule = Lookup(Shipped(), "US-FL", Day("2025-08-13"));
    ASSERT_EQ(first_rule->record.limits.size(), 1u);
    EXPECT_EQ(first_rule->record.limits.front().value, std::optional<double>(1.0));
    auto amended = Lookup(Shipped(), "US-FL", Day("2025-08-19"));
    ASSERT_EQ(amended->record.limits.size(), 1u);
    EXPECT_EQ(amended->record.limits.front().value, std::optional<double>(0.04));
    EXPECT_EQ(amended->record.limits.front().evidence, "S");
    EXPECT_EQ(Lookup(Shipped(), "US-FL", Day("2025-08-18"))->record.limits.front().value,
              std::optional<double>(1.0));
}

TEST(LegalData, ThailandHistory) {
    EXPECT_EQ(StatusOn("TH", "2021-08-23"), Status::kBanned);
    EXPECT_EQ(StatusOn("TH", "2021-08-24"), Status::kLegal);
    EXPECT_EQ(StatusOn("TH", "2022-08-26"), Status::kLegal);
    EXPECT_EQ(StatusOn("TH", "2022-08-27"), Status::kRegulated);
    EXPECT_EQ(Lookup(Shipped(), "TH", Day("2025-01-01"))->record.minimum_age,
              std::optional<int>(18));
    EXPECT_EQ(Lookup(Shipped(), "TH", Day("2025-01-01"))->record.confidence, Confidence::kHigh);
}

TEST(LegalData, TexasFromFirstOfSeptember2023) {
    EXPECT_EQ(Lookup(Shipped(), "US-TX", Day("2023-08-31"))->matched_level, Level::kCountry);
    auto tx = Lookup(Shipped(), "US-TX", Day("2023-09-01"));
    EXPECT_EQ(tx->matched_level, Level::kSubdivision);
    EXPECT_EQ(tx->record.status, Status::kRegulated);
    ASSERT_EQ(tx->record.limits.size(), 1u);
    EXPECT_EQ(tx->record.limits.front().value, std::optional<double>(2.0));
}

TEST(LegalData, FallbackLevelsOnShippedData) {
    auto sd = Lookup(Shipped(), "US-CA-san-diego", Day("2025-06-01"));
    ASSERT_TRUE(sd.has_value());
    EXPECT_EQ(sd->matched_level, Level::kLocality);
    EXPECT_EQ(sd->record.status, Status::kBanned);
    auto la = Lookup(Shipped(), "US-CA-los-angeles", Day("2025-06-01"));
    ASSERT_TRUE(la.has_value());
    EXPECT_EQ(la->matched_level, Level::kCountry);  // no California record
    EXPECT_EQ(Lookup(Shipped(), "US-AL", Day("2025-06-01"))->matched_level, Level::kSubdivision);
    EXPECT_FALSE(Lookup(Shipped(), "DE", Day("2025-06-01")).has_value());  // not in domain.md
    EXPECT_FALSE(Lookup(Shipped(), "UK", Day("2025-06-01")).has_value());  // ISO code is GB
    EXPECT_EQ(StatusOn("GB", "2025-06-01"), Status::kRestricted);
    EXPECT_EQ(StatusOn("SK", "2021-12-07"), Status::kBanned);
    EXPECT_FALSE(Lookup(Shipped(), "SK", Day("2021-12-06")).has_value());
}

TEST(LegalData, AnswerJsonHasDesignShape) {
    auto r = Lookup(Shipped(), "US-TX-austin", Day("2025-06-01"), Day("2026-02-01"));
    ASSERT_TRUE(r.has_value());
    nlohmann::json j = api::catalog::LegalAnswerToJson(*r);
    EXPECT_EQ(j["jurisdiction"], "US-TX");
    EXPECT_EQ(j["requested"], "US-TX-austin");
    EXPECT_EQ(j["matched_level"], "subdivision");
    EXPECT_EQ(j["status"], "regulated");
    EXPECT_EQ(j["effective_from"], "2023-09-01");
    EXPECT_TRUE(j["effective_to"].is_null());
    EXPECT_TRUE(j["minimum_age"].is_null());
    EXPECT_EQ(j["last_verified"], "2026-01-01");
    EXPECT_EQ(j["age_days"], 31);
    EXPECT_EQ(j["confidence"], "high");
    EXPECT_FALSE(j["sources"].empty());
}

class LegalImport : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("mitra_legal_import_" + std::to_string(::getpid()) + ".json");
    }
    void TearDown() override { std::filesystem::remove(path_); }
    void Write(const nlohmann::json& j) { std::ofstream(path_) << j.dump(); }
    static nlohmann::json Valid() {
        return {{"version", "op-1"},
                {"records",
                 {{{"jurisdiction", "DE"},
                   {"name", "Germany"},
                   {"status", "unclear"},
                   {"summary", "operator entry"},
                   {"minimum_age", nullptr},
                   {"limits", nlohmann::json::array()},
                   {"effective_from", "2024-01-01"},
                   {"effective_to", nullptr},
                   {"sources", {{{"citation", "operator source"}, {"url", nullptr}, {"evidence", "S"}}}},
                   {"last_verified", "2026-02-01"},
                   {"confidence", "low"}}}}};
    }
    std::filesystem::path path_;
};

TEST_F(LegalImport, ValidFileIsAccepted) {
    Write(Valid());
    Dataset d = LoadLegalFile(path_);
    ASSERT_EQ(d.records.size(), 1u);
    EXPECT_EQ(Lookup(d, "DE", Day("2025-01-01"))->record.status, Status::kUnclear);
}

TEST_F(LegalImport, InvalidFilesAreRejectedWhole) {
    auto expect_field = [this](nlohmann::json j, const std::string& field) {
        Write(j);
        try {
            LoadLegalFile(path_);
            ADD_FAILURE() << "accepted; expected rejection at " << field;
        } catch (const ValidationError& e) {
            EXPECT_EQ(e.field(), field) << e.what();
        }
    };
    nlohmann::json j = Valid();
    j["records"][0]["sources"] = nlohmann::json::array();
    expect_field(j, "legal");  // no source
    j = Valid();
    j["records"][0]["status"] = "tolerated";
    expect_field(j, "records[0].status");
    j = Valid();
    j["records"][0]["jurisdiction"] = "Germany";
    expect_field(j, "legal");
    j = Valid();
    j["records"][0]["effective_from"] = "2024-02-30";
    expect_field(j, "records[0].effective_from");
    j = Valid();
    j["records"][0]["colour"] = "red";
    expect_field(j, "records[0].colour");
    j = Valid();
    j["records"].push_back(j["records"][0]);  // same period twice -> overlap
    expect_field(j, "legal");
    j = Valid();
    j["records"] = nlohmann::json::array();
    expect_field(j, "records");
    j = Valid();
    j["records"][0]["confidence"] = "certain";
    expect_field(j, "records[0].confidence");
}

}  // namespace
}  // namespace mitra::core::legal
