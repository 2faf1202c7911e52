#include "core/units/dose.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "core/error.hpp"

namespace mitra::core::units {

namespace {

struct UnitName {
    DoseUnit unit;
    const char* name;
};
constexpr UnitName kUnitNames[] = {{DoseUnit::kGram, "g"},
                                   {DoseUnit::kCapsule, "capsule"},
                                   {DoseUnit::kTablet, "tablet"},
                                   {DoseUnit::kMilliliter, "ml"}};

struct FormName {
    ProductForm form;
    const char* name;
};
constexpr FormName kFormNames[] = {{ProductForm::kLeafPowder, "leaf_powder"},
                                   {ProductForm::kCapsule, "capsule"},
                                   {ProductForm::kLiquidExtract, "liquid_extract"},
                                   {ProductForm::kTablet, "tablet"},
                                   {ProductForm::kOther, "other"}};

/// The product's counting unit (what mg_per_unit and grams_per_unit refer to), if any.
std::optional<DoseUnit> CountingUnit(ProductForm form) {
    switch (form) {
        case ProductForm::kCapsule:
            return DoseUnit::kCapsule;
        case ProductForm::kTablet:
            return DoseUnit::kTablet;
        case ProductForm::kLiquidExtract:
            return DoseUnit::kMilliliter;
        case ProductForm::kLeafPowder:
        case ProductForm::kOther:
            return std::nullopt;
    }
    return std::nullopt;
}

std::string Quantity(double value, DoseUnit unit) {
    std::string text = FormatQuantity(value) + " " + ToString(unit);
    if ((unit == DoseUnit::kCapsule || unit == DoseUnit::kTablet) && value != 1.0) {
        text += "s";
    }
    return text;
}

void CheckContentValue(const std::optional<double>& value, const std::string& field,
                       std::optional<double> max) {
    if (!value.has_value()) {
        return;
    }
    if (!std::isfinite(*value) || *value < 0.0) {
        throw ValidationError(field, field + " must be a finite number >= 0");
    }
    if (max.has_value() && *value > *max) {
        throw ValidationError(field,
                              field + " is impossible: more than " + FormatQuantity(*max) + " mg");
    }
}

void CheckContent(const AlkaloidContent& content, const std::string& prefix,
                  std::optional<double> grams_per_unit) {
    const std::optional<double> per_unit_max =
        grams_per_unit.has_value() ? std::optional<double>(*grams_per_unit * kMaxContentMgPerG)
                                   : std::nullopt;
    CheckContentValue(content.mitragynine_mg_per_g, prefix + "mitragynine_mg_per_g",
                      kMaxContentMgPerG);
    CheckContentValue(content.hydroxymitragynine_mg_per_g, prefix + "hydroxymitragynine_mg_per_g",
                      kMaxContentMgPerG);
    CheckContentValue(content.mitragynine_mg_per_unit, prefix + "mitragynine_mg_per_unit",
                      per_unit_max);
    CheckContentValue(content.hydroxymitragynine_mg_per_unit,
                      prefix + "hydroxymitragynine_mg_per_unit", per_unit_max);
}

struct Context {
    const ProductSpec& product;
    const DoseAmount& dose;
    std::optional<double> amount_g;
    std::string amount_g_explanation;
};

/// mg of one alkaloid from one content source, or nullopt when this source cannot say.
std::optional<AlkaloidAmount> FromContent(const Context& ctx, std::optional<double> mg_per_g,
                                          std::optional<double> mg_per_unit,
                                          DerivationSource source, const std::string& source_text,
                                          const std::string& citation) {
    const auto counting_unit = CountingUnit(ctx.product.form);
    AlkaloidAmount result;
    result.source = source;
    result.citation = citation;
    const std::string tag = " (" + source_text + ")";
    if (ctx.dose.unit != DoseUnit::kGram && mg_per_unit.has_value()) {
        // A count or volume dose with content per counting unit: no grams needed.
        result.mg = ctx.dose.amount * *mg_per_unit;
        result.explanation = Quantity(ctx.dose.amount, ctx.dose.unit) + " × " +
                             FormatQuantity(*mg_per_unit) + " mg/" + ToString(ctx.dose.unit) + tag +
                             " = " + FormatQuantity(*result.mg) + " mg";
        return result;
    }
    if (ctx.amount_g.has_value() && mg_per_g.has_value()) {
        result.mg = *ctx.amount_g * *mg_per_g;
        result.explanation =
            (ctx.dose.unit == DoseUnit::kGram ? "" : ctx.amount_g_explanation + "; ") +
            FormatQuantity(*ctx.amount_g) + " g × " + FormatQuantity(*mg_per_g) + " mg/g" + tag +
            " = " + FormatQuantity(*result.mg) + " mg";
        return result;
    }
    if (ctx.dose.unit == DoseUnit::kGram && mg_per_unit.has_value() &&
        ctx.product.grams_per_unit.has_value() && counting_unit.has_value()) {
        const double units = ctx.dose.amount / *ctx.product.grams_per_unit;
        result.mg = units * *mg_per_unit;
        const char* unit_name = ToString(*counting_unit);
        result.explanation = FormatQuantity(ctx.dose.amount) + " g ÷ " +
                             FormatQuantity(*ctx.product.grams_per_unit) + " g/" + unit_name +
                             " × " + FormatQuantity(*mg_per_unit) + " mg/" + unit_name + tag +
                             " = " + FormatQuantity(*result.mg) + " mg";
        return result;
    }
    return std::nullopt;
}

/// Why a source with some content could not be applied (for the "not determinable" text).
std::string WhyUnusable(const Context& ctx, std::optional<double> mg_per_g,
                        std::optional<double> mg_per_unit, const std::string& source_text) {
    if (mg_per_g.has_value() && !ctx.amount_g.has_value()) {
        return source_text +
               " gives mg/g but grams are unknown (the product has no "
               "grams_per_unit)";
    }
    if (mg_per_unit.has_value()) {
        return source_text +
               " gives mg per unit but the dose is in g and the product has no "
               "grams_per_unit";
    }
    return {};
}

AlkaloidAmount Resolve(const Context& ctx, const std::optional<LotAssayContent>& lot_assay,
                       bool hydroxy, const PopulationDefaults& defaults) {
    const char* name = hydroxy ? "7-OH" : "mitragynine";
    std::vector<std::string> reasons;
    auto try_source = [&](const AlkaloidContent& content, DerivationSource source,
                          const std::string& source_text,
                          const std::string& citation) -> std::optional<AlkaloidAmount> {
        const auto per_g =
            hydroxy ? content.hydroxymitragynine_mg_per_g : content.mitragynine_mg_per_g;
        const auto per_unit =
            hydroxy ? content.hydroxymitragynine_mg_per_unit : content.mitragynine_mg_per_unit;
        if (auto found = FromContent(ctx, per_g, per_unit, source, source_text, citation)) {
            return found;
        }
        if (!per_g.has_value() && !per_unit.has_value()) {
            reasons.push_back(std::string(name) + " not stated in the " + source_text);
        } else {
            reasons.push_back(WhyUnusable(ctx, per_g, per_unit, source_text));
        }
        return std::nullopt;
    };

    if (lot_assay.has_value()) {
        const std::string citation =
            "lot assay" + (lot_assay->reference.empty() ? "" : ": " + lot_assay->reference);
        if (auto found = try_source(lot_assay->content, DerivationSource::kLotAssay, "lot assay",
                                    citation)) {
            return *found;
        }
    } else {
        reasons.push_back("no lot assay");
    }
    if (auto found = try_source(ctx.product.label, DerivationSource::kProductLabel, "product label",
                                "product label claim")) {
        return *found;
    }

    AlkaloidAmount result;
    std::string because;
    for (const auto& reason : reasons) {
        because += (because.empty() ? "" : "; ") + reason;
    }
    if (hydroxy) {
        result.explanation =
            "not determinable: " + because + "; " + defaults.hydroxymitragynine_note;
        return result;
    }
    const MitragynineDefault* fallback = defaults.ForForm(ctx.product.form);
    if (fallback == nullptr) {
        result.explanation = "not determinable: " + because + "; no population default for " +
                             ToString(ctx.product.form) + " products. " +
                             defaults.forms_without_default_note;
        return result;
    }
    if (!ctx.amount_g.has_value()) {
        result.explanation = "not determinable: " + because +
                             "; the population default is per gram and grams are unknown";
        return result;
    }
    const double g = *ctx.amount_g;
    result.mg = g * fallback->central_mg_per_g;
    result.low_mg = g * fallback->low_mg_per_g;
    result.high_mg = g * fallback->high_mg_per_g;
    result.source = DerivationSource::kPopulationDefault;
    result.estimate = true;
    result.citation = fallback->central_citation + "; range: " + fallback->range_citation;
    result.explanation =
        "estimate: " +
        (ctx.dose.unit == DoseUnit::kGram ? std::string() : ctx.amount_g_explanation + "; ") +
        FormatQuantity(g) + " g × " + FormatQuantity(fallback->central_mg_per_g) +
        " mg/g (population default: " + fallback->central_label +
        ") = " + FormatQuantity(*result.mg) + " mg; range " + FormatQuantity(g) + " g × " +
        FormatQuantity(fallback->low_mg_per_g) + "–" + FormatQuantity(fallback->high_mg_per_g) +
        " mg/g (" + fallback->range_label + ") = " + FormatQuantity(*result.low_mg) + "–" +
        FormatQuantity(*result.high_mg) + " mg (" + because + ")";
    return result;
}

}  // namespace

const char* ToString(ProductForm form) noexcept {
    for (const auto& entry : kFormNames) {
        if (entry.form == form) {
            return entry.name;
        }
    }
    return "other";
}

const char* ToString(DoseUnit unit) noexcept {
    for (const auto& entry : kUnitNames) {
        if (entry.unit == unit) {
            return entry.name;
        }
    }
    return "g";
}

const char* ToString(DerivationSource source) noexcept {
    switch (source) {
        case DerivationSource::kLotAssay:
            return "lot_assay";
        case DerivationSource::kProductLabel:
            return "product_label";
        case DerivationSource::kPopulationDefault:
            return "population_default";
    }
    return "population_default";
}

ProductForm ParseProductForm(std::string_view text) {
    for (const auto& entry : kFormNames) {
        if (text == entry.name) {
            return entry.form;
        }
    }
    throw ValidationError("form", "unknown product form \"" + std::string(text) +
                                      "\" (leaf_powder, capsule, liquid_extract, tablet, other)");
}

DoseUnit ParseDoseUnit(std::string_view text) {
    for (const auto& entry : kUnitNames) {
        if (text == entry.name) {
            return entry.unit;
        }
    }
    throw ValidationError("unit",
                          "unknown unit \"" + std::string(text) + "\" (g, capsule, tablet, ml)");
}

std::vector<DoseUnit> AllowedUnits(ProductForm form) {
    std::vector<DoseUnit> units = {DoseUnit::kGram};
    if (const auto counting = CountingUnit(form)) {
        units.push_back(*counting);
    }
    return units;
}

const MitragynineDefault* PopulationDefaults::ForForm(ProductForm form) const {
    for (const auto& entry : mitragynine) {
        if (std::find(entry.forms.begin(), entry.forms.end(), form) != entry.forms.end()) {
            return &entry;
        }
    }
    return nullptr;
}

void ValidatePopulationDefaults(const PopulationDefaults& defaults) {
    std::set<ProductForm> covered;
    for (std::size_t i = 0; i < defaults.mitragynine.size(); ++i) {
        const auto& entry = defaults.mitragynine[i];
        const std::string field = "mitragynine[" + std::to_string(i) + "]";
        const bool ordered = std::isfinite(entry.low_mg_per_g) &&
                             std::isfinite(entry.central_mg_per_g) &&
                             std::isfinite(entry.high_mg_per_g) && entry.low_mg_per_g > 0.0 &&
                             entry.low_mg_per_g <= entry.central_mg_per_g &&
                             entry.central_mg_per_g <= entry.high_mg_per_g &&
                             entry.high_mg_per_g <= kMaxContentMgPerG;
        if (!ordered) {
            throw ValidationError(field,
                                  "population default needs 0 < low <= central <= high "
                                  "<= 1000 mg/g");
        }
        if (entry.central_citation.empty() || entry.range_citation.empty()) {
            throw ValidationError(field, "population default without citation");
        }
        if (entry.forms.empty()) {
            throw ValidationError(field, "population default for no product form");
        }
        for (ProductForm form : entry.forms) {
            if (!covered.insert(form).second) {
                throw ValidationError(field,
                                      std::string("two population defaults for ") + ToString(form));
            }
        }
    }
    if (defaults.hydroxymitragynine_note.empty() || defaults.forms_without_default_note.empty()) {
        throw ValidationError("hydroxymitragynine",
                              "the notes explaining missing defaults are "
                              "required");
    }
}

std::string FormatQuantity(double value) {
    char buffer[64];
    const auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 6);
    if (ec != std::errc()) {
        return "?";
    }
    return std::string(buffer, end);
}

