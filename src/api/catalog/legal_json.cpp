#include "api/catalog/legal_json.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::api::catalog {

namespace {

namespace legal = core::legal;
using nlohmann::json;

[[noreturn]] void Bad(const std::string& field, const std::string& message) {
    throw ValidationError(field, field + ": " + message);
}

void OnlyKeys(const json& object, const std::string& path, std::initializer_list<const char*> keys) {
    for (const auto& item : object.items()) {
        if (std::none_of(keys.begin(), keys.end(),
                         [&item](const char* k) { return item.key() == k; })) {
            Bad(path + "." + item.key(), "unknown field");
        }
    }
}

std::string Text(const json& object, const std::string& path, const char* key, bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) {
            Bad(path + "." + key, "is required");
        }
        return {};
    }
    if (!it->is_string()) {
        Bad(path + "." + key, "must be a string");
    }
    if (required && it->get<std::string>().empty()) {
        Bad(path + "." + key, "must not be empty");
    }
    return it->get<std::string>();
}

std::optional<std::int32_t> Date(const json& object, const std::string& path, const char* key,
                                 bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) {
            Bad(path + "." + key, "is required");
        }
        return std::nullopt;
    }
    if (!it->is_string()) {
        Bad(path + "." + key, "must be a YYYY-MM-DD string or null");
    }
    std::optional<std::int32_t> day = core::ParseDate(it->get<std::string>());
    if (!day) {
        Bad(path + "." + key, "must be a valid YYYY-MM-DD date");
    }
    return day;
}

legal::Source SourceFromJson(const json& j, const std::string& path) {
    if (!j.is_object()) {
        Bad(path, "must be an object");
    }
    OnlyKeys(j, path, {"citation", "url", "evidence"});
    return {Text(j, path, "citation", true), Text(j, path, "url", false),
            Text(j, path, "evidence", true)};
}

legal::Limit LimitFromJson(const json& j, const std::string& path) {
    if (!j.is_object()) {
        Bad(path, "must be an object");
    }
    OnlyKeys(j, path, {"id", "substance", "value", "unit", "text", "evidence"});
    legal::Limit limit;
    limit.id = Text(j, path, "id", true);
    limit.substance = Text(j, path, "substance", true);
    if (auto it = j.find("value"); it != j.end() && !it->is_null()) {
        if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0.0) {
            Bad(path + ".value", "must be a number >= 0 or null");
        }
        limit.value = it->get<double>();
    }
    limit.unit = Text(j, path, "unit", false);
    limit.text = Text(j, path, "text", true);
    limit.evidence = Text(j, path, "evidence", true);
    return limit;
}

legal::Record RecordFromJson(const json& j, const std::string& path) {
    if (!j.is_object()) {
        Bad(path, "must be an object");
    }
    OnlyKeys(j, path,
             {"jurisdiction", "name", "status", "summary", "minimum_age", "limits",
              "effective_from", "effective_from_note", "effective_to", "sources",
              "last_verified", "confidence", "notes"});
    legal::Record r;
    r.jurisdiction = Text(j, path, "jurisdiction", true);
    r.name = Text(j, path, "name", true);
    const std::string status = Text(j, path, "status", true);
    std::optional<legal::Status> parsed_status = legal::ParseStatus(status);
    if (!parsed_status) {
        Bad(path + ".status", "must be legal, regulated, restricted, banned or unclear");
    }
    r.status = *parsed_status;
    r.summary = Text(j, path, "summary", true);
    if (auto it = j.find("minimum_age"); it != j.end() && !it->is_null()) {
        if (!it->is_number_integer()) {
            Bad(path + ".minimum_age", "must be an integer or null");
        }
        r.minimum_age = it->get<int>();
    }
    if (auto it = j.find("limits"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) {
            Bad(path + ".limits", "must be an array");
        }
        for (std::size_t i = 0; i < it->size(); ++i) {
            r.limits.push_back(LimitFromJson((*it)[i], path + ".limits[" + std::to_string(i) + "]"));
        }
    }
    if (!j.contains("effective_from")) {
        Bad(path + ".effective_from", "is required (null with effective_from_note when unknown)");
    }
    r.effective_from = Date(j, path, "effective_from", false);
    r.effective_from_note = Text(j, path, "effective_from_note", false);
    r.effective_to = Date(j, path, "effective_to", false);
    auto sources = j.find("sources");
    if (sources == j.end() || !sources->is_array()) {
        Bad(path + ".sources", "must be an array with at least one source");
    }
    for (std::size_t i = 0; i < sources->size(); ++i) {
        r.sources.push_back(
            SourceFromJson((*sources)[i], path + ".sources[" + std::to_string(i) + "]"));
    }
    r.last_verified = *Date(j, path, "last_verified", true);
    std::optional<legal::Confidence> confidence =
        legal::ParseConfidence(Text(j, path, "confidence", true));
    if (!confidence) {
        Bad(path + ".confidence", "must be low, low-medium, medium, medium-high or high");
    }
    r.confidence = *confidence;
    r.notes = Text(j, path, "notes", false);
    return r;
}

