// The instrument data files: each validates against data/instruments/schema.json, loads into a
// valid core::scoring::Instrument, and carries the facts the rest of mitra relies on.

#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/catalog/data_dir.hpp"
#include "api/catalog/instruments_json.hpp"
#include "api/catalog/json_schema_lite.hpp"
#include "core/error.hpp"
#include "core/scoring/scoring.hpp"

namespace mitra::core::scoring {
namespace {

namespace catalog = api::catalog;
using nlohmann::json;

const std::set<std::string> kIds = {
    "sows-handelsman-16", "sows-gossop-10", "cows-11", "oows-13",
    "craving-nrs",        "phq-9",          "gad-7",   "dsm5-sud-11"};

TEST(InstrumentData, EveryFileValidatesAgainstTheSchema) {
    const auto dir = catalog::DataDir() / "instruments";
    const json schema = catalog::ReadJsonFile(dir / "schema.json");
    std::set<std::string> seen;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") {
            continue;
        }
        SCOPED_TRACE(entry.path().string());
        const auto errors =
            catalog::ValidateAgainstSchema(schema, catalog::ReadJsonFile(entry.path()));
        for (const auto& e : errors) {
            ADD_FAILURE() << e;
        }
        seen.insert(entry.path().stem().string());
    }
    EXPECT_EQ(seen, kIds);
}

TEST(InstrumentData, SchemaCatchesMistakes) {
    const auto dir = catalog::DataDir() / "instruments";
    const json schema = catalog::ReadJsonFile(dir / "schema.json");
    json doc = catalog::ReadJsonFile(dir / "cows-11.json");
    EXPECT_TRUE(catalog::ValidateAgainstSchema(schema, doc).empty());

    json bad = doc;
    bad["bands"][0]["label"] = "Mild";  // labels are lower case, from a closed list
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
    bad = doc;
    bad["items"][0]["options"][0]["value"] = 0.5;
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
    bad = doc;
    bad.erase("citation");
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
    bad = doc;
    bad["administered_by"] = "nurse";
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
    bad = doc;
    bad["surprise"] = 1;
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
    bad = doc;
    bad["items"][0].erase("options");  // neither options nor a range
    EXPECT_FALSE(catalog::ValidateAgainstSchema(schema, bad).empty());
}

TEST(InstrumentData, LoadsAllAndEachIsValid) {
    const auto instruments = catalog::LoadAllInstruments();
    std::set<std::string> ids;
    for (const auto& instrument : instruments) {
        EXPECT_NO_THROW(ValidateInstrument(instrument)) << instrument.id;
        ids.insert(instrument.id);
    }
    EXPECT_EQ(ids, kIds);
}

TEST(InstrumentData, LoadOneByIdAndUnknownIsNotFound) {
    EXPECT_EQ(catalog::LoadInstrument("cows-11").id, "cows-11");
    EXPECT_THROW(catalog::LoadInstrument("nope"), NotFoundError);
    EXPECT_THROW(catalog::LoadInstrument("../drugs/drugs"), NotFoundError);
    EXPECT_THROW(catalog::LoadInstrument("schema"), NotFoundError);
    EXPECT_THROW(catalog::LoadInstrument(""), NotFoundError);
}

TEST(InstrumentData, BrokenDefinitionIsAnInternalErrorNamingThePart) {
    json doc = catalog::ReadJsonFile(catalog::DataDir() / "instruments" / "gad-7.json");
    doc["scoring"]["total_max"] = 20;
    try {
        catalog::InstrumentFromJson(doc, "gad-7.json");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kInternal);
        EXPECT_NE(std::string(e.what()).find("gad-7.json: scoring"), std::string::npos) << e.what();
    }
}

TEST(InstrumentData, CowsMatchesDomainTable) {
    const Instrument cows = catalog::LoadInstrument("cows-11");
    EXPECT_EQ(cows.administered_by, Administrator::kClinician);
    const std::vector<std::vector<double>> expected = {
        {0, 1, 2, 4},    {0, 1, 2, 3, 4}, {0, 1, 3, 5}, {0, 1, 2, 5}, {0, 1, 2, 4}, {0, 1, 2, 4},
        {0, 1, 2, 3, 5}, {0, 1, 2, 4},    {0, 1, 2, 4}, {0, 1, 2, 4}, {0, 3, 5}};  // domain.md §4.3
    ASSERT_EQ(cows.items.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        std::vector<double> values;
        for (const auto& option : cows.items[i].options) {
            values.push_back(option.value);
        }
        EXPECT_EQ(values, expected[i]) << cows.items[i].id;
    }
    EXPECT_EQ(cows.total_max, 48);
    ASSERT_EQ(cows.bands.size(), 4u);
    EXPECT_EQ(cows.bands[0].min, 5);
    EXPECT_EQ(cows.bands[3].min, 37);
}

TEST(InstrumentData, FactsOtherModulesRelyOn) {
    const Instrument phq = catalog::LoadInstrument("phq-9");
    const Item* item9 = phq.FindItem("item9");
    ASSERT_NE(item9, nullptr);
    EXPECT_TRUE(item9->safety_item);
    EXPECT_NE(item9->text.find("hurting yourself"), std::string::npos);

    const Instrument handelsman = catalog::LoadInstrument("sows-handelsman-16");
    EXPECT_TRUE(handelsman.bands.empty());
    EXPECT_FALSE(handelsman.bands_note.empty());
    EXPECT_EQ(handelsman.items.size(), 16u);
    EXPECT_EQ(handelsman.total_max, 64);

    const Instrument gossop = catalog::LoadInstrument("sows-gossop-10");
    EXPECT_TRUE(gossop.provisional);
    EXPECT_FALSE(gossop.provisional_reason.empty());

    const Instrument craving = catalog::LoadInstrument("craving-nrs");
    ASSERT_EQ(craving.items.size(), 1u);
    EXPECT_EQ(craving.items[0].min_label, "not at all");
    EXPECT_EQ(craving.items[0].max_label, "extremely");
    EXPECT_EQ(craving.recall_window, "right now");

    const Instrument dsm = catalog::LoadInstrument("dsm5-sud-11");
    EXPECT_EQ(dsm.method, ScoringMethod::kCountMet);
    EXPECT_TRUE(dsm.FindItem("item10")->not_counted_under_medical_supervision);
    EXPECT_TRUE(dsm.FindItem("item11")->not_counted_under_medical_supervision);
    EXPECT_FALSE(dsm.FindItem("item4")->not_counted_under_medical_supervision);

    EXPECT_EQ(catalog::LoadInstrument("oows-13").administered_by, Administrator::kClinician);
    EXPECT_EQ(catalog::LoadInstrument("gad-7").administered_by, Administrator::kPatient);
}

}  // namespace
}  // namespace mitra::core::scoring
