// Drug matching and the drug data file.

#include "core/drugs/drugs.hpp"

#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "api/catalog/drugs_json.hpp"
#include "core/error.hpp"

namespace mitra::core::drugs {
namespace {

const DrugCatalog& Catalog() {
    static const DrugCatalog catalog = api::catalog::LoadDrugCatalog();
    return catalog;
}

std::string IdOf(std::string_view name) {
    const auto match = MatchDrug(Catalog(), name);
    return match.has_value() ? match->drug->id : "<none>";
}

TEST(NormalizeDrugName, TrimsLowersAndCollapses) {
    EXPECT_EQ(NormalizeDrugName("  OxyContin\t "), "oxycontin");
    EXPECT_EQ(NormalizeDrugName("MS   Contin"), "ms contin");
    EXPECT_EQ(NormalizeDrugName("\n"), "");
    EXPECT_EQ(NormalizeDrugName("Buprenorphine/Naloxone"), "buprenorphine/naloxone");
}

TEST(MatchDrug, NamesSynonymsCaseAndWhitespace) {
    EXPECT_EQ(IdOf("oxycodone"), "oxycodone");
    EXPECT_EQ(IdOf("OXYCODONE"), "oxycodone");
    EXPECT_EQ(IdOf("  Percocet "), "oxycodone");
    EXPECT_EQ(IdOf("xanax"), "alprazolam");
    EXPECT_EQ(IdOf("Suboxone"), "buprenorphine-naloxone");
    EXPECT_EQ(IdOf("buprenorphine / naloxone"), "<none>");  // spacing inside a name matters
    EXPECT_EQ(IdOf("Buprenorphine/Naloxone"), "buprenorphine-naloxone");
    EXPECT_EQ(IdOf("ms  contin"), "morphine");
    EXPECT_EQ(IdOf("Narcan"), "naloxone");
    EXPECT_EQ(IdOf("Vivitrol"), "naltrexone");
    EXPECT_EQ(IdOf("Seroquel XR"), "quetiapine");
    EXPECT_EQ(IdOf("beer"), "alcohol");
    EXPECT_EQ(IdOf("Lyrica"), "pregabalin");
    const auto match = MatchDrug(Catalog(), " xanax ");
    ASSERT_TRUE(match.has_value());
    EXPECT_EQ(match->matched, "Xanax");
}

TEST(MatchDrug, StripsTrailingStrengthAndForm) {
    EXPECT_EQ(IdOf("Xanax 0.5 mg"), "alprazolam");
    EXPECT_EQ(IdOf("oxycodone 10mg tablets"), "oxycodone");
    EXPECT_EQ(IdOf("Seroquel 25 mg"), "quetiapine");
    EXPECT_EQ(IdOf("fentanyl 25 mcg/hr patch"), "fentanyl");
    EXPECT_EQ(IdOf("methadone 10 mg/ml"), "methadone");
}

TEST(MatchDrug, NoGuessing) {
    EXPECT_EQ(IdOf(""), "<none>");
    EXPECT_EQ(IdOf("   "), "<none>");
    EXPECT_EQ(IdOf("oxy"), "<none>");
    EXPECT_EQ(IdOf("kratom"), "<none>");
    EXPECT_EQ(IdOf("vitamin d"), "<none>");
    EXPECT_EQ(IdOf("10 mg"), "<none>");
}

TEST(DrugData, ClassesTheRulesNeed) {
    const auto has = [](const char* id, DrugClass c) {
        const Drug* drug = Catalog().FindById(id);
        return drug != nullptr && drug->HasClass(c);
    };
    EXPECT_TRUE(has("midazolam", DrugClass::kCyp3aSubstrate));
    EXPECT_EQ(Catalog().FindById("midazolam")->FindClass(DrugClass::kCyp3aSubstrate)->evidence,
              "V");
    EXPECT_EQ(Catalog().FindById("oxycodone")->FindClass(DrugClass::kCyp3aSubstrate)->evidence,
              "D");
    EXPECT_TRUE(has("quetiapine", DrugClass::kQtProlonging));
    EXPECT_TRUE(has("quetiapine", DrugClass::kCyp3aSubstrate));
    EXPECT_TRUE(has("ketoconazole", DrugClass::kCyp3aInhibitor));
    EXPECT_TRUE(has("naltrexone", DrugClass::kOpioidAntagonist));
    EXPECT_TRUE(has("naloxone", DrugClass::kOpioidAntagonist));
    for (const char* id :
         {"oxycodone", "fentanyl", "buprenorphine", "methadone", "morphine", "heroin"}) {
        EXPECT_TRUE(has(id, DrugClass::kOpioidAgonist)) << id;
        EXPECT_TRUE(has(id, DrugClass::kCnsDepressant)) << id;
    }
    for (const char* id : {"alprazolam", "diazepam", "lorazepam", "clonazepam", "alcohol",
                           "gabapentin", "pregabalin"}) {
        EXPECT_TRUE(has(id, DrugClass::kCnsDepressant)) << id;
    }
    // Only sourced classes: morphine is not claimed to be a CYP3A substrate, nor naltrexone a
    // CNS depressant; the combination product does not carry an antagonist alert.
    EXPECT_FALSE(has("morphine", DrugClass::kCyp3aSubstrate));
    EXPECT_FALSE(has("naltrexone", DrugClass::kCnsDepressant));
    EXPECT_FALSE(has("buprenorphine-naloxone", DrugClass::kOpioidAntagonist));
}

TEST(DrugData, EveryTagHasKnownEvidenceAndCitation) {
    const std::set<std::string> kEvidence = {"V", "D", "S", "R"};
    const std::set<std::string> kSubstanceClasses = {
        "opioid", "benzodiazepine", "alcohol", "gabapentinoid", "stimulant", "cannabis", "other"};
    for (const auto& drug : Catalog().drugs()) {
        EXPECT_EQ(kSubstanceClasses.count(drug.substance_class), 1u) << drug.id;
        EXPECT_FALSE(drug.classes.empty()) << drug.id;
        for (const auto& tag : drug.classes) {
            EXPECT_EQ(kEvidence.count(tag.evidence), 1u) << drug.id;
            EXPECT_GT(tag.citation.size(), 20u) << drug.id;
        }
    }
}

TEST(DrugCatalog, RejectsAmbiguousOrUnsourcedTables) {
    const auto field = [](std::vector<Drug> drugs) {
        try {
            DrugCatalog catalog(std::move(drugs));
        } catch (const ValidationError& e) {
            return e.field();
        }
        return std::string("<no error>");
    };
    const ClassTag tag{DrugClass::kCnsDepressant, "V", "a citation", ""};
    Drug a{"a", "alpha", {"shared"}, "other", {tag}, ""};
    Drug b{"b", "beta", {"Shared "}, "other", {tag}, ""};
    EXPECT_EQ(field({a, b}), "drugs[1].synonyms");
    Drug c{"a", "gamma", {}, "other", {tag}, ""};
    EXPECT_EQ(field({a, c}), "drugs[1].id");
    Drug d{"d", "delta", {}, "other", {ClassTag{DrugClass::kQtProlonging, "V", "", ""}}, ""};
    EXPECT_EQ(field({d}), "drugs[0].classes");
    Drug e{"e",     "epsilon", {"EPSILON"},
           "other", {tag},     ""};  // a synonym equal to its own name is fine
    EXPECT_EQ(field({e}), "<no error>");
}

TEST(DrugCatalog, LoaderRejectsUnknownClass) {
    const auto j = nlohmann::json::parse(R"({"drugs": [{"id": "x", "name": "x",
        "substance_class": "other", "classes": [{"class": "sedating", "evidence": "V",
        "citation": "c"}]}]})");
    EXPECT_THROW(api::catalog::DrugCatalogFromJson(j), InternalError);
}

}  // namespace
}  // namespace mitra::core::drugs
