#pragma once
// Loads the legal-status dataset (data/legal/*.json, or one operator-supplied file for
// `mitra import legal FILE`) into core::legal::Dataset, validating it, and maps a lookup
// result to the DESIGN.md "legal" JSON shape.
//
// File format (data/legal/README.md): {"dataset", "version", "last_verified_basis",
// "records": [{jurisdiction, name, status, summary, minimum_age|null, limits: [...],
// effective_from: "YYYY-MM-DD"|null, effective_from_note?, effective_to|null,
// sources: [{citation, url|null, evidence}], last_verified: "YYYY-MM-DD", confidence,
// notes?}]}. Unknown keys are rejected, so a typo cannot silently drop a fact.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/legal/legal.hpp"

namespace mitra::api::catalog {

/// Parses one dataset document WITHOUT the cross-record validation.
/// @throws ValidationError (field = JSON path, e.g. "records[3].status") on a malformed record.
core::legal::Dataset LegalDatasetFromJson(const nlohmann::json& document);

/// Reads and validates the shipped dataset: every *.json in `dir`, merged (sorted by name).
/// @throws InternalError if a shipped file is unreadable or invalid.
core::legal::Dataset LoadLegalDataset(const std::filesystem::path& dir);

/// LoadLegalDataset(DataDir() / "legal").
core::legal::Dataset LoadLegalDataset();

/// Reads ONE operator-supplied file and validates it completely before returning, for
/// `mitra import legal FILE`: a file that fails any check is rejected as a whole.
/// @throws ValidationError naming the record and problem (field "legal" or a JSON path);
///         InternalError if the file cannot be read or is not JSON.
core::legal::Dataset LoadLegalFile(const std::filesystem::path& file);

/// The DESIGN.md "legal" answer: {jurisdiction, requested, matched_level, status,
/// minimum_age, limits, effective_from, effective_to, sources, last_verified, age_days,
/// confidence, ...}.
nlohmann::json LegalAnswerToJson(const core::legal::LookupResult& result);

/// One record as stored in the data files.
nlohmann::json LegalRecordToJson(const core::legal::Record& record);

}  // namespace mitra::api::catalog
