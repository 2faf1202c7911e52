#include <atomic>
#include <filesystem>

#include <unistd.h>

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"
#include "storage/open_storage.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/sqlite_storage.hpp"
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
