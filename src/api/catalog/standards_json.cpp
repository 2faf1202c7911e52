#include "api/catalog/standards_json.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "api/catalog/data_dir.hpp"
#include "core/error.hpp"

namespace mitra::api::catalog {

namespace {

namespace products = core::products;
using nlohmann::json;

[[noreturn]] void Fail(const std::string& origin, const std::string& where,
                       const std::string& message) {
    throw InternalError("standards file " + origin + ": " + where + ": " + message);
}

std::string Str(const json& j, const char* key, const std::string& origin, const std::string& where,
                bool required = true) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) {
            Fail(origin, where, std::string("missing \"") + key + "\"");
        }
        return {};
    }
    if (!it->is_string() || (required && it->get<std::string>().empty())) {
        Fail(origin, where, std::string("\"") + key + "\" must be a non-empty string");
    }
    return it->get<std::string>();
}

std::optional<double> Number(const json& j, const char* key, const std::string& origin,
                             const std::string& where, bool required) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) {
            Fail(origin, where, std::string("missing \"") + key + "\"");
        }
        return std::nullopt;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0.0) {
        Fail(origin, where, std::string("\"") + key + "\" must be a positive number");
    }
    return it->get<double>();
}

products::RuleInfo Info(const json& j, const std::string& origin, const std::string& where) {
    products::RuleInfo info;
    info.id = Str(j, "id", origin, where);
    info.title = Str(j, "title", origin, where);
    info.citation = Str(j, "citation", origin, where);
    info.url = Str(j, "url", origin, where, false);
    info.note = Str(j, "note", origin, where, false);
    info.evidence = Str(j, "evidence", origin, where);
    if (info.evidence != "V" && info.evidence != "S" && info.evidence != "D") {
        Fail(origin, where, "evidence must be V, S or D (never M)");
    }
    return info;
}

products::Metal ParseMetal(const std::string& name, const std::string& origin,
                           const std::string& where) {
    for (auto metal : {products::Metal::kLead, products::Metal::kArsenic,
                       products::Metal::kCadmium, products::Metal::kMercury,
                       products::Metal::kNickel}) {
        if (name == products::MetalName(metal)) {
            return metal;
        }
    }
    Fail(origin, where, "unknown metal '" + name + "'");
}

bool HasId(const products::Standards& s, const std::string& id) {
    auto same = [&id](const auto& rule) { return rule.info.id == id; };
    return (s.hydroxymitragynine_fraction && s.hydroxymitragynine_fraction->info.id == id) ||
           (s.label_amounts && s.label_amounts->info.id == id) ||
           (s.microbial && s.microbial->info.id == id) ||
           std::any_of(s.prohibited_substances.begin(), s.prohibited_substances.end(), same) ||
           std::any_of(s.metals.begin(), s.metals.end(), same) ||
           std::any_of(s.jurisdiction_rules.begin(), s.jurisdiction_rules.end(), same);
}

json OptionalNumber(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

}  // namespace

