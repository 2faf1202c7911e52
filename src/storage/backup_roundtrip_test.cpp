// Backup → change → restore gives back exactly the backed-up database: every table, every row,
// every column compared. Built twice: for SQLite (label storage) and, with
// MITRA_BACKUP_TEST_POSTGRES=1, for PostgreSQL (label pg; needs $MITRA_TEST_PG_DSN).

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "core/error.hpp"
#include "storage/open_storage.hpp"
#include "storage/test_temp_dir.hpp"

namespace mitra::storage {
namespace {

using Tables = std::map<std::string, std::vector<std::string>>;  // table -> sorted rows

constexpr const char* kOrg = "01900000-0000-7000-8000-00000000d001";
constexpr const char* kUser = "01900000-0000-7000-8000-00000000d002";
constexpr const char* kPatient = "01900000-0000-7000-8000-00000000d003";
constexpr const char* kProduct = "01900000-0000-7000-8000-00000000d004";
constexpr const char* kLot = "01900000-0000-7000-8000-00000000d005";

/// Puts at least one row in every table through the ports.
void Fill(core::Storage& storage) {
    auto uow = storage.Begin(core::TxMode::kWrite);
    uow->Organizations().Insert({kOrg, "Backup Clinic", true, 1});
    uow->Users().Insert({kUser, kOrg, "b@example.org", core::Role::kPatient, "h", "secret", true,
                         std::string(kPatient), false, 1});
    uow->Patients().Insert({kPatient, kOrg, kUser, "P", "UTC", "US-TX", false, 1, 2});
    uow->Sessions().Insert({"tokenhash", kOrg, kUser, 10, 20, std::nullopt});
    uow->Consents().Insert({"01900000-0000-7000-8000-00000000d006", kOrg, kPatient, kUser,
                            core::ConsentPurpose::kCare, 5, 6});
    core::AuditEntry a;
    a.organization_id = kOrg;
    a.at_ms = 7;
    a.actor_user_id = kUser;
    a.action = "patient.read";
    a.subject_type = "patient";
    a.subject_id = kPatient;
    a.patient_id = kPatient;
    a.outcome = "ok";
    uow->Audit().Append(a);
    uow->Audit().Append(a);
    uow->Throttles().Upsert({"email:x", 3, 100, 0});
    uow->History().Insert({"01900000-0000-7000-8000-00000000d007", kOrg, "patient", kPatient,
                           kUser, 8, R"({"display_name":"Q"})"});
    core::Product product;
    product.id = kProduct;
    product.organization_id = kOrg;
    product.name = "Leaf";
    product.vendor = "V";
    product.form = "leaf_powder";
    product.serving_amount = 2.5;
    product.serving_unit = "g";
    product.label_mitragynine_mg_per_g = 19.5;
    product.label_json = "{}";
    product.created_by = kUser;
    uow->Products().Insert(product);
    uow->Lots().Insert({kLot, kOrg, kProduct, "A-1", 19.48, std::nullopt, "{}", kUser, 2});
    core::Dose d;
    d.id = "01900000-0000-7000-8000-00000000d008";
    d.organization_id = kOrg;
    d.patient_id = kPatient;
    d.taken_at_ms = 1000;
    d.product_id = kProduct;
    d.lot_id = kLot;
    d.amount = 2;
    d.unit = "g";
    d.amount_g = 2;
    d.mitragynine_mg = 38.96;
    d.derivation_json = "{}";
    d.recorded_by = kUser;
    uow->Doses().Insert(d);
    core::Assessment s;
    s.id = "01900000-0000-7000-8000-00000000d009";
    s.organization_id = kOrg;
    s.patient_id = kPatient;
    s.instrument = "cows";
    s.instrument_version = "1";
    s.taken_at_ms = 1;
    s.responses_json = "{}";
    s.total = 3;
    s.administered_by = kUser;
    s.administered_role = "patient";
    uow->Assessments().Insert(s);
    core::SubstanceUse u;
    u.id = "01900000-0000-7000-8000-00000000d010";
    u.organization_id = kOrg;
    u.patient_id = kPatient;
    u.substance_class = "alcohol";
    u.recorded_by = kUser;
    uow->SubstanceUses().Insert(u);
    core::Medication m;
    m.id = "01900000-0000-7000-8000-00000000d011";
    m.organization_id = kOrg;
    m.patient_id = kPatient;
    m.name = "Quetiapine";
    m.started_on = 20000;
    m.recorded_by = kUser;
    uow->Medications().Insert(m);
    core::AdverseEvent e;
    e.id = "01900000-0000-7000-8000-00000000d012";
    e.organization_id = kOrg;
    e.patient_id = kPatient;
    e.description = "nausea";
    e.terms_json = "[]";
    e.serious = false;
    e.recorded_by = kUser;
    uow->AdverseEvents().Insert(e);
    core::Alert alert;
    alert.id = "01900000-0000-7000-8000-00000000d0a1";
    alert.organization_id = kOrg;
    alert.patient_id = kPatient;
    alert.rule_id = "pregnancy";
    alert.severity = "high";
    alert.condition_key = "pregnancy:pregnant";
    alert.evidence_json = "{}";
    alert.citations_json = "[]";
    alert.note = "n";
    uow->Alerts().Insert(alert);
    core::TaperPlanRecord plan;
    plan.id = "01900000-0000-7000-8000-00000000d0a2";
    plan.organization_id = kOrg;
    plan.patient_id = kPatient;
    plan.method = "linear";
    plan.parameters_json = "{}";
    plan.schedule_json = R"({"schedule":[]})";
    plan.created_by = kUser;
    uow->TaperPlans().Insert(plan);
    core::ClinicalNote note;
    note.id = "01900000-0000-7000-8000-00000000d0a3";
    note.organization_id = kOrg;
    note.patient_id = kPatient;
    note.author_id = kUser;
    note.text = "Discussed the plan.";
    note.created_at_ms = 9;
    uow->Notes().Insert(note);
    uow->Commit();
}

/// Changes made after the backup, which the restore must undo.
void Change(core::Storage& storage) {
    auto uow = storage.Begin(core::TxMode::kWrite);
    uow->Organizations().Insert({"01900000-0000-7000-8000-00000000d099", "Later", false, 9});
    uow->Sessions().Revoke("tokenhash", 99);
    uow->Throttles().Clear("email:x");
    core::AuditEntry a;
    a.organization_id = kOrg;
    a.actor_user_id = kUser;
    a.action = "later";
    uow->Audit().Append(a);
    uow->Commit();
}

std::string SqlitePath(const std::string& url) { return ParseDatabaseUrl(url).target; }

Tables SnapshotSqlite(const std::string& url) {
    Tables tables;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(SqlitePath(url).c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    std::vector<std::string> names;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
                       nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
        names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    for (const auto& name : names) {
        auto& rows = tables[name];
        sqlite3_prepare_v2(db, ("SELECT * FROM " + name).c_str(), -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::string row;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const auto* text = sqlite3_column_text(st, c);
                row += text != nullptr ? reinterpret_cast<const char*>(text) : "<null>";
                row += '|';
            }
            rows.push_back(row);
        }
        sqlite3_finalize(st);
        std::sort(rows.begin(), rows.end());
    }
    sqlite3_close(db);
    return tables;
}

Tables SnapshotPostgres(const std::string& url) {
    Tables tables;
    PGconn* conn = PQconnectdb(url.c_str());
    EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* names = PQexec(conn, "SELECT table_name FROM information_schema.tables WHERE "
                                   "table_schema = current_schema()");
    for (int i = 0; i < PQntuples(names); ++i) {
        const std::string name = PQgetvalue(names, i, 0);
        auto& rows = tables[name];
        PGresult* r = PQexec(conn, ("SELECT * FROM " + name).c_str());
        for (int row = 0; row < PQntuples(r); ++row) {
            std::string text;
            for (int c = 0; c < PQnfields(r); ++c) {
                text += PQgetisnull(r, row, c) ? "<null>" : PQgetvalue(r, row, c);
                text += '|';
            }
            rows.push_back(text);
        }
        PQclear(r);
        std::sort(rows.begin(), rows.end());
    }
    PQclear(names);
    PQfinish(conn);
    return tables;
}

const ProcessTempDir& TempDir() {
    static const ProcessTempDir dir("mitra-backup-");
    return dir;
}

std::string FreshUrl(bool postgres) {
    static std::atomic<int> counter{0};
    const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (!postgres) {
        return "sqlite:" + TempDir().Fresh("db" + tag + ".sqlite");
    }
    const std::string dsn = std::getenv("MITRA_TEST_PG_DSN");
    const std::string schema = "backup_" + tag;
    PGconn* conn = PQconnectdb(dsn.c_str());
    PQclear(PQexec(conn, ("CREATE SCHEMA " + schema).c_str()));
    PQfinish(conn);
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           schema;
}

TEST(BackupRoundTrip, EveryTableComesBackExactly) {
    const bool postgres = MITRA_BACKUP_TEST_POSTGRES != 0;
    if (postgres && std::getenv("MITRA_TEST_PG_DSN") == nullptr) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    auto snapshot = postgres ? SnapshotPostgres : SnapshotSqlite;
    const std::string url = FreshUrl(postgres);
    const std::filesystem::path backup = TempDir().Fresh("backup.bak");
    {
        auto storage = OpenStorage(url, {});
        Fill(*storage);
    }
    const Tables before = snapshot(url);
    // 20 tables: schema_migrations + 9 foundation (0001) + 7 clinical (0002) + 2 supervision
    // (0003) + notes (0004).
    EXPECT_GE(before.size(), 20u);
    for (const auto& [table, rows] : before) {
        EXPECT_FALSE(rows.empty()) << table << " has no row: the test does not cover it";
    }
    BackupDatabase(url, backup.string());
    {
        auto storage = OpenStorage(url, {});
        Change(*storage);
    }
    ASSERT_NE(snapshot(url), before);
    RestoreDatabase(url, backup.string());
    const Tables after = snapshot(url);
    EXPECT_EQ(after, before);
    // The restored database is usable by mitra.
    auto storage = OpenStorage(url, {});
    auto uow = storage->Begin(core::TxMode::kRead);
    EXPECT_EQ(uow->Audit().ListAll().size(), 2u);
    std::filesystem::remove(backup);
}

TEST(BackupRoundTrip, MissingBackupFileIsAValidationError) {
    EXPECT_THROW(RestoreDatabase("sqlite:/tmp/mitra-none.db", "/nonexistent/backup"),
                 ValidationError);
}

}  // namespace
}  // namespace mitra::storage
