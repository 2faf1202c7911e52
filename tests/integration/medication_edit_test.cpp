// Medications can be corrected or stopped after they are recorded, keeping the previous value,
// and withdrawn as entered in error without being deleted.

#include <gtest/gtest.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

TEST(MedicationEdits, StopCorrectWithdrawKeepHistory) {
    TempDir dir;
    const std::string url = SuiteDatabase(dir, "t.db");
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    Clinic clinic = CreateClinic(url, 2);
    Server server(clinic.database_url);
    const auto port = server.port();
    const std::string patient = Login(port, "p0@test.example");
    const std::string clinician = Login(port, "clin0@test.example");
    const std::string other = Login(port, "p1@test.example");
    const std::string base = "/api/v1/patients/" + clinic.patient_ids[0];
    ASSERT_EQ(HttpRequest(port, "POST", base + "/consents",
                          Json{{"grantee_user_id", clinic.clinician_ids[0]}, {"purpose", "care"}}.dump(),
                          JsonHeaders(patient)).status,
              201);

    auto created = HttpRequest(port, "POST", base + "/medications",
                               Json{{"name", "Seroquel"}, {"started_on", "2026-10-01"}}.dump(),
                               JsonHeaders(patient));
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = created.json()["id"];
    const std::string path = base + "/medications/" + id;

    // The clinician records the stop date.
    auto stopped = HttpRequest(port, "PATCH", path, Json{{"stopped_on", "2026-11-01"}}.dump(),
                               JsonHeaders(clinician));
    ASSERT_EQ(stopped.status, 200) << stopped.body;
    EXPECT_EQ(stopped.json()["stopped_on"], "2026-11-01");

    // A stop before the start, an unknown field and another patient are refused.
    auto backwards = HttpRequest(port, "PATCH", path, Json{{"stopped_on", "2026-09-01"}}.dump(),
                                 JsonHeaders(patient));
    EXPECT_EQ(backwards.status, 400);
    EXPECT_EQ(backwards.json()["error"]["field"], "stopped_on");
    EXPECT_EQ(HttpRequest(port, "PATCH", path, Json{{"dose", 1}}.dump(), JsonHeaders(patient)).status,
              400);
    EXPECT_EQ(HttpRequest(port, "PATCH", path, Json{{"name", "x"}}.dump(), JsonHeaders(other)).status,
              404);

    // The history holds the value before the change, with who changed it.
    auto read = HttpRequest(port, "GET", path, {}, Bearer(patient));
    ASSERT_EQ(read.status, 200);
    const Json record = read.json();
    ASSERT_EQ(record["history"].size(), 1u);
    EXPECT_TRUE(record["history"][0]["previous"]["stopped_on"].is_null());
    EXPECT_EQ(record["history"][0]["changed_by"], clinic.clinician_ids[0]);

    // Withdrawn as entered in error: gone from the list, still readable, no longer editable.
    EXPECT_EQ(HttpRequest(port, "DELETE", path, {}, Bearer(patient)).status, 200);
    auto list = HttpRequest(port, "GET", base + "/medications", {}, Bearer(patient));
    ASSERT_EQ(list.status, 200);
    EXPECT_TRUE(list.json()["medications"].empty()) << list.body;
    EXPECT_EQ(HttpRequest(port, "GET", path, {}, Bearer(patient)).status, 200);
    EXPECT_EQ(HttpRequest(port, "PATCH", path, Json{{"name", "quetiapine"}}.dump(),
                          JsonHeaders(patient)).status,
              409);
}

}  // namespace
}  // namespace mitra::testing
