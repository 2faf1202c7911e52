// Hand-computed cases for every standards rule, with boundaries. The Standards here are built
// in the test (limits equal to the shipped data) so each case's arithmetic is visible.
#include "core/products/standards.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace mitra::core::products {
namespace {

RuleInfo Info(const std::string& id) { return RuleInfo{id, id, "cite " + id, "", "V", ""}; }

Standards TestStandards() {
    Standards s;
    s.version = "test";
    s.hydroxymitragynine_fraction = AlkaloidFractionRule{Info("kcpa-7oh"), 2.0};
    s.prohibited_substances.push_back(
        {Info("synthetic"), ProhibitedSubstance::kSyntheticAlkaloids});
    s.prohibited_substances.push_back(
        {Info("controlled"), ProhibitedSubstance::kControlledSubstances});
    s.label_amounts = LabelAmountsRule{Info("label")};
    s.metals.push_back({Info("lead"), Metal::kLead, 5.0, false, ""});
    s.metals.push_back({Info("arsenic"), Metal::kArsenic, 15.0, true, "inorganic arsenic"});
    s.metals.push_back({Info("cadmium"), Metal::kCadmium, 5.0, false, ""});
    s.metals.push_back({Info("mercury"), Metal::kMercury, 15.0, false, ""});
    s.metals.push_back({Info("nickel"), Metal::kNickel, std::nullopt, false, ""});
    s.microbial = MicrobialRule{Info("microbial")};
    s.jurisdiction_rules.push_back({Info("US-FL-7oh-dry-weight"), "US-FL", 0.04, "2025-08-19"});
    return s;
}

const Finding& Get(const ComplianceReport& report, const std::string& rule) {
    for (const Finding& f : report.findings) {
        if (f.rule == rule) {
            return f;
        }
    }
    throw std::runtime_error("no finding " + rule);
}

Finding RunRule(const std::string& rule, const Assay& assay, std::optional<double> intake = {},
            const ProductLabel& label = {}, std::vector<std::string> rules = {}) {
    return Get(Check(TestStandards(), assay, label, intake, rules), rule);
}

// A lot that passes every rule at 10 g/day.
Assay GoodAssay() {
    Assay a;
    a.mitragynine_mg_per_g = 15.0;
    a.hydroxymitragynine_mg_per_g = 0.1;
    a.total_alkaloids_mg_per_g = 20.0;
    a.metals_ug_per_g.lead = 0.2;
    a.metals_ug_per_g.arsenic = 0.5;
    a.metals_ug_per_g.cadmium = 0.1;
    a.metals_ug_per_g.mercury = 0.05;
    a.microbial = {{"salmonella", TestResult::kPass}, {"e_coli", TestResult::kPass}};
    a.synthetic_alkaloids_detected = false;
    a.controlled_substances_detected = false;
    return a;
}

ProductLabel GoodLabel() {
    ProductLabel l;
    l.mitragynine_mg_per_g = 15.0;
    l.hydroxymitragynine_mg_per_g = 0.1;
    return l;
}

// ---- KCPA 7-OH share ----------------------------------------------------------------------

TEST(Kcpa7ohFraction, WithTotalBelowLimitPasses) {
    Assay a = GoodAssay();  // 0.1 / 20 x 100 = 0.5 % (hand)
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kPass);
    EXPECT_NEAR(*f.value, 0.5, 1e-12);
    EXPECT_NEAR(*f.limit, 2.0, 0.0);
    EXPECT_NE(f.computation.find("0.1 / 20 x 100 = 0.5 %"), std::string::npos) << f.computation;
}

TEST(Kcpa7ohFraction, ExactlyTwoPercentPasses) {
    Assay a = GoodAssay();
    a.hydroxymitragynine_mg_per_g = 0.2;  // 0.2 / 10 x 100 = 2 % exactly on paper
    a.total_alkaloids_mg_per_g = 10.0;
    a.mitragynine_mg_per_g = 5.0;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kPass);
    EXPECT_NEAR(*f.value, 2.0, 1e-12);
}

TEST(Kcpa7ohFraction, JustAboveTwoPercentFails) {
    Assay a = GoodAssay();
    a.hydroxymitragynine_mg_per_g = 0.201;  // 0.201 / 10 x 100 = 2.01 %
    a.total_alkaloids_mg_per_g = 10.0;
    a.mitragynine_mg_per_g = 5.0;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NEAR(*f.value, 2.01, 1e-12);
}

