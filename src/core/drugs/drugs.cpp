#include "core/drugs/drugs.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.hpp"

namespace mitra::core::drugs {

namespace {

struct ClassName {
    DrugClass drug_class;
    const char* name;
};
constexpr ClassName kClassNames[] = {{DrugClass::kCnsDepressant, "cns_depressant"},
                                     {DrugClass::kOpioidAgonist, "opioid_agonist"},
                                     {DrugClass::kOpioidAntagonist, "opioid_antagonist"},
                                     {DrugClass::kCyp3aSubstrate, "cyp3a_substrate"},
                                     {DrugClass::kCyp3aInhibitor, "cyp3a_inhibitor"},
                                     {DrugClass::kQtProlonging, "qt_prolonging"}};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

/// Removes a trailing strength and/or dosage form: "xanax 0.5 mg" -> "xanax",
/// "oxycodone 10mg tablets" -> "oxycodone". Returns the input unchanged when there is none.
std::string StripStrength(const std::string& normalized) {
    static const std::set<std::string> kForms = {
        "tablet", "tablets", "tab",       "tabs",  "capsule",  "capsules", "cap",
        "caps",   "er",      "xr",        "ir",    "sr",       "cr",       "la",
        "patch",  "film",    "injection", "spray", "solution", "oral"};
    static const std::set<std::string> kUnits = {"mg", "mcg",   "ug",    "µg",     "g",
                                                 "ml", "mg/ml", "mcg/h", "mcg/hr", "%"};
    std::vector<std::string> words;
    std::string word;
    for (char c : normalized) {
        if (c == ' ') {
            words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) {
        words.push_back(word);
    }
    const auto is_number = [](const std::string& w) {
        if (w.empty()) {
            return false;
        }
        std::size_t i = 0;
        while (i < w.size() && (std::isdigit(static_cast<unsigned char>(w[i])) != 0 ||
                                w[i] == '.' || w[i] == '/' || w[i] == '-')) {
            ++i;
        }
        if (i == 0) {
            return false;
        }
        return i == w.size() || kUnits.count(w.substr(i)) != 0;  // "10" or "10mg"
    };
    std::size_t keep = words.size();
    while (keep > 1) {
        const std::string& w = words[keep - 1];
        if (kForms.count(w) != 0 || kUnits.count(w) != 0 || is_number(w)) {
            --keep;
        } else {
            break;
        }
    }
    std::string out;
    for (std::size_t i = 0; i < keep; ++i) {
        out += (i == 0 ? "" : " ") + words[i];
    }
    return out;
}

}  // namespace

const char* ToString(DrugClass drug_class) noexcept {
    for (const auto& entry : kClassNames) {
        if (entry.drug_class == drug_class) {
            return entry.name;
        }
    }
    return "cns_depressant";
}

std::optional<DrugClass> ParseDrugClass(std::string_view text) {
    for (const auto& entry : kClassNames) {
        if (text == entry.name) {
            return entry.drug_class;
        }
    }
    return std::nullopt;
}

bool Drug::HasClass(DrugClass drug_class) const { return FindClass(drug_class) != nullptr; }

const ClassTag* Drug::FindClass(DrugClass drug_class) const {
    for (const auto& tag : classes) {
        if (tag.drug_class == drug_class) {
            return &tag;
        }
    }
    return nullptr;
}

std::string NormalizeDrugName(std::string_view name) {
    std::string out;
    bool pending_space = false;
    for (char c : name) {
        if (IsSpace(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) {
            out += ' ';
            pending_space = false;
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

DrugCatalog::DrugCatalog(std::vector<Drug> drugs) : drugs_(std::move(drugs)) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < drugs_.size(); ++i) {
        const Drug& drug = drugs_[i];
        const std::string field = "drugs[" + std::to_string(i) + "]";
        if (drug.id.empty() || !ids.insert(drug.id).second) {
            throw ValidationError(field + ".id", "drug id empty or duplicated: " + drug.id);
        }
        if (NormalizeDrugName(drug.name).empty()) {
            throw ValidationError(field + ".name", "drug " + drug.id + " has no name");
        }
        std::set<DrugClass> seen;
        for (const auto& tag : drug.classes) {
            if (tag.evidence.empty() || tag.citation.empty()) {
                throw ValidationError(field + ".classes", "drug " + drug.id + " class " +
                                                              ToString(tag.drug_class) +
                                                              " has no evidence or citation");
            }
            if (!seen.insert(tag.drug_class).second) {
                throw ValidationError(field + ".classes", "drug " + drug.id + " lists " +
                                                              ToString(tag.drug_class) + " twice");
            }
        }
        std::vector<std::string> names = {drug.id, drug.name};
        names.insert(names.end(), drug.synonyms.begin(), drug.synonyms.end());
        for (const auto& written : names) {
            const std::string key = NormalizeDrugName(written);
            if (key.empty()) {
                throw ValidationError(field + ".synonyms",
                                      "drug " + drug.id + " has an empty synonym");
            }
            const auto [it, inserted] = index_.emplace(key, std::make_pair(i, written));
            if (!inserted && it->second.first != i) {
                throw ValidationError(field + ".synonyms", "\"" + written + "\" names both " +
                                                               drugs_[it->second.first].id +
                                                               " and " + drug.id);
            }
        }
    }
}

const Drug* DrugCatalog::FindById(std::string_view id) const {
    for (const auto& drug : drugs_) {
        if (drug.id == id) {
            return &drug;
        }
    }
    return nullptr;
}

std::optional<DrugMatch> DrugCatalog::Match(std::string_view name) const {
    const std::string key = NormalizeDrugName(name);
    if (key.empty()) {
        return std::nullopt;
    }
    for (const std::string& candidate : {key, StripStrength(key)}) {
        if (const auto it = index_.find(candidate); it != index_.end()) {
            return DrugMatch{&drugs_[it->second.first], it->second.second};
        }
    }
    return std::nullopt;
}

std::optional<DrugMatch> MatchDrug(const DrugCatalog& catalog, std::string_view name) {
    return catalog.Match(name);
}

}  // namespace mitra::core::drugs
