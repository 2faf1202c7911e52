#pragma once
// The offline logic of `mitra check-product FILE`: parse a COA (coa.hpp), check each lot
// against the standards (core/products/standards.hpp), and render a plain-text report. The CLI
// only parses its flags, calls RunCheckProduct, prints and exits with the returned code.
//
// Exit codes: 0 every lot passes and no row was rejected; 1 some lot fails; 3 no lot fails
// but some row was rejected; 2 otherwise (some lot cannot be determined). An unreadable file
// or invalid flags throw (the CLI's usual error path).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "api/catalog/coa.hpp"
#include "core/products/standards.hpp"

namespace mitra::api::catalog {

/// Plain-text table of one report: an overall line, one row per finding (rule, verdict, value,
/// limit, unit), then each finding's computation, citation and note.
std::string FormatReport(const core::products::ComplianceReport& report);

/// The rejected rows as a table (row, field, reason); empty string when there are none.
std::string FormatRejections(const std::vector<CoaRejection>& rejections);

struct CheckProductOptions {
    std::optional<double> daily_intake_g;         // --daily-intake-g
    std::vector<std::string> jurisdiction_rules;  // --rule US-FL-7oh-dry-weight (repeatable)
    bool json = false;                            // --json: one JSON document instead of text
};

struct CheckProductOutput {
    std::string out;  // for stdout
    int exit_code = 0;
};

/// Checks every lot of a COA file against `standards`.
/// @throws InternalError if the file cannot be read; ValidationError for bad options
///         (daily_intake_g not positive, unknown jurisdiction rule).
CheckProductOutput RunCheckProduct(const std::filesystem::path& file,
                                   const core::products::Standards& standards,
                                   const CheckProductOptions& options);

}  // namespace mitra::api::catalog
