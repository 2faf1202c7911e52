// Engine behaviour on hand-built rule sets: duplicate suppression via condition_key, evidence
// contents, ordering, placeholders, validation. Numbers here are test inputs, not clinical data.
#include "core/rules/rules.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/time.hpp"

namespace mitra::core::rules {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
const std::int64_t kNow = *ParseRfc3339("2026-11-25T12:00:00Z");  // a Wednesday

Rule DoseAmountRule() {
    Rule r;
    r.id = "big-dose";
    r.kind = RuleKind::kDoseAmount;
    r.severity = Severity::kWarning;
    r.parameters.numbers = {{"min_amount_g_per_dose", 5.0}, {"lookback_days", 14.0}};
    r.patient_text = "You took {dose_amount_g} g.";
    r.clinician_text =
        "Dose {dose_amount_g} g at {dose_taken_at}; limit {min_amount_g_per_dose} g.";
    r.rationale = "test";
    r.threshold_text = ">= {min_amount_g_per_dose} g within {lookback_days} days";
    r.citations = {{"Grundmann 2017", "V", ""}};
    return r;
}

Rule SeizureRule() {
    Rule r;
    r.id = "seizure";
    r.kind = RuleKind::kAdverseEventTerms;
    r.severity = Severity::kUrgent;
    r.parameters.numbers = {{"lookback_days", 30.0}};
    r.parameters.lists = {{"terms", {"seizure"}}};
    r.clinician_text = "Seizure {matched_terms}";
    r.rationale = "test";
    r.threshold_text = "terms {terms}";
    r.citations = {{"Eggleston 2019", "V", ""}};
    return r;
}

DoseFact Dose(double hours_ago, double grams) {
    DoseFact d;
    d.id = "d" + std::to_string(static_cast<int>(hours_ago));
    d.taken_at_ms = kNow - static_cast<std::int64_t>(hours_ago * kHourMs);
    d.amount_g = grams;
    return d;
}

TEST(Rules, EvidenceThresholdAndTextsAreFilled) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    PatientFacts f;
    f.now_ms = kNow;
    f.doses = {Dose(2, 6.5)};
    const auto got = Evaluate(rs, f);
    ASSERT_EQ(got.size(), 1u);
    const AlertCandidate& c = got[0];
    EXPECT_EQ(c.rule_id, "big-dose");
    EXPECT_EQ(c.severity, Severity::kWarning);
    EXPECT_EQ(c.condition_key, "big-dose:week-of-2026-11-23");
    ASSERT_NE(c.FindEvidence("dose_amount_g"), nullptr);
    EXPECT_EQ(*c.FindEvidence("dose_amount_g")->number, 6.5);
    EXPECT_EQ(c.FindEvidence("dose_amount_g")->unit, "g");
    EXPECT_EQ(c.FindEvidence("dose_taken_at")->text, "2026-11-25T10:00:00.000Z");
    EXPECT_EQ(c.patient_text, "You took 6.5 g.");
    EXPECT_EQ(c.clinician_text, "Dose 6.5 g at 2026-11-25T10:00:00.000Z; limit 5 g.");
    EXPECT_EQ(c.threshold, ">= 5 g within 14 days");
    EXPECT_EQ(c.threshold_values.at("min_amount_g_per_dose"), 5.0);
    ASSERT_EQ(c.citations.size(), 1u);
    EXPECT_EQ(c.citations[0].evidence, "V");
}

TEST(Rules, SameOngoingConditionKeepsItsKeyAcrossEvaluations) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    PatientFacts f;
    f.now_ms = kNow;
    f.doses = {Dose(2, 6.0), Dose(26, 7.0)};  // two big doses in the same week
    const auto first = Evaluate(rs, f);
    ASSERT_EQ(first.size(), 1u);  // one alert per week, anchored to the largest dose
    EXPECT_EQ(*first[0].FindEvidence("dose_amount_g")->number, 7.0);
    // A day later with one more big dose: same key, so the caller raises nothing new.
    f.now_ms = kNow + 24 * kHourMs;
    f.doses.push_back(Dose(-20, 8.0));
    const auto second = Evaluate(rs, f);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].condition_key, first[0].condition_key);
    EXPECT_TRUE(NewCandidates(second, {first[0].condition_key}).empty());
    // The next calendar week is a new condition.
    f.now_ms = kNow + 6 * 24 * kHourMs;  // Tuesday of the next week
    f.doses.push_back(Dose(-140, 9.0));
    const auto third = Evaluate(rs, f);
    const auto fresh = NewCandidates(third, {first[0].condition_key});
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0].condition_key, "big-dose:week-of-2026-11-30");
}

TEST(Rules, EvaluateNeverReturnsTwoCandidatesWithOneKey) {
    RuleSet rs;
    Rule a = DoseAmountRule();
    rs.rules = {a, a};
    rs.rules[1].id = "big-dose-2";
    PatientFacts f;
    f.now_ms = kNow;
    f.doses = {Dose(1, 10.0), Dose(3, 10.0)};
    const auto got = Evaluate(rs, f);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_NE(got[0].condition_key, got[1].condition_key);
}