void AddStandardsFile(products::Standards& standards, const json& file,
                      const std::string& origin) {
    if (!file.is_object() || !file.contains("rules") || !file["rules"].is_array()) {
        Fail(origin, "file", "expected an object with a \"rules\" array");
    }
    if (standards.version.empty()) {
        standards.version = Str(file, "version", origin, "file", false);
    }
    for (std::size_t i = 0; i < file["rules"].size(); ++i) {
        const json& r = file["rules"][i];
        std::string where = "rules[" + std::to_string(i) + "]";
        if (!r.is_object()) {
            Fail(origin, where, "a rule must be an object");
        }
        products::RuleInfo info = Info(r, origin, where);
        where += " (" + info.id + ")";
        if (HasId(standards, info.id)) {
            Fail(origin, where, "duplicate rule id");
        }
        const std::string kind = Str(r, "kind", origin, where);
        // [S] facts are allowed only for opt-in rules (HACKING.md: [S] only where configurable).
        if (info.evidence == "S" && kind != "dry_weight_ceiling") {
            Fail(origin, where, "evidence S is only allowed for opt-in jurisdiction rules");
        }
        if (kind == "alkaloid_fraction_max") {
            if (standards.hydroxymitragynine_fraction) {
                Fail(origin, where, "only one alkaloid_fraction_max rule is supported");
            }
            standards.hydroxymitragynine_fraction =
                products::AlkaloidFractionRule{info, *Number(r, "max_percent", origin, where, true)};
        } else if (kind == "prohibited_substance") {
            const std::string substance = Str(r, "substance", origin, where);
            products::ProhibitedSubstanceRule rule{info, {}};
            if (substance == "synthetic_alkaloids") {
                rule.substance = products::ProhibitedSubstance::kSyntheticAlkaloids;
            } else if (substance == "controlled_substances") {
                rule.substance = products::ProhibitedSubstance::kControlledSubstances;
            } else {
                Fail(origin, where, "unknown substance '" + substance + "'");
            }
            standards.prohibited_substances.push_back(std::move(rule));
        } else if (kind == "label_amounts") {
            standards.label_amounts = products::LabelAmountsRule{info};
        } else if (kind == "metal_pde") {
            products::MetalPdeRule rule;
            rule.info = info;
            rule.metal = ParseMetal(Str(r, "metal", origin, where), origin, where);
            if (!r.contains("pde_ug_per_day")) {
                Fail(origin, where, "missing \"pde_ug_per_day\" (null when the standard has none)");
            }
            rule.pde_ug_per_day = Number(r, "pde_ug_per_day", origin, where, false);
            if (!rule.pde_ug_per_day && info.note.empty()) {
                Fail(origin, where, "a metal without a PDE needs a note saying why");
            }
            rule.pde_applies_to = Str(r, "pde_applies_to", origin, where, false);
            if (auto it = r.find("measured_value_is_upper_bound"); it != r.end()) {
                if (!it->is_boolean()) {
                    Fail(origin, where, "measured_value_is_upper_bound must be a boolean");
                }
                rule.measured_value_is_upper_bound = it->get<bool>();
            }
            standards.metals.push_back(std::move(rule));
        } else if (kind == "microbial") {
            standards.microbial = products::MicrobialRule{info};
        } else if (kind == "dry_weight_ceiling") {
            products::DryWeightCeilingRule rule;
            rule.info = info;
            rule.jurisdiction = Str(r, "jurisdiction", origin, where);
            rule.max_percent_dry_weight = *Number(r, "max_percent_dry_weight", origin, where, true);
            rule.effective_from = Str(r, "effective_from", origin, where, false);
            standards.jurisdiction_rules.push_back(std::move(rule));
        } else {
            Fail(origin, where, "unknown kind '" + kind + "'");
        }
    }
}

products::Standards LoadStandards(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        throw InternalError("cannot read standards directory " + dir.string());
    }
    if (files.empty()) {
        throw InternalError("no standards files in " + dir.string());
    }
    std::sort(files.begin(), files.end());
    products::Standards standards;
    for (const auto& path : files) {
        AddStandardsFile(standards, ReadJsonFile(path), path.filename().string());
    }
    return standards;
}

products::Standards LoadStandards() {
    return LoadStandards(DataDir() / "standards");
}

json ComplianceReportToJson(const products::ComplianceReport& report) {
    json findings = json::array();
    for (const products::Finding& f : report.findings) {
        json j = {{"rule", f.rule},
                  {"verdict", products::VerdictName(f.verdict)},
                  {"limit", OptionalNumber(f.limit)},
                  {"value", OptionalNumber(f.value)},
                  {"unit", f.unit},
                  {"computation", f.computation},
                  {"citation", f.citation},
                  {"evidence", f.evidence},
                  {"counts_toward_passes", f.counts_toward_passes}};
        if (!f.url.empty()) {
            j["url"] = f.url;
        }
        if (!f.note.empty()) {
            j["note"] = f.note;
        }
        findings.push_back(std::move(j));
    }
    return {{"passes", report.passes ? json(*report.passes) : json(nullptr)},
            {"findings", std::move(findings)}};
}

}  // namespace mitra::api::catalog
