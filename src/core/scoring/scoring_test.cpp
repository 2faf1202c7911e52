// Scoring: hand-computed cases from testdata/cases.json against the real definitions in
// data/instruments, plus unit tests on a small in-memory instrument.

#include "core/scoring/scoring.hpp"

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/catalog/data_dir.hpp"
#include "api/catalog/instruments_json.hpp"
#include "core/error.hpp"

namespace mitra::core::scoring {
namespace {

using nlohmann::json;

std::string FieldOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const ValidationError& e) {
        return e.field();
    }
    return "<no error>";
}

TEST(ScoringCases, EveryHandComputedCase) {
    const json cases = api::catalog::ReadJsonFile(std::filesystem::path(MITRA_SOURCE_DIR) /
                                                  "src/core/scoring/testdata/cases.json");
    std::map<std::string, Instrument> instruments;
    for (auto& instrument : api::catalog::LoadAllInstruments()) {
        instruments.emplace(instrument.id, std::move(instrument));
    }
    int checked = 0;
    for (const json& c : cases.at("cases")) {
        const std::string name =
            c.at("instrument").get<std::string>() + ": " + c.at("why").get<std::string>();
        SCOPED_TRACE(name);
        const Instrument& instrument = instruments.at(c.at("instrument").get<std::string>());
        std::map<std::string, double> responses;
        const json answers = c.value("answers", json::array());
        ASSERT_LE(answers.size(), instrument.items.size());
        for (std::size_t i = 0; i < answers.size(); ++i) {
            responses[instrument.items[i].id] = answers[i].get<double>();
        }
        const json set = c.value("set", json::object());
        for (const auto& [id, value] : set.items()) {
            responses[id] = value.get<double>();
        }
        const json omit = c.value("omit", json::array());
        for (const auto& id : omit) {
            responses.erase(id.get<std::string>());
        }
        ScoreOptions options;
        options.solely_under_medical_supervision = c.value("supervised", false);

        if (c.contains("error_field")) {
            EXPECT_EQ(FieldOf([&] { Score(instrument, responses, options); }),
                      c.at("error_field").get<std::string>());
        } else {
            const ScoreResult result = Score(instrument, responses, options);
            EXPECT_EQ(result.total, c.at("total").get<double>());  // hand sum in "why"
            EXPECT_EQ(result.instrument_id, instrument.id);
            EXPECT_EQ(result.instrument_version, instrument.version);
            if (c.at("band").is_null()) {
                EXPECT_FALSE(result.band.has_value()) << result.band->label;
            } else {
                ASSERT_TRUE(result.band.has_value());
                EXPECT_EQ(result.band->label, c.at("band").get<std::string>());
                EXPECT_FALSE(result.band->citation.empty());
            }
            const auto excluded = c.value("excluded", std::vector<std::string>{});
            EXPECT_EQ(result.excluded_items, excluded);
        }
        ++checked;
    }
    EXPECT_EQ(checked, 69);
}

Instrument TinyInstrument() {
    Instrument instrument;
    instrument.id = "tiny";
    instrument.version = "1.0.0";
    instrument.title = "tiny";
    instrument.citation = "test";
    Item a;
    a.id = "a";
    a.text = "A";
    a.options = {{0, "no"}, {2, "some"}, {5, "lots"}};
    Item b;
    b.id = "b";
    b.text = "B";
    b.min = 0;
    b.max = 10;
    b.integer = false;
    Item c;
    c.id = "c";
    c.text = "C";
    c.required = false;
    c.options = {{0, "no"}, {1, "yes"}};
    instrument.items = {a, b, c};
    instrument.total_min = 0;
    instrument.total_max = 16;
    instrument.bands = {{2, 7.5, "mild", "cite", "V"}, {8, 16, "severe", "cite", "V"}};
    return instrument;
}

TEST(Scoring, TinyInstrumentIsValid) { EXPECT_NO_THROW(ValidateInstrument(TinyInstrument())); }

TEST(Scoring, OptionalItemMayBeOmittedAndNonIntegerRangeIsAccepted) {
    const auto result = Score(TinyInstrument(), {{"a", 2}, {"b", 5.5}});
    EXPECT_DOUBLE_EQ(result.total, 7.5);  // 2 + 5.5
    ASSERT_TRUE(result.band.has_value());
    EXPECT_EQ(result.band->label, "mild");
}

TEST(Scoring, TotalBetweenBandsHasNoBand) {
    // 2 + 5.75 = 7.75: above mild (max 7.5), below severe (min 8).
    EXPECT_FALSE(Score(TinyInstrument(), {{"a", 2}, {"b", 5.75}}).band.has_value());
}

TEST(Scoring, NonFiniteAnswersNameTheItem) {
    const Instrument instrument = TinyInstrument();
    for (double bad :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity()}) {
        EXPECT_EQ(FieldOf([&] { Score(instrument, {{"a", bad}, {"b", 1}}); }), "responses.a");
        EXPECT_EQ(FieldOf([&] { Score(instrument, {{"a", 0}, {"b", bad}}); }), "responses.b");
    }
}

TEST(Scoring, RangeBoundsAreInclusive) {
    const Instrument instrument = TinyInstrument();
    EXPECT_DOUBLE_EQ(Score(instrument, {{"a", 0}, {"b", 0}}).total, 0.0);
    EXPECT_DOUBLE_EQ(Score(instrument, {{"a", 0}, {"b", 10}}).total, 10.0);
    EXPECT_EQ(FieldOf([&] { Score(instrument, {{"a", 0}, {"b", 10.001}}); }), "responses.b");
    EXPECT_EQ(FieldOf([&] { Score(instrument, {{"a", 0}, {"b", -0.001}}); }), "responses.b");
}

TEST(Scoring, ErrorMessageListsAllowedOptions) {
    try {
        Score(TinyInstrument(), {{"a", 1}, {"b", 0}});
        FAIL() << "expected an error";
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "responses.a");
        EXPECT_NE(std::string(e.what()).find("0, 2, 5"), std::string::npos) << e.what();
    }
}

TEST(ValidateInstrument, RejectsBrokenDefinitions) {
    {
        Instrument i = TinyInstrument();
        i.items[1].id = "a";
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "items[1].id");
    }
    {
        Instrument i = TinyInstrument();
        i.total_max = 15;
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "scoring");
    }
    {
        Instrument i = TinyInstrument();
        i.bands[1].min = 7;  // overlaps mild
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "bands[1]");
    }
    {
        Instrument i = TinyInstrument();
        i.bands[0].label = "Mild";
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "bands[0].label");
    }
    {
        Instrument i = TinyInstrument();
        i.bands[0].citation.clear();
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "bands[0].citation");
    }
    {
        Instrument i = TinyInstrument();
        i.bands.clear();  // no bands and no note saying why
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "bands_note");
    }
    {
        Instrument i = TinyInstrument();
        i.items[0].options.push_back({2, "again"});
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "items[0].options");
    }
    {
        Instrument i = TinyInstrument();
        i.bands[1].max = 17;
        EXPECT_EQ(FieldOf([&] { ValidateInstrument(i); }), "bands[1]");
    }
}

}  // namespace
}  // namespace mitra::core::scoring
