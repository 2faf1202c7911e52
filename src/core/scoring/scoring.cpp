#include "core/scoring/scoring.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace mitra::core::scoring {

namespace {

std::string FormatValue(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

void CheckResponse(const Instrument& instrument, const Item& item, double value) {
    const std::string field = "responses." + item.id;
    const std::string prefix = instrument.id + " " + item.id + ": ";
    if (!std::isfinite(value)) {
        throw ValidationError(field, prefix + "the answer must be a finite number");
    }
    const bool whole = std::floor(value) == value;
    if (item.IsCategorical()) {
        if (!whole) {
            throw ValidationError(field, prefix + "the answer must be a whole number");
        }
        std::string allowed;
        for (const auto& option : item.options) {
            if (option.value == value) {
                return;
            }
            allowed += (allowed.empty() ? "" : ", ") + FormatValue(option.value);
        }
        throw ValidationError(field, prefix + "the answer must be one of " + allowed);
    }
    if (item.integer && !whole) {
        throw ValidationError(field, prefix + "the answer must be a whole number");
    }
    if (value < *item.min || value > *item.max) {
        throw ValidationError(field, prefix + "the answer must be between " +
                                         FormatValue(*item.min) + " and " + FormatValue(*item.max));
    }
}

}  // namespace

const Band* FindBand(const Instrument& instrument, double total) {
    for (const auto& band : instrument.bands) {
        if (total >= band.min && total <= band.max) {
            return &band;
        }
    }
    return nullptr;
}

ScoreResult Score(const Instrument& instrument, const std::map<std::string, double>& responses,
                  const ScoreOptions& options) {
    for (const auto& [item_id, value] : responses) {
        const Item* item = instrument.FindItem(item_id);
        if (item == nullptr) {
            throw ValidationError("responses." + item_id,
                                  instrument.id + ": unknown item " + item_id);
        }
        CheckResponse(instrument, *item, value);
    }

    ScoreResult result;
    result.instrument_id = instrument.id;
    result.instrument_version = instrument.version;
    result.provisional = instrument.provisional;
    for (const auto& item : instrument.items) {
        const auto it = responses.find(item.id);
        if (it == responses.end()) {
            if (item.required) {
                throw ValidationError("responses." + item.id,
                                      instrument.id + ": required item " + item.id + " is missing");
            }
            continue;
        }
        if (options.solely_under_medical_supervision &&
            item.not_counted_under_medical_supervision) {
            result.excluded_items.push_back(item.id);
            continue;
        }
        switch (instrument.method) {
            case ScoringMethod::kSum:
                result.total += it->second;
                break;
            case ScoringMethod::kCountMet:
                result.total += it->second > 0.0 ? 1.0 : 0.0;
                break;
        }
    }
    if (const Band* band = FindBand(instrument, result.total); band != nullptr) {
        result.band = BandResult{band->label, band->citation};
    }
    return result;
}

}  // namespace mitra::core::scoring
