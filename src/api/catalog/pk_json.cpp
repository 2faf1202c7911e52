#include "api/catalog/pk_json.hpp"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {

namespace {

using nlohmann::json;

std::filesystem::path PkDir() { return DataDir() / "pk"; }

bool PlainName(const std::string& name) {
    return !name.empty() && name.size() <= 100 &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
           });
}

json ReadSet(const std::string& name) {
    const std::filesystem::path path = PkDir() / (name + ".json");
    if (!PlainName(name) || !std::filesystem::is_regular_file(path)) {
        throw NotFoundError("no pharmacokinetic parameter set named '" + name + "'", "no_record");
    }
    return ReadJsonFile(path);
}

double Value(const json& entry, const std::string& file, const std::string& parameter,
             std::vector<PkParameterSource>* sources) {
    if (!entry.is_object() || !entry.contains("value") || !entry["value"].is_number()) {
        throw InternalError("data/pk/" + file + ".json: " + parameter + " needs a numeric value");
    }
    if (sources != nullptr) {
        std::string text = entry.value("formula", std::string());
        if (entry.contains("note")) {
            text += (text.empty() ? "" : " ") + entry["note"].get<std::string>();
        }
        sources->push_back({parameter, entry.value("evidence", std::string()), text});
    }
    return entry["value"].get<double>();
}

PkParameterSetRecord ParseSet(const json& doc, const std::string& name) {
    try {
        PkParameterSetRecord record;
        core::pk::ParameterSet& p = record.parameters;
        p.name = doc.at("name").get<std::string>();
        p.version = doc.at("version").get<std::string>();
        record.title = doc.value("title", std::string());
        record.summary = doc.value("summary", std::string());
        if (doc.contains("citations")) {
            for (const auto& [key, text] : doc["citations"].items()) {
                record.citations.push_back(text.get<std::string>());
            }
        }
        const json& params = doc.at("parameters");
        auto* src = &record.sources;
        p.ka_per_h = Value(params.at("ka_per_h"), name, "ka_per_h", src);
        p.cl_l_per_h = Value(params.at("cl_l_per_h"), name, "cl_l_per_h", src);
        p.v1_l = Value(params.at("v1_l"), name, "v1_l", src);
        if (params.contains("q_l_per_h")) {
            p.q_l_per_h = Value(params["q_l_per_h"], name, "q_l_per_h", src);
        }
        if (params.contains("v2_l")) {
            p.v2_l = Value(params["v2_l"], name, "v2_l", src);
        }
        p.bioavailability = Value(params.at("bioavailability"), name, "bioavailability", src);
        const json& met = params.at("metabolite");
        p.metabolite.fraction_formed =
            Value(met.at("fraction_formed"), name, "metabolite.fraction_formed", src);
        p.metabolite.cl_l_per_h = Value(met.at("cl_l_per_h"), name, "metabolite.cl_l_per_h", src);
        p.metabolite.v_l = Value(met.at("v_l"), name, "metabolite.v_l", src);
        const json& mm = doc.at("molar_masses_g_per_mol");
        p.parent_molar_mass_g_per_mol = Value(mm.at("mitragynine"), name, "molar_mass", nullptr);
        p.metabolite_molar_mass_g_per_mol =
            Value(mm.at("hydroxymitragynine"), name, "molar_mass", nullptr);
        p.Validate();
        return record;
    } catch (const json::exception& e) {
        throw InternalError("data/pk/" + name + ".json is malformed: " + e.what());
    }
}

}  // namespace

std::vector<std::string> ListPkParameterSets() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(PkDir(), ec)) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        const json doc = ReadJsonFile(entry.path());
        if (doc.is_object() && doc.contains("parameters")) {
            names.push_back(entry.path().stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

PkParameterSetRecord LoadPkParameterSet(const std::string& name) {
    const json doc = ReadSet(name);
    if (!doc.is_object() || !doc.contains("parameters")) {
        throw NotFoundError("no pharmacokinetic parameter set named '" + name + "'", "no_record");
    }
    return ParseSet(doc, name);
}

PkParameterSetRecord LoadDefaultPkParameterSet() {
    std::string found;
    for (const std::string& name : ListPkParameterSets()) {
        const json doc = ReadSet(name);
        if (doc.value("default", false)) {
            if (!found.empty()) {
                throw InternalError("data/pk: more than one parameter set is marked default");
            }
            found = name;
        }
    }
    if (found.empty()) {
        throw InternalError("data/pk: no parameter set is marked default");
    }
    return LoadPkParameterSet(found);
}

core::pk::Variability LoadPkVariability(const std::string& name) {
    const json doc = ReadSet(name);
    try {
        const json& cv = doc.at("cv_percent");
        core::pk::Variability v;
        v.ka_per_h_cv_percent = cv.value("ka_per_h", 0.0);
        v.cl_l_per_h_cv_percent = cv.value("cl_l_per_h", 0.0);
        v.v1_l_cv_percent = cv.value("v1_l", 0.0);
        v.q_l_per_h_cv_percent = cv.value("q_l_per_h", 0.0);
        v.v2_l_cv_percent = cv.value("v2_l", 0.0);
        if (cv.contains("metabolite")) {
            v.metabolite_cl_l_per_h_cv_percent = cv["metabolite"].value("cl_l_per_h", 0.0);
            v.metabolite_v_l_cv_percent = cv["metabolite"].value("v_l", 0.0);
        }
        v.Validate();
        return v;
    } catch (const json::exception& e) {
        throw InternalError("data/pk/" + name + ".json is malformed: " + e.what());
    }
}

}  // namespace mitra::api::catalog
