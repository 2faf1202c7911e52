#pragma once
// Loads the product standards (data/standards/*.json) into core::products::Standards, and maps
// a ComplianceReport to the DESIGN.md JSON shape {passes, findings:[...]}.
//
// File format: {"standard", "version", "rules": [{"id", "kind", "title", "citation", "url"?,
// "evidence": "V"|"S"|"D", "note"?, ...kind fields}]}; kinds and their fields are documented
// in data/standards/README.md. A malformed shipped file is our fault: InternalError naming the
// file and the rule.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/products/standards.hpp"

namespace mitra::api::catalog {

/// Reads every *.json file of `dir` (sorted by name). Rule ids must be unique across files.
/// @throws InternalError on an unreadable or invalid file.
core::products::Standards LoadStandards(const std::filesystem::path& dir);

/// LoadStandards(DataDir() / "standards").
core::products::Standards LoadStandards();

/// Adds the rules of one parsed file to `standards`; `origin` names the file in errors.
void AddStandardsFile(core::products::Standards& standards, const nlohmann::json& file,
                      const std::string& origin);

/// {"passes": true|false|null, "findings": [{rule, verdict, limit, value, unit, computation,
/// citation, url?, evidence, note?, counts_toward_passes}]}; absent numbers are null.
nlohmann::json ComplianceReportToJson(const core::products::ComplianceReport& report);

}  // namespace mitra::api::catalog
