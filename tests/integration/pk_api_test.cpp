// POST /api/v1/simulations, GET /api/v1/pk/parameter-sets and `mitra simulate` through the real
// server and CLI: answers agree with the core engine for the same inputs, a hand-checked AUC,
// 400 naming each bad parameter, limits, and population determinism by seed.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "api/catalog/pk_json.hpp"
#include "core/pk/simulate.hpp"
#include "harness.hpp"

namespace mitra::testing {
namespace {

class PkApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        clinic_ = new Clinic(CreateClinic("sqlite:" + (dir_->path() / "t.db").string(), 1));
        server_ = new Server(clinic_->database_url);
        token_ = new std::string(Login(server_->port(), "p0@test.example"));
    }
    static void TearDownTestSuite() {
        delete token_;
        delete server_;
        delete clinic_;
        delete dir_;
    }
    static HttpResult Post(const Json& body) {
        return HttpRequest(server_->port(), "POST", "/api/v1/simulations", body.dump(),
                           JsonHeaders(*token_));
    }
    static HttpResult PostRaw(const std::string& body) {
        return HttpRequest(server_->port(), "POST", "/api/v1/simulations", body,
                           JsonHeaders(*token_));
    }

    static TempDir* dir_;
    static Clinic* clinic_;
    static Server* server_;
    static std::string* token_;
};
TempDir* PkApiTest::dir_ = nullptr;
Clinic* PkApiTest::clinic_ = nullptr;
Server* PkApiTest::server_ = nullptr;
std::string* PkApiTest::token_ = nullptr;

// A one-compartment model with round numbers, for hand computation.
Json HandModel() {
    return {{"ka_per_h", 1.0},
            {"cl_l_per_h", 10.0},
            {"v1_l", 100.0},
            {"bioavailability", 0.5},
            {"metabolite", {{"fraction_formed", 1.0}, {"cl_l_per_h", 20.0}, {"v_l", 50.0}}}};
}

Json SimpleRequest() {
    return {{"regimen", {{{"time_h", 0}, {"dose_mg", 39}}, {{"time_h", 24}, {"dose_mg", 39}}}},
            {"times_h", {0, 0.5, 1, 2, 6, 12, 24, 25, 48, 96}}};
}

std::vector<double> Doubles(const Json& array) { return array.get<std::vector<double>>(); }

TEST_F(PkApiTest, DefaultModelAgreesWithTheCoreEngine) {
    const Json request = SimpleRequest();
    const auto r = Post(request);
    ASSERT_EQ(r.status, 200) << r.body;
    const Json body = r.json();
    // The same inputs through the engine in this process (same data files).
    const auto record = api::catalog::LoadDefaultPkParameterSet();
    const std::vector<core::pk::Dose> regimen = {{0, 39}, {24, 39}};
    const std::vector<double> times = request["times_h"].get<std::vector<double>>();
    const auto expected = core::pk::Simulate(record.parameters, regimen, times);
    ASSERT_EQ(Doubles(body["times_h"]), times);
    const auto parent = Doubles(body["mitragynine_ng_ml"]);
    const auto metabolite = Doubles(body["hydroxymitragynine_ng_ml"]);
    ASSERT_EQ(parent.size(), times.size());
    for (std::size_t i = 0; i < times.size(); ++i) {
        // JSON numbers round-trip doubles exactly (nlohmann writes 17 significant digits).
        EXPECT_DOUBLE_EQ(parent[i], expected.mitragynine_ng_ml[i]) << "t=" << times[i];
        EXPECT_DOUBLE_EQ(metabolite[i], expected.hydroxymitragynine_ng_ml[i]) << "t=" << times[i];
    }
    EXPECT_EQ(parent[0], 0.0);  // nothing absorbed at the moment of the first dose
    EXPECT_GT(parent[2], 0.0);
    EXPECT_EQ(body["parameter_set"]["name"], record.parameters.name);
    EXPECT_FALSE(body["parameter_set"]["citations"].empty());
    EXPECT_NE(body["model_estimate_note"].get<std::string>().find("Model estimate"),
              std::string::npos);
    EXPECT_FALSE(body.contains("population"));
}

