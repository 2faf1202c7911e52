// Clinical notes over real HTTP, once per database backend: create, list newest first with
// from/to, idempotent retry and conflict, amendments that keep the original, the patient reads
// but cannot write, a revoked consent ends access at once, bad input stores nothing, and every
// write and read is audited.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

class NotesApiTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        url_ = FreshDatabase(GetParam(), dir_);
        if (url_.empty()) {
            GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
        }
        clinic_ = CreateClinic(url_, 3);
        server_ = std::make_unique<Server>(clinic_.database_url);
        clin0_ = Login(port(), "clin0@test.example");
        clin1_ = Login(port(), "clin1@test.example");
        for (int i = 0; i < 3; ++i) {
            patients_.push_back(Login(port(), "p" + std::to_string(i) + "@test.example"));
        }
        care_consent_ = Grant(0, clinic_.clinician_ids[0]);
        Grant(1, clinic_.clinician_ids[0]);
        const std::string revoked = Grant(2, clinic_.clinician_ids[0]);
        ASSERT_EQ(Call(patients_[2], "DELETE", Path(2, "/consents/" + revoked)).status, 200);
    }

    std::uint16_t port() const { return server_->port(); }

    HttpResult Call(const std::string& token, const std::string& method, const std::string& path,
                    const Json& body = nullptr) {
        return HttpRequest(port(), method, path, body.is_null() ? std::string() : body.dump(),
                           JsonHeaders(token));
    }

    std::string Path(int patient, const std::string& rest = "/notes") const {
        return "/api/v1/patients/" + clinic_.patient_ids[static_cast<std::size_t>(patient)] + rest;
    }

    std::string Grant(int patient, const std::string& clinician_id) {
        auto r = Call(patients_[static_cast<std::size_t>(patient)], "POST",
                      Path(patient, "/consents"),
                      {{"grantee_user_id", clinician_id}, {"purpose", "care"}});
        EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
        return r.json().value("id", "");
    }

    /// Posts a note as clin0 and waits 5 ms so the next note gets a later created_at.
    HttpResult Post(int patient, const Json& body) {
        auto r = Call(clin0_, "POST", Path(patient), body);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return r;
    }

    Json List(const std::string& token, int patient, const std::string& query = {}) {
        auto r = Call(token, "GET", Path(patient) + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json()["notes"];
    }

    TempDir dir_;
    std::string url_;
    Clinic clinic_;
    std::unique_ptr<Server> server_;
    std::string clin0_, clin1_;
    std::vector<std::string> patients_;
    std::string care_consent_;
};

INSTANTIATE_TEST_SUITE_P(Db, NotesApiTest, ::testing::ValuesIn(DatabaseBackendsForTests()),
                         BackendParamName);

constexpr const char* kNoteA = "01900000-0000-7000-8000-00000000a0a1";
constexpr const char* kNoteC = "01900000-0000-7000-8000-00000000a0c3";

