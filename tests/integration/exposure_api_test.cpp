// GET /api/v1/patients/{pid}/exposure through the real server. Doses are inserted through the
// storage ports (core::DoseRepository) before the server starts, so this test does not depend on
// the dose endpoint; the answer is compared with the core engine for the same regimen.

#include <gtest/gtest.h>

#include <cmath>

#include "api/catalog/pk_json.hpp"
#include "core/pk/simulate.hpp"
#include "core/time.hpp"
#include "harness.hpp"
#include "storage/open_storage.hpp"

namespace mitra::testing {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

double RelErr(double a, double b) {
    const double scale = std::max({std::fabs(a), std::fabs(b), 1e-300});
    return std::fabs(a - b) / scale;
}

class ExposureApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir();
        clinic_ = new Clinic(CreateClinic("sqlite:" + (dir_->path() / "t.db").string(), 2));
        from_ms_ = *core::ParseRfc3339("2026-01-01T00:00:00Z");
        {
            auto storage = storage::OpenStorage(clinic_->database_url, {});
            auto uow = storage->Begin(core::TxMode::kWrite);
            int n = 0;
            auto insert = [&](std::int64_t taken_at_ms, std::optional<double> mg, bool deleted) {
                core::Dose d;
                char id[64];
                std::snprintf(id, sizeof id, "01900000-0000-7000-8000-%012d", ++n);
                d.id = id;
                d.organization_id = clinic_->org_id;
                d.patient_id = clinic_->patient_ids[0];
                d.taken_at_ms = taken_at_ms;
                d.amount = 2.0;
                d.unit = "g";
                d.amount_g = 2.0;
                d.mitragynine_mg = mg;
                d.derivation_json = R"({"source":"population_default"})";
                d.recorded_by = clinic_->patient_user_ids[0];
                d.recorded_at_ms = taken_at_ms;
                d.updated_at_ms = taken_at_ms;
                if (deleted) {
                    d.deleted_at_ms = taken_at_ms + kHourMs;
                }
                uow->Doses().Insert(d);
            };
            // Three days before `from` (inside the lookback), then 39 mg at 08:00 for 21 days
            // (Tanna 2022's single dose, domain.md §2.2), one dose of unknown content and one
            // deleted dose.
            insert(from_ms_ - 3 * kDayMs + 8 * kHourMs, 39.0, false);
            for (int day = 0; day < 21; ++day) {
                insert(from_ms_ + day * kDayMs + 8 * kHourMs, 39.0, false);
            }
            insert(from_ms_ + 5 * kDayMs + 20 * kHourMs, std::nullopt, false);
            insert(from_ms_ + 6 * kDayMs + 20 * kHourMs, 500.0, true);
            uow->Commit();
        }
        server_ = new Server(clinic_->database_url);
        patient_ = new std::string(Login(server_->port(), "p0@test.example"));
        admin_ = new std::string(Login(server_->port(), "admin@test.example"));
        researcher_ = new std::string(Login(server_->port(), "research@test.example"));
    }
    static void TearDownTestSuite() {
        delete researcher_;
        delete admin_;
        delete patient_;
        delete server_;
        delete clinic_;
        delete dir_;
    }
    static HttpResult Get(const std::string& query, const std::string& token, int patient = 0) {
        return HttpRequest(server_->port(), "GET",
                           "/api/v1/patients/" + clinic_->patient_ids[patient] + "/exposure" +
                               query,
                           {}, Bearer(token));
    }

    static TempDir* dir_;
    static Clinic* clinic_;
    static Server* server_;
    static std::string* patient_;
    static std::string* admin_;
    static std::string* researcher_;
    static std::int64_t from_ms_;
};
TempDir* ExposureApiTest::dir_ = nullptr;
Clinic* ExposureApiTest::clinic_ = nullptr;
Server* ExposureApiTest::server_ = nullptr;
std::string* ExposureApiTest::patient_ = nullptr;
std::string* ExposureApiTest::admin_ = nullptr;
std::string* ExposureApiTest::researcher_ = nullptr;
std::int64_t ExposureApiTest::from_ms_ = 0;