TEST_F(PkApiTest, NamedParameterSetIsUsed) {
    Json request = SimpleRequest();
    request["model"] = "tanna-2022-2cmt-illustrative";
    const auto r = Post(request);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto record = api::catalog::LoadPkParameterSet("tanna-2022-2cmt-illustrative");
    const auto expected = core::pk::Simulate(record.parameters, {{0, 39}, {24, 39}},
                                             request["times_h"].get<std::vector<double>>());
    EXPECT_EQ(r.json()["parameter_set"]["name"], "tanna-2022-2cmt-illustrative");
    EXPECT_TRUE(r.json()["parameter_set"]["two_compartment"].get<bool>());
    EXPECT_DOUBLE_EQ(r.json()["mitragynine_ng_ml"][3].get<double>(),
                     expected.mitragynine_ng_ml[3]);

    request["model"] = "no-such-set";
    const auto missing = Post(request);
    EXPECT_EQ(missing.status, 404) << missing.body;
}

TEST_F(PkApiTest, SingleDoseAucMatchesHandComputation) {
    // One compartment, one oral dose: AUC_0-inf = F * dose / CL (any textbook; e.g. Rowland &
    // Tozer). 0.5 * 100 mg / 10 L/h = 5 mg*h/L = 5000 ng*h/mL.
    // 7-OH (molar formation, fm = 1): AUC_m = fm * F * dose / MW_parent / CLm * MW_7OH
    //   = 0.5 * 100 / 398.50 / 20 * 414.50 mg*h/L = 2.600376 mg*h/L = 2600.376 ng*h/mL
    //   (molar masses from data/pk, domain.md §0).
    // Grid 0..400 h: the parent's tail beyond 400 h is e^(-0.1*400) ~ 4e-18 of the total.
    std::vector<double> times;
    for (int i = 0; i <= 4000; ++i) {
        times.push_back(0.1 * i);
    }
    Json request = {{"model", HandModel()},
                    {"regimen", {{{"time_h", 0}, {"dose_mg", 100}}}},
                    {"times_h", times},
                    // One subject with zero variability = the typical subject; its AUC summary is
                    // the engine's exact integral over the grid.
                    {"population",
                     {{"subjects", 1},
                      {"seed", 7},
                      {"cv_percent",
                       {{"ka_per_h", 0}, {"cl_l_per_h", 0}, {"v1_l", 0}, {"q_l_per_h", 0},
                        {"v2_l", 0}, {"metabolite", {{"cl_l_per_h", 0}, {"v_l", 0}}}}}}}};
    const auto r = Post(request);
    ASSERT_EQ(r.status, 200) << r.body;
    const Json body = r.json();
    EXPECT_EQ(body["parameter_set"]["name"], "request");
    const double auc = body["population"]["summaries"]["mitragynine"]["auc_ng_h_per_ml"]["p50"];
    EXPECT_NEAR(auc, 5000.0, 5000.0 * 1e-9);
    const double auc_m =
        body["population"]["summaries"]["hydroxymitragynine"]["auc_ng_h_per_ml"]["p50"];
    EXPECT_NEAR(auc_m, 0.5 * 100 / 398.50 / 20 * 414.50 * 1000.0, 2600.0 * 1e-9);
    // The curve itself: trapezoid over the 0.1 h grid within 0.1 % of the exact value.
    const auto c = Doubles(body["mitragynine_ng_ml"]);
    double trapezoid = 0.0;
    for (std::size_t i = 1; i < c.size(); ++i) {
        trapezoid += 0.5 * (c[i] + c[i - 1]) * 0.1;
    }
    EXPECT_NEAR(trapezoid, 5000.0, 5.0);
    // Closed form at t = 1 h: C = F*D*ka/(V(ka-k)) (e^-kt - e^-ka t), k = 0.1 /h:
    // 50/(100*0.9) * (e^-0.1 - e^-1) mg/L = 0.5555556 * 0.5369580 = 0.2983100 mg/L.
    EXPECT_NEAR(c[10], 298.3100, 1e-3);
}