TEST(Kcpa7ohFraction, SevenOhNotMeasuredCannotDetermine) {
    Assay a = GoodAssay();
    a.hydroxymitragynine_mg_per_g.reset();
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_FALSE(f.value.has_value());
    EXPECT_NE(f.computation.find("not measured"), std::string::npos);
}

TEST(Kcpa7ohFraction, NoTotalUpperBoundWithinLimitPasses) {
    // K51-like leaf: mitragynine 19.48 + speciogynine 3.18 + 7-OH 0.1 = 22.76 mg/g measured;
    // upper bound 0.1 / 22.76 x 100 = 0.439367 % (hand) <= 2 % -> pass.
    Assay a;
    a.mitragynine_mg_per_g = 19.48;
    a.hydroxymitragynine_mg_per_g = 0.1;
    a.other_alkaloids_mg_per_g = {{"speciogynine", 3.18}};
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kPass);
    EXPECT_NEAR(*f.value, 0.1 / 22.76 * 100.0, 1e-9);
    EXPECT_NE(f.computation.find("upper bound"), std::string::npos);
    EXPECT_NE(f.computation.find("can only lower"), std::string::npos);
}

TEST(Kcpa7ohFraction, NoTotalUpperBoundExactlyTwoPercentPasses) {
    // 0.2 / (9.8 + 0.2) x 100 = 2 % -> the bound is at the limit, so the true share is too.
    Assay a;
    a.mitragynine_mg_per_g = 9.8;
    a.hydroxymitragynine_mg_per_g = 0.2;
    EXPECT_EQ(RunRule("kcpa-7oh", a).verdict, Verdict::kPass);
}

TEST(Kcpa7ohFraction, NoTotalUpperBoundAboveLimitCannotDetermine) {
    // 0.5 / (10 + 0.5) x 100 = 4.7619 % upper bound: unmeasured alkaloids could dilute it.
    Assay a;
    a.mitragynine_mg_per_g = 10.0;
    a.hydroxymitragynine_mg_per_g = 0.5;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_NEAR(*f.value, 0.5 / 10.5 * 100.0, 1e-9);
    EXPECT_NE(f.computation.find("total_alkaloids_mg_per_g is needed"), std::string::npos);
}

TEST(Kcpa7ohFraction, SameAssayWithTotalDecides) {
    // As above but total measured 30 mg/g: 0.5 / 30 x 100 = 1.6667 % -> pass; total 20 -> 2.5 %
    // -> fail.
    Assay a;
    a.mitragynine_mg_per_g = 10.0;
    a.hydroxymitragynine_mg_per_g = 0.5;
    a.total_alkaloids_mg_per_g = 30.0;
    EXPECT_EQ(RunRule("kcpa-7oh", a).verdict, Verdict::kPass);
    a.total_alkaloids_mg_per_g = 20.0;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NEAR(*f.value, 2.5, 1e-12);
}

TEST(Kcpa7ohFraction, OnlySevenOhMeasuredCannotDetermine) {
    // Semi-synthetic-style assay: only 7-OH reported -> bound 100 %, undecidable.
    Assay a;
    a.hydroxymitragynine_mg_per_g = 30.0;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_NEAR(*f.value, 100.0, 1e-12);
}

TEST(Kcpa7ohFraction, ZeroSevenOhPasses) {
    Assay a;
    a.mitragynine_mg_per_g = 10.0;
    a.hydroxymitragynine_mg_per_g = 0.0;
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kPass);
    EXPECT_NEAR(*f.value, 0.0, 0.0);
}

TEST(Kcpa7ohFraction, TotalBelowSumOfPartsIsInconsistent) {
    Assay a;
    a.mitragynine_mg_per_g = 10.0;
    a.hydroxymitragynine_mg_per_g = 0.1;
    a.total_alkaloids_mg_per_g = 8.0;  // < 10.1
    Finding f = RunRule("kcpa-7oh", a);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_NE(f.computation.find("inconsistent"), std::string::npos);
}

// ---- synthetic alkaloids and controlled substances ----------------------------------------

