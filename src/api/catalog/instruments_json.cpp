#include "api/catalog/instruments_json.hpp"

#include <algorithm>

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {

namespace {

using nlohmann::json;
namespace scoring = core::scoring;

[[noreturn]] void Fail(const std::string& source, const std::string& field,
                       const std::string& message) {
    throw InternalError(source + ": " + field + ": " + message);
}

const json& Member(const json& object, const char* key, const std::string& source,
                   const std::string& path) {
    if (!object.is_object() || !object.contains(key)) {
        Fail(source, path + key, "missing");
    }
    return object.at(key);
}

std::string String(const json& object, const char* key, const std::string& source,
                   const std::string& path = {}) {
    const json& value = Member(object, key, source, path);
    if (!value.is_string()) {
        Fail(source, path + key, "must be a string");
    }
    return value.get<std::string>();
}

std::string OptionalString(const json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Number(const json& object, const char* key, const std::string& source,
              const std::string& path = {}) {
    const json& value = Member(object, key, source, path);
    if (!value.is_number()) {
        Fail(source, path + key, "must be a number");
    }
    return value.get<double>();
}

bool Bool(const json& object, const char* key, bool fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

scoring::Item ItemFromJson(const json& j, const std::string& source, const std::string& path) {
    scoring::Item item;
    item.id = String(j, "id", source, path);
    item.text = String(j, "text", source, path);
    item.required = Bool(j, "required", true);
    item.safety_item = Bool(j, "safety_item", false);
    item.not_counted_under_medical_supervision =
        Bool(j, "not_counted_under_medical_supervision", false);
    if (j.contains("options")) {
        const json& options = j.at("options");
        if (!options.is_array()) {
            Fail(source, path + "options", "must be an array");
        }
        for (std::size_t i = 0; i < options.size(); ++i) {
            const std::string option_path = path + "options[" + std::to_string(i) + "].";
            item.options.push_back(
                scoring::ResponseOption{Number(options[i], "value", source, option_path),
                                        String(options[i], "label", source, option_path)});
        }
    } else {
        item.min = Number(j, "min", source, path);
        item.max = Number(j, "max", source, path);
        item.integer = Bool(j, "integer", true);
        if (const auto anchors = j.find("anchors"); anchors != j.end()) {
            item.min_label = OptionalString(*anchors, "min_label");
            item.max_label = OptionalString(*anchors, "max_label");
        }
    }
    return item;
}

}  // namespace

scoring::Instrument InstrumentFromJson(const json& j, const std::string& source) {
    if (!j.is_object()) {
        Fail(source, "(root)", "must be an object");
    }
    scoring::Instrument instrument;
    instrument.id = String(j, "id", source);
    instrument.version = String(j, "version", source);
    instrument.title = String(j, "title", source);
    instrument.citation = String(j, "citation", source);
    const std::string administered_by = String(j, "administered_by", source);
    if (administered_by == "patient") {
        instrument.administered_by = scoring::Administrator::kPatient;
    } else if (administered_by == "clinician") {
        instrument.administered_by = scoring::Administrator::kClinician;
    } else {
        Fail(source, "administered_by", "must be \"patient\" or \"clinician\"");
    }
    instrument.provisional = Bool(j, "provisional", false);
    instrument.provisional_reason = OptionalString(j, "provisional_reason");
    instrument.recall_window = OptionalString(j, "recall_window");
    instrument.bands_note = OptionalString(j, "bands_note");

    const json& items = Member(j, "items", source, {});
    if (!items.is_array()) {
        Fail(source, "items", "must be an array");
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        instrument.items.push_back(
            ItemFromJson(items[i], source, "items[" + std::to_string(i) + "]."));
    }

    const json& scoring_json = Member(j, "scoring", source, {});
    const std::string method = String(scoring_json, "method", source, "scoring.");
    if (method == "sum") {
        instrument.method = scoring::ScoringMethod::kSum;
    } else if (method == "count_met") {
        instrument.method = scoring::ScoringMethod::kCountMet;
    } else {
        Fail(source, "scoring.method", "must be \"sum\" or \"count_met\"");
    }
    instrument.total_min = Number(scoring_json, "total_min", source, "scoring.");
    instrument.total_max = Number(scoring_json, "total_max", source, "scoring.");

    const json& bands = Member(j, "bands", source, {});
    if (!bands.is_array()) {
        Fail(source, "bands", "must be an array");
    }
    for (std::size_t i = 0; i < bands.size(); ++i) {
        const std::string path = "bands[" + std::to_string(i) + "].";
        instrument.bands.push_back(scoring::Band{
            Number(bands[i], "min", source, path), Number(bands[i], "max", source, path),
            String(bands[i], "label", source, path), String(bands[i], "citation", source, path),
            OptionalString(bands[i], "evidence")});
    }

    try {
        scoring::ValidateInstrument(instrument);
    } catch (const ValidationError& e) {
        Fail(source, e.field(), e.what());
    }
    return instrument;
}

scoring::Instrument LoadInstrumentFile(const std::filesystem::path& path) {
    scoring::Instrument instrument = InstrumentFromJson(ReadJsonFile(path), path.string());
    if (instrument.id != path.stem().string()) {
        Fail(path.string(), "id",
             "instrument id \"" + instrument.id + "\" does not match the file name");
    }
    return instrument;
}

scoring::Instrument LoadInstrument(const std::string& id) {
    const bool well_formed =
        !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        });
    const std::filesystem::path path = DataDir() / "instruments" / (id + ".json");
    if (!well_formed || id == "schema" || !std::filesystem::is_regular_file(path)) {
        throw NotFoundError("no instrument \"" + id + "\"");
    }
    return LoadInstrumentFile(path);
}

std::vector<scoring::Instrument> LoadAllInstruments(const std::filesystem::path& dir) {
    std::vector<scoring::Instrument> instruments;
    if (!std::filesystem::is_directory(dir)) {
        throw InternalError("instrument folder " + dir.string() + " does not exist");
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto& path = entry.path();
        if (!entry.is_regular_file() || path.extension() != ".json" ||
            path.filename() == "schema.json") {
            continue;
        }
        instruments.push_back(LoadInstrumentFile(path));
    }
    std::sort(instruments.begin(), instruments.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return instruments;
}

std::vector<scoring::Instrument> LoadAllInstruments() {
    return LoadAllInstruments(DataDir() / "instruments");
}

}  // namespace mitra::api::catalog
