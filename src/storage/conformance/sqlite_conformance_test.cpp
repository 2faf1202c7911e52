#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"
#include "storage/open_storage.hpp"
#include "storage/sqlite/clinical_queries.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/notes_queries.hpp"
#include "storage/sqlite/queries.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
#include "storage/sqlite/supervision_queries.hpp"
#include "storage/test_temp_dir.hpp"

namespace mitra::storage {
namespace {

std::string FreshPath() {
    static std::atomic<int> counter{0};
    static const ProcessTempDir dir("mitra-conf-");
    return dir.Fresh("db" + std::to_string(counter++) + ".sqlite");
}

std::unique_ptr<core::Storage> MakeSqlite() { return OpenStorage("sqlite:" + FreshPath(), {}); }

INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest, testing::Values(&MakeSqlite));

TEST(SqliteMigrations, RefusesNewerSchema) {
    const std::string path = FreshPath();
    { auto storage = OpenStorage(path, {}); }
    {
        sqlite::SqliteStorage raw({path, 1});
        auto uow = raw.Begin(core::TxMode::kWrite);
        uow->Commit();
    }
    // Pretend a newer mitra migrated this file.
    {
        sqlite::SqliteStorage raw({path, 1});
        raw.Migrate();
    }
    // Manually bump the version through a plain SQLite handle.
    {
        sqlite::Connection c(path);
        c.Exec("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (9999, 'future', 0)");
    }
    EXPECT_THROW(OpenStorage(path, {}), Error);
}

TEST(SqliteMigrations, IsIdempotent) {
    const std::string path = FreshPath();
    sqlite::SqliteStorage storage({path, 2});
    const int v1 = storage.Migrate();
    EXPECT_EQ(storage.Migrate(), v1);
    EXPECT_EQ(v1, sqlite::SqliteStorage::KnownVersion());
}

TEST(SqliteMigrations, Version6KeepsEveryDoseAndItsRulesAndNeedsNoSortOrCaseloadWalk) {
    // A database left at version 5 with doses in it, as an older mitra wrote it.
    const std::string path = FreshPath();
    {
        sqlite::SqliteStorage older({path, 1});
        ASSERT_EQ(older.Migrate(5), 5);
    }
    {
        sqlite::Connection c(path);
        c.Exec(
            "INSERT INTO organizations (id, organization_id, name, created_at_ms) VALUES "
            "('o', 'o', 'Clinic', 1);"
            "INSERT INTO users (organization_id, id, email, role, password_hash, created_at_ms) "
            "VALUES ('o', 'u', 'p@x.test', 'patient', 'h', 1);"
            "INSERT INTO patients (organization_id, id, user_id, created_at_ms, updated_at_ms) "
            "VALUES ('o', 'p', 'u', 1, 1);"
            "INSERT INTO doses (organization_id, id, patient_id, taken_at_ms, amount, unit, "
            "amount_g, derivation_json, recorded_by, recorded_at_ms, updated_at_ms, "
            "deleted_at_ms) VALUES ('o', 'd1', 'p', 10, 2.5, 'g', 2.5, '{\"a\":1}', 'u', 11, 12, "
            "NULL), ('o', 'd2', 'p', 20, 3, 'capsule', NULL, '{}', 'u', 21, 22, 23)");
    }
    sqlite::SqliteStorage storage({path, 1});
    EXPECT_EQ(storage.Migrate(), sqlite::SqliteStorage::KnownVersion());

    sqlite::Connection c(path);
    auto rows = c.Prepare(
        "SELECT id || '|' || taken_at_ms || '|' || amount || '|' || unit || '|' || "
        "ifnull(amount_g, '-') || '|' || derivation_json || '|' || ifnull(deleted_at_ms, '-') "
        "FROM doses ORDER BY id");
    std::vector<std::string> seen;
    while (rows.Step()) {
        seen.push_back(rows.Text(0));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"d1|10|2.5|g|2.5|{\"a\":1}|-",
                                              "d2|20|3.0|capsule|-|{}|23"}));
    // The rebuilt table keeps its unit rule, its keys and its covering index.
    const auto insert = [&c](const std::string& id, const std::string& patient,
                             const std::string& unit) {
        c.Exec("INSERT INTO doses (organization_id, id, patient_id, taken_at_ms, amount, unit, "
               "derivation_json, recorded_by, recorded_at_ms, updated_at_ms) VALUES ('o', '" +
               id + "', '" + patient + "', 30, 1, '" + unit + "', '{}', 'u', 31, 31)");
    };
    EXPECT_THROW(insert("d3", "p", "kg"), Error);      // the unit rule
    EXPECT_THROW(insert("d1", "p", "g"), Error);       // the primary key
    EXPECT_THROW(insert("d4", "nobody", "g"), Error);  // the patient's foreign key
    EXPECT_NO_THROW(insert("d5", "p", "tablet"));
    auto index = c.Prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'doses' AND "
        "name = 'doses_patient_time'");
    ASSERT_TRUE(index.Step());
    EXPECT_EQ(index.Int(0), 1);
    const auto plan = [&c](const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(c.raw(), ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st,
                                     nullptr),
                  SQLITE_OK);
        std::string detail;
        while (sqlite3_step(st) == SQLITE_ROW) {
            detail += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
            detail += ';';
        }
        sqlite3_finalize(st);
        return detail;
    };
    // mitra's own queries, as prepared (parameters unbound: the plan does not depend on them).
    // The per-patient lists (evaluation reads the first four after every dose, and the active
    // taper plan) and the clinic's open-alert counts come out of an index in the order asked
    // for: no temporary b-tree.
    for (const char* sql : {sqlite::q::kAssessmentsForPatient, sqlite::q::kSubstanceForPatient,
                            sqlite::q::kAdverseForPatient, sqlite::q::kMedicationsForPatient,
                            sqlite::q::kTaperActive, sqlite::q::kAlertsForPatient,
                            sqlite::q::kTapersForPatient, sqlite::q::kNotesForPatient,
                            sqlite::q::kAlertOpenCounts}) {
        const std::string detail = plan(sql);
        EXPECT_EQ(detail.find("TEMP B-TREE"), std::string::npos) << sql << ": " << detail;
        EXPECT_NE(detail.find("USING"), std::string::npos) << sql << ": " << detail;
    }
    // The consent check is one seek on (grantee, purpose, patient), not a walk of the caseload.
    const std::string consent = plan(sqlite::q::kPatientIfConsented);
    EXPECT_NE(consent.find("purpose=? AND patient_id=?"), std::string::npos) << consent;
}

