#pragma once
// Assessment instruments as data: items, response options or ranges, scoring method and
// severity bands, each band with its citation. Definitions come from data/instruments/*.json
// (loaded by api/catalog/instruments_json.hpp); nothing clinical is hard-coded here.

#include <optional>
#include <string>
#include <vector>

namespace mitra::core::scoring {

enum class Administrator { kPatient, kClinician };

/// "sum": total = sum of item values. "count_met": total = number of items answered with a
/// value > 0 (DSM-5 criteria answered yes = 1).
enum class ScoringMethod { kSum, kCountMet };

struct ResponseOption {
    double value = 0.0;
    std::string label;
};

/// An item is either categorical (`options` non-empty: the answer must equal one option value)
/// or a numeric range (`options` empty: min <= answer <= max, and whole if `integer`).
struct Item {
    std::string id;
    std::string text;
    bool required = true;
    std::vector<ResponseOption> options;
    std::optional<double> min;
    std::optional<double> max;
    bool integer = true;
    std::string min_label;  // anchors of a numeric range item, if any
    std::string max_label;
    bool safety_item = false;                            // e.g. PHQ-9 item9
    bool not_counted_under_medical_supervision = false;  // DSM-5 tolerance, withdrawal

    bool IsCategorical() const { return !options.empty(); }
    double LowestValue() const;
    double HighestValue() const;
};

/// A closed interval [min, max] of totals with a lower-case label as the source words it.
struct Band {
    double min = 0.0;
    double max = 0.0;
    std::string label;
    std::string citation;
    std::string evidence;
};

struct Instrument {
    std::string id;
    std::string version;
    std::string title;
    Administrator administered_by = Administrator::kPatient;
    std::string citation;
    std::vector<Item> items;
    ScoringMethod method = ScoringMethod::kSum;
    double total_min = 0.0;
    double total_max = 0.0;
    std::vector<Band> bands;  // empty when the literature defines none (see bands_note)
    std::string bands_note;
    bool provisional = false;  // e.g. a response scale not verified against its source
    std::string provisional_reason;
    std::string recall_window;

    const Item* FindItem(const std::string& item_id) const;
};

const char* ToString(Administrator administrator) noexcept;
const char* ToString(ScoringMethod method) noexcept;

/// Structural checks of a definition: non-empty id/version/citation, unique item ids, options
/// unique and whole numbers, ranges ordered, total range equal to what the items allow, bands
/// ordered, non-overlapping, inside the total range, lower-case labels with a citation.
/// Throws mitra::ValidationError whose field names the offending part ("items[3].options").
void ValidateInstrument(const Instrument& instrument);

}  // namespace mitra::core::scoring
