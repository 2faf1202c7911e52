// Supervision over real HTTP (issue 7): safety alerts raised by the clinical endpoints (a
// data-driven scenario table: a history that must raise the rule's alert and a near miss that
// must not), duplicate suppression, the acknowledge/resolve lifecycle, who may acknowledge and
// approve, taper-plan versions, adaptive holds and resumes, today's target.
//
// Thresholds are data/rules/safety.json: dose-amount-high >= 5 g per dose (Grundmann 2017);
// COWS "moderately severe" 25-36 (Wesson & Ling 2003, data/instruments/cows-11.json);
// PHQ-9 item 9 > 0 (Kroenke 2001); CNS co-use within +-24 h; liver-injury terms (LiverTox);
// pregnancy; quetiapine (Hughes 2019). Taper arithmetic: src/core/taper/README.md, linear
// T_i = S - i*p*S with the first step dated start_date.

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

constexpr int kPatients = 19;  // 18: the background-evaluation test
constexpr std::int64_t kDayS = 24 * 3600;

struct World {
    TempDir dir;
    Clinic clinic;
    std::unique_ptr<Server> server;
    std::uint16_t port = 0;
    std::vector<std::string> patient_tokens;
    std::string clin0, clin1;
    std::string leaf_id;
};

World* world = nullptr;

HttpResult Call(const std::string& token, const std::string& method, const std::string& path,
                const Json& body = nullptr) {
    return HttpRequest(world->port, method, path, body.is_null() ? std::string() : body.dump(),
                       JsonHeaders(token));
}

std::string PatientPath(int index, const std::string& rest) {
    return "/api/v1/patients/" + world->clinic.patient_ids[static_cast<std::size_t>(index)] + rest;
}

