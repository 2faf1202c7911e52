// Bad input, driven by data/bad_input.json: each case gets its 4xx in the DESIGN error shape
// naming the field, stores nothing, and the server stays up.

#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace mitra::testing {
namespace {

std::string FromHex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

TEST(BadInput, EveryCaseIsA4xxNamingTheFieldAndChangesNothing) {
    std::ifstream in(std::string(MITRA_SOURCE_DIR) + "/tests/integration/data/bad_input.json");
    ASSERT_TRUE(in) << "bad_input.json missing";
    const Json table = Json::parse(in);
    TempDir dir;
    const std::string url = SuiteDatabase(dir, "t.db");
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    Clinic clinic = CreateClinic(url, 2);
    Server server(clinic.database_url);
    const auto port = server.port();
    const std::string patient = Login(port, "p0@test.example");
    const std::string admin = Login(port, "admin@test.example");
    const std::string clinician = Login(port, "clin0@test.example");
    // Both patients share their record with clin0 (care); {other_note} is a note on patient 1.
    for (int i = 0; i < 2; ++i) {
        const auto r = HttpRequest(
            port, "POST", "/api/v1/patients/" + clinic.patient_ids[i] + "/consents",
            Json{{"grantee_user_id", clinic.clinician_ids[0]}, {"purpose", "care"}}.dump(),
            JsonHeaders(Login(port, "p" + std::to_string(i) + "@test.example")));
        ASSERT_EQ(r.status, 201) << r.body;
    }
    const auto other = HttpRequest(port, "POST",
                                   "/api/v1/patients/" + clinic.patient_ids[1] + "/notes",
                                   R"({"text":"A note on another patient."})",
                                   JsonHeaders(clinician));
    ASSERT_EQ(other.status, 201) << other.body;
    const std::string other_note = other.json()["id"];

    auto snapshot = [&] {
        auto users = HttpRequest(port, "GET", "/api/v1/users", {}, Bearer(admin));
        auto self = HttpRequest(port, "GET", "/api/v1/patients/" + clinic.patient_ids[0], {},
                                Bearer(patient));
        auto consents = HttpRequest(port, "GET",
                                    "/api/v1/patients/" + clinic.patient_ids[0] + "/consents", {},
                                    Bearer(patient));
        auto org = HttpRequest(port, "GET", "/api/v1/organization", {}, Bearer(admin));
        auto notes = HttpRequest(port, "GET",
                                 "/api/v1/patients/" + clinic.patient_ids[0] + "/notes", {},
                                 Bearer(patient));
        return users.body + self.body + consents.body + org.body + notes.body;
    };
    const std::string before = snapshot();

    for (const Json& c : table["cases"]) {
        const std::string name = c["name"];
        std::string body = c.value("body", "");
        if (c.contains("body_hex")) {
            body = FromHex(c["body_hex"]);
        }
        if (c.contains("body_repeat")) {
            body = std::string(c["body_repeat"][1].get<std::size_t>(),
                               c["body_repeat"][0].get<std::string>()[0]);
        }
        if (c.contains("body_template")) {
            body = Replace(c["body_template"], "%LONG300%", std::string(300, 'a'));
            body = Replace(body, "%LONG10001%", std::string(10001, 'a'));
        }
        body = Replace(body, "{clin0}", clinic.clinician_ids[0]);
        body = Replace(body, "{other_note}", other_note);
        std::string path = Replace(c["path"], "{pid}", clinic.patient_ids[0]);
        std::map<std::string, std::string> headers;
        const std::string content_type = c.value("content_type", "application/json");
        if (!content_type.empty()) {
            headers["Content-Type"] = content_type;
        }
        const std::string as = c["as"];
        if (as == "patient") {
            headers["Authorization"] = "Bearer " + patient;
        } else if (as == "admin") {
            headers["Authorization"] = "Bearer " + admin;
        } else if (as == "clinician") {
            headers["Authorization"] = "Bearer " + clinician;  // under p0's care consent
        }
        if (c.contains("authorization")) {
            headers["Authorization"] = c["authorization"];
        }
        const auto r = HttpRequest(port, c["method"], path, body, headers);
        EXPECT_EQ(r.status, c["status"].get<int>()) << name << ": " << r.body;
        EXPECT_GE(r.status, 400) << name;
        EXPECT_LT(r.status, 500) << name;
        const Json error = r.json();
        ASSERT_TRUE(error.contains("error")) << name << ": " << r.body;
        EXPECT_TRUE(error["error"].contains("code")) << name;
        EXPECT_TRUE(error["error"].contains("message")) << name;
        if (c.contains("field")) {
            EXPECT_EQ(error["error"].value("field", ""), c["field"].get<std::string>()) << name;
        }
        EXPECT_EQ(HttpRequest(port, "GET", "/healthz").status, 200) << "server down after " << name;
    }
    EXPECT_EQ(snapshot(), before) << "a bad request changed stored data";
}

TEST(BadInput, MalformedHttpIsA400NonUtf8JsonA415AndTheServerStaysUp) {
    TempDir dir;
    const std::string url = SuiteDatabase(dir, "t.db");
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    Clinic clinic = CreateClinic(url, 1);
    Server server(clinic.database_url);
    const std::string garbage = RawRequest(server.port(), "NOT HTTP AT ALL\r\n\r\n");
    EXPECT_NE(garbage.find(" 400 "), std::string::npos) << garbage;
    const std::string huge_header =
        RawRequest(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                      std::string(64 * 1024, 'a') + "\r\n\r\n");
    EXPECT_NE(huge_header.find(" 431 "), std::string::npos) << huge_header.substr(0, 100);
    EXPECT_EQ(HttpRequest(server.port(), "GET", "/healthz").status, 200);

    // JSON is UTF-8: a Content-Type may say so in any spelling, and must not say otherwise.
    const std::string body =
        R"({"email":"p0@test.example","password":")" + std::string(kPassword) + R"("})";
    auto sign_in_as = [&](const std::string& type) {
        return HttpRequest(server.port(), "POST", "/api/v1/auth/login", body,
                           {{"Content-Type", type}});
    };
    for (const std::string type : {"application/json", "Application/JSON; charset=UTF-8",
                                   "application/json;charset=\"utf-8\"",
                                   "application/json; charset=utf8"}) {
        const auto r = sign_in_as(type);
        EXPECT_EQ(r.status, 200) << type << ": " << r.body;
    }
    for (const std::string type :
         {"application/json; charset=latin1", "application/json; charset=utf-16", "text/json"}) {
        const auto r = sign_in_as(type);
        EXPECT_EQ(r.status, 415) << type << ": " << r.body;
    }
}

}  // namespace
}  // namespace mitra::testing