TEST_F(PkApiTest, BadParametersAre400NamingEachParameter) {
    struct Bad {
        std::string path;  // JSON pointer into the request
        Json value;
        std::string field;
    };
    const std::vector<Bad> cases = {
        {"/model/ka_per_h", "fast", "model.ka_per_h"},
        {"/model/ka_per_h", 0, "model.ka_per_h"},
        {"/model/cl_l_per_h", -1, "model.cl_l_per_h"},
        {"/model/v1_l", 0, "model.v1_l"},
        {"/model/v1_l", "100", "model.v1_l"},
        {"/model/q_l_per_h", 5, "model.v2_l"},  // q without v2
        {"/model/v2_l", -3, "model.q_l_per_h"},  // v2 without q: q is named as missing
        {"/model/bioavailability", 0, "model.bioavailability"},
        {"/model/bioavailability", 1.5, "model.bioavailability"},
        {"/model/metabolite/fraction_formed", -0.1, "model.metabolite.fraction_formed"},
        {"/model/metabolite/cl_l_per_h", 0, "model.metabolite.cl_l_per_h"},
        {"/model/metabolite/v_l", "big", "model.metabolite.v_l"},
        {"/model/metabolite/typo", 1, "model.metabolite.typo"},
        {"/model/extra", 1, "model.extra"},
        {"/regimen/0/dose_mg", 0, "regimen[0].dose_mg"},
        {"/regimen/0/dose_mg", "39", "regimen[0].dose_mg"},
        {"/regimen/0/time_h", -1, "regimen[0].time_h"},
        {"/regimen/1/time_h", -5, "regimen[1].time_h"},
        {"/regimen/1/time_h", 0.5, "regimen[1].time_h"},  // sorted? 0.5 < 24? fine: see below
        {"/times_h/2", 0.1, "times_h[2]"},                 // 0.1 after 0.5: unsorted
        {"/times_h/0", -1, "times_h[0]"},
        {"/times_h/1", "x", "times_h[1]"},
        {"/times_h", Json::array(), "times_h"},
        {"/population", {{"subjects", 0}, {"seed", 1}}, "population.subjects"},
        {"/population", {{"subjects", 100001}, {"seed", 1}}, "population.subjects"},
        {"/population", {{"subjects", 1.5}, {"seed", 1}}, "population.subjects"},
        {"/population", {{"subjects", "ten"}, {"seed", 1}}, "population.subjects"},
        {"/population", {{"subjects", 10}}, "population.seed"},
        {"/population", {{"subjects", 10}, {"seed", -1}}, "population.seed"},
        {"/population",
         {{"subjects", 10}, {"seed", 1}, {"cv_percent", {{"v1_l", 600}}}},
         "population.cv_percent.v1_l"},
        {"/population",
         {{"subjects", 10}, {"seed", 1}, {"cv_percent", {{"metabolite", {{"v_l", -1}}}}}},
         "population.cv_percent.metabolite.v_l"},
        {"/unknown", 1, "unknown"},
    };
    for (const Bad& c : cases) {
        Json request = SimpleRequest();
        request["model"] = HandModel();
        request["regimen"][1]["time_h"] = 24;
        request[Json::json_pointer(c.path)] = c.value;
        if (c.path == "/regimen/1/time_h" && c.value == 0.5) {
            // A dose earlier than the previous one.
            request["regimen"][0]["time_h"] = 1;
        }
        const auto r = Post(request);
        EXPECT_EQ(r.status, 400) << c.path << " = " << c.value.dump() << ": " << r.body;
        if (r.status == 400) {
            EXPECT_EQ(r.json()["error"]["field"], c.field) << c.path << ": " << r.body;
        }
    }
}