TEST(SqliteConnection, ExecOfBuiltSqlIsNeverServedFromTheStatementCache) {
    sqlite::Connection c(FreshPath());
    // One buffer, two texts: a cache keyed by address would run the first one twice.
    std::string sql(64, ' ');
    sql.assign("CREATE TABLE first_table (x INTEGER)");
    const char* where = sql.c_str();
    c.Exec(sql);
    sql.assign("CREATE TABLE second_table (x INTEGER)");
    ASSERT_EQ(sql.c_str(), where);
    c.Exec(sql);
    auto st = c.Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'second_table'");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), 1);
}

TEST(DatabaseUrl, ParsesForms) {
    EXPECT_EQ(ParseDatabaseUrl("sqlite:/tmp/x.db").target, "/tmp/x.db");
    EXPECT_EQ(ParseDatabaseUrl("sqlite:///tmp/x.db").target, "/tmp/x.db");
    EXPECT_EQ(ParseDatabaseUrl("var/demo.db").target, "var/demo.db");
    EXPECT_EQ(ParseDatabaseUrl("postgresql://u@h/db").kind, DatabaseUrl::Kind::kPostgres);
    EXPECT_THROW(ParseDatabaseUrl(""), ValidationError);
    EXPECT_THROW(ParseDatabaseUrl("mysql://x"), ValidationError);
}

}  // namespace
}  // namespace mitra::storage
