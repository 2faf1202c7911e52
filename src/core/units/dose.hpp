#pragma once
// Dose normalisation: a dose of a product (amount + unit) -> grams of product and mg of
// mitragynine and 7-hydroxymitragynine (7-OH), each with how it was derived.
//
// Order for each alkaloid: the lot's assay, else the product's label claim, else a cited
// population default (mitragynine only, leaf forms only; data/products/population_defaults.json),
// else "not determinable" (mg = nullopt) with an explanation. Never a silent zero.
//
// Pure: numbers arrive as arguments; the defaults are loaded by
// api/catalog/population_defaults_json.hpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mitra::core::units {

enum class ProductForm { kLeafPowder, kCapsule, kLiquidExtract, kTablet, kOther };
enum class DoseUnit { kGram, kCapsule, kTablet, kMilliliter };
enum class DerivationSource { kLotAssay, kProductLabel, kPopulationDefault };

const char* ToString(ProductForm form) noexcept;         // "leaf_powder", ...
const char* ToString(DoseUnit unit) noexcept;            // "g", "capsule", "tablet", "ml"
const char* ToString(DerivationSource source) noexcept;  // "lot_assay", ...

/// Throws mitra::ValidationError with field "form" / "unit" for an unknown name.
ProductForm ParseProductForm(std::string_view text);
DoseUnit ParseDoseUnit(std::string_view text);

/// Units a dose of this form may be given in: g for every form; capsule only for capsule
/// products, tablet only for tablets, ml only for liquid extracts.
std::vector<DoseUnit> AllowedUnits(ProductForm form);

/// Input sanity bounds (engineering, not clinical): larger values are typing errors.
inline constexpr double kMaxDoseAmountG = 1000.0;    // per dose, after conversion to grams
inline constexpr double kMaxDoseUnitCount = 1000.0;  // capsules, tablets or ml per dose
/// Physical bound: a gram of product cannot hold more than 1000 mg of anything.
inline constexpr double kMaxContentMgPerG = 1000.0;

/// Alkaloid content as a lab or a label states it. `*_per_unit` is per capsule or tablet, or
/// per ml for a liquid extract (the product's counting unit). Absent = not stated/measured.
struct AlkaloidContent {
    std::optional<double> mitragynine_mg_per_g;
    std::optional<double> hydroxymitragynine_mg_per_g;
    std::optional<double> mitragynine_mg_per_unit;
    std::optional<double> hydroxymitragynine_mg_per_unit;
};

struct Serving {
    double amount = 0.0;
    std::string unit;
};

/// The product fields normalisation needs (DESIGN "product" shape).
struct ProductSpec {
    ProductForm form = ProductForm::kLeafPowder;
    std::optional<Serving> serving;        // informational; not used by the conversion
    std::optional<double> grams_per_unit;  // g per capsule/tablet, or g per ml (density)
    AlkaloidContent label;
};

/// A lot's assay for normalisation; `reference` names the COA (lab, date) for the citation.
struct LotAssayContent {
    AlkaloidContent content;
    std::string reference;
};

struct DoseAmount {
    double amount = 0.0;
    DoseUnit unit = DoseUnit::kGram;
};

/// A mitragynine population default for some product forms.
struct MitragynineDefault {
    std::string id;
    std::vector<ProductForm> forms;
    double central_mg_per_g = 0.0;
    std::string central_label;
    std::string central_citation;
    double low_mg_per_g = 0.0;
    double high_mg_per_g = 0.0;
    std::string range_label;
    std::string range_citation;
};

struct PopulationDefaults {
    std::string version;
    std::vector<MitragynineDefault> mitragynine;
    std::string hydroxymitragynine_note;  // why there is no 7-OH default
    std::string forms_without_default_note;

    const MitragynineDefault* ForForm(ProductForm form) const;
};

/// Checks a defaults table: finite, 0 < low <= central <= high <= kMaxContentMgPerG, citations
/// present, no form covered twice. Throws mitra::ValidationError naming the part.
void ValidatePopulationDefaults(const PopulationDefaults& defaults);

struct AlkaloidAmount {
    std::optional<double> mg;                // nullopt = not determinable
    std::optional<DerivationSource> source;  // nullopt when not determinable
    bool estimate = false;                   // true for population defaults
    std::optional<double> low_mg;            // range, population defaults only
    std::optional<double> high_mg;
    std::string citation;
    std::string explanation;  // e.g. "2 g × 19.48 mg/g (lot assay) = 38.96 mg"
};

struct NormalizedDose {
    double amount = 0.0;
    DoseUnit unit = DoseUnit::kGram;
    std::optional<double> amount_g;  // nullopt: a count or volume without grams_per_unit
    std::string amount_g_explanation;
    AlkaloidAmount mitragynine;
    AlkaloidAmount hydroxymitragynine;
};

/// Validates and normalises one dose. Throws mitra::ValidationError with field
///   "amount" - not finite, <= 0, more than kMaxDoseUnitCount units, or more than
///              kMaxDoseAmountG grams (directly or after conversion);
///   "unit"   - a unit not allowed for the product's form;
///   "product.grams_per_unit", "product.label.<name>", "lot.assay.<name>" - a negative,
///              non-finite or impossible (> 1000 mg/g) product or assay number.
NormalizedDose NormalizeDose(const ProductSpec& product,
                             const std::optional<LotAssayContent>& lot_assay,
                             const DoseAmount& dose, const PopulationDefaults& defaults);

/// Number formatting used in explanations: up to 6 significant digits, no trailing zeros.
std::string FormatQuantity(double value);

}  // namespace mitra::core::units
