#pragma once
// Drugs and substances tagged with the classes the safety rules need, and a name matcher.
// The table is data (data/drugs/drugs.json, loaded by api/catalog/drugs_json.hpp); every class
// tag carries its evidence level and citation.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mitra::core::drugs {

enum class DrugClass {
    kCnsDepressant,
    kOpioidAgonist,
    kOpioidAntagonist,
    kCyp3aSubstrate,
    kCyp3aInhibitor,
    kQtProlonging,
};

const char* ToString(DrugClass drug_class) noexcept;  // "cns_depressant", ...
std::optional<DrugClass> ParseDrugClass(std::string_view text);

struct ClassTag {
    DrugClass drug_class = DrugClass::kCnsDepressant;
    std::string evidence;  // "V", "D", "S" (domain.md) or "R" (named label/regulatory source)
    std::string citation;
    std::string note;
};

struct Drug {
    std::string id;
    std::string name;
    std::vector<std::string> synonyms;  // brand names, salts, common alternatives
    std::string substance_class;        // DESIGN substance classes: opioid, benzodiazepine, ...
    std::vector<ClassTag> classes;
    std::string note;

    bool HasClass(DrugClass drug_class) const;
    const ClassTag* FindClass(DrugClass drug_class) const;
};

struct DrugMatch {
    const Drug* drug = nullptr;
    std::string matched;  // the name or synonym that matched, as written in the table
};

/// Lower case, trimmed, inner whitespace collapsed to one space; "-" and "/" between words are
/// kept. E.g. "  OxyContin\t " -> "oxycontin".
std::string NormalizeDrugName(std::string_view name);

/// An immutable, indexed drug table. Construction validates it: unique ids, non-empty names,
/// every class tagged with evidence and citation, no name or synonym shared by two drugs.
/// Throws mitra::ValidationError naming the entry ("drugs[3].synonyms").
class DrugCatalog {
  public:
    explicit DrugCatalog(std::vector<Drug> drugs);

    const std::vector<Drug>& drugs() const { return drugs_; }
    const Drug* FindById(std::string_view id) const;

    /// Case-insensitive match on id, name or synonym after NormalizeDrugName. If nothing matches,
    /// a trailing strength or form ("Xanax 0.5 mg", "oxycodone 10mg tablets") is stripped and
    /// the match retried. nullopt when nothing matches; never a guess.
    std::optional<DrugMatch> Match(std::string_view name) const;

  private:
    std::vector<Drug> drugs_;
    std::map<std::string, std::pair<std::size_t, std::string>> index_;  // key -> (drug, as written)
};

/// Convenience for catalog.Match(name).
std::optional<DrugMatch> MatchDrug(const DrugCatalog& catalog, std::string_view name);

}  // namespace mitra::core::drugs