TEST_F(ExposureApiTest, AgreesWithTheEngineOnTheDoseJournal) {
    const auto r = Get("?from=2026-01-01T00:00:00Z&to=2026-01-22T00:00:00Z&step_h=1", *patient_);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    const Json body = r.json();
    EXPECT_EQ(body["patient_id"], clinic_->patient_ids[0]);
    EXPECT_EQ(body["doses_used"], 22);  // 21 in range + 1 in the lookback; deleted excluded
    EXPECT_EQ(body["doses_before_from_used"], 1);
    EXPECT_EQ(body["doses_skipped_unknown_mitragynine"], 1);
    const auto params = api::catalog::LoadDefaultPkParameterSet();
    EXPECT_EQ(body["parameter_set"]["name"], params.parameters.name);
    EXPECT_FALSE(body["parameter_set"]["citations"].empty());
    EXPECT_NE(body["model_estimate_note"].get<std::string>().find("Model estimate"),
              std::string::npos);

    // The same regimen with its origin at the first dose (3 days - 8 h before `from`).
    const double offset_h = 3 * 24 - 8;
    std::vector<core::pk::Dose> regimen = {{0.0, 39.0}};
    for (int day = 0; day < 21; ++day) {
        regimen.push_back({offset_h + day * 24.0 + 8.0, 39.0});
    }
    const auto times_h = body["times_h"].get<std::vector<double>>();
    ASSERT_EQ(times_h.size(), 21u * 24 + 1);  // 0..504 h, step 1 h, both ends
    std::vector<double> shifted;
    for (double t : times_h) {
        shifted.push_back(t + offset_h);
    }
    const auto expected = core::pk::Simulate(params.parameters, regimen, shifted);
    const auto parent = body["mitragynine_ng_ml"].get<std::vector<double>>();
    const auto metabolite = body["hydroxymitragynine_ng_ml"].get<std::vector<double>>();
    for (std::size_t i = 0; i < times_h.size(); ++i) {
        // Different origins only change rounding of the propagation steps.
        ASSERT_LE(RelErr(parent[i], expected.mitragynine_ng_ml[i]), 1e-9) << "t=" << times_h[i];
        ASSERT_LE(RelErr(metabolite[i], expected.hydroxymitragynine_ng_ml[i]), 1e-9)
            << "t=" << times_h[i];
    }

    // Per-day summaries: 21 full days.
    core::pk::DailyOptions options;
    options.origin_h = offset_h;
    options.days = 21;
    options.step_h = 1.0;
    const auto daily = core::pk::SummariseDays(params.parameters, regimen, options);
    ASSERT_EQ(body["days"].size(), 21u);
    for (std::size_t d = 0; d < 21; ++d) {
        const Json& day = body["days"][d];
        EXPECT_LE(RelErr(day["mitragynine"]["auc_ng_h_per_ml"].get<double>(),
                         daily.mitragynine[d].auc_ng_h_per_ml),
                  1e-9);
        EXPECT_LE(RelErr(day["mitragynine"]["trough_ng_ml"].get<double>(),
                         daily.mitragynine[d].trough_ng_ml),
                  1e-9);
        EXPECT_LE(RelErr(day["hydroxymitragynine"]["cmax_ng_ml"].get<double>(),
                         daily.hydroxymitragynine[d].cmax_ng_ml),
                  1e-9);
    }
    EXPECT_EQ(body["days"][1]["start"], "2026-01-02T00:00:00.000Z");

    // Weeks 1 and 2 vs week 0: accumulation (t1/2 ~ 45 h) makes later weeks higher.
    ASSERT_EQ(body["weeks_vs_reference"].size(), 2u);
    const auto change = core::pk::CompareWeeks(daily, 0, 14);
    const Json& week2 = body["weeks_vs_reference"][1];
    EXPECT_EQ(week2["first_day"], 14);
    EXPECT_LE(RelErr(week2["mitragynine"]["ratio"].get<double>(), change.mitragynine.ratio), 1e-9);
    EXPECT_GT(week2["mitragynine"]["ratio"].get<double>(), 1.0);

    // Steady state at the mean interval of the doses used: (3 d - 8 h + 20 d + 8 h) / 21 gaps.
    const double interval_h = (offset_h + 8.0 + 20 * 24.0) / 21.0;
    EXPECT_NEAR(body["steady_state"]["interval_h"].get<double>(), interval_h, 1e-9);
    const auto ss = core::pk::ComputeSteadyState(params.parameters, interval_h);
    EXPECT_LE(RelErr(body["steady_state"]["mitragynine"]["time_to_fraction_h"].get<double>(),
                     ss.mitragynine.time_to_fraction_exact_h),
              1e-12);
    EXPECT_EQ(body["steady_state"]["fraction"], 0.9);
}