TEST(ProhibitedSubstances, DetectedFailsNegativePassesUntestedUndetermined) {
    Assay a = GoodAssay();
    EXPECT_EQ(RunRule("synthetic", a).verdict, Verdict::kPass);
    EXPECT_EQ(RunRule("controlled", a).verdict, Verdict::kPass);
    a.synthetic_alkaloids_detected = true;
    a.controlled_substances_detected = true;
    EXPECT_EQ(RunRule("synthetic", a).verdict, Verdict::kFail);
    EXPECT_EQ(RunRule("controlled", a).verdict, Verdict::kFail);
    a.synthetic_alkaloids_detected.reset();
    a.controlled_substances_detected.reset();
    EXPECT_EQ(RunRule("synthetic", a).verdict, Verdict::kCannotDetermine);
    EXPECT_EQ(RunRule("controlled", a).verdict, Verdict::kCannotDetermine);
}

TEST(ProhibitedSubstances, DeclaredOnLabelFailsEvenIfLabTestedNegative) {
    Assay a = GoodAssay();
    ProductLabel label = GoodLabel();
    label.declares_synthetic_alkaloids = true;
    Finding f = RunRule("synthetic", a, {}, label);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NE(f.computation.find("label declares"), std::string::npos);
    label.declares_synthetic_alkaloids = false;
    label.declares_controlled_substances = true;
    EXPECT_EQ(RunRule("controlled", a, {}, label).verdict, Verdict::kFail);
}

// ---- label amounts ------------------------------------------------------------------------

TEST(LabelAmounts, BothStatedPassesOneMissingFailsNoLabelUndetermined) {
    Assay a = GoodAssay();
    EXPECT_EQ(RunRule("label", a, {}, GoodLabel()).verdict, Verdict::kPass);
    ProductLabel label = GoodLabel();
    label.hydroxymitragynine_mg_per_g.reset();
    Finding f = RunRule("label", a, {}, label);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NE(f.computation.find("7-OH"), std::string::npos);
    label.mitragynine_mg_per_g.reset();
    EXPECT_NE(RunRule("label", a, {}, label).computation.find("mitragynine and 7-OH"),
              std::string::npos);
    ProductLabel none;
    none.supplied = false;
    EXPECT_EQ(RunRule("label", a, {}, none).verdict, Verdict::kCannotDetermine);
}

// ---- heavy metals (USP <2232>) ------------------------------------------------------------

TEST(Metals, LeadLimitAtFifteenGramsMatchesDomainExample) {
    // domain.md §6.4: Pb 5 ug/day at 15 g/day -> 0.333 ug/g.
    Assay a = GoodAssay();
    Finding f = RunRule("lead", a, 15.0);
    EXPECT_NEAR(*f.limit, 5.0 / 15.0, 1e-12);
    EXPECT_EQ(f.verdict, Verdict::kPass);  // 0.2 <= 0.3333
    EXPECT_NE(f.computation.find("5 ug/day / daily intake 15 g/day = 0.333333 ug/g"),
              std::string::npos)
        << f.computation;
}

TEST(Metals, ExactlyAtDailyLimitPasses) {
    // Pb 0.5 ug/g x 10 g/day = 5 ug/day = PDE -> pass; Cd 0.5 x 10 = 5 = PDE -> pass.
    Assay a = GoodAssay();
    a.metals_ug_per_g.lead = 0.5;
    a.metals_ug_per_g.cadmium = 0.5;
    EXPECT_EQ(RunRule("lead", a, 10.0).verdict, Verdict::kPass);
    EXPECT_EQ(RunRule("cadmium", a, 10.0).verdict, Verdict::kPass);
    // 1/3 ug/g at 15 g/day = 5 ug/day: exact on paper, inexact in binary.
    a.metals_ug_per_g.lead = 1.0 / 3.0;
    EXPECT_EQ(RunRule("lead", a, 15.0).verdict, Verdict::kPass);
}

TEST(Metals, AboveDailyLimitFails) {
    // Prozialeck worst lead 1.6 ug/g at 4 g/day = 6.4 ug/day > 5 -> fail; limit 1.25 ug/g.
    Assay a = GoodAssay();
    a.metals_ug_per_g.lead = 1.6;
    Finding f = RunRule("lead", a, 4.0);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NEAR(*f.limit, 1.25, 1e-12);
    EXPECT_NEAR(*f.value, 1.6, 0.0);
    EXPECT_NE(f.computation.find("6.4 ug/day"), std::string::npos) << f.computation;
    a.metals_ug_per_g.mercury = 1.6;  // 1.6 x 10 = 16 > 15
    EXPECT_EQ(RunRule("mercury", a, 10.0).verdict, Verdict::kFail);
}