TEST_P(NotesApiTest, CreateListRetryConflictAndAmend) {
    // Create: trimmed text, server time, the author as other endpoints show accounts.
    auto a = Post(0, {{"id", kNoteA}, {"text", "  Discussed the taper pace.\n"}});
    ASSERT_EQ(a.status, 201) << a.body;
    const Json note_a = a.json();
    EXPECT_EQ(note_a["id"], kNoteA);
    EXPECT_EQ(note_a["patient_id"], clinic_.patient_ids[0]);
    EXPECT_EQ(note_a["text"], "Discussed the taper pace.");
    EXPECT_EQ(note_a["author"], clinic_.clinician_ids[0]);
    EXPECT_EQ(note_a["author_email"], "clin0@test.example");
    EXPECT_EQ(note_a["author_role"], "clinician");
    EXPECT_TRUE(note_a["amends"].is_null());
    EXPECT_EQ(note_a["amended_by"], Json::array());
    ASSERT_TRUE(note_a["created_at"].is_string());

    // The same id and content again: stored once, the stored note answered with 200.
    auto retry = Post(0, {{"id", kNoteA}, {"text", "Discussed the taper pace."}});
    ASSERT_EQ(retry.status, 200) << retry.body;
    EXPECT_EQ(retry.json()["created_at"], note_a["created_at"]);
    // The same id with other content: 409 naming the id, nothing changed.
    auto clash = Post(0, {{"id", kNoteA}, {"text", "Something else."}});
    EXPECT_EQ(clash.status, 409) << clash.body;
    EXPECT_EQ(clash.json()["error"]["field"], "id");
    // The same id on another patient's record is a conflict too, not a second note.
    auto elsewhere = Post(1, {{"id", kNoteA}, {"text", "Discussed the taper pace."}});
    EXPECT_EQ(elsewhere.status, 409) << elsewhere.body;
    // The Idempotency-Key header works as the body id does.
    auto keyed_headers = JsonHeaders(clin0_);
    keyed_headers["Idempotency-Key"] = kNoteA;
    auto keyed = HttpRequest(port(), "POST", Path(0),
                             Json{{"text", "Discussed the taper pace."}}.dump(), keyed_headers);
    EXPECT_EQ(keyed.status, 200) << keyed.body;

    // A note without a client id gets a server id.
    auto b = Post(0, {{"text", "Patient asked about sleep."}});
    ASSERT_EQ(b.status, 201) << b.body;
    const std::string id_b = b.json()["id"];
    EXPECT_NE(id_b, kNoteA);

    // An amendment: a new note naming the earlier one, which stays as it was.
    auto c = Post(0, {{"id", kNoteC}, {"text", "Correction: the pace stays weekly."},
                      {"amends", kNoteA}});
    ASSERT_EQ(c.status, 201) << c.body;
    EXPECT_EQ(c.json()["amends"], kNoteA);
    auto c_retry = Post(0, {{"id", kNoteC}, {"text", "Correction: the pace stays weekly."}});
    EXPECT_EQ(c_retry.status, 409) << "the same id without its amends is other content";

    const Json notes = List(clin0_, 0);
    ASSERT_EQ(notes.size(), 3u) << notes.dump();
    EXPECT_EQ(notes[0]["id"], kNoteC) << "newest first";
    EXPECT_EQ(notes[1]["id"], id_b);
    EXPECT_EQ(notes[2]["id"], kNoteA);
    EXPECT_EQ(notes[2]["text"], "Discussed the taper pace.") << "the amended note is kept";
    EXPECT_EQ(notes[2]["amended_by"], Json::array({kNoteC}));
    EXPECT_EQ(notes[0]["amends"], kNoteA);

    // from is inclusive, to exclusive (as for the other lists).
    const std::string at_b = notes[1]["created_at"];
    const Json from_b = List(clin0_, 0, "?from=" + at_b);
    ASSERT_EQ(from_b.size(), 2u) << from_b.dump();
    EXPECT_EQ(from_b[1]["id"], id_b);
    const Json before_b = List(clin0_, 0, "?to=" + at_b);
    ASSERT_EQ(before_b.size(), 1u) << before_b.dump();
    EXPECT_EQ(before_b[0]["id"], kNoteA);
    EXPECT_EQ(before_b[0]["amended_by"], Json::array({kNoteC}))
        << "amendments show even when outside the range";
    const Json newest = List(clin0_, 0, "?limit=1");
    ASSERT_EQ(newest.size(), 1u);
    EXPECT_EQ(newest[0]["id"], kNoteC);
    EXPECT_EQ(Call(clin0_, "GET", Path(0) + "?from=" + at_b + "&to=2000-01-01T00:00:00Z").status,
              400);

    // Other patients' lists hold none of these.
    EXPECT_TRUE(List(clin0_, 1).empty());
}

TEST_P(NotesApiTest, ConcurrentRetriesStoreOneNote) {
    // A client that retries while its first request is still running: 8 identical POSTs at
    // once. Exactly one creates (201); the others answer as retries (200); one note stored.
    constexpr int kClients = 8;
    std::vector<int> statuses(kClients, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
            statuses[static_cast<std::size_t>(i)] =
                Call(clin0_, "POST", Path(0), {{"id", kNoteA}, {"text", "Sent eight times."}})
                    .status;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kClients - 1);
    const Json notes = List(clin0_, 0);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0]["id"], kNoteA);
}

TEST_P(NotesApiTest, AmendsMustNameAnEarlierNoteOfTheSamePatient) {
    auto other = Post(1, {{"text", "Note on patient 1."}});
    ASSERT_EQ(other.status, 201) << other.body;
    const std::string other_id = other.json()["id"];

    auto cross = Post(0, {{"text", "Amends someone else's note."}, {"amends", other_id}});
    EXPECT_EQ(cross.status, 400) << cross.body;
    EXPECT_EQ(cross.json()["error"]["field"], "amends");
    auto unknown = Post(0, {{"text", "Amends nothing."},
                            {"amends", "01900000-0000-7000-8000-00000000ffff"}});
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.json()["error"]["field"], "amends");
    auto self = Post(0, {{"id", kNoteA}, {"text", "Amends itself."}, {"amends", kNoteA}});
    EXPECT_EQ(self.status, 400) << self.body;
    EXPECT_EQ(self.json()["error"]["field"], "amends");
    EXPECT_TRUE(List(clin0_, 0).empty()) << "nothing stored";
    EXPECT_EQ(List(clin0_, 1).size(), 1u);
}

