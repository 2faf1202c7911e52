// SQLite faults a server must ride out: a full disk (writes fail with 503 and change nothing, no
// lock is held meanwhile, no acknowledged write is lost, writing resumes by itself once the disk
// has room) and another process holding the write lock (reads go on). PostgreSQL's outage
// counterpart is postgres_outage_test.cpp.

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include "harness.hpp"

namespace mitra::testing {
namespace {

// A full disk, made here with the server's file-size limit (prlimit(2) from outside; SQLite then
// sees its WAL writes fail as they would on ENOSPC): writes get 503 and change nothing, the
// server holds no lock meanwhile (another process writes), no acknowledged write is lost, and
// once the files may grow again the server writes again without a restart.
TEST(StorageFaults, AFullDiskFailsWritesWith503AndWritingResumesWhenThereIsRoom) {
    TempDir dir;
    Clinic clinic = CreateClinic("sqlite:" + (dir.path() / "full.db").string(), 1);
    const std::string log_path = (dir.path() / "server.log").string();
    Server server(clinic.database_url, {}, log_path);
    const std::string admin = Login(server.port(), "admin@test.example");
    std::set<std::string> acknowledged;
    int next = 0;
    auto add_user = [&] {
        const std::string email = "disk-" + std::to_string(next++) + "@test.example";
        const auto r = HttpRequest(
            server.port(), "POST", "/api/v1/users",
            Json{{"email", email}, {"password", "long-enough-1"}, {"role", "patient"}}.dump(),
            JsonHeaders(admin));
        if (r.status == 201) {
            acknowledged.insert(email);
        }
        return r;
    };
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(add_user().status, 201);
    }

    // No file of the server may grow past 8 KiB: a WAL commit is several 4 KiB frames.
    rlimit before{};
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
    const rlimit full{8192, before.rlim_max};
    ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &full, nullptr), 0) << std::strerror(errno);
    int refused = 0;
    for (int i = 0; i < 40 && refused < 3; ++i) {
        const auto r = add_user();
        if (r.status != 201) {
            ASSERT_EQ(r.status, 503) << r.body;
            EXPECT_EQ(r.json()["error"]["code"], "unavailable") << r.body;
            ++refused;
        }
    }
    ASSERT_EQ(refused, 3) << "the file-size limit did not fail the server's writes";
    EXPECT_EQ(HttpRequest(server.port(), "GET", "/healthz").status, 200);

    // Meanwhile the database is not locked: another process (not limited) writes at once.
    const auto other =
        RunCli({"user", "add", "--database", clinic.database_url, "--org", clinic.org_id, "--role",
                "patient", "--email", "other-process@test.example", "--password-stdin"},
               std::string(kPassword) + "\n");
    EXPECT_EQ(other.exit_code, 0) << other.err;

    // Room again: the very next write is stored.
    ASSERT_EQ(prlimit(server.pid(), RLIMIT_FSIZE, &before, nullptr), 0) << std::strerror(errno);
    for (int i = 0; i < 3; ++i) {
        const auto r = add_user();
        EXPECT_EQ(r.status, 201) << "write " << i << " after the disk has room: " << r.body;
    }

    const auto users = HttpRequest(server.port(), "GET", "/api/v1/users", {}, Bearer(admin));
    ASSERT_EQ(users.status, 200) << users.body.substr(0, 300);
    std::set<std::string> stored;
    const Json listed = users.json();
    for (const auto& u : listed["users"]) {
        stored.insert(u["email"]);
    }
    for (const auto& email : acknowledged) {
        EXPECT_EQ(stored.count(email), 1u) << "acknowledged write lost: " << email;
    }
    EXPECT_EQ(stored.count("other-process@test.example"), 1u);
    EXPECT_EQ(stored.size(), acknowledged.size() + 1 + clinic.emails.size())
        << "a refused write was stored";
    EXPECT_EQ(server.Stop(), 0);

    // The log says why writes failed, once a second at most, and names nobody.
    std::ifstream log(log_path);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::size_t unavailable_lines = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const Json entry = Json::parse(line, nullptr, false);
        ASSERT_FALSE(entry.is_discarded()) << "not a JSON line: " << line;
        if (entry.value("event", "") == "unavailable") {
            ++unavailable_lines;
            EXPECT_EQ(entry.value("level", ""), "warning") << line;
            EXPECT_EQ(entry.value("route", ""), "/api/v1/users") << line;
            EXPECT_NE(entry.value("error", "").find("I/O error"), std::string::npos) << line;
        }
    }
    EXPECT_GE(unavailable_lines, 1u) << text;
    EXPECT_LE(unavailable_lines, 2u) << "not rate-limited: " << text;
    EXPECT_EQ(text.find("@test.example"), std::string::npos) << "an email in the log: " << text;
    const auto verify = RunCli({"audit", "verify", "--database", clinic.database_url});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
}


// Another process holds the database's write lock (a `sqlite3` shell left in BEGIN IMMEDIATE, a
// long maintenance script). More writes than there are workers wait for it; a read still gets
// its answer at once, because writes never hold every worker (http/worker_pool.hpp).
TEST(StorageFaults, ReadsGoOnWhileAnotherProcessHoldsTheWriteLock) {
    TempDir dir;
    const std::string path = (dir.path() / "locked.db").string();
    Clinic clinic = CreateClinic("sqlite:" + path, 1);
    Server server(clinic.database_url);
    const std::string admin = Login(server.port(), "admin@test.example");
    const std::string patient = Login(server.port(), "p0@test.example");
    const std::string record = "/api/v1/patients/" + clinic.patient_ids[0];
    ASSERT_EQ(HttpRequest(server.port(), "GET", record, {}, Bearer(patient)).status, 200);

    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    constexpr int kWriters = 12;  // more than the 8 workers of `mitra serve`
    std::vector<int> statuses(kWriters, 0);
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            statuses[static_cast<std::size_t>(w)] =
                HttpRequest(server.port(), "POST", "/api/v1/users",
                            Json{{"email", "locked-" + std::to_string(w) + "@test.example"},
                                 {"password", "long-enough-1"},
                                 {"role", "patient"}}
                                .dump(),
                            JsonHeaders(admin))
                    .status;
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the writes are waiting
    const auto start = std::chrono::steady_clock::now();
    const auto read = HttpRequest(server.port(), "GET", record, {}, Bearer(patient));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(read.status, 200) << read.body;
    EXPECT_LT(took, std::chrono::seconds(2)) << "the read waited behind the writes";

    ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    for (auto& t : writers) {
        t.join();
    }
    for (int w = 0; w < kWriters; ++w) {
        EXPECT_EQ(statuses[static_cast<std::size_t>(w)], 201) << "write " << w;
    }
}

}  // namespace
}  // namespace mitra::testing
