// The authorization matrix: every patient-scoped endpoint × every kind of caller × the patient's
// relation to them (own, other, consented, revoked, never consented). One table, one test.

#include <gtest/gtest.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

// Who calls, and on which patient.
enum Actor { kAnon, kSelf, kOtherPatient, kConsented, kRevoked, kNever, kResearcher, kAdmin };
constexpr const char* kActorNames[] = {"anonymous", "patient (own)", "patient (other)",
                                       "clinician (consented)", "clinician (revoked)",
                                       "clinician (never consented)", "researcher", "admin"};

struct Case {
    std::string method;
    std::string path;  // {pid} = target patient, {cid} = its consent
    std::string body;
    std::array<int, 8> expected;  // by Actor
};

// Expected statuses, by actor: anon, self, other, consented, revoked, never, researcher, admin.
const std::vector<Case>& Matrix() {
    static const std::vector<Case> kCases = {
        {"GET", "/api/v1/patients/{pid}", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"PATCH", "/api/v1/patients/{pid}", R"({"display_name":"x"})",
         {401, 200, 404, 200, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/history", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/consents", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/exposure", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        // Clinical record (issue 4). {dose} = a dose of the target patient.
        {"POST", "/api/v1/patients/{pid}/doses", R"({"amount":1,"unit":"g"})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/doses", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/doses/repeat-last", "{}",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/doses/{dose}", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"PATCH", "/api/v1/patients/{pid}/doses/{dose}", R"({"amount":1.5})",
         {401, 200, 404, 200, 404, 404, 403, 403}},
        {"DELETE", "/api/v1/patients/{pid}/doses/{dose}", "",
         {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/assessments",
         R"({"instrument":"craving-nrs","responses":{"craving":3}})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/assessments", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/substance-use", R"({"substance_class":"alcohol"})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/substance-use", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/medications",
         R"({"name":"sertraline","started_on":"2026-01-05"})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/medications", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/adverse-events",
         R"({"onset_at":"2026-01-05T08:00:00Z","description":"nausea","serious":false})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/adverse-events", "",
         {401, 200, 404, 200, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/timeline", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        // Supervision (issue 7).
        {"GET", "/api/v1/patients/{pid}/alerts", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        {"POST", "/api/v1/patients/{pid}/taper-plans",
         R"({"method":"linear","start_daily_mitragynine_mg":40,"step_percent":10,"interval_days":7})",
         {401, 201, 404, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/taper-plans", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        // Clinical notes: clinicians under care consent write (the role is checked first, so any
        // patient gets 403); the patient reads their own (open notes).
        {"POST", "/api/v1/patients/{pid}/notes", R"({"text":"Seen today."})",
         {401, 403, 403, 201, 404, 404, 403, 403}},
        {"GET", "/api/v1/patients/{pid}/notes", "", {401, 200, 404, 200, 404, 404, 403, 403}},
        // Products and lots are clinic data: all may read; clinicians and admins register.
        {"GET", "/api/v1/products", "", {401, 200, 200, 200, 200, 200, 200, 200}},
        {"POST", "/api/v1/products", R"({"name":"P{n}","form":"leaf_powder"})",
         {401, 403, 403, 201, 201, 201, 403, 201}},
        {"GET", "/api/v1/instruments", "", {401, 200, 200, 200, 200, 200, 200, 200}},
        {"POST", "/api/v1/patients/{pid}/consents",
         R"({"grantee_user_id":"{clin1}","purpose":"care"})",
         {401, 201, 404, 403, 403, 403, 403, 403}},
        {"DELETE", "/api/v1/patients/{pid}/consents/{cid}", "",
         {401, 200, 404, 403, 403, 403, 403, 403}},
        {"GET", "/api/v1/patients", "", {401, 200, 200, 200, 200, 200, 403, 403}},
        {"GET", "/api/v1/users", "", {401, 403, 403, 403, 403, 403, 403, 200}},
        {"PATCH", "/api/v1/organization", R"({"require_totp":false})",
         {401, 403, 403, 403, 403, 403, 403, 200}},
        {"POST", "/api/v1/users",
         R"({"email":"new{n}@test.example","password":"long-enough-1","role":"clinician"})",
         {401, 403, 403, 403, 403, 403, 403, 201}},
        {"GET", "/api/v1/me", "", {401, 200, 200, 200, 200, 200, 200, 200}},
    };
    return kCases;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

// Runs once per database backend (PostgreSQL when $MITRA_TEST_PG_DSN is set).
class AuthorizationMatrix : public ::testing::TestWithParam<Backend> {};
INSTANTIATE_TEST_SUITE_P(Db, AuthorizationMatrix,
                         ::testing::ValuesIn(DatabaseBackendsForTests()), BackendParamName);

TEST_P(AuthorizationMatrix, EveryEndpointEveryRoleEveryRelation) {
    TempDir dir;
    const std::string url = FreshDatabase(GetParam(), dir);
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    // Patients: 0 = target (consents to clin0), 1 = another patient, 2 = revoked clin0.
    Clinic clinic = CreateClinic(url, 3);
    Server server(clinic.database_url);
    const auto port = server.port();
    std::map<std::string, std::string> tokens;
    for (const auto& email : clinic.emails) {
        tokens[email] = Login(port, email);
    }
    auto grant = [&](int patient, const std::string& clinician_id) {
        auto r = HttpRequest(port, "POST",
                             "/api/v1/patients/" + clinic.patient_ids[patient] + "/consents",
                             Json{{"grantee_user_id", clinician_id}, {"purpose", "care"}}.dump(),
                             JsonHeaders(tokens["p" + std::to_string(patient) + "@test.example"]));
        EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
        return std::string(r.json()["id"]);
    };
    grant(0, clinic.clinician_ids[0]);
    const std::string revoked_cid = grant(2, clinic.clinician_ids[0]);
    ASSERT_EQ(HttpRequest(port, "DELETE",
                          "/api/v1/patients/" + clinic.patient_ids[2] + "/consents/" + revoked_cid,
                          {}, Bearer(tokens["p2@test.example"])).status,
              200);

    // A dose of each target patient, logged by the patient, for the {dose} rows.
    std::map<int, std::string> dose_ids;
    for (int target : {0, 2}) {
        auto r = HttpRequest(port, "POST",
                             "/api/v1/patients/" + clinic.patient_ids[target] + "/doses",
                             R"({"amount":2,"unit":"g"})",
                             JsonHeaders(tokens["p" + std::to_string(target) + "@test.example"]));
        ASSERT_EQ(r.status, 201) << r.body;
        dose_ids[target] = r.json()["id"];
    }

    int n = 0;
    for (const Case& c : Matrix()) {
        for (int actor = kAnon; actor <= kAdmin; ++actor) {
            // Each actor targets the patient whose relation the column names.
            const int target = actor == kRevoked ? 2 : 0;
            std::string email;
            switch (actor) {
                case kAnon: break;
                case kSelf: email = "p0@test.example"; break;
                case kOtherPatient: email = "p1@test.example"; break;
                case kConsented: email = "clin0@test.example"; break;
                case kRevoked: email = "clin0@test.example"; break;
                case kNever: email = "clin1@test.example"; break;
                case kResearcher: email = "research@test.example"; break;
                case kAdmin: email = "admin@test.example"; break;
            }
            // A fresh consent to delete for each DELETE row, so every actor meets one.
            std::string cid = "01900000-0000-7000-8000-0000000000ff";
            if (c.method == "DELETE" && c.path.find("{cid}") != std::string::npos) {
                cid = grant(target, clinic.clinician_ids[1]);
            }
            std::string path = Replace(c.path, "{pid}", clinic.patient_ids[target]);
            path = Replace(path, "{cid}", cid);
            path = Replace(path, "{dose}", dose_ids[target]);
            std::string body = Replace(c.body, "{clin1}", clinic.clinician_ids[1]);
            body = Replace(body, "{n}", std::to_string(++n));
            auto headers = JsonHeaders(email.empty() ? std::string() : tokens[email]);
            const auto r = HttpRequest(port, c.method, path, body, headers);
            int expected = c.expected[static_cast<std::size_t>(actor)];
            if (expected == 201 && r.status == 200 && c.method == "POST" &&
                c.path.find("consents") != std::string::npos) {
                expected = 200;  // the consent already existed from an earlier actor's row
            }
            EXPECT_EQ(r.status, expected)
                << c.method << " " << c.path << " as " << kActorNames[actor] << ": " << r.body;
            if (r.status >= 400) {
                EXPECT_TRUE(r.json().contains("error")) << r.body;
            }
        }
    }
}

}  // namespace
}  // namespace mitra::testing