TEST_F(PkApiTest, OverLimitCountsAre400NotTimeouts) {
    // More doses than kMaxDoses (20,000).
    {
        std::string body = R"({"regimen":[)";
        for (int i = 0; i <= 20000; ++i) {
            body += std::string(i ? "," : "") + R"({"time_h":0,"dose_mg":1})";
        }
        body += R"(],"times_h":[1]})";
        const auto r = PostRaw(body);
        ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
        EXPECT_EQ(r.json()["error"]["field"], "regimen");
    }
    // More output points than kMaxOutputPoints (200,000).
    {
        std::string body = R"({"regimen":[{"time_h":0,"dose_mg":1}],"times_h":[)";
        for (int i = 0; i <= 200000; ++i) {
            body += i ? ",0" : "0";
        }
        body += "]}";
        const auto r = PostRaw(body);
        ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
        EXPECT_EQ(r.json()["error"]["field"], "times_h");
    }
    // A population run over kMaxPopulationPoints (20,000) points.
    {
        Json request = SimpleRequest();
        request["times_h"] = std::vector<double>(20001, 1.0);
        request["population"] = {{"subjects", 10}, {"seed", 1}};
        const auto r = Post(request);
        ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
        EXPECT_EQ(r.json()["error"]["field"], "times_h");
    }
    // subjects x (doses + points) over 1e9: 100,000 x 10,002.
    {
        Json request = SimpleRequest();
        request["times_h"] = std::vector<double>(10000, 1.0);
        request["population"] = {{"subjects", 100000}, {"seed", 1}};
        const auto r = Post(request);
        ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
        EXPECT_EQ(r.json()["error"]["field"], "population.subjects");
    }
    // A number beyond double range (JSON cannot carry NaN or infinity): 400, not computed.
    {
        Json request = SimpleRequest();
        request["model"] = HandModel();
        std::string body = request.dump();
        const std::string from = R"("ka_per_h":1.0)";
        body.replace(body.find(from), from.size(), R"("ka_per_h":1e999)");
        const auto r = PostRaw(body);
        EXPECT_EQ(r.status, 400) << r.body;
    }
    // The server is still fine.
    EXPECT_EQ(Post(SimpleRequest()).status, 200);
}

TEST_F(PkApiTest, PopulationIsDeterministicBySeed) {
    Json request = SimpleRequest();
    request["population"] = {{"subjects", 500}, {"seed", 42}};
    const auto a = Post(request);
    const auto b = Post(request);
    ASSERT_EQ(a.status, 200) << a.body;
    ASSERT_EQ(b.status, 200) << b.body;
    EXPECT_EQ(a.json()["population"], b.json()["population"]);
    const Json pop = a.json()["population"];
    EXPECT_EQ(pop["subjects"], 500);
    const auto p5 = Doubles(pop["mitragynine_ng_ml"]["p5"]);
    const auto p50 = Doubles(pop["mitragynine_ng_ml"]["p50"]);
    const auto p95 = Doubles(pop["mitragynine_ng_ml"]["p95"]);
    ASSERT_EQ(p50.size(), 10u);
    for (std::size_t i = 1; i < p50.size(); ++i) {  // t = 0: all zero
        EXPECT_LE(p5[i], p50[i]);
        EXPECT_LE(p50[i], p95[i]);
        EXPECT_LT(p5[i], p95[i]);  // the default CVs (30 %) spread the subjects
    }
    request["population"]["seed"] = 43;
    const auto c = Post(request);
    ASSERT_EQ(c.status, 200);
    EXPECT_NE(c.json()["population"]["summaries"], a.json()["population"]["summaries"]);
}

TEST_F(PkApiTest, ParameterSetsListCitations) {
    const auto r =
        HttpRequest(server_->port(), "GET", "/api/v1/pk/parameter-sets", {}, Bearer(*token_));
    ASSERT_EQ(r.status, 200) << r.body;
    const Json body = r.json();
    EXPECT_EQ(body["default"], api::catalog::LoadDefaultPkParameterSet().parameters.name);
    int defaults = 0;
    for (const Json& set : body["parameter_sets"]) {
        EXPECT_FALSE(set["citations"].empty()) << set["name"];
        EXPECT_FALSE(set["sources"].empty()) << set["name"];
        defaults += set["default"].get<bool>() ? 1 : 0;
    }
    EXPECT_EQ(defaults, 1);
    EXPECT_GE(body["parameter_sets"].size(), 2u);
    // Not signed in: 401.
    EXPECT_EQ(HttpRequest(server_->port(), "GET", "/api/v1/pk/parameter-sets").status, 401);
    EXPECT_EQ(HttpRequest(server_->port(), "POST", "/api/v1/simulations",
                          SimpleRequest().dump(), JsonHeaders())
                  .status,
              401);
}

