// The storage conformance suite against PostgreSQL, plus PostgreSQL-only behaviour (migration
// locking, reconnection, the cross-process audit chain, SQLSTATE mapping). Needs
// $MITRA_TEST_PG_DSN (scripts/pg-throwaway.sh); every test that needs it is skipped without it.
// Each test gets a fresh schema (search_path in the URL), so tests never see each other's rows.

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include <unistd.h>

#include "core/error.hpp"
#include "storage/conformance/storage_conformance.hpp"
#include "storage/open_storage.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/postgres_storage.hpp"
#include "storage/postgres/queries.hpp"

namespace mitra::storage {
namespace {

using core::TxMode;

std::string Dsn() {
    const char* dsn = std::getenv("MITRA_TEST_PG_DSN");
    return dsn != nullptr ? dsn : "";
}

/// Runs one SQL command on the test database (outside the code under test).
void AdminExec(const std::string& sql) {
    PGconn* conn = PQconnectdb(Dsn().c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << sql << ": " << PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
}

/// Runs a query on the test database and returns the number of rows it returned.
int AdminRows(const std::string& sql) {
    PGconn* conn = PQconnectdb(Dsn().c_str());
    PGresult* result = PQexec(conn, sql.c_str());
    const int rows = PQresultStatus(result) == PGRES_TUPLES_OK ? PQntuples(result) : -1;
    PQclear(result);
    PQfinish(conn);
    return rows;
}

/// An audit entry of `org` for the storage to chain (it sets seq, prev_hash and hash).
core::AuditEntry TestEntry(const std::string& org, const std::string& action,
                           const std::string& subject, std::int64_t at_ms = 0) {
    core::AuditEntry e;
    e.organization_id = org;
    e.at_ms = at_ms;
    e.actor_user_id = "u";
    e.action = action;
    e.subject_type = "x";
    e.subject_id = subject;
    e.outcome = "ok";
    return e;
}

/// A URL naming a fresh, empty schema of the test database.
std::string FreshSchemaUrl() {
    static std::atomic<int> counter{0};
    const std::string schema =
        "conf_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    AdminExec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    const std::string dsn = Dsn();
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
}

std::unique_ptr<core::Storage> MakePostgres() {
    if (Dsn().empty()) {
        [] { GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set (see scripts/pg-throwaway.sh)"; }();
        return nullptr;
    }
    return OpenStorage(FreshSchemaUrl(), {});
}

class PostgresEnvironment : public testing::Environment {
public:
    void TearDown() override {
        if (Dsn().empty()) {
            return;
        }
        // Drop this process's schemas.
        AdminExec("DO $$DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE "
                  "nspname LIKE 'conf\\_" + std::to_string(::getpid()) +
                  "\\_%' LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; "
                  "END$$");
    }
};
const auto* const kEnvironment = testing::AddGlobalTestEnvironment(new PostgresEnvironment);

INSTANTIATE_TEST_SUITE_P(Postgres, StorageConformanceTest, testing::Values(&MakePostgres));

#define MITRA_REQUIRE_PG()                                                  \
    if (Dsn().empty()) {                                                    \
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set (scripts/pg-throwaway.sh)"; \
    }

TEST(PostgresErrors, SqlstateMapsToErrorKinds) {
    using postgres::ThrowPgError;
    EXPECT_THROW(ThrowPgError("23505", "q", "unique"), ConflictError);
    EXPECT_THROW(ThrowPgError("23503", "q", "fk"), ConflictError);
    EXPECT_THROW(ThrowPgError("23514", "q", "check"), ConflictError);
    EXPECT_THROW(ThrowPgError("08006", "q", "lost"), UnavailableError);
    EXPECT_THROW(ThrowPgError("57P01", "q", "admin shutdown"), UnavailableError);
    EXPECT_THROW(ThrowPgError("53300", "q", "too many connections"), UnavailableError);
    EXPECT_THROW(ThrowPgError("40001", "q", "serialization"), UnavailableError);
    EXPECT_THROW(ThrowPgError("40P01", "q", "deadlock"), UnavailableError);
    EXPECT_THROW(ThrowPgError("", "q", "no result"), UnavailableError);
    EXPECT_THROW(ThrowPgError("42601", "q", "syntax"), InternalError);
    try {
        ThrowPgError("23505", "insert", "duplicate key");
    } catch (const ConflictError& e) {
        EXPECT_NE(std::string(e.what()).find("SQLSTATE 23505"), std::string::npos) << e.what();
    }
}

TEST(PostgresStart, UnreachableServerNamesHostAndPort) {
    // Port 1 on loopback: nothing listens there (privileged, unused).
    try {
        OpenStorage("postgresql://mitra@127.0.0.1:1/none?connect_timeout=2", {});
        FAIL() << "expected UnavailableError";
    } catch (const UnavailableError& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    }
}

TEST(PostgresMigrations, IdempotentAndRefusesNewerSchema) {
    MITRA_REQUIRE_PG();
    const std::string url = FreshSchemaUrl();
    postgres::PostgresStorage storage({url, 2});
    const int v1 = storage.Migrate();
    EXPECT_EQ(v1, postgres::PostgresStorage::KnownVersion());
    EXPECT_EQ(storage.Migrate(), v1);
    EXPECT_EQ(storage.SchemaVersion(), v1);
    {
        postgres::Connection c(url);
        c.Exec("INSERT INTO schema_migrations (version, name, applied_at_ms) "
               "VALUES (9999, 'future', 0)");
    }
    EXPECT_THROW(OpenStorage(url, {}), ConflictError);
}

TEST(PostgresMigrations, ConcurrentMigratorsApplyEachVersionOnce) {
    MITRA_REQUIRE_PG();
    const std::string url = FreshSchemaUrl();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            try {
                postgres::PostgresStorage storage({url, 1});
                storage.Migrate();
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    postgres::Connection c(url);
    auto st = c.Prepare("SELECT count(*), count(DISTINCT version) FROM schema_migrations");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.Int(0), postgres::PostgresStorage::KnownVersion());
    EXPECT_EQ(st.Int(0), st.Int(1));
}

TEST(PostgresPool, AcquireTimesOutAsUnavailable) {
    MITRA_REQUIRE_PG();
    postgres::PostgresStorage storage({FreshSchemaUrl(), 1, std::chrono::milliseconds(200)});
    storage.Migrate();
    auto held = storage.Begin(TxMode::kRead);
    EXPECT_THROW(storage.Begin(TxMode::kRead), UnavailableError);
}

TEST(PostgresPool, BrokenConnectionsAreReplaced) {
    MITRA_REQUIRE_PG();
    // A name of its own, so only this test's connections are cut (tests run in parallel).
    const std::string name = "mitra_cut_" + std::to_string(::getpid());
    const std::string url = FreshSchemaUrl() + "&application_name=" + name;
    postgres::PostgresStorage storage({url, 2});
    storage.Migrate();
    {
        auto a = storage.Begin(TxMode::kRead);
        auto b = storage.Begin(TxMode::kRead);
    }
    // Cut both pooled sessions and the writer's from the server side (as a restart would).
    EXPECT_EQ(AdminRows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "application_name = '" + name + "'"),
              3);
    EXPECT_TRUE(storage.Ping());
    auto uow = storage.Begin(TxMode::kWrite);
    uow->Organizations().Insert({"01900000-0000-7000-8000-0000000000a1", "After", false, 1});
    uow->Commit();
    auto read = storage.Begin(TxMode::kRead);
    EXPECT_TRUE(read->Organizations().FindByName("After").has_value());
}

TEST(PostgresPool, ReadsRunWithoutATransactionAndCannotWrite) {
    MITRA_REQUIRE_PG();
    const std::string name = "mitra_ro_" + std::to_string(::getpid());
    const std::string url = FreshSchemaUrl() + "&application_name=" + name;
    postgres::PostgresStorage storage({url, 1});
    storage.Migrate();
    const core::Organization org{"01900000-0000-7000-8000-0000000000a2", "Readers", false, 1};
    {
        auto uow = storage.Begin(TxMode::kWrite);
        uow->Organizations().Insert(org);
        uow->Commit();
    }
    {
        auto read = storage.Begin(TxMode::kRead);
        ASSERT_TRUE(read->Organizations().FindByName("Readers").has_value());
        // Between its statements the read holds no transaction open on the server (no BEGIN):
        // its pooled session is idle, not "idle in transaction".
        EXPECT_EQ(AdminRows("SELECT 1 FROM pg_stat_activity WHERE application_name = '" + name +
                            "' AND state = 'idle in transaction'"),
                  0);
        EXPECT_GE(AdminRows("SELECT 1 FROM pg_stat_activity WHERE application_name = '" + name +
                            "' AND state = 'idle'"),
                  1);
        // A write through a read unit of work is refused (SQLSTATE 25006), not committed alone.
        EXPECT_THROW(read->Organizations().Insert(
                         {"01900000-0000-7000-8000-0000000000a3", "Sneaked", false, 1}),
                     InternalError);
        read->Commit();
    }
    auto check = storage.Begin(TxMode::kRead);
    EXPECT_FALSE(check->Organizations().FindByName("Sneaked").has_value());
}

TEST(PostgresPool, AReadOnAConnectionCutWhileIdleReconnects) {
    MITRA_REQUIRE_PG();
    const std::string name = "mitra_recut_" + std::to_string(::getpid());
    const std::string url = FreshSchemaUrl() + "&application_name=" + name;
    postgres::PostgresStorage storage({url, 1});  // one pooled session: the read must reuse it
    storage.Migrate();
    {
        auto uow = storage.Begin(TxMode::kWrite);
        uow->Organizations().Insert({"01900000-0000-7000-8000-0000000000a4", "Cut", false, 1});
        uow->Commit();
    }
    for (int round = 0; round < 2; ++round) {
        {
            auto read = storage.Begin(TxMode::kRead);
            ASSERT_TRUE(read->Organizations().FindByName("Cut").has_value());
        }
        EXPECT_GE(AdminRows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                            "application_name = '" + name + "'"),
                  1);
        // The first statement finds the session gone, reconnects, prepares again and answers;
        // the new session is read-only as well.
        auto read = storage.Begin(TxMode::kRead);
        EXPECT_TRUE(read->Organizations().FindByName("Cut").has_value()) << "round " << round;
        EXPECT_THROW(read->Organizations().Insert(
                         {"01900000-0000-7000-8000-0000000000a5", "Sneaked", false, 1}),
                     InternalError);
    }
}

TEST(PostgresAudit, GroupedWritesWithFailuresKeepOneChainAcrossStorages) {
    MITRA_REQUIRE_PG();
    // Writes of two storages, some of which fail after appending: a failing combined write
    // (Storage::Write) rolls its group back and the writes before it run again; a write
    // UnitOfWork that is dropped uncommitted rolls back to its savepoint in a group. Either way
    // an audit head held from an earlier append must be forgotten, or the next append would
    // chain onto a head that was rolled back.
    const std::string url = FreshSchemaUrl();
    postgres::PostgresStorage one({url, 4});
    one.Migrate();
    postgres::PostgresStorage two({url, 4});
    const std::string org = "01900000-0000-7000-8000-0000000000b2";
    one.Write([&](core::UnitOfWork& uow) {
        uow.Organizations().Insert({org, "Grouped", false, 1});
    });
    constexpr int kThreads = 8;
    constexpr int kPerThread = 30;
    std::atomic<int> stored{0};
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto& storage = t % 2 == 0 ? one : two;
            for (int i = 0; i < kPerThread; ++i) {
                const bool fail = (t * kPerThread + i) % 5 == 2;
                const auto append_twice = [&](core::UnitOfWork& uow) {
                    for (int k = 0; k < 2; ++k) {
                        uow.Audit().Append(TestEntry(org, fail ? "failing" : "test",
                                                     std::to_string(t) + "-" + std::to_string(i),
                                                     i));
                    }
                };
                try {
                    if (t % 4 < 2) {
                        storage.Write([&](core::UnitOfWork& uow) {
                            append_twice(uow);
                            if (fail) {
                                throw ConflictError("this write fails after its appends");
                            }
                        });
                    } else {
                        auto uow = storage.Begin(TxMode::kWrite);
                        append_twice(*uow);
                        if (fail) {
                            continue;  // dropped uncommitted: rolled back
                        }
                        uow->Commit();
                    }
                    ++stored;
                } catch (const ConflictError&) {
                    if (!fail) {
                        ++unexpected;
                    }
                } catch (const std::exception&) {
                    ++unexpected;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(unexpected.load(), 0);
    ExpectOneUnbrokenChain(one, static_cast<std::size_t>(2 * stored.load()));
    auto uow = one.Begin(TxMode::kRead);
    for (const auto& e : uow->Audit().ListAll()) {
        EXPECT_NE(e.action, "failing") << "seq " << e.seq;
    }
}

TEST(PostgresAudit, TheHeadMovesOnlyFromTheEntryItWasChainedOnto) {
    MITRA_REQUIRE_PG();
    const std::string url = FreshSchemaUrl();
    postgres::PostgresStorage storage({url, 1});
    storage.Migrate();
    const std::string org = "01900000-0000-7000-8000-0000000000b3";
    storage.Write([&](core::UnitOfWork& uow) {
        uow.Organizations().Insert({org, "Guarded", false, 1});
        uow.Audit().Append(TestEntry(org, "test", "1"));  // the head is now at seq 1
    });
    postgres::Connection c(url);
    const auto insert = [&](std::int64_t seq, const std::string& prev_hash) {
        auto st = c.Prepare(postgres::q::kAuditInsertAndSetHead);
        st.Bind(1, org).Bind(2, seq).Bind(3, std::int64_t{0}).Bind(4, "u").Bind(5, "test")
            .Bind(6, "x").Bind(7, "2").Bind(8, "").Bind(9, "ok").Bind(10, prev_hash)
            .Bind(11, "h" + std::to_string(seq));
        st.Run();
        return st.Changes();
    };
    std::string head_hash;
    {
        auto read = storage.Begin(TxMode::kRead);
        const auto heads = read->Audit().ListHeads();
        ASSERT_EQ(heads.size(), 1u);
        ASSERT_EQ(heads[0].second.first, 1);
        head_hash = heads[0].second.second;
    }
    c.Exec("BEGIN");
    EXPECT_EQ(insert(3, head_hash), 0) << "chained onto seq 2, which is not the head";
    EXPECT_EQ(insert(2, "not-the-head-hash"), 0) << "chained onto another hash";
    EXPECT_EQ(insert(2, head_hash), 1);
    c.Exec("ROLLBACK");
}

TEST(PostgresAudit, ChainSerialisesAcrossStorages) {
    MITRA_REQUIRE_PG();
    const std::string url = FreshSchemaUrl();
    // Two storages = two processes' pools on one database.
    postgres::PostgresStorage one({url, 4});
    one.Migrate();
    postgres::PostgresStorage two({url, 4});
    const std::string org = "01900000-0000-7000-8000-0000000000b1";
    {
        auto uow = one.Begin(TxMode::kWrite);
        uow->Organizations().Insert({org, "Chain", false, 1});
        uow->Commit();
    }
    constexpr int kThreads = 8;
    constexpr int kPerThread = 25;
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            auto& storage = t % 2 == 0 ? one : two;
            for (int i = 0; i < kPerThread; ++i) {
                try {
                    auto uow = storage.Begin(TxMode::kWrite);
                    uow->Audit().Append(TestEntry(org, "test", std::to_string(t), i));
                    uow->Commit();
                } catch (const std::exception&) {
                    ++errors;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(errors.load(), 0);
    ExpectOneUnbrokenChain(one, static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace mitra::storage
