#include "api/clinical_mapping.hpp"
#include "api/json_output.hpp"

#include <algorithm>
#include <cmath>

#include "api/catalog/coa.hpp"
#include "api/catalog/drugs_json.hpp"
#include "api/catalog/instruments_json.hpp"
#include "api/catalog/population_defaults_json.hpp"
#include "api/catalog/standards_json.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api {
namespace {

using Json = nlohmann::json;
namespace units = core::units;

Json OptNumber(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

Json AlkaloidJson(const units::AlkaloidAmount& a) {
    Json out = {{"mg", OptNumber(a.mg)},
                {"source", a.source ? Json(units::ToString(*a.source)) : Json(nullptr)},
                {"estimate", a.estimate},
                {"citation", a.citation.empty() ? Json(nullptr) : Json(a.citation)},
                {"explanation", a.explanation}};
    if (a.low_mg || a.high_mg) {
        out["range"] = {{"low_mg", OptNumber(a.low_mg)}, {"high_mg", OptNumber(a.high_mg)}};
    } else {
        out["range"] = nullptr;
    }
    return out;
}

Json ParseStored(const std::string& text, Json fallback) {
    if (text.empty()) {
        return fallback;
    }
    Json j = Json::parse(text, nullptr, false);
    return j.is_discarded() ? fallback : j;
}

std::optional<double> LabelNumber(const Json& label, const char* key) {
    if (label.is_object() && label.contains(key) && label[key].is_number()) {
        return label[key].get<double>();
    }
    return std::nullopt;
}

}  // namespace

const core::scoring::Instrument* ClinicalCatalogs::FindInstrument(const std::string& id) const {
    for (const auto& instrument : instruments) {
        if (instrument.id == id) {
            return &instrument;
        }
    }
    return nullptr;
}

const ClinicalCatalogs& Catalogs() {
    static const ClinicalCatalogs kCatalogs{
        catalog::LoadAllInstruments(), catalog::LoadDrugCatalog(),
        catalog::LoadPopulationDefaults(), catalog::LoadStandards()};
    return kCatalogs;
}

bool IsSubstanceClass(const std::string& name) {
    static const char* kClasses[] = {"opioid",    "benzodiazepine", "alcohol", "gabapentinoid",
                                     "stimulant", "cannabis",       "other"};
    return std::any_of(std::begin(kClasses), std::end(kClasses),
                       [&](const char* c) { return name == c; });
}

Json ToJson(const core::Product& p) {
    Json label = ParseStored(p.label_json, Json::object());
    return {{"id", p.id},
            {"organization_id", p.organization_id},
            {"name", p.name},
            {"vendor", p.vendor},
            {"form", p.form},
            {"serving", {{"amount", p.serving_amount}, {"unit", p.serving_unit}}},
            {"grams_per_unit", OptNumber(p.grams_per_unit)},
            {"label", label},
            {"created_at", core::FormatRfc3339(p.created_at_ms)},
            {"updated_at", core::FormatRfc3339(p.updated_at_ms)}};
}

Json ToJson(const core::Lot& lot) {
    return {{"id", lot.id},
            {"organization_id", lot.organization_id},
            {"product_id", lot.product_id},
            {"code", lot.code},
            {"assay", ParseStored(lot.assay_json, Json::object())},
            {"created_at", core::FormatRfc3339(lot.created_at_ms)}};
}

Json ExpandDerivation(Json stored) {
    // Stored without the top-level copy of the mitragynine figures (they fill most of a page
    // per dose): put that copy back, so every dose answers the same derivation shape.
    if (stored.is_object() && !stored.contains("source") && stored.contains("mitragynine") &&
        stored["mitragynine"].is_object()) {
        const Json& m = stored["mitragynine"];
        for (const char* key : {"source", "citation", "explanation", "estimate", "range"}) {
            stored[key] = m.contains(key) ? m[key] : Json(nullptr);
        }
    }
    return stored;
}

Json ToJson(const core::Dose& d) {
    return ToJson(d, ExpandDerivation(ParseStored(d.derivation_json, Json::object())));
}

Json ToJson(const core::Dose& d, Json derivation) {
    return {{"id", d.id},
            {"patient_id", d.patient_id},
            {"taken_at", core::FormatRfc3339(d.taken_at_ms)},
            {"product_id", d.product_id ? Json(*d.product_id) : Json(nullptr)},
            {"lot_id", d.lot_id ? Json(*d.lot_id) : Json(nullptr)},
            {"amount", d.amount},
            {"unit", d.unit},
            {"amount_g", OptNumber(d.amount_g)},
            {"mitragynine_mg", OptNumber(d.mitragynine_mg)},
            {"hydroxymitragynine_mg", OptNumber(d.hydroxymitragynine_mg)},
            {"derivation", std::move(derivation)},
            {"recorded_by", d.recorded_by},
            {"recorded_at", core::FormatRfc3339(d.recorded_at_ms)},
            {"updated_at", core::FormatRfc3339(d.updated_at_ms)},
            {"entered_in_error", d.deleted_at_ms.has_value()}};
}

Json ToJson(const core::Assessment& a) {
    Json band = nullptr;
    if (a.band_label) {
        band = {{"label", *a.band_label}, {"citation", nullptr}};
        if (const auto* instrument = Catalogs().FindInstrument(a.instrument)) {
            for (const auto& b : instrument->bands) {
                if (b.label == *a.band_label) {
                    band["citation"] = b.citation;
                }
            }
        }
    }
    return {{"id", a.id},
            {"patient_id", a.patient_id},
            {"instrument", a.instrument},
            {"instrument_version", a.instrument_version},
            {"taken_at", core::FormatRfc3339(a.taken_at_ms)},
            {"responses", ParseStored(a.responses_json, Json::object())},
            {"total", a.total},
            {"band", band},
            {"administered_by", a.administered_by},
            {"administered_role", a.administered_role},
            {"recorded_at", core::FormatRfc3339(a.recorded_at_ms)},
            {"entered_in_error", a.deleted_at_ms.has_value()}};
}

Json ToJson(const core::SubstanceUse& u) {
    return {{"id", u.id},
            {"patient_id", u.patient_id},
            {"taken_at", core::FormatRfc3339(u.taken_at_ms)},
            {"substance_class", u.substance_class},
            {"substance", u.substance ? Json(*u.substance) : Json(nullptr)},
            {"amount", OptNumber(u.amount)},
            {"unit", u.unit ? Json(*u.unit) : Json(nullptr)},
            {"recorded_by", u.recorded_by},
            {"recorded_at", core::FormatRfc3339(u.recorded_at_ms)}};
}

Json ToJson(const core::AdverseEvent& e) {
    return {{"id", e.id},
            {"patient_id", e.patient_id},
            {"onset_at", core::FormatRfc3339(e.onset_at_ms)},
            {"description", e.description},
            {"terms", ParseStored(e.terms_json, Json::array())},
            {"serious", e.serious},
            {"lot_id", e.lot_id ? Json(*e.lot_id) : Json(nullptr)},
            {"recorded_by", e.recorded_by},
            {"recorded_at", core::FormatRfc3339(e.recorded_at_ms)}};
}

Json MedicationToJson(const core::Medication& m, const ClinicalCatalogs& catalogs) {
    Json drug = nullptr;
    if (m.drug_id) {
        if (const auto* d = catalogs.drugs.FindById(*m.drug_id)) {
            Json classes = Json::array();
            for (const auto& tag : d->classes) {
                classes.push_back({{"class", core::drugs::ToString(tag.drug_class)},
                                   {"evidence", tag.evidence},
                                   {"citation", tag.citation}});
            }
            drug = {{"id", d->id},
                    {"name", d->name},
                    {"substance_class", d->substance_class},
                    {"classes", classes}};
        }
    }
    return {{"id", m.id},
            {"patient_id", m.patient_id},
            {"name", m.name},
            {"started_on", core::FormatDate(m.started_on)},
            {"stopped_on", m.stopped_on ? Json(core::FormatDate(*m.stopped_on)) : Json(nullptr)},
            {"drug", drug},
            {"recorded_by", m.recorded_by},
            {"recorded_at", core::FormatRfc3339(m.recorded_at_ms)}};
}

Json InstrumentToJson(const core::scoring::Instrument& in) {
    Json items = Json::array();
    for (const auto& item : in.items) {
        Json j = {{"id", item.id}, {"text", item.text}, {"required", item.required}};
        if (item.IsCategorical()) {
            Json options = Json::array();
            for (const auto& o : item.options) {
                options.push_back({{"value", o.value}, {"label", o.label}});
            }
            j["options"] = options;
        } else {
            j["min"] = OptNumber(item.min);
            j["max"] = OptNumber(item.max);
            j["integer"] = item.integer;
            if (!item.min_label.empty() || !item.max_label.empty()) {
                j["anchors"] = {{"min_label", item.min_label}, {"max_label", item.max_label}};
            }
        }
        if (item.safety_item) {
            j["safety_item"] = true;
        }
        items.push_back(j);
    }
    Json bands = Json::array();
    for (const auto& b : in.bands) {
        bands.push_back({{"min", b.min},
                         {"max", b.max},
                         {"label", b.label},
                         {"citation", b.citation},
                         {"evidence", b.evidence}});
    }
    Json out = {{"id", in.id},
                {"version", in.version},
                {"title", in.title},
                {"administered_by", core::scoring::ToString(in.administered_by)},
                {"citation", in.citation},
                {"recall_window", in.recall_window},
                {"scoring",
                 {{"method", core::scoring::ToString(in.method)},
                  {"total_min", in.total_min},
                  {"total_max", in.total_max}}},
                {"items", items},
                {"bands", bands},
                {"provisional", in.provisional}};
    if (!in.bands_note.empty()) {
        out["bands_note"] = in.bands_note;
    }
    if (in.provisional) {
        out["provisional_reason"] = in.provisional_reason;
    }
    return out;
}

core::products::Assay AssayOf(const core::Lot& lot) {
    const Json doc = {{"code", lot.code.empty() ? std::string("lot") : lot.code},
                      {"assay", ParseStored(lot.assay_json, Json::object())}};
    auto parsed = catalog::ParseCoaJson(doc.dump());
    if (parsed.lots.size() != 1) {
        throw InternalError("stored assay of a lot is unreadable");
    }
    return parsed.lots.front().assay;
}

core::products::ProductLabel LabelOf(const core::Product& product) {
    core::products::ProductLabel label;
    const Json j = ParseStored(product.label_json, Json(nullptr));
    label.supplied = j.is_object();
    label.mitragynine_mg_per_g = product.label_mitragynine_mg_per_g;
    label.hydroxymitragynine_mg_per_g = product.label_hydroxymitragynine_mg_per_g;
    if (j.is_object()) {
        label.declares_synthetic_alkaloids = j.value("declares_synthetic_alkaloids", false);
        label.declares_controlled_substances = j.value("declares_controlled_substances", false);
    }
    return label;
}

units::ProductSpec ProductSpecOf(const core::Product& product) {
    units::ProductSpec spec;
    spec.form = units::ParseProductForm(product.form);
    spec.serving = units::Serving{product.serving_amount, product.serving_unit};
    spec.grams_per_unit = product.grams_per_unit;
    const Json label = ParseStored(product.label_json, Json::object());
    spec.label.mitragynine_mg_per_g = product.label_mitragynine_mg_per_g;
    spec.label.hydroxymitragynine_mg_per_g = product.label_hydroxymitragynine_mg_per_g;
    spec.label.mitragynine_mg_per_unit = LabelNumber(label, "mitragynine_mg_per_unit");
    spec.label.hydroxymitragynine_mg_per_unit =
        LabelNumber(label, "hydroxymitragynine_mg_per_unit");
    return spec;
}

core::Lot MakeLot(std::string id, std::string organization_id, std::string product_id,
                  std::string code, const core::products::Assay& assay, std::string created_by,
                  std::int64_t now_ms) {
    core::Lot lot;
    lot.id = std::move(id);
    lot.organization_id = std::move(organization_id);
    lot.product_id = std::move(product_id);
    lot.code = std::move(code);
    lot.mitragynine_mg_per_g = assay.mitragynine_mg_per_g;
    lot.hydroxymitragynine_mg_per_g = assay.hydroxymitragynine_mg_per_g;
    lot.assay_json = catalog::AssayToJson(assay).dump();
    lot.created_by = std::move(created_by);
    lot.created_at_ms = now_ms;
    return lot;
}

Json NormalizeInto(core::Dose& dose, const std::optional<core::Product>& product,
                   const std::optional<core::Lot>& lot, const ClinicalCatalogs& catalogs) {
    units::ProductSpec spec;  // no product: leaf powder, nothing stated
    if (product) {
        spec = ProductSpecOf(*product);
    }
    std::optional<units::LotAssayContent> assay;
    if (lot) {
        units::LotAssayContent content;
        content.content.mitragynine_mg_per_g = lot->mitragynine_mg_per_g;
        content.content.hydroxymitragynine_mg_per_g = lot->hydroxymitragynine_mg_per_g;
        const Json a = ParseStored(lot->assay_json, Json::object());
        content.reference = "COA of lot " + lot->code;
        if (a.contains("lab") && a["lab"].is_string()) {
            content.reference += ", " + a["lab"].get<std::string>();
        }
        if (a.contains("tested_on") && a["tested_on"].is_string()) {
            content.reference += ", tested " + a["tested_on"].get<std::string>();
        }
        assay = content;
    }
    const units::DoseAmount amount{dose.amount, units::ParseDoseUnit(dose.unit)};
    const units::NormalizedDose n =
        units::NormalizeDose(spec, assay, amount, catalogs.population_defaults);
    dose.amount_g = n.amount_g;
    dose.mitragynine_mg = n.mitragynine.mg;
    dose.hydroxymitragynine_mg = n.hydroxymitragynine.mg;
    // Stored: how each amount was derived. The answer's top-level source, citation,
    // explanation, estimate and range repeat the mitragynine figures; ExpandDerivation adds
    // them back when the dose is read.
    Json derivation = {{"amount_g_explanation", n.amount_g_explanation},
                       {"mitragynine", AlkaloidJson(n.mitragynine)},
                       {"hydroxymitragynine", AlkaloidJson(n.hydroxymitragynine)}};
    if (!product) {
        derivation["note"] = "no product given: taken as leaf powder with no label claim";
    }
    dose.derivation_json = DumpJson(derivation);
    return ExpandDerivation(std::move(derivation));
}

void ScoreInto(core::Assessment& assessment, const core::scoring::Instrument& instrument,
               const Json& responses, const core::scoring::ScoreOptions& options) {
    if (!responses.is_object()) {
        throw ValidationError("responses", "responses must be an object {item_id: value}");
    }
    std::map<std::string, double> values;
    for (const auto& [key, value] : responses.items()) {
        if (!value.is_number()) {
            throw ValidationError("responses." + key, "each response must be a number");
        }
        values[key] = value.get<double>();
    }
    const core::scoring::ScoreResult result = core::scoring::Score(instrument, values, options);
    assessment.instrument = instrument.id;
    assessment.instrument_version = result.instrument_version;
    assessment.total = result.total;
    assessment.band_label =
        result.band ? std::optional<std::string>(result.band->label) : std::nullopt;
    assessment.responses_json = Json(values).dump();
}

}  // namespace mitra::api
