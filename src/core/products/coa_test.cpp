// COA parsing (CSV and JSON), the rejection report, the text report and the check-product
// logic over the example files in docs/examples.
#include <gtest/gtest.h>

#include "api/catalog/check_product.hpp"
#include "api/catalog/coa.hpp"
#include "api/catalog/standards_json.hpp"

namespace mitra::api::catalog {
namespace {

namespace products = core::products;

std::filesystem::path Example(const std::string& name) {
    return std::filesystem::path(MITRA_SOURCE_DIR) / "docs" / "examples" / name;
}

bool HasRejection(const CoaParseResult& r, int row, const std::string& field,
                  const std::string& reason_part) {
    for (const CoaRejection& x : r.rejections) {
        if (x.row == row && x.field == field && x.reason.find(reason_part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(CoaCsv, ParsesAllColumnFamilies) {
    CoaParseResult r = ParseCoaFile(Example("coa-passing.csv"));
    ASSERT_TRUE(r.rejections.empty()) << r.rejections.front().reason;
    ASSERT_EQ(r.lots.size(), 1u);
    const CoaLot& lot = r.lots.front();
    EXPECT_EQ(lot.row, 2);
    EXPECT_EQ(lot.code, "GL-2025-117");
    EXPECT_EQ(lot.product, "Green leaf powder (example)");
    EXPECT_NEAR(*lot.assay.mitragynine_mg_per_g, 19.5, 0.0);
    EXPECT_NEAR(*lot.assay.hydroxymitragynine_mg_per_g, 0.12, 0.0);
    EXPECT_NEAR(*lot.assay.total_alkaloids_mg_per_g, 36.4, 0.0);
    EXPECT_NEAR(lot.assay.other_alkaloids_mg_per_g.at("speciogynine"), 3.2, 0.0);
    EXPECT_NEAR(*lot.assay.metals_ug_per_g.nickel, 1.1, 0.0);
    EXPECT_EQ(lot.assay.microbial.size(), 3u);
    EXPECT_EQ(lot.assay.microbial.at("yeast_mold"), products::TestResult::kPass);
    EXPECT_EQ(lot.assay.synthetic_alkaloids_detected, std::optional<bool>(false));
    EXPECT_EQ(lot.assay.basis, products::AssayBasis::kDryWeight);
    EXPECT_EQ(lot.assay.tested_on, std::optional<std::string>("2025-11-03"));
    EXPECT_TRUE(lot.label.supplied);
    EXPECT_NEAR(*lot.label.hydroxymitragynine_mg_per_g, 0.1, 0.0);
}

TEST(CoaCsv, EmptyCellsAreNotMeasuredAndNoLabelColumnsMeansNoLabel) {
    CoaParseResult r = ParseCoaFile(Example("coa-incomplete.csv"));
    ASSERT_EQ(r.lots.size(), 1u);
    const CoaLot& lot = r.lots.front();
    EXPECT_FALSE(lot.assay.total_alkaloids_mg_per_g.has_value());
    EXPECT_TRUE(lot.assay.microbial.empty());
    EXPECT_FALSE(lot.assay.metals_ug_per_g.cadmium.has_value());
    EXPECT_FALSE(lot.label.supplied);
}

TEST(CoaCsv, BadRowsAreReportedRowByRow) {
    CoaParseResult r = ParseCoaFile(Example("coa-bad-rows.csv"));
    ASSERT_EQ(r.lots.size(), 1u);
    EXPECT_EQ(r.lots.front().code, "OK-1");
    EXPECT_TRUE(HasRejection(r, 3, "code", "missing lot code"));
    EXPECT_TRUE(HasRejection(r, 4, "mitragynine_mg_per_g", "not a number: 'abc'"));
    EXPECT_FALSE(HasRejection(r, 4, "mitragynine_mg_per_g", "missing value"));
    EXPECT_TRUE(HasRejection(r, 5, "hydroxymitragynine_mg_per_g", "negative"));
    EXPECT_TRUE(HasRejection(r, 6, "microbial_salmonella", "expected pass or fail"));
    EXPECT_TRUE(HasRejection(r, 6, "tested_on", "not a YYYY-MM-DD date"));
    EXPECT_TRUE(HasRejection(r, 7, "code", "duplicate lot code"));
    EXPECT_EQ(r.rejections.size(), 6u);
}

TEST(CoaCsv, UnknownColumnRejectsTheHeader) {
    CoaParseResult r = ParseCoaFile(Example("coa-unknown-column.csv"));
    EXPECT_TRUE(r.lots.empty());
    EXPECT_TRUE(HasRejection(r, 1, "hydroxymitragynin_mg_per_g", "unknown column"));
}

TEST(CoaCsv, HeaderProblems) {
    CoaParseResult r = ParseCoaCsv("mitragynine_mg_per_g\n12\n");
    EXPECT_TRUE(HasRejection(r, 1, "code", "missing required column"));
    r = ParseCoaCsv("code,code,mitragynine_mg_per_g\n");
    EXPECT_TRUE(HasRejection(r, 1, "code", "duplicate column"));
    r = ParseCoaCsv("");
    EXPECT_TRUE(HasRejection(r, 1, "", "empty file"));
    r = ParseCoaCsv("code,alkaloid_mitragynine_mg_per_g,mitragynine_mg_per_g\n");
    EXPECT_TRUE(HasRejection(r, 1, "alkaloid_mitragynine_mg_per_g", "unknown column"));
    r = ParseCoaCsv("code,zinc_ug_per_g,mitragynine_mg_per_g\n");
    EXPECT_TRUE(HasRejection(r, 1, "zinc_ug_per_g", "unknown column"));
}

TEST(CoaCsv, QuotingCrlfBomBlankLinesAndCellCount) {
    const std::string text =
        "\xEF\xBB\xBF" "Code,Product,mitragynine_mg_per_g\r\n"
        "\"A,1\",\"Leaf \"\"red\"\"\",12.5\r\n"
        "\r\n"
        "B-2,x,1e1\r\n"
        "C-3,only two\r\n";
    CoaParseResult r = ParseCoaCsv(text);
    ASSERT_EQ(r.lots.size(), 2u);
    EXPECT_EQ(r.lots[0].code, "A,1");
    EXPECT_EQ(r.lots[0].product, "Leaf \"red\"");
    EXPECT_NEAR(*r.lots[1].assay.mitragynine_mg_per_g, 10.0, 0.0);
    EXPECT_EQ(r.lots[1].row, 4);
    EXPECT_TRUE(HasRejection(r, 5, "", "expected 3 cells, found 2"));
    r = ParseCoaCsv("code,mitragynine_mg_per_g\n\"open,1\n");
    EXPECT_TRUE(HasRejection(r, 2, "", "unterminated"));
}

TEST(CoaCsv, NumbersAreStrict) {
    for (const char* bad : {"nan", "inf", "<0.124", "ND", "1,5", "12 mg", "0x10"}) {
        CoaParseResult r =
            ParseCoaCsv(std::string("code,mitragynine_mg_per_g\nL1,\"") + bad + "\"\n");
        EXPECT_TRUE(r.lots.empty()) << bad;
        EXPECT_TRUE(HasRejection(r, 2, "mitragynine_mg_per_g", "not a number")) << bad;
    }
    CoaParseResult r = ParseCoaCsv("code,mitragynine_mg_per_g\nL1,0\nL2,-1\nL3,\nL4,1000.5\n");
    ASSERT_EQ(r.lots.size(), 1u);  // zero is a measurement
    EXPECT_TRUE(HasRejection(r, 3, "mitragynine_mg_per_g", "negative"));
    EXPECT_TRUE(HasRejection(r, 4, "mitragynine_mg_per_g", "missing value"));
    EXPECT_TRUE(HasRejection(r, 5, "mitragynine_mg_per_g", "exceeds 1000 mg/g"));
}

TEST(CoaJson, ParsesDesignLotShape) {
    CoaParseResult r = ParseCoaFile(Example("coa-failing-7oh.json"));
    ASSERT_TRUE(r.rejections.empty()) << r.rejections.front().reason;
    ASSERT_EQ(r.lots.size(), 1u);
    const CoaLot& lot = r.lots.front();
    EXPECT_EQ(lot.code, "EX7-0825");
    EXPECT_NEAR(*lot.assay.hydroxymitragynine_mg_per_g, 22.0, 0.0);
    EXPECT_EQ(lot.assay.synthetic_alkaloids_detected, std::optional<bool>(true));
    EXPECT_TRUE(lot.label.supplied);
    EXPECT_FALSE(lot.label.hydroxymitragynine_mg_per_g.has_value());
    // Round trip of the assay object.
    nlohmann::json j = AssayToJson(lot.assay);
    EXPECT_EQ(j["metals_ug_per_g"]["lead"], 0.1);
    EXPECT_EQ(j["microbial"]["salmonella"], "pass");
    EXPECT_FALSE(j.contains("other_alkaloids_mg_per_g"));
}

TEST(CoaJson, BadLotsAreReportedByPosition) {
    const std::string text = R"([
        {"code": "J1", "assay": {"mitragynine_mg_per_g": 12}},
        {"assay": {"mitragynine_mg_per_g": 12}},
        {"code": "J3", "assay": {"mitragynine_mg_per_g": "12"}},
        {"code": "J4", "assay": {"mitragynine_mg_per_g": 12, "metals_ug_per_g": {"lead": -1}}},
        {"code": "J5", "assay": {"mitragynine_mg_per_g": 12, "colour": "green"}},
        {"code": "J6", "assay": {"mitragynine_mg_per_g": 12, "metals_ug_per_g": {"zinc": 1}}},
        {"code": "J7"},
        "not a lot"
    ])";
    CoaParseResult r = ParseCoaJson(text);
    ASSERT_EQ(r.lots.size(), 1u);
    EXPECT_FALSE(r.lots.front().label.supplied);
    EXPECT_TRUE(HasRejection(r, 2, "code", "missing lot code"));
    EXPECT_TRUE(HasRejection(r, 3, "assay.mitragynine_mg_per_g", "not a number"));
    EXPECT_TRUE(HasRejection(r, 4, "assay.metals_ug_per_g.lead", "negative"));
    EXPECT_TRUE(HasRejection(r, 5, "assay.colour", "unknown field"));
    EXPECT_TRUE(HasRejection(r, 6, "assay.metals_ug_per_g.zinc", "unknown field"));
    EXPECT_TRUE(HasRejection(r, 7, "assay", "missing assay"));
    EXPECT_TRUE(HasRejection(r, 8, "", "must be a JSON object"));
    EXPECT_TRUE(HasRejection(ParseCoaJson("{oops"), 0, "", "not valid JSON"));
}

TEST(CheckProduct, PassingExampleAtTenGramsPerDay) {
    // Lead 0.21 ug/g x 10 = 2.1 <= 5; As 0.30 x 10 = 3 <= 15; Cd 0.5 <= 5; Hg 0.2 <= 15;
    // 7-OH 0.12 / 36.4 = 0.33 % <= 2 %.
    CheckProductOptions options;
    options.daily_intake_g = 10.0;
    CheckProductOutput out =
        RunCheckProduct(Example("coa-passing.csv"), LoadStandards(), options);
    EXPECT_EQ(out.exit_code, 0) << out.out;
    EXPECT_NE(out.out.find("Overall: PASS"), std::string::npos) << out.out;
    EXPECT_NE(out.out.find("cannot_determine*"), std::string::npos);  // nickel, reported only
}

TEST(CheckProduct, PassingExampleWithoutIntakeCannotDetermine) {
    CheckProductOutput out =
        RunCheckProduct(Example("coa-passing.csv"), LoadStandards(), CheckProductOptions{});
    EXPECT_EQ(out.exit_code, 2);
    // Lead 5 / 0.21 = 23.8095 g/day.
    EXPECT_NE(out.out.find("5 / 0.21 = 23.8095 g/day"), std::string::npos) << out.out;
}

TEST(CheckProduct, FailingSevenOhExample) {
    // 22 / 26 x 100 = 84.6154 % > 2 %.
    CheckProductOptions options;
    options.daily_intake_g = 10.0;
    options.json = true;
    CheckProductOutput out =
        RunCheckProduct(Example("coa-failing-7oh.json"), LoadStandards(), options);
    EXPECT_EQ(out.exit_code, 1);
    nlohmann::json j = nlohmann::json::parse(out.out);
    EXPECT_EQ(j["lots"][0]["passes"], false);
    for (const auto& f : j["lots"][0]["findings"]) {
        if (f["rule"] == "kcpa-7oh-alkaloid-fraction") {
            EXPECT_EQ(f["verdict"], "fail");
            EXPECT_NEAR(f["value"].get<double>(), 22.0 / 26.0 * 100.0, 1e-9);
        }
    }
}

TEST(CheckProduct, IncompleteExampleNeverPasses) {
    // 0.5 / (14 + 0.5) x 100 = 3.448 % upper bound, total not measured -> cannot determine.
    CheckProductOptions options;
    options.daily_intake_g = 5.0;
    options.jurisdiction_rules = {"US-FL-7oh-dry-weight"};
    CheckProductOutput out =
        RunCheckProduct(Example("coa-incomplete.csv"), LoadStandards(), options);
    EXPECT_EQ(out.exit_code, 1) << out.out;  // Florida: 0.5 mg/g reported > 0.4 even as-is
    options.jurisdiction_rules.clear();
    out = RunCheckProduct(Example("coa-incomplete.csv"), LoadStandards(), options);
    EXPECT_EQ(out.exit_code, 2) << out.out;
    EXPECT_NE(out.out.find("3.44828 %"), std::string::npos) << out.out;
    EXPECT_NE(out.out.find("Overall: CANNOT DETERMINE"), std::string::npos);
}

TEST(CheckProduct, RejectionsAreListed) {
    CheckProductOptions options;
    options.daily_intake_g = 10.0;
    CheckProductOutput out =
        RunCheckProduct(Example("coa-bad-rows.csv"), LoadStandards(), options);
    EXPECT_EQ(out.exit_code, 3);
    EXPECT_NE(out.out.find("Rejected rows: 6"), std::string::npos) << out.out;
}

}  // namespace
}  // namespace mitra::api::catalog