void Append(legal::Dataset& into, legal::Dataset&& from) {
    if (into.version.empty()) {
        into.version = from.version;
    }
    if (into.last_verified_basis.empty()) {
        into.last_verified_basis = from.last_verified_basis;
    }
    for (legal::Record& r : from.records) {
        into.records.push_back(std::move(r));
    }
}

json OptionalDate(const std::optional<std::int32_t>& day) {
    return day ? json(core::FormatDate(*day)) : json(nullptr);
}

}  // namespace

legal::Dataset LegalDatasetFromJson(const json& document) {
    if (!document.is_object()) {
        Bad("legal", "the dataset must be a JSON object");
    }
    OnlyKeys(document, "legal",
             {"dataset", "version", "source_brief", "last_verified_basis", "records"});
    auto records = document.find("records");
    if (records == document.end() || !records->is_array()) {
        Bad("records", "must be an array");
    }
    legal::Dataset dataset;
    dataset.version = Text(document, "legal", "version", true);
    dataset.last_verified_basis = Text(document, "legal", "last_verified_basis", false);
    for (std::size_t i = 0; i < records->size(); ++i) {
        dataset.records.push_back(
            RecordFromJson((*records)[i], "records[" + std::to_string(i) + "]"));
    }
    return dataset;
}

legal::Dataset LoadLegalDataset(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    if (ec || files.empty()) {
        throw InternalError("no legal dataset files in " + dir.string());
    }
    std::sort(files.begin(), files.end());
    legal::Dataset dataset;
    try {
        for (const auto& path : files) {
            Append(dataset, LegalDatasetFromJson(ReadJsonFile(path)));
        }
        legal::ValidateOrThrow(dataset);
    } catch (const ValidationError& e) {
        throw InternalError("shipped legal dataset in " + dir.string() + " is invalid: " +
                            e.what());
    }
    return dataset;
}

legal::Dataset LoadLegalDataset() {
    return LoadLegalDataset(DataDir() / "legal");
}

legal::Dataset LoadLegalFile(const std::filesystem::path& file) {
    legal::Dataset dataset = LegalDatasetFromJson(ReadJsonFile(file));
    if (dataset.records.empty()) {
        Bad("records", "an imported dataset must contain at least one record");
    }
    legal::ValidateOrThrow(dataset);
    return dataset;
}

json LegalRecordToJson(const legal::Record& r) {
    json limits = json::array();
    for (const legal::Limit& limit : r.limits) {
        limits.push_back({{"id", limit.id},
                          {"substance", limit.substance},
                          {"value", limit.value ? json(*limit.value) : json(nullptr)},
                          {"unit", limit.unit},
                          {"text", limit.text},
                          {"evidence", limit.evidence}});
    }
    json sources = json::array();
    for (const legal::Source& s : r.sources) {
        sources.push_back({{"citation", s.citation},
                           {"url", s.url.empty() ? json(nullptr) : json(s.url)},
                           {"evidence", s.evidence}});
    }
    json j = {{"jurisdiction", r.jurisdiction},
              {"name", r.name},
              {"status", legal::StatusName(r.status)},
              {"summary", r.summary},
              {"minimum_age", r.minimum_age ? json(*r.minimum_age) : json(nullptr)},
              {"limits", std::move(limits)},
              {"effective_from", OptionalDate(r.effective_from)},
              {"effective_to", OptionalDate(r.effective_to)},
              {"sources", std::move(sources)},
              {"last_verified", core::FormatDate(r.last_verified)},
              {"confidence", legal::ConfidenceName(r.confidence)}};
    if (!r.effective_from_note.empty()) {
        j["effective_from_note"] = r.effective_from_note;
    }
    if (!r.notes.empty()) {
        j["notes"] = r.notes;
    }
    return j;
}

json LegalAnswerToJson(const legal::LookupResult& result) {
    json j = LegalRecordToJson(result.record);
    j["requested"] = result.requested;
    j["matched_level"] = legal::LevelName(result.matched_level);
    j["age_days"] = result.age_days;
    j["start_date_unknown"] = result.start_date_unknown;
    return j;
}

}  // namespace mitra::api::catalog
