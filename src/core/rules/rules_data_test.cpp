// The shipped data/rules files: they load and validate, every rule is cited or marked
// clinician_set, every kind has a predicate and is used, and the scenario table
// (testdata/scenarios.json) holds a trigger and a near miss for every rule and passes.
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/catalog/drugs_json.hpp"
#include "api/catalog/rules_json.hpp"
#include "core/error.hpp"
#include "core/rules/rules.hpp"
#include "core/time.hpp"

namespace mitra::core::rules {
namespace {

using nlohmann::json;

constexpr std::int64_t kHourMs = 3'600'000;

json ReadScenarios() {
    std::ifstream in(std::string(MITRA_RULES_TESTDATA) + "/scenarios.json");
    EXPECT_TRUE(in.good());
    return json::parse(in);
}

const RuleSet& Shipped() {
    static const RuleSet rule_set = api::catalog::LoadRuleSet();
    return rule_set;
}

const drugs::DrugCatalog& Drugs() {
    static const drugs::DrugCatalog catalog = api::catalog::LoadDrugCatalog();
    return catalog;
}

std::optional<double> OptNumber(const json& j, const char* key) {
    if (j.contains(key)) {
        return j.at(key).get<double>();
    }
    return std::nullopt;
}
std::optional<std::string> OptText(const json& j, const char* key) {
    if (j.contains(key)) {
        return j.at(key).get<std::string>();
    }
    return std::nullopt;
}

DoseFact DoseFrom(const json& d, std::int64_t taken_at_ms, int index) {
    DoseFact dose;
    dose.id = d.value("id", "dose-" + std::to_string(index));
    dose.taken_at_ms = taken_at_ms;
    dose.lot_id = OptText(d, "lot_id");
    dose.product_id = OptText(d, "product_id");
    dose.amount_g = OptNumber(d, "amount_g");
    dose.mitragynine_mg = OptNumber(d, "mitragynine_mg");
    dose.hydroxymitragynine_mg = OptNumber(d, "hydroxymitragynine_mg");
    return dose;
}

/// Builds PatientFacts the way the caller will: medications matched against data/drugs.
PatientFacts FactsFrom(const json& f, std::int64_t now_ms) {
    PatientFacts facts;
    facts.patient_id = "p";
    facts.now_ms = now_ms;
    facts.time_zone = f.value("time_zone", "UTC");
    const std::int32_t today = LocalDay(now_ms, facts.time_zone);
    int index = 0;
    for (const json& d : f.value("doses", json::array())) {
        const auto at =
            now_ms - static_cast<std::int64_t>(d.at("hours_ago").get<double>() * kHourMs);
        facts.doses.push_back(DoseFrom(d, at, index++));
    }
    for (const json& s : f.value("dose_series", json::array())) {
        for (int day = s.at("days_ago_from").get<int>(); day <= s.at("days_ago_to").get<int>();
             ++day) {
            for (int k = 0; k < s.at("per_day").get<int>(); ++k) {
                const std::int64_t at =
                    now_ms - (static_cast<std::int64_t>(day) * 24 + k) * kHourMs;
                facts.doses.push_back(DoseFrom(s, at, index++));
            }
        }
    }
    for (const json& a : f.value("assessments", json::array())) {
        AssessmentFact fact;
        fact.id = a.value("id", "assessment-" + std::to_string(index++));
        fact.instrument = a.at("instrument").get<std::string>();
        fact.taken_at_ms =
            now_ms - static_cast<std::int64_t>(a.at("hours_ago").get<double>() * kHourMs);
        fact.total = a.at("total").get<double>();
        fact.band = OptText(a, "band");
        const json answers = a.value("answers", json::object());
        for (const auto& [item, value] : answers.items()) {
            fact.answers[item] = value.get<double>();
        }
        facts.assessments.push_back(fact);
    }
    for (const json& s : f.value("substance_use", json::array())) {
        facts.substance_use.push_back(
            {s.value("id", "use-" + std::to_string(index++)),
             now_ms - static_cast<std::int64_t>(s.at("hours_ago").get<double>() * kHourMs),
             s.at("substance_class").get<std::string>(), OptText(s, "substance")});
    }
    for (const json& m : f.value("medications", json::array())) {
        MedicationFact med;
        med.id = m.value("id", "med-" + std::to_string(index++));
        med.name = m.at("name").get<std::string>();
        if (auto match = drugs::MatchDrug(Drugs(), med.name)) {
            med.drug_id = match->drug->id;
            for (const drugs::ClassTag& tag : match->drug->classes) {
                med.classes.push_back(tag.drug_class);
            }
        } else {
            ADD_FAILURE() << "scenario medication not in data/drugs: " << med.name;
        }
        med.started_on = today - m.at("started_days_ago").get<int>();
        if (m.contains("stopped_days_ago")) {
            med.stopped_on = today - m.at("stopped_days_ago").get<int>();
        }
        facts.medications.push_back(med);
    }
    for (const json& l : f.value("lots", json::array())) {
        LotFact lot;
        lot.id = l.at("id").get<std::string>();
        lot.code = l.value("code", "");
        lot.product_id = l.value("product_id", "");
        lot.product_name = l.value("product_name", "");
        const json& a = l.at("assay");
        lot.assay.mitragynine_mg_per_g = OptNumber(a, "mitragynine_mg_per_g");
        lot.assay.hydroxymitragynine_mg_per_g = OptNumber(a, "hydroxymitragynine_mg_per_g");
        lot.assay.total_alkaloids_mg_per_g = OptNumber(a, "total_alkaloids_mg_per_g");
        const json metals = a.value("metals_ug_per_g", json::object());
        lot.assay.metals_ug_per_g.lead = OptNumber(metals, "lead");
        lot.assay.metals_ug_per_g.arsenic = OptNumber(metals, "arsenic");
        lot.assay.metals_ug_per_g.cadmium = OptNumber(metals, "cadmium");
        lot.assay.metals_ug_per_g.mercury = OptNumber(metals, "mercury");
        const json label = l.value("label", json::object());
        lot.label.supplied = label.value("supplied", true);
        lot.label.mitragynine_mg_per_g = OptNumber(label, "mitragynine_mg_per_g");
        lot.label.hydroxymitragynine_mg_per_g = OptNumber(label, "hydroxymitragynine_mg_per_g");
        facts.lots.push_back(lot);
    }
    for (const json& e : f.value("adverse_events", json::array())) {
        AdverseEventFact ae;
        ae.id = e.value("id", "ae-" + std::to_string(index++));
        ae.onset_at_ms =
            now_ms - static_cast<std::int64_t>(e.at("hours_ago").get<double>() * kHourMs);
        ae.terms = e.at("terms").get<std::vector<std::string>>();
        ae.serious = e.value("serious", false);
        facts.adverse_events.push_back(ae);
    }
    if (f.contains("pregnant")) {
        facts.pregnant = f.at("pregnant").get<bool>();
    }
    return facts;
}

TEST(RulesData, LoadsAndEveryRuleIsCitedOrClinicianSet) {
    const RuleSet& rs = Shipped();
    ASSERT_GE(rs.rules.size(), 15u);
    ASSERT_TRUE(rs.standards.has_value());
    for (const Rule& rule : rs.rules) {
        EXPECT_TRUE(!rule.citations.empty() ||
                    rule.threshold_source == ThresholdSource::kClinicianSet)
            << rule.id;
        EXPECT_FALSE(rule.clinician_text.empty()) << rule.id;
        EXPECT_FALSE(rule.rationale.empty()) << rule.id;
        EXPECT_FALSE(rule.threshold_text.empty()) << rule.id;
        for (const Citation& c : rule.citations) {
            EXPECT_TRUE(c.evidence == "V" || c.evidence == "D" || c.evidence == "S" ||
                        c.evidence == "R")
                << rule.id;
            // Never a recalled-only [M] source in a rule.
            EXPECT_EQ(c.text.find("[M]"), std::string::npos) << rule.id;
        }
    }
    EXPECT_NO_THROW(Validate(rs));
}

TEST(RulesData, EveryKindHasAPredicateAndIsUsedByARule) {
    std::set<RuleKind> used;
    for (const Rule& rule : Shipped().rules) {
        used.insert(rule.kind);
    }
    for (RuleKind kind : AllRuleKinds()) {
        EXPECT_EQ(ParseRuleKind(ToString(kind)), kind);
        EXPECT_FALSE(RequiredParameters(kind).empty() && kind != RuleKind::kPregnancy);
        EXPECT_TRUE(used.count(kind)) << "no rule of kind " << ToString(kind);
        // A predicate exists: a rule of this kind validates and evaluates without throwing.
        for (const Rule& rule : Shipped().rules) {
            if (rule.kind == kind) {
                PatientFacts empty;
                empty.now_ms = 1'700'000'000'000;
                EXPECT_NO_THROW(EvaluateRule(Shipped(), rule, empty)) << rule.id;
            }
        }
    }
}

TEST(RulesData, RequiredRulesArePresentWithTheirLiteratureThresholds) {
    const RuleSet& rs = Shipped();
    // Grundmann 2017 [V]: >= 5 g per dose, >= 22 doses per week (domain.md §3.1).
    ASSERT_NE(rs.Find("dose-amount-high"), nullptr);
    EXPECT_EQ(rs.Find("dose-amount-high")->parameters.Number("min_amount_g_per_dose"), 5.0);
    ASSERT_NE(rs.Find("dose-frequency-high"), nullptr);
    EXPECT_EQ(rs.Find("dose-frequency-high")->parameters.Number("min_doses_per_week"), 22.0);
    // KCPA [V]: 7-OH <= 2 % of the alkaloid fraction (domain.md §6.1); Smith 2025 [V]: 14 mg.
    const Rule* oh = rs.Find("concentrated-7oh-product");
    ASSERT_NE(oh, nullptr);
    EXPECT_EQ(oh->parameters.Number("max_7oh_percent_of_alkaloids"), 2.0);
    EXPECT_EQ(oh->parameters.Number("min_7oh_mg_per_dose"), 14.0);
    // Wesson & Ling [V] bands (domain.md §4.3).
    const Rule* cows = rs.Find("cows-moderately-severe-or-severe");
    ASSERT_NE(cows, nullptr);
    EXPECT_EQ(cows->parameters.List("bands"),
              (std::vector<std::string>{"moderately severe", "severe"}));
    for (const char* id :
         {"cns-depressant-co-use", "cyp3a-substrate-medication", "qt-prolonging-medication",
          "quetiapine-with-kratom", "antagonist-start-daily-use", "lot-fails-standards",
          "dose-escalation", "sows-sustained-rise", "phq9-item9-positive", "pregnancy",
          "liver-injury-signs", "seizure-reported", "missed-check-in"}) {
        EXPECT_NE(rs.Find(id), nullptr) << id;
    }
    EXPECT_EQ(rs.Find("phq9-item9-positive")->severity, Severity::kUrgent);
    EXPECT_EQ(rs.Find("liver-injury-signs")->severity, Severity::kUrgent);
    EXPECT_EQ(rs.Find("seizure-reported")->severity, Severity::kUrgent);
    for (const char* id : {"cns-depressant-co-use", "dose-escalation", "sows-sustained-rise",
                           "missed-check-in", "antagonist-start-daily-use"}) {
        EXPECT_EQ(rs.Find(id)->threshold_source, ThresholdSource::kClinicianSet) << id;
    }
}

TEST(RulesData, CrisisResourcesIncludeTheUs988LifelineAndLocalEmergency) {
    const RuleSet& rs = Shipped();
    std::map<std::string, const CrisisResource*> by_id;
    for (const CrisisResource& r : rs.crisis_resources) {
        by_id[r.id] = &r;
    }
    ASSERT_TRUE(by_id.count("us-988"));
    EXPECT_NE(by_id["us-988"]->contact.find("988"), std::string::npos);
    EXPECT_NE(by_id["us-988"]->name.find("Suicide & Crisis Lifeline"), std::string::npos);
    ASSERT_TRUE(by_id.count("local-emergency"));
    EXPECT_NE(by_id["local-emergency"]->contact.find("local emergency number"), std::string::npos);
}

TEST(RulesData, ScenarioTableCoversEveryRuleWithATriggerAndANearMiss) {
    const json scenarios = ReadScenarios();
    std::map<std::string, std::pair<int, int>> counts;  // rule -> (triggers, near misses)
    for (const json& s : scenarios.at("scenarios")) {
        auto& c = counts[s.at("rule").get<std::string>()];
        (s.at("expect").get<bool>() ? c.first : c.second)++;
    }
    for (const Rule& rule : Shipped().rules) {
        EXPECT_GE(counts[rule.id].first, 1) << "no triggering scenario for " << rule.id;
        EXPECT_GE(counts[rule.id].second, 1) << "no near-miss scenario for " << rule.id;
    }
}

TEST(RulesData, ScenarioTable) {
    const json scenarios = ReadScenarios();
    const std::int64_t now_ms = *ParseRfc3339(scenarios.at("now").get<std::string>());
    int run = 0;
    for (const json& s : scenarios.at("scenarios")) {
        const std::string rule_id = s.at("rule").get<std::string>();
        const std::string name = rule_id + " / " + s.at("name").get<std::string>();
        SCOPED_TRACE(name);
        const Rule* rule = Shipped().Find(rule_id);
        ASSERT_NE(rule, nullptr);
        const PatientFacts facts = FactsFrom(s.at("facts"), now_ms);
        const std::vector<AlertCandidate> got = EvaluateRule(Shipped(), *rule, facts);
        // The full evaluation agrees with the single rule.
        const std::vector<AlertCandidate> all = Evaluate(Shipped(), facts);
        const bool in_all = std::any_of(
            all.begin(), all.end(), [&](const AlertCandidate& c) { return c.rule_id == rule_id; });
        ++run;
        if (!s.at("expect").get<bool>()) {
            EXPECT_TRUE(got.empty()) << "near miss triggered: " << got.front().condition_key;
            EXPECT_FALSE(in_all);
            continue;
        }
        ASSERT_FALSE(got.empty()) << "did not trigger";
        EXPECT_TRUE(in_all);
        const AlertCandidate& c = got.front();
        EXPECT_EQ(c.rule_id, rule_id);
        EXPECT_EQ(c.severity, rule->severity);
        EXPECT_FALSE(c.evidence.empty());
        EXPECT_FALSE(c.threshold.empty());
        EXPECT_EQ(c.citations.size() >= rule->citations.size(), true);
        for (const std::string* text : {&c.patient_text, &c.clinician_text, &c.threshold}) {
            EXPECT_EQ(text->find('{'), std::string::npos) << "unfilled placeholder: " << *text;
        }
        EXPECT_EQ(c.PatientVisible(), !rule->patient_text.empty());
        if (s.contains("condition_key")) {
            EXPECT_EQ(c.condition_key, s.at("condition_key").get<std::string>());
        }
        const json evidence = s.value("evidence", json::object());
        for (const auto& [key, want] : evidence.items()) {
            const EvidenceItem* e = c.FindEvidence(key);
            ASSERT_NE(e, nullptr) << "evidence " << key;
            if (want.is_number()) {
                ASSERT_TRUE(e->number.has_value()) << key;
                EXPECT_NEAR(*e->number, want.get<double>(), 1e-9) << key;
            } else {
                EXPECT_EQ(e->text, want.get<std::string>()) << key;
            }
        }
        for (const json& key : s.value("evidence_present", json::array())) {
            EXPECT_NE(c.FindEvidence(key.get<std::string>()), nullptr) << key;
        }
    }
    EXPECT_GE(run, 40);
}

TEST(RulesData, Phq9Item9ShowsCrisisResourcesToThePatientAtOnce) {
    const json scenarios = ReadScenarios();
    const std::int64_t now_ms = *ParseRfc3339(scenarios.at("now").get<std::string>());
    PatientFacts facts;
    facts.now_ms = now_ms;
    facts.assessments.push_back({"p1", "phq-9", now_ms - kHourMs, 9.0, "mild", {{"item9", 2}}});
    const std::vector<AlertCandidate> all = Evaluate(Shipped(), facts);
    ASSERT_FALSE(all.empty());
    const AlertCandidate& c = all.front();  // urgent sorts first
    EXPECT_EQ(c.rule_id, "phq9-item9-positive");
    EXPECT_EQ(c.severity, Severity::kUrgent);
    EXPECT_TRUE(c.PatientVisible());
    EXPECT_NE(c.patient_text.find("contact emergency services now"), std::string::npos);
    EXPECT_NE(c.patient_text.find("988"), std::string::npos);
    EXPECT_NE(c.patient_text.find("local emergency number"), std::string::npos);
    EXPECT_EQ(c.crisis_resources.size(), Shipped().crisis_resources.size());
    const json j = api::catalog::AlertCandidateToJson(c);
    EXPECT_EQ(j.at("severity"), "urgent");
    EXPECT_EQ(j.at("evidence").at("item_value"), 2.0);
    EXPECT_EQ(j.at("crisis_resources").size(), c.crisis_resources.size());
    EXPECT_EQ(j.at("threshold").at("source"), "literature");
}

TEST(RulesData, LoaderRejectsUnknownKindAndBadParameters) {
    RuleSet rs;
    const json bad_kind = json::parse(R"({"rules": [{"id": "x", "kind": "nope",
        "severity": "info", "clinician_text": "t", "rationale": "r", "threshold": "t",
        "threshold_source": "clinician_set", "citations": []}]})");
    try {
        api::catalog::AddRulesFile(rs, bad_kind, "f.json");
        FAIL() << "accepted an unknown kind";
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].kind");
    }
    const json missing_param = json::parse(R"({"rules": [{"id": "x", "kind": "dose_amount",
        "severity": "info", "parameters": {"lookback_days": 7}, "clinician_text": "t",
        "rationale": "r", "threshold": "t", "threshold_source": "clinician_set",
        "citations": []}]})");
    api::catalog::AddRulesFile(rs, missing_param, "f.json");
    try {
        Validate(rs);
        FAIL() << "accepted a rule without its parameter";
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].parameters.min_amount_g_per_dose");
    }
}

}  // namespace
}  // namespace mitra::core::rules