TEST(Metals, NoIntakeGivesMaximumIntakeAndCannotDetermine) {
    // Pb 0.2 ug/g: max intake = 5 / 0.2 = 25 g/day.
    Assay a = GoodAssay();
    Finding f = RunRule("lead", a);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_FALSE(f.limit.has_value());
    EXPECT_NE(f.computation.find("5 / 0.2 = 25 g/day"), std::string::npos) << f.computation;
    a.metals_ug_per_g.lead = 0.0;
    EXPECT_NE(RunRule("lead", a).computation.find("no intake exceeds"), std::string::npos);
}

TEST(Metals, NotMeasuredCannotDetermine) {
    Assay a = GoodAssay();
    a.metals_ug_per_g.cadmium.reset();
    Finding f = RunRule("cadmium", a, 10.0);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_NE(f.computation.find("not measured"), std::string::npos);
}

TEST(Metals, TotalArsenicAboveInorganicLimitCannotDetermine) {
    // As 2 ug/g x 10 g/day = 20 > 15 but total As only bounds inorganic As from above.
    Assay a = GoodAssay();
    a.metals_ug_per_g.arsenic = 2.0;
    Finding f = RunRule("arsenic", a, 10.0);
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_NE(f.computation.find("speciated"), std::string::npos);
    a.metals_ug_per_g.arsenic = 1.5;  // 1.5 x 10 = 15 = PDE -> pass
    EXPECT_EQ(RunRule("arsenic", a, 10.0).verdict, Verdict::kPass);
}

TEST(Metals, NickelIsReportedNotAssessed) {
    Assay a = GoodAssay();
    a.metals_ug_per_g.nickel = 7.4;
    ComplianceReport r = Check(TestStandards(), a, GoodLabel(), 10.0, {});
    const Finding& f = Get(r, "nickel");
    EXPECT_EQ(f.verdict, Verdict::kCannotDetermine);
    EXPECT_FALSE(f.counts_toward_passes);
    EXPECT_FALSE(f.limit.has_value());
    EXPECT_NE(f.computation.find("not assessed"), std::string::npos);
    EXPECT_EQ(r.passes, std::optional<bool>(true));  // nickel does not change the verdict
}

// ---- microbial ----------------------------------------------------------------------------

TEST(Microbial, AnyFailFailsAllPassPassesNoneUndetermined) {
    Assay a = GoodAssay();
    EXPECT_EQ(RunRule("microbial", a).verdict, Verdict::kPass);
    a.microbial["salmonella"] = TestResult::kFail;
    Finding f = RunRule("microbial", a);
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NE(f.computation.find("salmonella"), std::string::npos);
    a.microbial.clear();
    EXPECT_EQ(RunRule("microbial", a).verdict, Verdict::kCannotDetermine);
}

// ---- Florida dry-weight ceiling -----------------------------------------------------------

TEST(FloridaCeiling, OffUnlessNamed) {
    ComplianceReport r = Check(TestStandards(), GoodAssay(), GoodLabel(), 10.0, {});
    for (const Finding& f : r.findings) {
        EXPECT_NE(f.rule, "US-FL-7oh-dry-weight");
    }
}

TEST(FloridaCeiling, DryWeightBoundaries) {
    // 0.04 % dry weight = 0.4 mg/g (hand: 0.04 g/100 g).
    Assay a = GoodAssay();
    a.basis = AssayBasis::kDryWeight;
    a.hydroxymitragynine_mg_per_g = 0.4;
    Finding f = RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"});
    EXPECT_NEAR(*f.limit, 0.4, 1e-12);
    EXPECT_EQ(f.verdict, Verdict::kPass);
    a.hydroxymitragynine_mg_per_g = 0.41;
    EXPECT_EQ(RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"}).verdict,
              Verdict::kFail);
}

TEST(FloridaCeiling, AsIsConvertedWithMoisture) {
    // 0.36 mg/g as-is at 10 % moisture -> 0.36 / 0.9 = 0.4 mg/g dry -> pass (at the limit);
    // 0.38 as-is -> 0.4222 dry -> fail.
    Assay a = GoodAssay();
    a.basis = AssayBasis::kAsIs;
    a.moisture_percent = 10.0;
    a.hydroxymitragynine_mg_per_g = 0.36;
    Finding f = RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"});
    EXPECT_EQ(f.verdict, Verdict::kPass);
    EXPECT_NEAR(*f.value, 0.4, 1e-12);
    a.hydroxymitragynine_mg_per_g = 0.38;
    f = RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"});
    EXPECT_EQ(f.verdict, Verdict::kFail);
    EXPECT_NEAR(*f.value, 0.38 / 0.9, 1e-12);
}

