#pragma once
// Products, lots and their lab assays (certificate of analysis, COA), as plain values.
//
// These mirror the DESIGN.md "lot" shape. An absent optional means "not measured" or "not
// stated", never zero: the standards check (standards.hpp) treats the two differently.
// Concentrations are per gram of product as the lab reported them. Plain structs, no
// invariants enforced here: the parsers in src/api validate ranges before building them.

#include <map>
#include <optional>
#include <string>

namespace mitra::core::products {

/// Result of one lab test reported as pass/fail (microbial panels).
enum class TestResult { kPass, kFail };

/// Basis a lab reported concentrations on. Matters only for dry-weight ceilings.
enum class AssayBasis { kNotStated, kDryWeight, kAsIs };

/// Elemental contaminants, µg per g of product. Absent = not measured.
struct MetalsUgPerG {
    std::optional<double> lead;
    std::optional<double> arsenic;  // as reported by the lab (usually total arsenic)
    std::optional<double> cadmium;
    std::optional<double> mercury;  // total mercury
    std::optional<double> nickel;
};

/// A lot's lab assay (COA).
struct Assay {
    /// DESIGN requires it for stored lots; optional here so the check can explain its absence.
    std::optional<double> mitragynine_mg_per_g;
    std::optional<double> hydroxymitragynine_mg_per_g;  // 7-OH; absent = not measured
    std::optional<double> total_alkaloids_mg_per_g;     // the whole alkaloid fraction
    std::map<std::string, double> other_alkaloids_mg_per_g;  // name -> mg/g (speciogynine, ...)
    MetalsUgPerG metals_ug_per_g;
    std::map<std::string, TestResult> microbial;  // test name -> result; empty = none reported
    std::optional<bool> synthetic_alkaloids_detected;     // absent = not tested
    std::optional<bool> controlled_substances_detected;   // absent = not tested
    AssayBasis basis = AssayBasis::kNotStated;
    std::optional<double> moisture_percent;  // needed to convert as-is values to dry weight
    std::optional<std::string> lab;
    std::optional<std::string> tested_on;  // ISO date YYYY-MM-DD
};

/// The check's name for the assay of one lot.
using LotAssay = Assay;

/// What the product label (or its QR-linked page) states.
struct ProductLabel {
    /// False when the caller has no label information at all (e.g. a bare COA): label rules
    /// then answer "cannot determine" instead of "fail".
    bool supplied = true;
    std::optional<double> mitragynine_mg_per_g;
    std::optional<double> hydroxymitragynine_mg_per_g;
    bool declares_synthetic_alkaloids = false;    // ingredient list names a synthetic alkaloid
    bool declares_controlled_substances = false;  // ingredient list names a controlled substance
};

/// A production lot of a product with its assay.
struct Lot {
    std::string id;
    std::string product_id;
    std::string code;
    Assay assay;
};

}  // namespace mitra::core::products
