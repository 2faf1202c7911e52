// A dose's derivation is stored without the top-level copy of its mitragynine figures; what a
// dose answers is the same whether it was just normalised, read back, or stored whole before.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/clinical_mapping.hpp"

namespace mitra::api {
namespace {

using Json = nlohmann::json;

core::Dose LeafDose(double grams) {
    core::Dose dose;
    dose.id = "01900000-0000-7000-8000-0000000000aa";
    dose.patient_id = "01900000-0000-7000-8000-0000000000bb";
    dose.amount = grams;
    dose.unit = "g";
    return dose;
}

core::Lot AssayedLot() {
    core::Lot lot;
    lot.id = "01900000-0000-7000-8000-0000000000cc";
    lot.code = "B-7";
    lot.mitragynine_mg_per_g = 15.0;
    lot.hydroxymitragynine_mg_per_g = 0.2;
    lot.assay_json =
        R"({"mitragynine_mg_per_g":15,"hydroxymitragynine_mg_per_g":0.2,"lab":"Lab A"})";
    return lot;
}

TEST(DoseDerivation, StoredCompactlyAnsweredWhole) {
    core::Dose dose = LeafDose(2.0);
    const Json answered = NormalizeInto(dose, std::nullopt, std::nullopt, Catalogs());
    const Json stored = Json::parse(dose.derivation_json);
    for (const char* key : {"source", "citation", "explanation", "estimate", "range"}) {
        EXPECT_FALSE(stored.contains(key)) << key;  // only inside "mitragynine"
        ASSERT_TRUE(answered.contains(key)) << key;
        EXPECT_EQ(answered[key], answered["mitragynine"][key]) << key;
    }
    EXPECT_EQ(answered["source"], "population_default");
    EXPECT_EQ(answered["estimate"], true);
    // 2 g x 19.48 mg/g, the K51 reference leaf of data/ (domain.md section 1.1), by hand.
    EXPECT_NEAR(*dose.mitragynine_mg, 38.96, 1e-9);
    EXPECT_EQ(answered["mitragynine"]["mg"], *dose.mitragynine_mg);
    // Read back from storage, the dose answers exactly what its write answered.
    EXPECT_EQ(ToJson(dose), ToJson(dose, answered));
    EXPECT_LT(dose.derivation_json.size(), answered.dump().size() * 2 / 3);
}

TEST(DoseDerivation, LotAssayRoundTrips) {
    core::Dose dose = LeafDose(3.0);
    const core::Lot lot = AssayedLot();
    dose.lot_id = lot.id;
    const Json answered = NormalizeInto(dose, std::nullopt, lot, Catalogs());
    EXPECT_EQ(answered["source"], "lot_assay");
    EXPECT_NEAR(*dose.mitragynine_mg, 45.0, 1e-9);  // 3 g x 15 mg/g, by hand
    EXPECT_NEAR(*dose.hydroxymitragynine_mg, 0.6, 1e-9);
    EXPECT_EQ(ToJson(dose)["derivation"], answered);
}

TEST(DoseDerivation, AWholeStoredDerivationIsAnsweredUnchanged) {
    const Json whole = {{"source", "product_label"},
                        {"citation", nullptr},
                        {"explanation", "2 capsules x 0.5 g"},
                        {"estimate", false},
                        {"range", nullptr},
                        {"mitragynine", {{"source", "product_label"}, {"mg", 12.0}}}};
    EXPECT_EQ(ExpandDerivation(whole), whole);
    EXPECT_EQ(ExpandDerivation(Json::object()), Json::object());  // unreadable rows stay empty
}

}  // namespace
}  // namespace mitra::api
