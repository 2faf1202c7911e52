// Dose normalisation. Every expected number is a hand calculation written beside it; the
// population defaults are the real data file (19.48 mg/g central, 3.9-62.1 mg/g range).

#include "core/units/dose.hpp"

#include <cmath>
#include <functional>
#include <limits>

#include <gtest/gtest.h>

#include "api/catalog/population_defaults_json.hpp"
#include "core/error.hpp"

namespace mitra::core::units {
namespace {

constexpr double kTol = 1e-9;

const PopulationDefaults& Defaults() {
    static const PopulationDefaults defaults = api::catalog::LoadPopulationDefaults();
    return defaults;
}

ProductSpec Leaf() { return ProductSpec{ProductForm::kLeafPowder, Serving{2, "g"}, {}, {}}; }

ProductSpec Capsule(std::optional<double> grams_per_unit) {
    ProductSpec p;
    p.form = ProductForm::kCapsule;
    p.grams_per_unit = grams_per_unit;
    return p;
}

LotAssayContent Assay(std::optional<double> mitragynine_mg_per_g,
                      std::optional<double> hydroxy_mg_per_g = std::nullopt) {
    LotAssayContent assay;
    assay.content.mitragynine_mg_per_g = mitragynine_mg_per_g;
    assay.content.hydroxymitragynine_mg_per_g = hydroxy_mg_per_g;
    assay.reference = "COA Lab A 2025-03-01";
    return assay;
}

std::string FieldOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const ValidationError& e) {
        return e.field();
    }
    return "<no error>";
}