std::string Rfc3339(std::int64_t offset_s) {
    const std::time_t t = std::time(nullptr) + offset_s;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string Date(std::int64_t offset_days) {
    const std::time_t t = std::time(nullptr) + offset_days * kDayS;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

Json Responses(const std::vector<int>& values) {
    Json out = Json::object();
    for (std::size_t i = 0; i < values.size(); ++i) {
        out["item" + std::to_string(i + 1)] = values[i];
    }
    return out;
}

Json Alerts(const std::string& token, int patient) {
    auto r = Call(token, "GET", PatientPath(patient, "/alerts"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["alerts"];
}

const Json* FindRule(const Json& alerts, const std::string& rule_id) {
    for (const auto& a : alerts) {
        if (a["rule_id"] == rule_id) {
            return &a;
        }
    }
    return nullptr;
}

class SupervisionApi : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        world = new World();
        const std::string url = SuiteDatabase(world->dir, "supervision.db");
        if (url.empty()) {
            GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
        }
        world->clinic = CreateClinic(url, kPatients);
        world->server = std::make_unique<Server>(world->clinic.database_url);
        world->port = world->server->port();
        world->clin0 = Login(world->port, "clin0@test.example");
        world->clin1 = Login(world->port, "clin1@test.example");
        for (int i = 0; i < kPatients; ++i) {
            world->patient_tokens.push_back(
                Login(world->port, "p" + std::to_string(i) + "@test.example"));
            auto consent =
                Call(world->patient_tokens.back(), "POST", PatientPath(i, "/consents"),
                     {{"grantee_user_id", world->clinic.clinician_ids[0]}, {"purpose", "care"}});
            ASSERT_EQ(consent.status, 201) << consent.body;
        }
        auto leaf = Call(world->clin0, "POST", "/api/v1/products",
                         {{"name", "Green leaf powder"},
                          {"vendor", "Example Botanicals"},
                          {"form", "leaf_powder"},
                          {"serving", {{"amount", 2}, {"unit", "g"}}},
                          {"label", {{"mitragynine_mg_per_g", 15.0}}}});
        ASSERT_EQ(leaf.status, 201) << leaf.body;
        world->leaf_id = leaf.json()["id"];
    }
    void SetUp() override {
        if (!world->server) {
            GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";  // SetUpTestSuite skipped
        }
    }
    static void TearDownTestSuite() {
        delete world;
        world = nullptr;
    }
};

std::string Token(int patient) { return world->patient_tokens[static_cast<std::size_t>(patient)]; }

// ---- The scenario table --------------------------------------------------------------------

struct Step {
    std::string method;
    std::string path;  // relative to /api/v1/patients/{pid}
    Json body;
    bool by_clinician = false;  // clinician-administered instruments (COWS)
};

struct Scenario {
    std::string name;
    std::string rule_id;
    std::vector<Step> triggers;   // must raise rule_id
    std::vector<Step> near_miss;  // must not
    bool patient_visible = true;
};

std::vector<Scenario> Scenarios() {
    const Json dose_2g = {{"amount", 2}, {"unit", "g"}};
    return {
        {"dose >= 5 g", "dose-amount-high",
         {{"POST", "/doses", {{"amount", 5}, {"unit", "g"}}}},
         {{"POST", "/doses", {{"amount", 4.9}, {"unit", "g"}}}}},
        {"PHQ-9 item 9 > 0", "phq9-item9-positive",
         {{"POST", "/assessments",
           {{"instrument", "phq-9"}, {"taken_at", Rfc3339(-60)},
            {"responses", Responses({1, 1, 0, 0, 0, 0, 0, 0, 1})}}}},
         {{"POST", "/assessments",
           {{"instrument", "phq-9"}, {"taken_at", Rfc3339(-60)},
            {"responses", Responses({3, 3, 3, 3, 3, 3, 3, 3, 0})}}}}},
        {"COWS moderately severe (25)", "cows-moderately-severe-or-severe",
         {{"POST", "/assessments",
           {{"instrument", "cows-11"}, {"taken_at", Rfc3339(-60)},
            {"responses", Responses({4, 4, 5, 5, 4, 0, 3, 0, 0, 0, 0})}},
           true}},
         {{"POST", "/assessments",
           {{"instrument", "cows-11"}, {"taken_at", Rfc3339(-60)},
            {"responses", Responses({4, 4, 5, 5, 4, 2, 0, 0, 0, 0, 0})}},
           true}},
         false},
        {"benzodiazepine near a dose", "cns-depressant-co-use",
         {{"POST", "/doses", dose_2g},
          {"POST", "/substance-use",
           {{"taken_at", Rfc3339(-3600)}, {"substance_class", "benzodiazepine"}}}},
         {{"POST", "/doses", dose_2g},
          {"POST", "/substance-use",
           {{"taken_at", Rfc3339(-3600)}, {"substance_class", "cannabis"}}}}},
        {"jaundice reported", "liver-injury-signs",
         {{"POST", "/adverse-events",
           {{"onset_at", Rfc3339(-3600)}, {"description", "yellow"}, {"terms", {"jaundice"}},
            {"serious", false}}}},
         {{"POST", "/adverse-events",
           {{"onset_at", Rfc3339(-3600)}, {"description", "headache"}, {"terms", {"headache"}},
            {"serious", false}}}}},
        {"quetiapine with kratom", "quetiapine-with-kratom",
         {{"POST", "/doses", dose_2g},
          {"POST", "/medications", {{"name", "quetiapine"}, {"started_on", Date(-1)}}}},
         {{"POST", "/doses", dose_2g},
          {"POST", "/medications", {{"name", "vitamin d"}, {"started_on", Date(-1)}}}}},
        {"pregnancy", "pregnancy",
         {{"POST", "/doses", dose_2g}, {"PATCH", "", {{"pregnant", true}}}},
         {{"POST", "/doses", dose_2g}, {"PATCH", "", {{"pregnant", false}}}}},
    };
}

void RunSteps(int patient, const std::vector<Step>& steps) {
    for (const auto& step : steps) {
        auto r = Call(step.by_clinician ? world->clin0 : Token(patient), step.method,
                      PatientPath(patient, step.path), step.body);
        ASSERT_LT(r.status, 300) << step.method << " " << step.path << ": " << r.body;
    }
}

TEST_F(SupervisionApi, ScenarioTableRaisesAndNearMissesDoNot) {
    const auto scenarios = Scenarios();
    ASSERT_LE(static_cast<int>(scenarios.size()) * 2, kPatients - 4);
    int patient = 4;  // patients 0-3 are for the other tests
    for (const auto& s : scenarios) {
        SCOPED_TRACE(s.name);
        const int hit = patient++;
        const int miss = patient++;
        RunSteps(hit, s.triggers);
        RunSteps(miss, s.near_miss);
        const Json clinician_view = Alerts(world->clin0, hit);
        const Json* alert = FindRule(clinician_view, s.rule_id);
        ASSERT_NE(alert, nullptr) << clinician_view.dump();
        EXPECT_EQ((*alert)["status"], "open");
        EXPECT_FALSE((*alert)["citations"].empty() && s.rule_id != "missed-check-in");
        EXPECT_TRUE((*alert).contains("evidence"));
        EXPECT_TRUE((*alert).contains("threshold"));
        EXPECT_EQ(FindRule(Alerts(world->clin0, miss), s.rule_id), nullptr)
            << Alerts(world->clin0, miss).dump();
        const Json patient_view = Alerts(Token(hit), hit);
        const Json* seen = FindRule(patient_view, s.rule_id);
        EXPECT_EQ(seen != nullptr, s.patient_visible) << patient_view.dump();
        if (seen != nullptr) {
            EXPECT_FALSE(seen->contains("evidence")) << "the patient sees plain language";
            EXPECT_FALSE((*seen)["message"].get<std::string>().empty());
        }
    }
}

double Metric(const std::string& name) {
    const auto metrics = HttpRequest(world->port, "GET", "/metrics");
    const std::string key = "\n" + name + " ";
    const auto at = metrics.body.find(key);
    return at == std::string::npos ? -1 : std::stod(metrics.body.substr(at + key.size()));
}

TEST_F(SupervisionApi, AWriteIsEvaluatedInTheBackgroundWithoutWaitingForARead) {
    const double before = Metric("mitra_alert_evaluations_total");
    ASSERT_GE(before, 0);
    RunSteps(18, {{"POST", "/doses", {{"amount", 6}, {"unit", "g"}}}});
    // /metrics is answered by the transport (no Barrier): only the background thread can have
    // run the evaluation this waits for.
    double after = before;
    for (int i = 0; i < 200 && !(after > before && Metric("mitra_alert_evaluations_queued") == 0);
         ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        after = Metric("mitra_alert_evaluations_total");
    }
    ASSERT_GT(after, before) << "the queued evaluation never ran";
    EXPECT_EQ(Metric("mitra_alert_evaluation_failures_total"), 0);
    const Json alerts = Alerts(world->clin0, 18);
    EXPECT_NE(FindRule(alerts, "dose-amount-high"), nullptr) << alerts.dump();
}

TEST_F(SupervisionApi, PhqItem9IsUrgentWithCrisisResourcesForThePatient) {
    RunSteps(0, {{"POST", "/assessments",
                  {{"instrument", "phq-9"}, {"taken_at", Rfc3339(-120)},
                   {"responses", Responses({0, 0, 0, 0, 0, 0, 0, 0, 2})}}}});
    const Json mine = Alerts(Token(0), 0);
    const Json* alert = FindRule(mine, "phq9-item9-positive");
    ASSERT_NE(alert, nullptr) << mine.dump();
    EXPECT_EQ((*alert)["severity"], "urgent");
    ASSERT_TRUE(alert->contains("crisis_resources"));
    EXPECT_FALSE((*alert)["crisis_resources"].empty());
}

TEST_F(SupervisionApi, SameConditionIsNotRaisedTwiceAndLifecycleIsAudited) {
    // Two large doses in the same week: one alert (condition key = the week).
    RunSteps(1, {{"POST", "/doses", {{"amount", 6}, {"unit", "g"}}},
                 {"POST", "/doses", {{"amount", 7}, {"unit", "g"}}}});
    Json alerts = Alerts(world->clin0, 1);
    int count = 0;
    std::string id;
    for (const auto& a : alerts) {
        if (a["rule_id"] == "dose-amount-high") {
            ++count;
            id = a["id"];
        }
    }
    ASSERT_EQ(count, 1) << alerts.dump();

    // The clinician's patient list carries the open alerts (what orders the panel), counted
    // from the same alerts the alert list shows.
    auto panel_entry = [&]() -> Json {
        auto list = Call(world->clin0, "GET", "/api/v1/patients");
        EXPECT_EQ(list.status, 200) << list.body;
        const Json body = list.json();
        for (const auto& p : body["patients"]) {
            if (p["id"] == world->clinic.patient_ids[1]) {
                return p;
            }
        }
        ADD_FAILURE() << "patient 1 is not in the clinician's list: " << list.body;
        return Json::object();
    };
    int open_before = 0;
    for (const auto& a : alerts) {
        open_before += a["status"] == "open" ? 1 : 0;
    }
    Json entry = panel_entry();
    EXPECT_EQ(entry["open_alerts"], open_before) << entry.dump();
    EXPECT_TRUE(entry["highest_open_alert_severity"].is_string()) << entry.dump();

    // The patient cannot acknowledge (403); a clinician without consent gets 404.
    auto by_patient = Call(Token(1), "POST", "/api/v1/alerts/" + id + "/acknowledge",
                           {{"note", "I am fine"}});
    EXPECT_EQ(by_patient.status, 403) << by_patient.body;
    auto by_other = Call(world->clin1, "POST", "/api/v1/alerts/" + id + "/acknowledge",
                         {{"note", "x"}});
    EXPECT_EQ(by_other.status, 404) << by_other.body;
    auto no_note =
        Call(world->clin0, "POST", "/api/v1/alerts/" + id + "/acknowledge", Json::object());
    EXPECT_EQ(no_note.status, 400) << no_note.body;

    auto ack = Call(world->clin0, "POST", "/api/v1/alerts/" + id + "/acknowledge",
                    {{"note", "discussed dose size"}});
    ASSERT_EQ(ack.status, 200) << ack.body;
    EXPECT_EQ(ack.json()["status"], "acknowledged");
    EXPECT_EQ(ack.json()["note"], "discussed dose size");
    EXPECT_EQ(ack.json()["acknowledged_by"], world->clinic.clinician_ids[0]);
    EXPECT_EQ(panel_entry()["open_alerts"], open_before - 1) << "acknowledged: no longer open";
    EXPECT_EQ(Call(world->clin0, "POST", "/api/v1/alerts/" + id + "/acknowledge",
                   {{"note", "again"}}).status,
              409);
    auto resolved = Call(world->clin0, "POST", "/api/v1/alerts/" + id + "/resolve", Json::object());
    ASSERT_EQ(resolved.status, 200) << resolved.body;
    EXPECT_EQ(resolved.json()["status"], "resolved");

    // Still the same week: a third large dose raises nothing new, even after resolution.
    RunSteps(1, {{"POST", "/doses", {{"amount", 8}, {"unit", "g"}}}});
    count = 0;
    for (const auto& a : Alerts(world->clin0, 1)) {
        count += a["rule_id"] == "dose-amount-high" ? 1 : 0;
    }
    EXPECT_EQ(count, 1);

    // Audited: the server's audit chain holds the acknowledgement (checked via the CLI).
    auto verify = RunCli({"audit", "verify", "--database", world->clinic.database_url}, "",
                         TestEnv());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

/// Doses of 2 g of the 15 mg/g leaf (30 mg mitragynine) on each of the 7 days before today.
void SevenDaysOfDoses(int patient) {
    for (int d = 1; d <= 7; ++d) {
        auto r = Call(Token(patient), "POST", PatientPath(patient, "/doses"),
                      {{"taken_at", Rfc3339(-d * kDayS)}, {"product_id", world->leaf_id},
                       {"amount", 2}, {"unit", "g"}});
        ASSERT_EQ(r.status, 201) << r.body;
    }
}

TEST_F(SupervisionApi, TaperPlanDraftApproveVersionAndToday) {
    SevenDaysOfDoses(2);
    auto draft = Call(Token(2), "POST", PatientPath(2, "/taper-plans"),
                      {{"method", "linear"}, {"step_percent", 10}, {"interval_days", 7},
                       {"start_date", Date(0)}});
    ASSERT_EQ(draft.status, 201) << draft.body;
    const Json plan = draft.json();
    EXPECT_EQ(plan["status"], "draft");
    // Default start = 7 days x 30 mg / 7 = 30 mg/day; first step 30 - 0.1*30 = 27 mg, which is
    // 27 / 15 mg/g = 1.8 g of the current product (label 15 mg/g).
    EXPECT_NEAR(plan["parameters"]["start_daily_mitragynine_mg"].get<double>(), 30.0, 1e-9);
    EXPECT_EQ(plan["parameters"]["start_source"], "last_7_days");
    ASSERT_FALSE(plan["schedule"].empty());
    EXPECT_EQ(plan["schedule"][0]["date"], Date(0));
    EXPECT_NEAR(plan["schedule"][0]["target_mitragynine_mg"].get<double>(), 27.0, 1e-9);
    EXPECT_NEAR(plan["schedule"][0]["target_amount_g"].get<double>(), 1.8, 1e-9);
    EXPECT_NEAR(plan["schedule"][1]["target_mitragynine_mg"].get<double>(), 24.0, 1e-9);
    const std::string id = plan["id"];

    // A patient cannot approve.
    EXPECT_EQ(Call(Token(2), "POST", "/api/v1/taper-plans/" + id + "/approve").status, 403);
    EXPECT_EQ(Call(world->clin1, "POST", "/api/v1/taper-plans/" + id + "/approve").status, 404);
    EXPECT_EQ(Call(Token(2), "POST", "/api/v1/taper-plans/" + id + "/activate").status, 409)
        << "a draft cannot be activated";
    auto approved = Call(world->clin0, "POST", "/api/v1/taper-plans/" + id + "/approve");
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(approved.json()["approved_by"], world->clinic.clinician_ids[0]);

    // Editing the approved plan creates version 2, a draft superseding it.
    auto edited = Call(world->clin0, "PATCH", "/api/v1/taper-plans/" + id, {{"step_percent", 5}});
    ASSERT_EQ(edited.status, 201) << edited.body;
    EXPECT_EQ(edited.json()["version"], 2);
    EXPECT_EQ(edited.json()["status"], "draft");
    EXPECT_EQ(edited.json()["supersedes_id"], id);
    // Same starting amount, 5 %: 30 - 1.5 = 28.5 mg.
    EXPECT_NEAR(edited.json()["schedule"][0]["target_mitragynine_mg"].get<double>(), 28.5, 1e-9);
    EXPECT_EQ(Call(world->clin0, "GET", "/api/v1/taper-plans/" + id).json()["status"], "approved");

    auto active = Call(Token(2), "POST", "/api/v1/taper-plans/" + id + "/activate");
    ASSERT_EQ(active.status, 200) << active.body;
    auto today = Call(Token(2), "GET", PatientPath(2, "/taper/today"));
    ASSERT_EQ(today.status, 200) << today.body;
    EXPECT_NEAR(today.json()["target_mitragynine_mg"].get<double>(), 27.0, 1e-9);
    EXPECT_NEAR(today.json()["target_amount_g"].get<double>(), 1.8, 1e-9);
    EXPECT_EQ(today.json()["on_hold"], false);
    EXPECT_EQ(today.json()["start_date"], Date(0));

    auto preview = Call(world->clin0, "GET", "/api/v1/taper-plans/" + id + "/preview?days=14");
    ASSERT_EQ(preview.status, 200) << preview.body;
    const Json points = preview.json()["points"];
    ASSERT_FALSE(points.empty());
    const Json& last = points.back();
    EXPECT_LE(last["p5_ng_ml"].get<double>(), last["p50_ng_ml"].get<double>());
    EXPECT_LE(last["p50_ng_ml"].get<double>(), last["p95_ng_ml"].get<double>());
    EXPECT_GT(last["p50_ng_ml"].get<double>(), 0.0);

    auto list = Call(world->clin0, "GET", PatientPath(2, "/taper-plans"));
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.json()["taper_plans"].size(), 2u);
    auto stopped = Call(Token(2), "POST", "/api/v1/taper-plans/" + id + "/stop");
    EXPECT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(Call(Token(2), "GET", PatientPath(2, "/taper/today")).status, 404);

    // A plan approved to start tomorrow is active but has no target today: the answer says
    // when it starts instead of inventing a target.
    auto later = Call(world->clin0, "POST", PatientPath(2, "/taper-plans"),
                      {{"method", "linear"}, {"step_percent", 10}, {"interval_days", 7},
                       {"start_date", Date(1)}});
    ASSERT_EQ(later.status, 201) << later.body;
    const std::string later_id = later.json()["id"];
    ASSERT_EQ(Call(world->clin0, "POST", "/api/v1/taper-plans/" + later_id + "/approve").status,
              200);
    ASSERT_EQ(Call(Token(2), "POST", "/api/v1/taper-plans/" + later_id + "/activate").status, 200);
    auto not_yet = Call(Token(2), "GET", PatientPath(2, "/taper/today"));
    ASSERT_EQ(not_yet.status, 200) << not_yet.body;
    EXPECT_TRUE(not_yet.json()["target_mitragynine_mg"].is_null()) << not_yet.body;
    EXPECT_EQ(not_yet.json()["start_date"], Date(1));
    EXPECT_EQ(not_yet.json()["date"], Date(0));
}

TEST_F(SupervisionApi, AdaptiveHoldStartsAndResumes) {
    SevenDaysOfDoses(3);
    // Started three days ago; SOWS >= 10 on one day pauses, < 5 on one day resumes
    // (clinician-set thresholds of this test).
    auto draft = Call(world->clin0, "POST", PatientPath(3, "/taper-plans"),
                      {{"method", "linear"}, {"step_percent", 10}, {"interval_days", 7},
                       {"start_date", Date(-3)},
                       {"hold_policy",
                        {{"pause_at_or_above", {{"sows-gossop-10", 10}}},
                         {"pause_after_days", 1},
                         {"resume_below", {{"sows-gossop-10", 5}}},
                         {"resume_after_days", 1}}}});
    ASSERT_EQ(draft.status, 201) << draft.body;
    const std::string id = draft.json()["id"];
    ASSERT_EQ(Call(world->clin0, "POST", "/api/v1/taper-plans/" + id + "/approve").status, 200);
    ASSERT_EQ(Call(world->clin0, "POST", "/api/v1/taper-plans/" + id + "/activate").status, 200);

    // Two days ago: SOWS 12 (elevated) -> on hold.
    RunSteps(3, {{"POST", "/assessments",
                  {{"instrument", "sows-gossop-10"}, {"taken_at", Rfc3339(-2 * kDayS)},
                   {"responses", Responses({2, 2, 2, 2, 2, 2, 0, 0, 0, 0})}}}});
    auto held = Call(Token(3), "GET", "/api/v1/taper-plans/" + id);
    ASSERT_EQ(held.status, 200);
    EXPECT_EQ(held.json()["on_hold"], true) << held.body;
    ASSERT_EQ(held.json()["holds"].size(), 1u);
    EXPECT_EQ(held.json()["holds"][0]["start_date"], Date(-2));
    bool marker = false;
    const Json held_plan = held.json();
    for (const auto& e : held_plan["schedule"]) {
        marker = marker || e["hold"].get<bool>();
    }
    EXPECT_TRUE(marker) << "the hold is visible in the schedule";
    EXPECT_EQ(Call(Token(3), "GET", PatientPath(3, "/taper/today")).json()["on_hold"], true);

    // Yesterday: SOWS 2 (settled) -> resumed; the hold ends the day after (today).
    RunSteps(3, {{"POST", "/assessments",
                  {{"instrument", "sows-gossop-10"}, {"taken_at", Rfc3339(-1 * kDayS)},
                   {"responses", Responses({1, 1, 0, 0, 0, 0, 0, 0, 0, 0})}}}});
    auto resumed = Call(Token(3), "GET", "/api/v1/taper-plans/" + id);
    EXPECT_EQ(resumed.json()["on_hold"], false) << resumed.body;
    ASSERT_EQ(resumed.json()["holds"].size(), 1u);
    EXPECT_EQ(resumed.json()["holds"][0]["end_date"], Date(0));
    EXPECT_EQ(resumed.json()["summary"]["hold_days"], 2);
}

TEST_F(SupervisionApi, CliTaperWritesCsv) {
    auto r = RunCli({"taper", "--method", "linear", "--start-mg", "100", "--step-percent", "25",
                     "--interval-days", "7", "--start-date", "2026-01-05"},
                    "", TestEnv());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // 100 mg, 25 % of the start per step: 75, 50, 25, then 0 (stop), weekly from 2026-01-05.
    EXPECT_NE(r.out.find("date,target_mitragynine_mg,step,note\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2026-01-05,75,1,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2026-01-12,50,2,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2026-01-19,25,3,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2026-01-26,0,4,"), std::string::npos) << r.out;
    auto bad = RunCli({"taper", "--method", "linear", "--start-mg", "100", "--step-percent", "0",
                       "--interval-days", "7"},
                      "", TestEnv());
    EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
    EXPECT_NE(bad.err.find("step_percent"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace mitra::testing