TEST_F(PkApiTest, CliSimulateMatchesTheApi) {
    TempDir files;
    const auto regimen_csv = files.path() / "regimen.csv";
    std::ofstream(regimen_csv) << "time_h,dose_mg\n0,39\n24,39\n";
    const auto regimen_json = files.path() / "regimen.json";
    std::ofstream(regimen_json) << R"([{"time_h":0,"dose_mg":39},{"time_h":24,"dose_mg":39}])";
    const auto times = files.path() / "times.txt";
    std::ofstream(times) << "time_h\n0\n0.5\n1\n2\n6\n12\n24\n25\n48\n96\n";

    const auto api = Post(SimpleRequest());
    ASSERT_EQ(api.status, 200);
    const auto json_out = RunCli({"simulate", "--regimen", regimen_json.string(), "--times",
                                  times.string(), "--format", "json"});
    ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
    const Json cli = Json::parse(json_out.out);
    EXPECT_EQ(cli["mitragynine_ng_ml"], api.json()["mitragynine_ng_ml"]);
    EXPECT_EQ(cli["hydroxymitragynine_ng_ml"], api.json()["hydroxymitragynine_ng_ml"]);

    // CSV, uniform grid 0..96 h step 1 -> header + 97 rows; the 24 h row equals the API's.
    const auto out_file = files.path() / "out.csv";
    const auto csv = RunCli({"simulate", "--regimen", regimen_csv.string(), "--hours", "96",
                             "--step-h", "1", "--out", out_file.string()});
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    std::ifstream in(out_file);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    ASSERT_EQ(lines.size(), 98u);
    EXPECT_EQ(lines[0], "time_h,mitragynine_ng_ml,hydroxymitragynine_ng_ml");
    const auto comma = lines[25].find(',');
    EXPECT_EQ(lines[25].substr(0, comma), "24");
    EXPECT_DOUBLE_EQ(std::stod(lines[25].substr(comma + 1)),
                     api.json()["mitragynine_ng_ml"][6].get<double>());

    // Population columns.
    const auto pop = RunCli({"simulate", "--regimen", regimen_csv.string(), "--hours", "48",
                             "--step-h", "12", "--population", "200", "--seed", "5"});
    ASSERT_EQ(pop.exit_code, 0) << pop.err;
    EXPECT_EQ(pop.out.substr(0, pop.out.find('\n')),
              "time_h,mitragynine_ng_ml,hydroxymitragynine_ng_ml,mitragynine_p5_ng_ml,"
              "mitragynine_p50_ng_ml,mitragynine_p95_ng_ml,hydroxymitragynine_p5_ng_ml,"
              "hydroxymitragynine_p50_ng_ml,hydroxymitragynine_p95_ng_ml");
    const auto again = RunCli({"simulate", "--regimen", regimen_csv.string(), "--hours", "48",
                               "--step-h", "12", "--population", "200", "--seed", "5"});
    EXPECT_EQ(pop.out, again.out);

    // Custom parameters from a file; a bad one is exit 2 naming the parameter.
    const auto params = files.path() / "params.json";
    std::ofstream(params) << HandModel().dump();
    EXPECT_EQ(RunCli({"simulate", "--regimen", regimen_csv.string(), "--hours", "4", "--params",
                      params.string()})
                  .exit_code,
              0);
    Json bad = HandModel();
    bad["cl_l_per_h"] = -1;
    std::ofstream(params, std::ios::trunc) << bad.dump();
    const auto bad_params = RunCli({"simulate", "--regimen", regimen_csv.string(), "--hours",
                                    "4", "--params", params.string()});
    EXPECT_EQ(bad_params.exit_code, 2);
    EXPECT_NE(bad_params.err.find("cl_l_per_h"), std::string::npos) << bad_params.err;

    // A bad regimen line.
    const auto bad_csv = files.path() / "bad.csv";
    std::ofstream(bad_csv) << "time_h,dose_mg\n0,39\n12,lots\n";
    const auto bad_regimen =
        RunCli({"simulate", "--regimen", bad_csv.string(), "--hours", "24"});
    EXPECT_EQ(bad_regimen.exit_code, 2);
    EXPECT_NE(bad_regimen.err.find("line 3"), std::string::npos) << bad_regimen.err;
    // Neither --times nor --hours.
    EXPECT_EQ(RunCli({"simulate", "--regimen", regimen_csv.string()}).exit_code, 2);
}

}  // namespace
}  // namespace mitra::testing