TEST_F(ExposureApiTest, NoDosesIsZeroNotAnError) {
    const auto r = HttpRequest(server_->port(), "GET",
                               "/api/v1/patients/" + clinic_->patient_ids[1] + "/exposure", {},
                               Bearer(Login(server_->port(), "p1@test.example")));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    for (double c : r.json()["mitragynine_ng_ml"].get<std::vector<double>>()) {
        ASSERT_EQ(c, 0.0);
    }
    EXPECT_EQ(r.json()["doses_used"], 0);
    EXPECT_EQ(r.json()["days"].size(), 28u);  // default range: the last 28 days
}

TEST_F(ExposureApiTest, EndToEndThroughTheDoseEndpoint) {
    // Patient 1 logs two doses through POST /doses, deletes a third; exposure uses the two
    // with the mitragynine_mg the dose endpoint derived.
    const std::string token = Login(server_->port(), "p1@test.example");
    const std::string base = "/api/v1/patients/" + clinic_->patient_ids[1];
    std::vector<double> mg;
    for (const char* when : {"2026-03-01T08:00:00Z", "2026-03-02T08:00:00Z",
                             "2026-03-02T20:00:00Z"}) {
        const auto r = HttpRequest(server_->port(), "POST", base + "/doses",
                                   Json{{"amount", 2}, {"unit", "g"}, {"taken_at", when}}.dump(),
                                   JsonHeaders(token));
        ASSERT_EQ(r.status, 201) << r.body;
        ASSERT_TRUE(r.json()["mitragynine_mg"].is_number()) << r.body;
        mg.push_back(r.json()["mitragynine_mg"]);
        if (std::string(when) == "2026-03-02T20:00:00Z") {
            const auto del = HttpRequest(server_->port(), "DELETE",
                                         base + "/doses/" + r.json()["id"].get<std::string>(), {},
                                         Bearer(token));
            ASSERT_EQ(del.status, 200) << del.body;
        }
    }
    const auto r = HttpRequest(server_->port(), "GET",
                               base + "/exposure?from=2026-03-01&to=2026-03-04&step_h=0.5", {},
                               Bearer(token));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    const Json body = r.json();
    EXPECT_EQ(body["doses_used"], 2);
    const auto params = api::catalog::LoadDefaultPkParameterSet();
    const auto times_h = body["times_h"].get<std::vector<double>>();
    const auto expected =
        core::pk::Simulate(params.parameters, {{8.0, mg[0]}, {32.0, mg[1]}}, times_h);
    const auto parent = body["mitragynine_ng_ml"].get<std::vector<double>>();
    ASSERT_EQ(parent.size(), 3u * 48 + 1);
    for (std::size_t i = 0; i < parent.size(); ++i) {
        ASSERT_LE(RelErr(parent[i], expected.mitragynine_ng_ml[i]), 1e-9) << "t=" << times_h[i];
    }
}

TEST_F(ExposureApiTest, BadQueryParametersAre400NamingThem) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"?step_h=0", "step_h"},
        {"?step_h=-1", "step_h"},
        {"?step_h=25", "step_h"},
        {"?step_h=abc", "step_h"},
        {"?step_h=nan", "step_h"},
        {"?from=yesterday", "from"},
        {"?to=2026-13-40", "to"},
        {"?from=2026-01-10&to=2026-01-01", "to"},
        {"?from=2026-01-01&to=2026-01-01", "to"},
        {"?from=2025-01-01&to=2026-01-03", "to"},           // 367 days > 366
        {"?from=2025-06-01&to=2026-01-01&step_h=0.05", "step_h"},  // > 50,000 points
    };
    for (const auto& [query, field] : cases) {
        const auto r = Get(query, *patient_);
        EXPECT_EQ(r.status, 400) << query << ": " << r.body.substr(0, 300);
        if (r.status == 400) {
            EXPECT_EQ(r.json()["error"]["field"], field) << query;
        }
    }
}

TEST_F(ExposureApiTest, OnlyThoseWhoMayReadThePatient) {
    EXPECT_EQ(Get("", *admin_).status, 403);
    EXPECT_EQ(Get("", *researcher_).status, 403);
    EXPECT_EQ(Get("", Login(server_->port(), "clin1@test.example")).status, 404);
    EXPECT_EQ(HttpRequest(server_->port(), "GET",
                          "/api/v1/patients/" + clinic_->patient_ids[0] + "/exposure")
                  .status,
              401);
}

}  // namespace
}  // namespace mitra::testing