TEST(FloridaCeiling, BasisNotStated) {
    // Below the limit as reported: the dry value could be higher -> cannot determine.
    // Above as reported: dry is higher still -> fail.
    Assay a = GoodAssay();
    a.hydroxymitragynine_mg_per_g = 0.3;
    EXPECT_EQ(RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"}).verdict,
              Verdict::kCannotDetermine);
    a.hydroxymitragynine_mg_per_g = 0.5;
    EXPECT_EQ(RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"}).verdict,
              Verdict::kFail);
    a.hydroxymitragynine_mg_per_g.reset();
    EXPECT_EQ(RunRule("US-FL-7oh-dry-weight", a, {}, {}, {"US-FL-7oh-dry-weight"}).verdict,
              Verdict::kCannotDetermine);
}

TEST(FloridaCeiling, UnknownRuleIdThrows) {
    try {
        Check(TestStandards(), GoodAssay(), GoodLabel(), 10.0, {"US-XX-nope"});
        FAIL() << "expected ValidationError";
    } catch (const ValidationError& e) {
        EXPECT_EQ(e.field(), "jurisdiction_rules");
    }
}

// ---- aggregation --------------------------------------------------------------------------

TEST(Passes, AllPassIsTrue) {
    ComplianceReport r = Check(TestStandards(), GoodAssay(), GoodLabel(), 10.0, {});
    EXPECT_EQ(r.passes, std::optional<bool>(true));
    EXPECT_EQ(r.findings.size(), 10u);  // 1 + 2 + 1 + 5 + 1
}

TEST(Passes, AnyCannotDetermineIsNullAnyFailIsFalse) {
    ComplianceReport r = Check(TestStandards(), GoodAssay(), GoodLabel(), std::nullopt, {});
    EXPECT_FALSE(r.passes.has_value());  // metals need an intake
    Assay a = GoodAssay();
    a.microbial["yeast_mold"] = TestResult::kFail;
    r = Check(TestStandards(), a, GoodLabel(), std::nullopt, {});
    EXPECT_EQ(r.passes, std::optional<bool>(false));  // fail wins over cannot determine
}

TEST(Passes, IncompleteAssayNeverPasses) {
    Assay a;
    a.mitragynine_mg_per_g = 12.0;
    ComplianceReport r = Check(TestStandards(), a, GoodLabel(), 10.0, {});
    EXPECT_FALSE(r.passes.has_value());
}

// ---- input validation ---------------------------------------------------------------------

TEST(CheckInputs, DailyIntakeMustBePositiveFinite) {
    for (double bad : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
        try {
            Check(TestStandards(), GoodAssay(), GoodLabel(), bad, {});
            FAIL() << "expected ValidationError for " << bad;
        } catch (const ValidationError& e) {
            EXPECT_EQ(e.field(), "daily_intake_g");
            EXPECT_NE(std::string(e.what()).find("positive finite"), std::string::npos);
        }
    }
}

TEST(CheckInputs, AssayValuesMustBeNonNegativeFinite) {
    for (double bad : {-0.1, std::nan(""), std::numeric_limits<double>::infinity()}) {
        Assay a = GoodAssay();
        a.hydroxymitragynine_mg_per_g = bad;
        try {
            Check(TestStandards(), a, GoodLabel(), 10.0, {});
            FAIL() << "expected ValidationError for " << bad;
        } catch (const ValidationError& e) {
            EXPECT_EQ(e.field(), "assay.hydroxymitragynine_mg_per_g");
        }
        a = GoodAssay();
        a.metals_ug_per_g.lead = bad;
        try {
            Check(TestStandards(), a, GoodLabel(), 10.0, {});
            FAIL() << "expected ValidationError for " << bad;
        } catch (const ValidationError& e) {
            EXPECT_EQ(e.field(), "assay.metals_ug_per_g.lead");
        }
    }
    Assay zero = GoodAssay();
    zero.metals_ug_per_g.lead = 0.0;  // zero is a valid measurement
    EXPECT_NO_THROW(Check(TestStandards(), zero, GoodLabel(), 10.0, {}));
}

}  // namespace
}  // namespace mitra::core::products
