#pragma once
// The clinical record between JSON and core types: the data catalogs the handlers need
// (instruments, drugs, population defaults, standards), the DESIGN.md JSON shapes of products,
// lots, doses, assessments, substance use, medications and adverse events, and the two
// computations every writer of the record shares (API, `mitra import lots`, `mitra demo`):
// normalising a dose and scoring an assessment.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clinical.hpp"
#include "core/drugs/drugs.hpp"
#include "core/products/assay.hpp"
#include "core/products/standards.hpp"
#include "core/scoring/instrument.hpp"
#include "core/scoring/scoring.hpp"
#include "core/units/dose.hpp"

namespace mitra::api {

/// The data files the clinical handlers use, loaded once per process from DataDir().
struct ClinicalCatalogs {
    std::vector<core::scoring::Instrument> instruments;  // sorted by id
    core::drugs::DrugCatalog drugs;
    core::units::PopulationDefaults population_defaults;
    core::products::Standards standards;

    /// nullptr for an unknown id.
    const core::scoring::Instrument* FindInstrument(const std::string& id) const;
};

/// Loaded at first use (thread-safe); a broken data file throws InternalError.
const ClinicalCatalogs& Catalogs();

/// Substance classes of DESIGN.md ("opioid", ...).
bool IsSubstanceClass(const std::string& name);

nlohmann::json ToJson(const core::Product& product);
nlohmann::json ToJson(const core::Lot& lot);
nlohmann::json ToJson(const core::Dose& dose);
/// A stored derivation as answered: doses store it without the top-level copy of the
/// mitragynine figures (source, citation, explanation, estimate, range), which this adds back;
/// a derivation stored whole (before that) comes back unchanged.
nlohmann::json ExpandDerivation(nlohmann::json stored);
/// The same, with the dose's derivation as answered (from NormalizeInto).
nlohmann::json ToJson(const core::Dose& dose, nlohmann::json derivation);
nlohmann::json ToJson(const core::Assessment& assessment);
nlohmann::json ToJson(const core::SubstanceUse& use);
nlohmann::json ToJson(const core::AdverseEvent& event);
/// A medication with its matched drug {id, name, substance_class, classes:[...]} or null.
nlohmann::json MedicationToJson(const core::Medication& medication,
                                const ClinicalCatalogs& catalogs);
/// The DESIGN "instrument" shape (items with options or min/max, bands with citations).
nlohmann::json InstrumentToJson(const core::scoring::Instrument& instrument);

/// The stored assay of a lot (assay_json) as core values; InternalError if it is unreadable.
core::products::Assay AssayOf(const core::Lot& lot);
/// What a product's label states, for the standards check (supplied = a label was given).
core::products::ProductLabel LabelOf(const core::Product& product);
/// The product fields dose normalisation needs.
core::units::ProductSpec ProductSpecOf(const core::Product& product);

/// A lot ready to store from a validated assay (assay_json canonical, mg/g copied out).
core::Lot MakeLot(std::string id, std::string organization_id, std::string product_id,
                  std::string code, const core::products::Assay& assay, std::string created_by,
                  std::int64_t now_ms);

/// Validates `dose.amount`/`dose.unit` against the product's form and fills amount_g,
/// mitragynine_mg, hydroxymitragynine_mg and derivation_json. A dose without a product is
/// taken as leaf powder with no label (unit must be "g"; population default, marked estimate).
/// Throws ValidationError naming "amount" or "unit". Returns the derivation as answered (the
/// `derivation` of ToJson), so the caller need not parse derivation_json again.
nlohmann::json NormalizeInto(core::Dose& dose, const std::optional<core::Product>& product,
                             const std::optional<core::Lot>& lot,
                             const ClinicalCatalogs& catalogs);

/// Reads `responses` ({item_id: number}) and scores them; fills instrument, version, total,
/// band and responses_json. Throws ValidationError "responses" / "responses.<item>".
void ScoreInto(core::Assessment& assessment, const core::scoring::Instrument& instrument,
               const nlohmann::json& responses, const core::scoring::ScoreOptions& options);

}  // namespace mitra::api
