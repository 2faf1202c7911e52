#pragma once
// Certificate-of-analysis (COA) parsing for `mitra check-product FILE` and `mitra import lots
// FILE`: CSV (one lot per row, header row first) or JSON (the DESIGN.md lot shape). Format:
// docs/coa-format.md.
//
// Bad rows are not fatal: each is reported (row number, field, reason) and left out, and the
// good rows are returned. A bad header (unknown or duplicate column, no "code" column) rejects
// the whole file, reported as row 1, because every row would be misread.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/products/assay.hpp"

namespace mitra::api::catalog {

/// One accepted lot of a COA file.
struct CoaLot {
    int row = 0;               // CSV: line number (header = 1); JSON: 1-based lot position
    std::string code;          // lot code, required
    std::string product;       // product name, optional
    core::products::Assay assay;
    core::products::ProductLabel label;  // label.supplied = false when the file says nothing
};

/// One rejected row (or the header, row 1 for CSV; row 0 for a JSON document error).
struct CoaRejection {
    int row = 0;
    std::string field;
    std::string reason;
};

struct CoaParseResult {
    std::vector<CoaLot> lots;
    std::vector<CoaRejection> rejections;
};

CoaParseResult ParseCoaCsv(std::string_view text);

/// Accepts one lot object, an array of lots, or {"lots": [...]}.
CoaParseResult ParseCoaJson(std::string_view text);

/// Chooses the parser by extension (.csv / .json), else by the first non-blank character.
/// @throws InternalError if the file cannot be read.
CoaParseResult ParseCoaFile(const std::filesystem::path& path);

/// The DESIGN.md assay object of a lot (absent values omitted).
nlohmann::json AssayToJson(const core::products::Assay& assay);

}  // namespace mitra::api::catalog
