#pragma once
// The clinical record: products and lots (with lab assays), doses, assessments, other
// substance use, medications and adverse events. Plain value types as stored; persistence is
// behind core/clinical_ports.hpp.
//
// Variable-shape parts (a lot's full assay, a dose's derivation, an assessment's item answers,
// adverse-event terms) are carried as canonical JSON text produced and read by src/api; core and
// storage treat them as opaque text. Clinical records are never deleted: `deleted_at_ms` marks an
// entry withdrawn as "entered in error", and edits keep the previous value in record_history.

#include <cstdint>
#include <optional>
#include <string>

namespace mitra::core {

struct Product {
    std::string id;
    std::string organization_id;
    std::string name;
    std::string vendor;
    std::string form;  // "leaf_powder" | "capsule" | "liquid_extract" | "tablet" | "other"
    double serving_amount = 0.0;
    std::string serving_unit;
    std::optional<double> grams_per_unit;  // g per capsule/tablet, g per ml for liquids
    std::optional<double> label_mitragynine_mg_per_g;
    std::optional<double> label_hydroxymitragynine_mg_per_g;
    std::string label_json;  // the whole label object as given (per-unit claims, statements)
    std::string created_by;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

struct Lot {
    std::string id;
    std::string organization_id;
    std::string product_id;
    std::string code;  // the vendor's lot or batch code, unique per product
    std::optional<double> mitragynine_mg_per_g;        // copied out of the assay for queries
    std::optional<double> hydroxymitragynine_mg_per_g;
    std::string assay_json;  // DESIGN "lot.assay" object
    std::string created_by;
    std::int64_t created_at_ms = 0;
};

struct Dose {
    std::string id;  // client-generated (idempotency key) or server-generated UUID
    std::string organization_id;
    std::string patient_id;
    std::int64_t taken_at_ms = 0;
    std::optional<std::string> product_id;
    std::optional<std::string> lot_id;
    double amount = 0.0;
    std::string unit;  // "g" | "capsule" | "tablet" | "ml"
    std::optional<double> amount_g;
    std::optional<double> mitragynine_mg;
    std::optional<double> hydroxymitragynine_mg;
    std::string derivation_json;
    std::string recorded_by;  // user id
    std::int64_t recorded_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    std::optional<std::int64_t> deleted_at_ms;
};

/// The fields of a dose that rule evaluation reads (a narrow row: evaluation reads a patient's
/// whole recent history after every write).
struct DoseSummary {
    std::string id;
    std::int64_t taken_at_ms = 0;
    std::optional<std::string> product_id;
    std::optional<std::string> lot_id;
    std::optional<double> amount_g;
    std::optional<double> mitragynine_mg;
    std::optional<double> hydroxymitragynine_mg;
};

struct Assessment {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::string instrument;          // "cows-11", ...
    std::string instrument_version;
    std::int64_t taken_at_ms = 0;
    std::string responses_json;      // {item_id: value}
    double total = 0.0;
    std::optional<std::string> band_label;
    std::string administered_by;     // user id
    std::string administered_role;   // "patient" | "clinician"
    std::int64_t recorded_at_ms = 0;
    std::optional<std::int64_t> deleted_at_ms;
};

struct SubstanceUse {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::int64_t taken_at_ms = 0;
    std::string substance_class;  // opioid | benzodiazepine | alcohol | gabapentinoid | stimulant | cannabis | other
    std::optional<std::string> substance;
    std::optional<double> amount;
    std::optional<std::string> unit;
    std::string recorded_by;
    std::int64_t recorded_at_ms = 0;
    std::optional<std::int64_t> deleted_at_ms;
};

struct Medication {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::string name;
    std::optional<std::string> drug_id;  // matched entry of data/drugs, if any
    std::int32_t started_on = 0;         // days since epoch
    std::optional<std::int32_t> stopped_on;
    std::string recorded_by;
    std::int64_t recorded_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    std::optional<std::int64_t> deleted_at_ms;
};

struct AdverseEvent {
    std::string id;
    std::string organization_id;
    std::string patient_id;
    std::int64_t onset_at_ms = 0;
    std::string description;
    std::string terms_json;  // ["jaundice", ...]
    bool serious = false;
    std::optional<std::string> lot_id;
    std::string recorded_by;
    std::int64_t recorded_at_ms = 0;
    std::optional<std::int64_t> deleted_at_ms;
};

/// A half-open time window [from_ms, to_ms) and paging for list queries.
struct TimeRange {
    std::int64_t from_ms = INT64_MIN;
    std::int64_t to_ms = INT64_MAX;
    int limit = 1000;          // at most this many rows
    bool include_deleted = false;
};

}  // namespace mitra::core
