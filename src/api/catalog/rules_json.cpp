#include "api/catalog/rules_json.hpp"

#include <algorithm>
#include <vector>

#include "api/catalog/data_dir.hpp"
#include "api/catalog/standards_json.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {
namespace {

using nlohmann::json;
namespace rules = core::rules;

[[noreturn]] void Fail(const std::string& origin, const std::string& field,
                       const std::string& message) {
    throw ValidationError(field, origin + ": " + field + ": " + message);
}

std::string String(const json& object, const char* key, const std::string& origin,
                   const std::string& path, bool required = true) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (required) {
            Fail(origin, path + key, "missing");
        }
        return {};
    }
    if (!it->is_string()) {
        Fail(origin, path + key, "must be a string");
    }
    return it->get<std::string>();
}

rules::Citation ParseCitation(const json& c, const std::string& origin, const std::string& path) {
    if (!c.is_object()) {
        Fail(origin, path, "must be an object");
    }
    return rules::Citation{String(c, "text", origin, path + "."),
                           String(c, "evidence", origin, path + "."),
                           String(c, "url", origin, path + ".", false)};
}

rules::Parameters ParseParameters(const json& p, const std::string& origin,
                                  const std::string& path) {
    rules::Parameters out;
    if (!p.is_object()) {
        Fail(origin, path, "must be an object");
    }
    for (const auto& [name, value] : p.items()) {
        if (value.is_boolean()) {
            out.numbers[name] = value.get<bool>() ? 1.0 : 0.0;
        } else if (value.is_number()) {
            out.numbers[name] = value.get<double>();
        } else if (value.is_string()) {
            out.texts[name] = value.get<std::string>();
        } else if (value.is_array()) {
            std::vector<std::string> list;
            for (const auto& v : value) {
                if (!v.is_string()) {
                    Fail(origin, path + "." + name, "lists hold strings only");
                }
                list.push_back(v.get<std::string>());
            }
            out.lists[name] = std::move(list);
        } else {
            Fail(origin, path + "." + name, "must be a number, string, boolean or list");
        }
    }
    return out;
}

}  // namespace

void AddRulesFile(rules::RuleSet& rule_set, const json& file, const std::string& origin) {
    if (!file.is_object()) {
        Fail(origin, "", "must be an object");
    }
    if (const auto v = file.find("version"); v != file.end() && v->is_string()) {
        rule_set.version += (rule_set.version.empty() ? "" : "+") + v->get<std::string>();
    }
    if (const auto list = file.find("rules"); list != file.end()) {
        if (!list->is_array()) {
            Fail(origin, "rules", "must be an array");
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            const json& r = (*list)[i];
            const std::string path = "rules[" + std::to_string(i) + "].";
            if (!r.is_object()) {
                Fail(origin, path, "must be an object");
            }
            rules::Rule rule;
            rule.id = String(r, "id", origin, path);
            const std::string kind = String(r, "kind", origin, path);
            const auto parsed_kind = rules::ParseRuleKind(kind);
            if (!parsed_kind) {
                Fail(origin, path + "kind", "unknown kind \"" + kind + "\"");
            }
            rule.kind = *parsed_kind;
            const std::string severity = String(r, "severity", origin, path);
            const auto parsed_severity = rules::ParseSeverity(severity);
            if (!parsed_severity) {
                Fail(origin, path + "severity", "must be info, warning, high or urgent");
            }
            rule.severity = *parsed_severity;
            const std::string source = String(r, "threshold_source", origin, path);
            const auto parsed_source = rules::ParseThresholdSource(source);
            if (!parsed_source) {
                Fail(origin, path + "threshold_source", "must be literature or clinician_set");
            }
            rule.threshold_source = *parsed_source;
            if (const auto p = r.find("parameters"); p != r.end()) {
                rule.parameters = ParseParameters(*p, origin, path + "parameters");
            }
            rule.patient_text = String(r, "patient_text", origin, path, false);
            rule.clinician_text = String(r, "clinician_text", origin, path);
            rule.rationale = String(r, "rationale", origin, path);
            rule.threshold_text = String(r, "threshold", origin, path);
            const auto citations = r.find("citations");
            if (citations == r.end() || !citations->is_array()) {
                Fail(origin, path + "citations", "must be an array");
            }
            for (std::size_t c = 0; c < citations->size(); ++c) {
                rule.citations.push_back(ParseCitation(
                    (*citations)[c], origin, path + "citations[" + std::to_string(c) + "]"));
            }
            rule_set.rules.push_back(std::move(rule));
        }
    }
    if (const auto list = file.find("crisis_resources"); list != file.end()) {
        if (!list->is_array()) {
            Fail(origin, "crisis_resources", "must be an array");
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            const json& r = (*list)[i];
            const std::string path = "crisis_resources[" + std::to_string(i) + "].";
            if (!r.is_object() || !r.contains("citation")) {
                Fail(origin, path, "must be an object with a citation");
            }
            rule_set.crisis_resources.push_back(rules::CrisisResource{
                String(r, "id", origin, path), String(r, "name", origin, path),
                String(r, "contact", origin, path), String(r, "region", origin, path),
                ParseCitation(r.at("citation"), origin, path + "citation")});
        }
    }
}

rules::RuleSet LoadRuleSet(const std::filesystem::path& dir, bool with_standards) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        throw InternalError("cannot read rules directory " + dir.string());
    }
    std::sort(files.begin(), files.end());
    rules::RuleSet rule_set;
    try {
        for (const auto& path : files) {
            AddRulesFile(rule_set, ReadJsonFile(path), path.filename().string());
        }
        rules::Validate(rule_set);
    } catch (const ValidationError& e) {
        throw InternalError(std::string("data/rules: ") + e.what());
    }
    if (with_standards) {
        rule_set.standards = LoadStandards();
    }
    return rule_set;
}

rules::RuleSet LoadRuleSet() { return LoadRuleSet(DataDir() / "rules"); }

json AlertCandidateToJson(const rules::AlertCandidate& c) {
    json evidence = json::object();
    json units = json::object();
    for (const rules::EvidenceItem& e : c.evidence) {
        evidence[e.key] = e.number ? json(*e.number) : json(e.text);
        if (!e.unit.empty()) {
            units[e.key] = e.unit;
        }
    }
    json citations = json::array();
    for (const rules::Citation& cit : c.citations) {
        json j = {{"text", cit.text}, {"evidence", cit.evidence}};
        if (!cit.url.empty()) {
            j["url"] = cit.url;
        }
        citations.push_back(std::move(j));
    }
    json resources = json::array();
    for (const rules::CrisisResource& r : c.crisis_resources) {
        resources.push_back(
            {{"id", r.id}, {"name", r.name}, {"contact", r.contact}, {"region", r.region}});
    }
    json values = json::object();
    for (const auto& [name, value] : c.threshold_values) {
        values[name] = value;
    }
    return json{{"rule_id", c.rule_id},
                {"kind", rules::ToString(c.kind)},
                {"severity", rules::ToString(c.severity)},
                {"condition_key", c.condition_key},
                {"patient_text", c.patient_text},
                {"clinician_text", c.clinician_text},
                {"rationale", c.rationale},
                {"evidence", std::move(evidence)},
                {"evidence_units", std::move(units)},
                {"threshold",
                 {{"text", c.threshold},
                  {"values", std::move(values)},
                  {"source", rules::ToString(c.threshold_source)}}},
                {"citations", std::move(citations)},
                {"crisis_resources", std::move(resources)},
                {"patient_visible", c.PatientVisible()}};
}

}  // namespace mitra::api::catalog
