#include "api/audit_batcher.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>

#include "core/accounts.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "storage/open_storage.hpp"

namespace mitra::api {
namespace {

class AuditBatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("mitra-audit-batcher-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        storage_ = storage::OpenStorage("sqlite:" + (dir_ / "audit.db").string(), {});
    }
    void TearDown() override {
        storage_.reset();
        std::filesystem::remove_all(dir_);
    }

    static core::AuditEntry Read(const std::string& org, int n) {
        core::AuditEntry entry;
        entry.organization_id = org;
        entry.at_ms = 1'700'000'000'000 + n;
        entry.actor_user_id = "clinician-" + org;
        entry.action = "patient.read";
        entry.subject_type = "patient";
        entry.subject_id = "read-" + std::to_string(n);
        entry.patient_id = "patient-" + std::to_string(n % 7);
        return entry;
    }

    std::filesystem::path dir_;
    std::unique_ptr<core::Storage> storage_;
};

// A batch is appended in chunks with a yield between them (audit_batcher.cpp); the chain must
// come out as one AppendAll of the whole batch would make it: every entry once, in the order it
// was queued, seq 1..n per organization, each entry's prev_hash the hash before it.
TEST_F(AuditBatcherTest, LargeBatchesKeepEveryEntryInOrderOnAnUnbrokenChain) {
    constexpr int kPerOrg = 1500;
    {
        // A long gathering delay: the writer wakes at the first entry, then waits for a full
        // batch (512), so batches hold far more entries than one chunk.
        AuditBatcher batcher(*storage_, 1000);
        std::thread other([&] {
            for (int n = 0; n < kPerOrg; ++n) {
                batcher.Enqueue(Read("org-b", n));
            }
        });
        for (int n = 0; n < kPerOrg; ++n) {
            batcher.Enqueue(Read("org-a", n));
        }
        other.join();
        batcher.Flush();
        EXPECT_EQ(batcher.StoredCount(), 2U * kPerOrg);
    }

    auto uow = storage_->Begin(core::TxMode::kRead);
    const std::vector<core::AuditEntry> all = uow->Audit().ListAll();
    ASSERT_EQ(all.size(), 2U * kPerOrg);
    std::map<std::string, std::vector<core::AuditEntry>> by_org;
    for (const auto& entry : all) {
        by_org[entry.organization_id].push_back(entry);
    }
    ASSERT_EQ(by_org.size(), 2U);
    for (const auto& [org, entries] : by_org) {
        ASSERT_EQ(entries.size(), static_cast<std::size_t>(kPerOrg)) << org;
        std::string prev;
        for (int n = 0; n < kPerOrg; ++n) {
            const core::AuditEntry& e = entries[static_cast<std::size_t>(n)];
            EXPECT_EQ(e.seq, n + 1) << org;
            EXPECT_EQ(e.subject_id, "read-" + std::to_string(n)) << org;
            EXPECT_EQ(e.prev_hash, prev) << org << " seq " << e.seq;
            EXPECT_EQ(e.hash, crypto::Sha256Hex(core::CanonicalAuditRecord(e))) << org;
            prev = e.hash;
        }
        const auto heads = uow->Audit().ListHeads();
        bool found = false;
        for (const auto& [head_org, head] : heads) {
            if (head_org == org) {
                found = true;
                EXPECT_EQ(head.first, kPerOrg);
                EXPECT_EQ(head.second, prev);
            }
        }
        EXPECT_TRUE(found) << org;
    }
}


// While the audit log cannot be written (here: no file of this process may grow, as on a full
// disk), entries wait and are retried up to the backlog limit; then Enqueue refuses with 503, so
// no read goes out unrecorded beyond it. Once the files may grow again, everything waiting is
// stored, in order, and Enqueue accepts again.
TEST_F(AuditBatcherTest, AFullBacklogRefusesMoreAndDrainsOnceTheLogCanBeWritten) {
    std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails instead of ending the test
    rlimit before{};
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &before), 0);
    struct Restore {
        const rlimit& limit;
        ~Restore() { setrlimit(RLIMIT_FSIZE, &limit); }
    } restore{before};
    const rlimit full{4096, before.rlim_max};  // less than one WAL frame
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &full), 0);
    {
        AuditBatcher batcher(*storage_, 1, 40);
        for (int n = 0; n < 40; ++n) {
            batcher.Enqueue(Read("org-a", n));
        }
        try {
            batcher.Enqueue(Read("org-a", 40));
            ADD_FAILURE() << "a 41st entry was accepted with 40 unstored";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a failed retry or two
        EXPECT_EQ(batcher.StoredCount(), 0U);

        ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &before), 0);
        batcher.Flush();
        EXPECT_EQ(batcher.StoredCount(), 40U);
        batcher.Enqueue(Read("org-a", 41));  // accepted again
        batcher.Flush();
        EXPECT_EQ(batcher.StoredCount(), 41U);
    }
    auto uow = storage_->Begin(core::TxMode::kRead);
    const std::vector<core::AuditEntry> all = uow->Audit().ListAll();
    ASSERT_EQ(all.size(), 41U);
    for (int n = 0; n < 40; ++n) {
        EXPECT_EQ(all[static_cast<std::size_t>(n)].subject_id, "read-" + std::to_string(n));
    }
    EXPECT_EQ(all[40].subject_id, "read-41");
}

}  // namespace
}  // namespace mitra::api