NormalizedDose NormalizeDose(const ProductSpec& product,
                             const std::optional<LotAssayContent>& lot_assay,
                             const DoseAmount& dose, const PopulationDefaults& defaults) {
    if (!std::isfinite(dose.amount) || dose.amount <= 0.0) {
        throw ValidationError("amount", "amount must be a positive finite number");
    }
    const auto allowed = AllowedUnits(product.form);
    if (std::find(allowed.begin(), allowed.end(), dose.unit) == allowed.end()) {
        std::string names;
        for (DoseUnit unit : allowed) {
            names += (names.empty() ? "" : ", ") + std::string(ToString(unit));
        }
        throw ValidationError("unit", std::string("unit ") + ToString(dose.unit) +
                                          " is not allowed for a " + ToString(product.form) +
                                          " product (allowed: " + names + ")");
    }
    if (dose.unit == DoseUnit::kGram ? dose.amount > kMaxDoseAmountG
                                     : dose.amount > kMaxDoseUnitCount) {
        throw ValidationError("amount", "amount " + FormatQuantity(dose.amount) + " " +
                                            ToString(dose.unit) +
                                            " is above the plausible maximum for one dose");
    }
    if (product.grams_per_unit.has_value() &&
        (!std::isfinite(*product.grams_per_unit) || *product.grams_per_unit <= 0.0 ||
         *product.grams_per_unit > kMaxDoseAmountG)) {
        throw ValidationError("product.grams_per_unit",
                              "grams_per_unit must be a positive finite number up to 1000");
    }
    CheckContent(product.label, "product.label.", product.grams_per_unit);
    if (lot_assay.has_value()) {
        CheckContent(lot_assay->content, "lot.assay.", product.grams_per_unit);
    }

    NormalizedDose result;
    result.amount = dose.amount;
    result.unit = dose.unit;
    if (dose.unit == DoseUnit::kGram) {
        result.amount_g = dose.amount;
        result.amount_g_explanation = FormatQuantity(dose.amount) + " g";
    } else if (product.grams_per_unit.has_value()) {
        result.amount_g = dose.amount * *product.grams_per_unit;
        result.amount_g_explanation =
            Quantity(dose.amount, dose.unit) + " × " + FormatQuantity(*product.grams_per_unit) +
            " g/" + ToString(dose.unit) + " = " + FormatQuantity(*result.amount_g) + " g";
        if (*result.amount_g > kMaxDoseAmountG) {
            throw ValidationError("amount",
                                  "amount is above the plausible maximum for one dose "
                                  "(" +
                                      result.amount_g_explanation + ")");
        }
    } else {
        result.amount_g_explanation = std::string(
                                          "grams not determinable: the product has no "
                                          "grams_per_unit for ") +
                                      ToString(dose.unit);
    }

    const Context ctx{product, dose, result.amount_g, result.amount_g_explanation};
    result.mitragynine = Resolve(ctx, lot_assay, /*hydroxy=*/false, defaults);
    result.hydroxymitragynine = Resolve(ctx, lot_assay, /*hydroxy=*/true, defaults);
    return result;
}

}  // namespace mitra::core::units