TEST_P(NotesApiTest, TextIsRequiredBoundedAndFreeOfControlCharacters) {
    const std::vector<std::pair<Json, std::string>> bad = {
        {Json::object(), "text"},
        {{{"text", ""}}, "text"},
        {{{"text", " \n\t "}}, "text"},
        {{{"text", 42}}, "text"},
        {{{"text", std::string(10001, 'a')}}, "text"},
        {{{"text", std::string("nul\0byte", 8)}}, "text"},  // PostgreSQL text cannot hold it
        {{{"text", "bell\a"}}, "text"},
        {{{"text", "ok"}, {"id", "not-a-uuid"}}, "id"},
        {{{"text", "ok"}, {"amends", 7}}, "amends"},
        {{{"text", "ok"}, {"author", "me"}}, "author"},
    };
    for (const auto& [body, field] : bad) {
        auto r = Post(0, body);
        EXPECT_EQ(r.status, 400) << body.dump().substr(0, 80) << ": " << r.body;
        EXPECT_EQ(r.json()["error"].value("field", ""), field) << body.dump().substr(0, 80);
    }
    EXPECT_TRUE(List(clin0_, 0).empty()) << "nothing stored";

    // The bound counts characters, not bytes: 10,000 two-byte characters fit.
    std::string accented;
    for (int i = 0; i < 10000; ++i) {
        accented += "\u00e9";
    }
    auto longest = Post(0, {{"text", accented}});
    EXPECT_EQ(longest.status, 201) << longest.body.substr(0, 200);
    EXPECT_EQ(Post(0, {{"text", accented + "\u00e9"}}).status, 400);
    // Line breaks and tabs are text.
    auto lines = Post(0, {{"text", "line one\n\tline two\r\nline three"}});
    ASSERT_EQ(lines.status, 201) << lines.body;
    EXPECT_EQ(lines.json()["text"], "line one\n\tline two\r\nline three");
    EXPECT_EQ(List(clin0_, 0).size(), 2u);
}

TEST_P(NotesApiTest, PatientReadsOwnNotesButCannotWrite) {
    ASSERT_EQ(Post(0, {{"text", "Reviewed the week's doses together."}}).status, 201);
    const Json seen = List(patients_[0], 0);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0]["text"], "Reviewed the week's doses together.");
    EXPECT_EQ(seen[0]["author_email"], "clin0@test.example");

    auto write = Call(patients_[0], "POST", Path(0), {{"text", "My own note."}});
    EXPECT_EQ(write.status, 403) << write.body;
    EXPECT_EQ(Call(patients_[1], "GET", Path(0)).status, 404) << "another patient's notes";
    EXPECT_EQ(Call(clin1_, "GET", Path(0)).status, 404) << "a clinician without consent";
    EXPECT_EQ(Call(clin1_, "POST", Path(0), {{"text", "x"}}).status, 404);
    EXPECT_EQ(List(patients_[0], 0).size(), 1u) << "the refused writes stored nothing";
}

TEST_P(NotesApiTest, RevokedConsentEndsAccessAtOnce) {
    // Patient 2 revoked clin0 in SetUp.
    EXPECT_EQ(Call(clin0_, "GET", Path(2)).status, 404);
    EXPECT_EQ(Call(clin0_, "POST", Path(2), {{"text", "x"}}).status, 404);

    ASSERT_EQ(Post(0, {{"text", "Before the revocation."}}).status, 201);
    ASSERT_EQ(Call(patients_[0], "DELETE", Path(0, "/consents/" + care_consent_)).status, 200);
    EXPECT_EQ(Call(clin0_, "GET", Path(0)).status, 404);
    EXPECT_EQ(Call(clin0_, "POST", Path(0), {{"text", "After the revocation."}}).status, 404);
    const Json kept = List(patients_[0], 0);
    ASSERT_EQ(kept.size(), 1u) << "the record keeps the note; the patient still reads it";
    EXPECT_EQ(kept[0]["text"], "Before the revocation.");
}

TEST_P(NotesApiTest, WritesAndReadsAreAuditedAndTheChainHolds) {
    auto a = Post(0, {{"id", kNoteA}, {"text", "Audited note."}});
    ASSERT_EQ(a.status, 201);
    ASSERT_EQ(Post(0, {{"id", kNoteC}, {"text", "Audited amendment."}, {"amends", kNoteA}})
                  .status,
              201);
    ASSERT_EQ(Post(0, {{"id", kNoteA}, {"text", "Audited note."}}).status, 200);
    List(clin0_, 0);
    List(patients_[0], 0);
    EXPECT_EQ(server_->Stop(), 0);  // flushes the queued read audits
    auto verify = RunCli({"audit", "verify", "--database", clinic_.database_url}, {}, TestEnv());
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    if (GetParam() != Backend::kSqlite) {
        return;  // the entries themselves are read from the SQLite file below
    }
    sqlite3* db = nullptr;
    const std::string path = clinic_.database_url.substr(std::string("sqlite:").size());
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT action, subject_id, actor_user_id FROM audit_log "
                                 "WHERE action LIKE 'note.%' ORDER BY seq",
                                 -1, &st, nullptr),
              SQLITE_OK);
    std::vector<std::string> rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows.push_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) +
                       " " + reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + " " +
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    const std::string pid = clinic_.patient_ids[0];
    const std::string clin = clinic_.clinician_ids[0];
    const std::vector<std::string> expected = {
        std::string("note.create ") + kNoteA + " " + clin,
        std::string("note.amend ") + kNoteC + " " + clin,
        "note.list " + pid + " " + clin,
        "note.list " + pid + " " + clinic_.patient_user_ids[0],
    };
    EXPECT_EQ(rows, expected) << "one entry per write (none for the retry) and per read";
}

}  // namespace
}  // namespace mitra::testing
