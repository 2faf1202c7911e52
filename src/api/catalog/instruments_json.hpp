#pragma once
// Loads instrument definitions (data/instruments/<id>.json) into core::scoring::Instrument.
// The files follow data/instruments/schema.json; every definition is also checked with
// core::scoring::ValidateInstrument. A broken data file is our fault: mitra::InternalError
// naming the file and the part at fault.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/scoring/instrument.hpp"

namespace mitra::api::catalog {

/// Maps one parsed definition; `source` names it in error messages.
core::scoring::Instrument InstrumentFromJson(const nlohmann::json& json,
                                             const std::string& source = "instrument");

/// Loads DataDir()/instruments/<id>.json. Throws mitra::NotFoundError for an unknown or
/// malformed id (only [a-z0-9-] is accepted, so an id can never leave the folder).
core::scoring::Instrument LoadInstrument(const std::string& id);

/// Loads one file; the instrument id inside must equal the file's stem.
core::scoring::Instrument LoadInstrumentFile(const std::filesystem::path& path);

/// Loads every *.json in `dir` except schema.json, sorted by id.
std::vector<core::scoring::Instrument> LoadAllInstruments(const std::filesystem::path& dir);
std::vector<core::scoring::Instrument> LoadAllInstruments();  // DataDir()/instruments

}  // namespace mitra::api::catalog
