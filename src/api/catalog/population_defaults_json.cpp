#include "api/catalog/population_defaults_json.hpp"

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {

namespace {

using nlohmann::json;
namespace units = core::units;

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

double Number(const json& object, const char* key, const std::string& source,
              const std::string& path) {
    const json& value = Member(object, key, source, path);
    if (!value.is_number()) {
        Fail(source, path + key, "must be a number");
    }
    return value.get<double>();
}

}  // namespace

units::PopulationDefaults PopulationDefaultsFromJson(const json& j, const std::string& source) {
    units::PopulationDefaults defaults;
    defaults.version = String(j, "version", source);
    const json& entries = Member(j, "mitragynine", source, {});
    if (!entries.is_array()) {
        Fail(source, "mitragynine", "must be an array");
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const json& e = entries[i];
        const std::string path = "mitragynine[" + std::to_string(i) + "].";
        units::MitragynineDefault entry;
        entry.id = String(e, "id", source, path);
        const json& forms = Member(e, "forms", source, path);
        if (!forms.is_array()) {
            Fail(source, path + "forms", "must be an array");
        }
        for (const auto& form : forms) {
            try {
                entry.forms.push_back(units::ParseProductForm(form.get<std::string>()));
            } catch (const std::exception& ex) {
                Fail(source, path + "forms", ex.what());
            }
        }
        entry.central_mg_per_g = Number(e, "central_mg_per_g", source, path);
        entry.central_label = String(e, "central_label", source, path);
        entry.central_citation = String(e, "central_citation", source, path);
        entry.low_mg_per_g = Number(e, "low_mg_per_g", source, path);
        entry.high_mg_per_g = Number(e, "high_mg_per_g", source, path);
        entry.range_label = String(e, "range_label", source, path);
        entry.range_citation = String(e, "range_citation", source, path);
        defaults.mitragynine.push_back(std::move(entry));
    }
    const json& hydroxy = Member(j, "hydroxymitragynine", source, {});
    if (hydroxy.contains("default_mg_per_g") && !hydroxy.at("default_mg_per_g").is_null()) {
        // The loader does not support a 7-OH default: domain.md §1.1 gives none ([V] or [D]).
        Fail(source, "hydroxymitragynine.default_mg_per_g",
             "a 7-OH population default is not supported; it must be null");
    }
    defaults.hydroxymitragynine_note = String(hydroxy, "note", source, "hydroxymitragynine.");
    defaults.forms_without_default_note = String(j, "forms_without_default_note", source);
    try {
        units::ValidatePopulationDefaults(defaults);
    } catch (const ValidationError& e) {
        Fail(source, e.field(), e.what());
    }
    return defaults;
}

units::PopulationDefaults LoadPopulationDefaults(const std::filesystem::path& path) {
    return PopulationDefaultsFromJson(ReadJsonFile(path), path.string());
}

units::PopulationDefaults LoadPopulationDefaults() {
    return LoadPopulationDefaults(DataDir() / "products" / "population_defaults.json");
}

}  // namespace mitra::api::catalog