TEST(Rules, UrgentSortsFirst) {
    RuleSet rs;
    rs.rules = {DoseAmountRule(), SeizureRule()};
    PatientFacts f;
    f.now_ms = kNow;
    f.doses = {Dose(2, 6.0)};
    f.adverse_events = {{"e1", kNow - kHourMs, {"Seizure"}, true, std::nullopt}};
    const auto got = Evaluate(rs, f);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].rule_id, "seizure");
    EXPECT_EQ(got[0].condition_key, "seizure:adverse-event:e1");
    EXPECT_FALSE(got[0].PatientVisible());  // no patient_text: clinician-only
    EXPECT_EQ(got[1].rule_id, "big-dose");
}

TEST(Rules, DaysFollowThePatientsTimeZone) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    PatientFacts f;
    // Monday 2026-11-23 03:00 UTC is still Sunday 22 Nov in New York: the dose belongs to the
    // week of Monday 16 Nov there.
    f.now_ms = *ParseRfc3339("2026-11-23T04:00:00Z");
    f.time_zone = "America/New_York";
    DoseFact d;
    d.taken_at_ms = *ParseRfc3339("2026-11-23T03:00:00Z");
    d.amount_g = 6.0;
    f.doses = {d};
    const auto got = Evaluate(rs, f);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].condition_key, "big-dose:week-of-2026-11-16");
    f.time_zone = "Not/AZone";
    try {
        Evaluate(rs, f);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "time_zone");
    }
}

TEST(Rules, FutureAndOldFactsAreIgnored) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    PatientFacts f;
    f.now_ms = kNow;
    f.doses = {Dose(-5, 9.0), Dose(15 * 24, 9.0)};  // 5 h in the future; 15 days ago (> 14)
    EXPECT_TRUE(Evaluate(rs, f).empty());
}

TEST(Rules, ValidateRequiresCitationUnlessClinicianSet) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    rs.rules[0].citations.clear();
    try {
        Validate(rs);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].citations");
    }
    rs.rules[0].threshold_source = ThresholdSource::kClinicianSet;
    EXPECT_NO_THROW(Validate(rs));
}

TEST(Rules, ValidateRejectsSecondaryOnlyLiteratureRulesAndBadTags) {
    RuleSet rs;
    rs.rules = {DoseAmountRule()};
    rs.rules[0].citations = {{"a news page", "S", ""}};
    try {
        Validate(rs);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].threshold_source");
    }
    rs.rules[0].citations = {{"memory", "M", ""}};
    try {
        Validate(rs);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].citations[0].evidence");
    }
}

TEST(Rules, ValidateRejectsDuplicateIdsMissingTextAndNegativeNumbers) {
    RuleSet rs;
    rs.rules = {DoseAmountRule(), DoseAmountRule()};
    EXPECT_THROW(Validate(rs), ValidationError);
    rs.rules.pop_back();
    rs.rules[0].clinician_text.clear();
    EXPECT_THROW(Validate(rs), ValidationError);
    rs.rules[0] = DoseAmountRule();
    rs.rules[0].parameters.numbers["lookback_days"] = -1.0;
    try {
        Validate(rs);
        FAIL();
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "rules[0].parameters.lookback_days");
    }
}

TEST(Rules, LotRuleUsesTheStoredReportWithoutStandards) {
    Rule r;
    r.id = "lot";
    r.kind = RuleKind::kLotFailsStandards;
    r.severity = Severity::kHigh;
    r.parameters.numbers = {{"lookback_days", 14.0}, {"intake_window_days", 7.0}};
    r.clinician_text = "{failed_findings}";
    r.rationale = "test";
    r.threshold_text = "t";
    r.threshold_source = ThresholdSource::kClinicianSet;
    RuleSet rs;
    rs.rules = {r};
    PatientFacts f;
    f.now_ms = kNow;
    DoseFact d = Dose(3, 2.0);
    d.lot_id = "L1";
    f.doses = {d};
    LotFact lot;
    lot.id = "L1";
    lot.code = "C";
    products::ComplianceReport report;
    report.passes = false;
    products::Finding finding;
    finding.rule = "microbial-lab-results";
    finding.verdict = products::Verdict::kFail;
    finding.citation = "lab";
    finding.evidence = "V";
    report.findings = {finding};
    lot.compliance = report;
    f.lots = {lot};
    const auto got = Evaluate(rs, f);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].clinician_text, "microbial-lab-results");
    EXPECT_EQ(got[0].condition_key, "lot:lot:L1");
    EXPECT_EQ(*got[0].FindEvidence("daily_intake_g")->number, 2.0);
    ASSERT_EQ(got[0].citations.size(), 1u);  // the failing finding's citation was added
    EXPECT_EQ(got[0].citations[0].text, "lab");
    f.lots[0].compliance->passes = std::nullopt;  // cannot determine: no alert
    EXPECT_TRUE(Evaluate(rs, f).empty());
}

TEST(Rules, NamesRoundTrip) {
    for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kHigh, Severity::kUrgent}) {
        EXPECT_EQ(ParseSeverity(ToString(s)), s);
    }
    EXPECT_FALSE(ParseSeverity("critical").has_value());
    EXPECT_EQ(ParseThresholdSource("clinician_set"), ThresholdSource::kClinicianSet);
    EXPECT_FALSE(ParseRuleKind("unknown").has_value());
}

}  // namespace
}  // namespace mitra::core::rules
