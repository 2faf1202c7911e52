#include "core/scoring/instrument.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/error.hpp"

namespace mitra::core::scoring {

namespace {

bool IsWhole(double value) { return std::isfinite(value) && std::floor(value) == value; }

bool IsLowerCase(const std::string& text) {
    return std::none_of(text.begin(), text.end(),
                        [](unsigned char c) { return std::isupper(c) != 0; });
}

void Require(bool condition, const std::string& field, const std::string& message) {
    if (!condition) {
        throw ValidationError(field, message);
    }
}

}  // namespace

double Item::LowestValue() const {
    if (IsCategorical()) {
        double lowest = options.front().value;
        for (const auto& option : options) {
            lowest = std::min(lowest, option.value);
        }
        return lowest;
    }
    return min.value_or(0.0);
}

double Item::HighestValue() const {
    if (IsCategorical()) {
        double highest = options.front().value;
        for (const auto& option : options) {
            highest = std::max(highest, option.value);
        }
        return highest;
    }
    return max.value_or(0.0);
}

const Item* Instrument::FindItem(const std::string& item_id) const {
    for (const auto& item : items) {
        if (item.id == item_id) {
            return &item;
        }
    }
    return nullptr;
}

const char* ToString(Administrator administrator) noexcept {
    switch (administrator) {
        case Administrator::kPatient:
            return "patient";
        case Administrator::kClinician:
            return "clinician";
    }
    return "patient";
}

const char* ToString(ScoringMethod method) noexcept {
    switch (method) {
        case ScoringMethod::kSum:
            return "sum";
        case ScoringMethod::kCountMet:
            return "count_met";
    }
    return "sum";
}

void ValidateInstrument(const Instrument& instrument) {
    Require(!instrument.id.empty(), "id", "instrument id is empty");
    Require(!instrument.version.empty(), "version", instrument.id + ": version is empty");
    Require(!instrument.title.empty(), "title", instrument.id + ": title is empty");
    Require(!instrument.citation.empty(), "citation", instrument.id + ": citation is empty");
    Require(!instrument.items.empty(), "items", instrument.id + ": no items");

    std::set<std::string> ids;
    double lowest_total = 0.0;
    double highest_total = 0.0;
    for (std::size_t i = 0; i < instrument.items.size(); ++i) {
        const Item& item = instrument.items[i];
        const std::string field = "items[" + std::to_string(i) + "]";
        Require(!item.id.empty(), field + ".id", instrument.id + ": item id is empty");
        Require(ids.insert(item.id).second, field + ".id",
                instrument.id + ": duplicate item id " + item.id);
        Require(!item.text.empty(), field + ".text", instrument.id + ": item text is empty");
        if (item.IsCategorical()) {
            Require(item.options.size() >= 2, field + ".options",
                    instrument.id + ": an item needs at least two options");
            std::set<double> values;
            for (const auto& option : item.options) {
                Require(IsWhole(option.value), field + ".options",
                        instrument.id + ": option values must be whole numbers");
                Require(values.insert(option.value).second, field + ".options",
                        instrument.id + ": duplicate option value in " + item.id);
                Require(!option.label.empty(), field + ".options",
                        instrument.id + ": option label is empty");
            }
        } else {
            Require(item.min.has_value() && item.max.has_value(), field,
                    instrument.id + ": a range item needs min and max");
            Require(std::isfinite(*item.min) && std::isfinite(*item.max) && *item.min < *item.max,
                    field + ".min", instrument.id + ": range min must be below max");
            if (item.integer) {
                Require(IsWhole(*item.min) && IsWhole(*item.max), field + ".min",
                        instrument.id + ": integer range bounds must be whole numbers");
            }
        }
        if (instrument.method == ScoringMethod::kCountMet) {
            Require(item.IsCategorical() && item.LowestValue() == 0.0, field + ".options",
                    instrument.id + ": count_met items must be categorical with a 0 answer");
            if (item.required) {
                highest_total += 1.0;
            }
        } else if (item.required) {
            lowest_total += item.LowestValue();
            highest_total += item.HighestValue();
        } else {
            lowest_total += std::min(0.0, item.LowestValue());
            highest_total += std::max(0.0, item.HighestValue());
        }
    }
    Require(instrument.total_min == lowest_total && instrument.total_max == highest_total,
            "scoring", instrument.id + ": declared total range does not match the items");

    for (std::size_t i = 0; i < instrument.bands.size(); ++i) {
        const Band& band = instrument.bands[i];
        const std::string field = "bands[" + std::to_string(i) + "]";
        Require(std::isfinite(band.min) && std::isfinite(band.max) && band.min <= band.max, field,
                instrument.id + ": band min must not exceed max");
        Require(band.min >= instrument.total_min && band.max <= instrument.total_max, field,
                instrument.id + ": band outside the total range");
        Require(!band.label.empty() && IsLowerCase(band.label), field + ".label",
                instrument.id + ": band label must be non-empty lower case");
        Require(!band.citation.empty(), field + ".citation",
                instrument.id + ": band without citation");
        if (i > 0) {
            Require(band.min > instrument.bands[i - 1].max, field,
                    instrument.id + ": bands must be ordered and must not overlap");
        }
    }
    if (instrument.bands.empty()) {
        Require(!instrument.bands_note.empty(), "bands_note",
                instrument.id + ": an instrument without bands must say why (bands_note)");
    }
}

}  // namespace mitra::core::scoring
