// Durability: a write acknowledged with 2xx survives SIGKILL of the server. Several clients
// write concurrently; the server is killed mid-stream; after a restart every acknowledged write
// is there and the audit chain is intact.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"

namespace mitra::testing {
namespace {

TEST(CrashDurability, AcknowledgedWritesSurviveSigkill) {
    TempDir dir;
    const std::string url = SuiteDatabase(dir, "t.db");
    if (url.empty()) {
        GTEST_SKIP() << "MITRA_TEST_PG_DSN is not set";
    }
    Clinic clinic = CreateClinic(url, 1);
    std::set<std::string> acknowledged;
    std::mutex mutex;
    {
        Server server(clinic.database_url);
        const std::string admin = Login(server.port(), "admin@test.example");
        std::atomic<bool> stop{false};
        std::vector<std::thread> writers;
        for (int w = 0; w < 6; ++w) {
            writers.emplace_back([&, w] {
                for (int i = 0; !stop; ++i) {
                    const std::string email =
                        "crash-" + std::to_string(w) + "-" + std::to_string(i) + "@test.example";
                    const auto r = HttpRequest(
                        server.port(), "POST", "/api/v1/users",
                        Json{{"email", email}, {"password", "long-enough-1"}, {"role", "patient"}}.dump(),
                        JsonHeaders(admin));
                    if (r.status == 201) {
                        std::lock_guard lock(mutex);
                        acknowledged.insert(email);
                    } else if (r.status == 0) {
                        return;  // the server is gone
                    }
                }
            });
        }
        while (true) {
            {
                std::lock_guard lock(mutex);
                if (acknowledged.size() >= 60) {
                    break;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        server.Kill();  // SIGKILL while writers are mid-request
        stop = true;
        for (auto& t : writers) {
            t.join();
        }
    }
    ASSERT_GE(acknowledged.size(), 60u);
    Server restarted(clinic.database_url);
    const std::string admin = Login(restarted.port(), "admin@test.example");
    const auto users = HttpRequest(restarted.port(), "GET", "/api/v1/users", {}, Bearer(admin));
    ASSERT_EQ(users.status, 200) << users.body.substr(0, 300);
    ASSERT_TRUE(users.json().contains("users")) << users.body.size() << " bytes: " << users.body.substr(0, 300);
    std::set<std::string> stored;
    const Json users_json = users.json();
    for (const auto& u : users_json["users"]) {
        stored.insert(u["email"]);
    }
    std::size_t lost = 0;
    for (const auto& email : acknowledged) {
        if (stored.count(email) == 0) {
            ++lost;
            ADD_FAILURE() << "acknowledged write lost: " << email;
        }
    }
    EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged; " << stored.size()
                        << " users stored";
    restarted.Stop();
    const auto verify = RunCli({"audit", "verify", "--database", clinic.database_url});
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
}


}  // namespace
}  // namespace mitra::testing
