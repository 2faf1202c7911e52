#include "api/catalog/drugs_json.hpp"

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {

namespace {

using nlohmann::json;
namespace drugs = core::drugs;

[[noreturn]] void Fail(const std::string& source, const std::string& field,
                       const std::string& message) {
    throw InternalError(source + ": " + field + ": " + message);
}

std::string String(const json& object, const char* key, const std::string& source,
                   const std::string& path, bool required = true) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (required) {
            Fail(source, path + key, "missing");
        }
        return {};
    }
    if (!it->is_string()) {
        Fail(source, path + key, "must be a string");
    }
    return it->get<std::string>();
}

}  // namespace

drugs::DrugCatalog DrugCatalogFromJson(const json& j, const std::string& source) {
    if (!j.is_object() || !j.contains("drugs") || !j.at("drugs").is_array()) {
        Fail(source, "drugs", "must be an array");
    }
    std::vector<drugs::Drug> list;
    const json& entries = j.at("drugs");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const json& e = entries[i];
        const std::string path = "drugs[" + std::to_string(i) + "].";
        if (!e.is_object()) {
            Fail(source, path, "must be an object");
        }
        drugs::Drug drug;
        drug.id = String(e, "id", source, path);
        drug.name = String(e, "name", source, path);
        drug.substance_class = String(e, "substance_class", source, path);
        drug.note = String(e, "note", source, path, false);
        if (const auto it = e.find("synonyms"); it != e.end()) {
            if (!it->is_array()) {
                Fail(source, path + "synonyms", "must be an array");
            }
            for (const auto& synonym : *it) {
                if (!synonym.is_string()) {
                    Fail(source, path + "synonyms", "must hold strings");
                }
                drug.synonyms.push_back(synonym.get<std::string>());
            }
        }
        const auto classes = e.find("classes");
        if (classes == e.end() || !classes->is_array()) {
            Fail(source, path + "classes", "must be an array");
        }
        for (std::size_t k = 0; k < classes->size(); ++k) {
            const json& t = (*classes)[k];
            const std::string tag_path = path + "classes[" + std::to_string(k) + "].";
            const std::string name = String(t, "class", source, tag_path);
            const auto drug_class = drugs::ParseDrugClass(name);
            if (!drug_class.has_value()) {
                Fail(source, tag_path + "class", "unknown class \"" + name + "\"");
            }
            drug.classes.push_back(drugs::ClassTag{*drug_class,
                                                   String(t, "evidence", source, tag_path),
                                                   String(t, "citation", source, tag_path),
                                                   String(t, "note", source, tag_path, false)});
        }
        list.push_back(std::move(drug));
    }
    try {
        return drugs::DrugCatalog(std::move(list));
    } catch (const ValidationError& e) {
        Fail(source, e.field(), e.what());
    }
}

drugs::DrugCatalog LoadDrugCatalog(const std::filesystem::path& path) {
    return DrugCatalogFromJson(ReadJsonFile(path), path.string());
}

drugs::DrugCatalog LoadDrugCatalog() { return LoadDrugCatalog(DataDir() / "drugs" / "drugs.json"); }

}  // namespace mitra::api::catalog
