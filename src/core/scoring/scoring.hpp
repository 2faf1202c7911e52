#pragma once
// Scoring of one completed assessment against its instrument definition.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/scoring/instrument.hpp"

namespace mitra::core::scoring {

struct BandResult {
    std::string label;
    std::string citation;
};

struct ScoreResult {
    double total = 0.0;
    std::optional<BandResult> band;  // nullopt below the first band or when none are defined
    std::string instrument_id;
    std::string instrument_version;
    /// Items answered but left out of the total (DSM-5 tolerance/withdrawal under supervision).
    std::vector<std::string> excluded_items;
    bool provisional = false;  // copied from the definition, for display
};

struct ScoreOptions {
    /// DSM-5: tolerance and withdrawal are not counted for someone taking opioids solely under
    /// appropriate medical supervision. The clinician states this; mitra never infers it.
    bool solely_under_medical_supervision = false;
};

/// Validates `responses` (item id -> value) and scores them. Throws mitra::ValidationError with
/// field "responses.<item id>" for an unknown item, a missing required item, a non-finite value,
/// a value that is not a whole number where whole numbers are expected, a value that is not one
/// of the item's options, or a value outside the item's range.
ScoreResult Score(const Instrument& instrument, const std::map<std::string, double>& responses,
                  const ScoreOptions& options = {});

/// The band containing `total` (closed interval), or nullptr.
const Band* FindBand(const Instrument& instrument, double total);

}  // namespace mitra::core::scoring