TEST(NormalizeDose, LotAssayPerGram) {
    const auto d = NormalizeDose(Leaf(), Assay(19.48, 0.1), {2.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.amount_g, 2.0, kTol);
    EXPECT_NEAR(*d.mitragynine.mg, 38.96, kTol);  // 2 g × 19.48 mg/g
    EXPECT_EQ(d.mitragynine.source, DerivationSource::kLotAssay);
    EXPECT_FALSE(d.mitragynine.estimate);
    EXPECT_EQ(d.mitragynine.explanation, "2 g × 19.48 mg/g (lot assay) = 38.96 mg");
    EXPECT_EQ(d.mitragynine.citation, "lot assay: COA Lab A 2025-03-01");
    EXPECT_NEAR(*d.hydroxymitragynine.mg, 0.2, kTol);  // 2 g × 0.1 mg/g
    EXPECT_EQ(d.hydroxymitragynine.source, DerivationSource::kLotAssay);
}

TEST(NormalizeDose, LotAssayWinsOverLabel) {
    ProductSpec p = Leaf();
    p.label.mitragynine_mg_per_g = 20.0;
    const auto d = NormalizeDose(p, Assay(10.0), {3.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 30.0, kTol);  // 3 g × 10 mg/g, not 3 × 20
    EXPECT_EQ(d.mitragynine.source, DerivationSource::kLotAssay);
}

TEST(NormalizeDose, AssayZeroIsAValueNotAGap) {
    ProductSpec p = Leaf();
    p.label.mitragynine_mg_per_g = 20.0;
    const auto d = NormalizeDose(p, Assay(0.0), {3.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 0.0, kTol);  // 3 g × 0 mg/g
    EXPECT_EQ(d.mitragynine.source, DerivationSource::kLotAssay);
}

TEST(NormalizeDose, SevenOhNotMeasuredFallsBackToLabelPerAlkaloid) {
    ProductSpec p = Leaf();
    p.label.hydroxymitragynine_mg_per_g = 0.3;
    const auto d = NormalizeDose(p, Assay(15.0), {2.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 30.0, kTol);        // 2 g × 15 mg/g (assay)
    EXPECT_NEAR(*d.hydroxymitragynine.mg, 0.6, kTol);  // 2 g × 0.3 mg/g (label)
    EXPECT_EQ(d.hydroxymitragynine.source, DerivationSource::kProductLabel);
    EXPECT_EQ(d.hydroxymitragynine.citation, "product label claim");
}

TEST(NormalizeDose, LabelOnlyAndSevenOhNotDeterminable) {
    ProductSpec p = Leaf();
    p.label.mitragynine_mg_per_g = 12.0;
    const auto d = NormalizeDose(p, std::nullopt, {5.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 60.0, kTol);  // 5 g × 12 mg/g
    EXPECT_EQ(d.mitragynine.source, DerivationSource::kProductLabel);
    EXPECT_EQ(d.mitragynine.explanation, "5 g × 12 mg/g (product label) = 60 mg");
    EXPECT_FALSE(d.hydroxymitragynine.mg.has_value());
    EXPECT_FALSE(d.hydroxymitragynine.source.has_value());
    EXPECT_EQ(d.hydroxymitragynine.explanation.rfind("not determinable", 0), 0u)
        << d.hydroxymitragynine.explanation;
    EXPECT_NE(d.hydroxymitragynine.explanation.find("0.124"), std::string::npos);
}

TEST(NormalizeDose, PopulationDefaultForLeafIsAnEstimateWithRange) {
    const auto d = NormalizeDose(Leaf(), std::nullopt, {2.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 38.96, kTol);       // 2 g × 19.48 mg/g (K51)
    EXPECT_NEAR(*d.mitragynine.low_mg, 7.8, kTol);     // 2 g × 3.9 mg/g (Prozialeck 2020)
    EXPECT_NEAR(*d.mitragynine.high_mg, 124.2, kTol);  // 2 g × 62.1 mg/g
    EXPECT_EQ(d.mitragynine.source, DerivationSource::kPopulationDefault);
    EXPECT_TRUE(d.mitragynine.estimate);
    EXPECT_NE(d.mitragynine.citation.find("Prozialeck"), std::string::npos);
    EXPECT_NE(d.mitragynine.citation.find("19.48"), std::string::npos);
    EXPECT_EQ(d.mitragynine.explanation.rfind("estimate: 2 g × 19.48 mg/g", 0), 0u)
        << d.mitragynine.explanation;
    EXPECT_NE(d.mitragynine.explanation.find("7.8–124.2 mg"), std::string::npos);
    EXPECT_FALSE(d.hydroxymitragynine.mg.has_value());  // no 7-OH default, ever
}

TEST(NormalizeDose, CapsulesWithGramsPerUnitAndLabelPerGram) {
    ProductSpec p = Capsule(0.5);
    p.label.mitragynine_mg_per_g = 16.0;
    const auto d = NormalizeDose(p, std::nullopt, {3.0, DoseUnit::kCapsule}, Defaults());
    EXPECT_NEAR(*d.amount_g, 1.5, kTol);         // 3 × 0.5 g
    EXPECT_NEAR(*d.mitragynine.mg, 24.0, kTol);  // 1.5 g × 16 mg/g
    EXPECT_EQ(d.amount_g_explanation, "3 capsules × 0.5 g/capsule = 1.5 g");
    EXPECT_EQ(d.mitragynine.explanation,
              "3 capsules × 0.5 g/capsule = 1.5 g; 1.5 g × 16 mg/g (product label) = 24 mg");
}

TEST(NormalizeDose, CapsulesWithPerUnitContentNeedNoGrams) {
    ProductSpec p = Capsule(std::nullopt);
    p.label.mitragynine_mg_per_unit = 8.0;
    const auto d = NormalizeDose(p, std::nullopt, {4.0, DoseUnit::kCapsule}, Defaults());
    EXPECT_FALSE(d.amount_g.has_value());
    EXPECT_NEAR(*d.mitragynine.mg, 32.0, kTol);  // 4 × 8 mg
    EXPECT_EQ(d.mitragynine.explanation, "4 capsules × 8 mg/capsule (product label) = 32 mg");
}

TEST(NormalizeDose, GramDoseOfCapsuleProductWithPerUnitContent) {
    ProductSpec p = Capsule(0.5);
    p.label.mitragynine_mg_per_unit = 8.0;
    const auto d = NormalizeDose(p, std::nullopt, {2.0, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.amount_g, 2.0, kTol);
    EXPECT_NEAR(*d.mitragynine.mg, 32.0, kTol);  // 2 g ÷ 0.5 g/capsule = 4 capsules × 8 mg
    EXPECT_EQ(d.mitragynine.explanation,
              "2 g ÷ 0.5 g/capsule × 8 mg/capsule (product label) = 32 mg");
}

TEST(NormalizeDose, PerUnitAssayPreferredForCountDoses) {
    ProductSpec p = Capsule(0.5);
    LotAssayContent assay = Assay(20.0);
    assay.content.mitragynine_mg_per_unit = 9.0;
    const auto d = NormalizeDose(p, assay, {2.0, DoseUnit::kCapsule}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 18.0, kTol);  // 2 × 9 mg (not 1 g × 20 mg/g)
}

TEST(NormalizeDose, CapsuleWithoutAnyContentHasNoDefault) {
    const auto d = NormalizeDose(Capsule(0.5), std::nullopt, {2.0, DoseUnit::kCapsule}, Defaults());
    EXPECT_NEAR(*d.amount_g, 1.0, kTol);  // 2 × 0.5 g
    EXPECT_FALSE(d.mitragynine.mg.has_value());
    EXPECT_FALSE(d.mitragynine.source.has_value());
    EXPECT_NE(d.mitragynine.explanation.find("no population default for capsule"),
              std::string::npos)
        << d.mitragynine.explanation;
}

TEST(NormalizeDose, PerGramLabelButNoGramsPerUnitIsNotDeterminable) {
    ProductSpec p = Capsule(std::nullopt);
    p.label.mitragynine_mg_per_g = 16.0;
    const auto d = NormalizeDose(p, std::nullopt, {2.0, DoseUnit::kCapsule}, Defaults());
    EXPECT_FALSE(d.amount_g.has_value());
    EXPECT_FALSE(d.mitragynine.mg.has_value());
    EXPECT_NE(d.mitragynine.explanation.find("grams_per_unit"), std::string::npos);
}

TEST(NormalizeDose, LiquidExtractPerMl) {
    ProductSpec p;
    p.form = ProductForm::kLiquidExtract;
    p.label.mitragynine_mg_per_unit = 5.0;         // per ml
    p.label.hydroxymitragynine_mg_per_unit = 1.5;  // per ml
    const auto d = NormalizeDose(p, std::nullopt, {2.5, DoseUnit::kMilliliter}, Defaults());
    EXPECT_FALSE(d.amount_g.has_value());
    EXPECT_NEAR(*d.mitragynine.mg, 12.5, kTol);         // 2.5 ml × 5 mg/ml
    EXPECT_NEAR(*d.hydroxymitragynine.mg, 3.75, kTol);  // 2.5 ml × 1.5 mg/ml
    EXPECT_EQ(d.mitragynine.explanation, "2.5 ml × 5 mg/ml (product label) = 12.5 mg");
}

TEST(NormalizeDose, LiquidExtractWithDensityAndPerGramAssay) {
    ProductSpec p;
    p.form = ProductForm::kLiquidExtract;
    p.grams_per_unit = 1.1;  // g/ml
    const auto d = NormalizeDose(p, Assay(20.0), {10.0, DoseUnit::kMilliliter}, Defaults());
    EXPECT_NEAR(*d.amount_g, 11.0, kTol);         // 10 ml × 1.1 g/ml
    EXPECT_NEAR(*d.mitragynine.mg, 220.0, kTol);  // 11 g × 20 mg/g
}

TEST(NormalizeDose, LiquidExtractWithoutContentHasNoDefault) {
    ProductSpec p;
    p.form = ProductForm::kLiquidExtract;
    const auto d = NormalizeDose(p, std::nullopt, {1.0, DoseUnit::kMilliliter}, Defaults());
    EXPECT_FALSE(d.mitragynine.mg.has_value());
    EXPECT_NE(d.mitragynine.explanation.find("liquid_extract"), std::string::npos);
}

TEST(NormalizeDose, SevenOhTabletLabelOnly) {
    ProductSpec p;
    p.form = ProductForm::kTablet;
    p.label.hydroxymitragynine_mg_per_unit = 15.0;
    const auto d = NormalizeDose(p, std::nullopt, {2.0, DoseUnit::kTablet}, Defaults());
    EXPECT_NEAR(*d.hydroxymitragynine.mg, 30.0, kTol);  // 2 × 15 mg
    EXPECT_FALSE(d.mitragynine.mg.has_value());         // no default for tablets
}

TEST(NormalizeDose, OtherFormGramDoseWithLabel) {
    ProductSpec p;
    p.form = ProductForm::kOther;
    p.label.mitragynine_mg_per_g = 4.0;
    const auto d = NormalizeDose(p, std::nullopt, {0.25, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*d.mitragynine.mg, 1.0, kTol);  // 0.25 g × 4 mg/g
}

TEST(NormalizeDose, AmountBoundaries) {
    const auto ok =
        NormalizeDose(Leaf(), std::nullopt, {kMaxDoseAmountG, DoseUnit::kGram}, Defaults());
    EXPECT_NEAR(*ok.mitragynine.mg, 19480.0, 1e-6);  // 1000 g × 19.48 mg/g, the largest accepted
    for (double bad :
         {0.0, -1.0, -0.0, 1000.5, std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
        EXPECT_EQ(FieldOf([&] {
                      NormalizeDose(Leaf(), std::nullopt, {bad, DoseUnit::kGram}, Defaults());
                  }),
                  "amount")
            << bad;
    }
    EXPECT_EQ(FieldOf([&] {
                  NormalizeDose(Capsule(0.5), std::nullopt, {1001, DoseUnit::kCapsule}, Defaults());
              }),
              "amount");
    // 600 capsules × 2 g = 1200 g > 1000 g after conversion.
    EXPECT_EQ(FieldOf([&] {
                  NormalizeDose(Capsule(2.0), std::nullopt, {600, DoseUnit::kCapsule}, Defaults());
              }),
              "amount");
}

TEST(NormalizeDose, UnitMustFitTheForm) {
    ProductSpec liquid;
    liquid.form = ProductForm::kLiquidExtract;
    ProductSpec other;
    other.form = ProductForm::kOther;
    ProductSpec tablet;
    tablet.form = ProductForm::kTablet;
    const auto field = [&](const ProductSpec& p, DoseUnit u) {
        return FieldOf([&] { NormalizeDose(p, std::nullopt, {1.0, u}, Defaults()); });
    };
    EXPECT_EQ(field(Leaf(), DoseUnit::kCapsule), "unit");
    EXPECT_EQ(field(Leaf(), DoseUnit::kMilliliter), "unit");
    EXPECT_EQ(field(Leaf(), DoseUnit::kTablet), "unit");
    EXPECT_EQ(field(Capsule(0.5), DoseUnit::kMilliliter), "unit");
    EXPECT_EQ(field(Capsule(0.5), DoseUnit::kTablet), "unit");
    EXPECT_EQ(field(tablet, DoseUnit::kCapsule), "unit");
    EXPECT_EQ(field(liquid, DoseUnit::kCapsule), "unit");
    EXPECT_EQ(field(other, DoseUnit::kMilliliter), "unit");
    EXPECT_EQ(field(other, DoseUnit::kCapsule), "unit");
    EXPECT_EQ(field(liquid, DoseUnit::kGram), "<no error>");
    EXPECT_EQ(field(tablet, DoseUnit::kTablet), "<no error>");
}

TEST(NormalizeDose, ParsingNamesTheField) {
    EXPECT_EQ(ParseDoseUnit("ml"), DoseUnit::kMilliliter);
    EXPECT_EQ(ParseProductForm("liquid_extract"), ProductForm::kLiquidExtract);
    EXPECT_EQ(FieldOf([] { ParseDoseUnit("mg"); }), "unit");
    EXPECT_EQ(FieldOf([] { ParseDoseUnit("G"); }), "unit");
    EXPECT_EQ(FieldOf([] { ParseDoseUnit(""); }), "unit");
    EXPECT_EQ(FieldOf([] { ParseProductForm("gummy"); }), "form");
    for (DoseUnit u :
         {DoseUnit::kGram, DoseUnit::kCapsule, DoseUnit::kTablet, DoseUnit::kMilliliter}) {
        EXPECT_EQ(ParseDoseUnit(ToString(u)), u);
    }
    EXPECT_STREQ(ToString(DerivationSource::kPopulationDefault), "population_default");
}

TEST(NormalizeDose, RejectsImpossibleProductAndAssayNumbers) {
    const DoseAmount dose{1.0, DoseUnit::kGram};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (double bad : {0.0, -1.0, nan, 1001.0}) {
        EXPECT_EQ(FieldOf([&] { NormalizeDose(Capsule(bad), std::nullopt, dose, Defaults()); }),
                  "product.grams_per_unit")
            << bad;
    }
    for (double bad : {-1.0, nan, 1000.5}) {
        ProductSpec p = Leaf();
        p.label.mitragynine_mg_per_g = bad;
        EXPECT_EQ(FieldOf([&] { NormalizeDose(p, std::nullopt, dose, Defaults()); }),
                  "product.label.mitragynine_mg_per_g");
        EXPECT_EQ(FieldOf([&] { NormalizeDose(Leaf(), Assay(15.0, bad), dose, Defaults()); }),
                  "lot.assay.hydroxymitragynine_mg_per_g");
    }
    LotAssayContent assay = Assay(15.0);
    assay.content.mitragynine_mg_per_unit = 600.0;  // > 0.5 g × 1000 mg/g
    EXPECT_EQ(FieldOf([&] { NormalizeDose(Capsule(0.5), assay, dose, Defaults()); }),
              "lot.assay.mitragynine_mg_per_unit");
}

TEST(FormatQuantity, ShortAndExact) {
    EXPECT_EQ(FormatQuantity(2.0), "2");
    EXPECT_EQ(FormatQuantity(38.96), "38.96");
    EXPECT_EQ(FormatQuantity(0.1 * 3), "0.3");
    EXPECT_EQ(FormatQuantity(19480.0), "19480");
}

TEST(PopulationDefaults, FileHasOnlyTheVerifiedLeafDefault) {
    const PopulationDefaults& d = Defaults();
    const MitragynineDefault* leaf = d.ForForm(ProductForm::kLeafPowder);
    ASSERT_NE(leaf, nullptr);
    EXPECT_DOUBLE_EQ(leaf->central_mg_per_g, 19.48);  // K51, domain.md §1.1 [V]
    EXPECT_DOUBLE_EQ(leaf->low_mg_per_g, 3.9);        // Prozialeck 2020 [V]
    EXPECT_DOUBLE_EQ(leaf->high_mg_per_g, 62.1);
    for (ProductForm f : {ProductForm::kCapsule, ProductForm::kTablet, ProductForm::kLiquidExtract,
                          ProductForm::kOther}) {
        EXPECT_EQ(d.ForForm(f), nullptr) << ToString(f);
    }
}

TEST(PopulationDefaults, ValidationRejectsBadTables) {
    PopulationDefaults d = Defaults();
    d.mitragynine[0].low_mg_per_g = 25.0;  // above central
    EXPECT_EQ(FieldOf([&] { ValidatePopulationDefaults(d); }), "mitragynine[0]");
    d = Defaults();
    d.mitragynine.push_back(d.mitragynine[0]);  // leaf covered twice
    EXPECT_EQ(FieldOf([&] { ValidatePopulationDefaults(d); }), "mitragynine[1]");
    d = Defaults();
    d.mitragynine[0].range_citation.clear();
    EXPECT_EQ(FieldOf([&] { ValidatePopulationDefaults(d); }), "mitragynine[0]");
}

TEST(PopulationDefaults, LoaderRefusesASevenOhDefault) {
    nlohmann::json j = nlohmann::json::parse(R"({
        "version": "x", "mitragynine": [], "forms_without_default_note": "n",
        "hydroxymitragynine": {"default_mg_per_g": 0.124, "note": "n"}})");
    EXPECT_THROW(api::catalog::PopulationDefaultsFromJson(j), InternalError);
}

}  // namespace
}  // namespace mitra::core::units
