#include "storage/conformance/storage_conformance.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "crypto/crypto.hpp"

namespace mitra::storage {
namespace {

using core::TxMode;

struct Fixture {
    core::Organization org{"01900000-0000-7000-8000-000000000001", "Clinic A", false, 1};
    core::User clinician;
    core::User patient_user;
    core::Patient patient;

    Fixture() {
        clinician = {"", org.id, "doc@example.org", core::Role::kClinician, "h", "", false,
                     std::nullopt, false, 1};
        clinician.id = "01900000-0000-7000-8000-000000000010";
        patient_user = {"01900000-0000-7000-8000-000000000020", org.id, "pat@example.org",
                        core::Role::kPatient, "h", "", false,
                        std::string("01900000-0000-7000-8000-000000000030"), false, 1};
        patient = {"01900000-0000-7000-8000-000000000030", org.id, patient_user.id, "P1",
                   "Europe/Paris", "US-TX", std::nullopt, 1, 1};
    }

    void Insert(core::Storage& storage) const {
        auto uow = storage.Begin(TxMode::kWrite);
        uow->Organizations().Insert(org);
        uow->Users().Insert(clinician);
        uow->Users().Insert(patient_user);
        uow->Patients().Insert(patient);
        uow->Commit();
    }
};

TEST_P(StorageConformanceTest, OrganizationsRoundTrip) {
    Fixture f;
    f.Insert(*storage_);
    auto uow = storage_->Begin(TxMode::kRead);
    auto org = uow->Organizations().FindById(f.org.id);
    ASSERT_TRUE(org.has_value());
    EXPECT_EQ(org->name, "Clinic A");
    EXPECT_TRUE(uow->Organizations().FindByName("Clinic A").has_value());
    EXPECT_FALSE(uow->Organizations().FindById("nope").has_value());
    EXPECT_EQ(uow->Organizations().List().size(), 1u);
}

TEST_P(StorageConformanceTest, DuplicateEmailIsAConflictNamingEmail) {
    Fixture f;
    f.Insert(*storage_);
    auto uow = storage_->Begin(TxMode::kWrite);
    core::User dup = f.clinician;
    dup.id = "01900000-0000-7000-8000-000000000011";
    try {
        uow->Users().Insert(dup);
        FAIL() << "expected ConflictError";
    } catch (const ConflictError& e) {
        EXPECT_EQ(e.field(), "email");
    }
}

TEST_P(StorageConformanceTest, UncommittedWorkRollsBack) {
    Fixture f;
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Organizations().Insert(f.org);
        // no Commit
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_FALSE(uow->Organizations().FindById(f.org.id).has_value());
}

TEST_P(StorageConformanceTest, AFailedOrAbandonedWriteLeavesTheNextWritesIntact) {
    const core::Organization one{"01900000-0000-7000-8000-0000000000c1", "One", false, 1};
    const core::Organization two{"01900000-0000-7000-8000-0000000000c2", "Two", false, 1};
    const core::Organization three{"01900000-0000-7000-8000-0000000000c3", "Three", false, 1};
    {
        auto abandoned = storage_->Begin(TxMode::kWrite);
        abandoned->Organizations().Insert(one);
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Organizations().Insert(two);
        uow->Commit();
    }
    {
        auto failed = storage_->Begin(TxMode::kWrite);
        EXPECT_THROW(failed->Organizations().Insert(two), ConflictError);
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Organizations().Insert(three);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_FALSE(uow->Organizations().FindById(one.id).has_value());
    EXPECT_TRUE(uow->Organizations().FindById(two.id).has_value());
    EXPECT_TRUE(uow->Organizations().FindById(three.id).has_value());
}

std::string CombinedOrgId(int thread, int i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "01900000-0000-7000-8000-%06d%06d", (100 + thread) % 1000000,
                  i % 1000000);
    return buf;
}

/// The backend's metric whose name ends with `suffix` (the prefix names the backend); -1 if none.
double LaneMetric(const core::Storage& storage, std::string_view suffix) {
    for (const auto& m : storage.Metrics()) {
        if (m.name.size() > suffix.size() && m.name.ends_with(suffix)) {
            return m.value;
        }
    }
    return -1;
}

double CommittedWrites(const core::Storage& storage) {
    return LaneMetric(storage, "_committed_writes_total");
}

TEST_P(StorageConformanceTest, AWriteThatThrowsKeepsNothingAndRethrows) {
    const core::Organization kept{"01900000-0000-7000-8000-0000000000d1", "Kept", false, 1};
    const core::Organization lost{"01900000-0000-7000-8000-0000000000d2", "Lost", false, 1};
    storage_->Write([&](core::UnitOfWork& uow) { uow.Organizations().Insert(kept); });
    EXPECT_THROW(storage_->Write([&](core::UnitOfWork& uow) {
        uow.Organizations().Insert(lost);
        ASSERT_TRUE(uow.Organizations().FindById(lost.id).has_value());  // reads its own write
        throw std::invalid_argument("the handler gave up");
    }),
                 std::invalid_argument);
    try {
        storage_->Write([&](core::UnitOfWork& uow) {
            core::Organization same_name = lost;
            same_name.id = "01900000-0000-7000-8000-0000000000d3";
            same_name.name = "Kept";
            uow.Organizations().Insert(same_name);
        });
        FAIL() << "expected ConflictError";
    } catch (const ConflictError&) {
        // the storage error reaches the caller unchanged
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_TRUE(uow->Organizations().FindById(kept.id).has_value());
    EXPECT_FALSE(uow->Organizations().FindById(lost.id).has_value());
    EXPECT_EQ(uow->Organizations().List().size(), 1u);
}

// Writes in one group need no savepoint each: when one fails, the group is rolled back and the
// writes before it run again. Four writes are put in one group on purpose (the first holds the
// writer until the other three are queued behind it, in order); the third fails.
TEST_P(StorageConformanceTest, AWriteThatFailsInAGroupKeepsTheOthersByRunningThemAgain) {
    const double replays_before = LaneMetric(*storage_, "_write_replays_total");
    ASSERT_GE(replays_before, 0);
    ASSERT_EQ(LaneMetric(*storage_, "_write_lane_queued"), 0);
    std::array<core::Organization, 4> orgs;
    for (int i = 0; i < 4; ++i) {
        orgs[i] = {CombinedOrgId(9, i), "group " + std::to_string(i), false, 1};
    }
    std::array<std::atomic<int>, 4> runs{};
    std::atomic<bool> release{false};
    std::array<std::exception_ptr, 4> errors;
    auto write = [&](int i) {
        try {
            storage_->Write([&, i](core::UnitOfWork& uow) {
                const int run = ++runs[i];
                uow.Organizations().Insert(orgs[i]);
                if (i == 0 && run == 1) {
                    while (!release.load()) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    }
                }
                if (i == 2) {
                    throw std::runtime_error("the third write gives up");
                }
            });
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    auto wait_queued = [&](double n) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (LaneMetric(*storage_, "_write_lane_queued") < n &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return LaneMetric(*storage_, "_write_lane_queued");
    };
    std::vector<std::thread> threads;
    threads.emplace_back(write, 0);
    while (runs[0].load() == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (int i = 1; i < 4; ++i) {
        threads.emplace_back(write, i);
        ASSERT_EQ(wait_queued(i), i);  // the writes queue in order behind the first
    }
    release = true;
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_FALSE(errors[0]);
    EXPECT_FALSE(errors[1]);
    EXPECT_FALSE(errors[3]);
    ASSERT_TRUE(errors[2]);
    EXPECT_THROW(std::rethrow_exception(errors[2]), std::runtime_error);
    // The two writes before the failed one ran twice; the one after it, once.
    EXPECT_EQ(runs[0].load(), 2);
    EXPECT_EQ(runs[1].load(), 2);
    EXPECT_EQ(runs[2].load(), 1);
    EXPECT_EQ(runs[3].load(), 1);
    EXPECT_EQ(LaneMetric(*storage_, "_write_replays_total") - replays_before, 2);
    EXPECT_EQ(LaneMetric(*storage_, "_write_lane_queued"), 0);
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_TRUE(uow->Organizations().FindById(orgs[0].id).has_value());
    EXPECT_TRUE(uow->Organizations().FindById(orgs[1].id).has_value());
    EXPECT_FALSE(uow->Organizations().FindById(orgs[2].id).has_value());
    EXPECT_TRUE(uow->Organizations().FindById(orgs[3].id).has_value());
    EXPECT_EQ(uow->Organizations().List().size(), 3u);
}

// Concurrent Write bodies share batches with each other and with Begin(kWrite) units of work;
// each is still atomic on its own, and every one that returned is stored.
TEST_P(StorageConformanceTest, ConcurrentWritesCommitTogetherYetStayIndependent) {
    constexpr int kThreads = 6;
    constexpr int kPerThread = 30;
    const double before = CommittedWrites(*storage_);
    std::atomic<int> committed{0};
    std::atomic<int> unexpected{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads + 2; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const core::Organization org{CombinedOrgId(t, i),
                                             "org " + std::to_string(t) + "-" + std::to_string(i),
                                             false, i};
                try {
                    if (t >= kThreads) {  // two threads write as units of work
                        auto uow = storage_->Begin(TxMode::kWrite);
                        uow->Organizations().Insert(org);
                        uow->Commit();
                        ++committed;
                        continue;
                    }
                    storage_->Write([&](core::UnitOfWork& uow) {
                        uow.Organizations().Insert(org);
                        if (!uow.Organizations().FindById(org.id)) {
                            ++unexpected;
                        }
                        if (i % 5 == 4) {
                            throw std::runtime_error("abandoned");
                        }
                        if (i % 7 == 6) {  // a duplicate id: this write fails, not its batch
                            uow.Organizations().Insert(org);
                        }
                    });
                    ++committed;
                } catch (const ConflictError&) {
                    if (i % 7 != 6) {
                        ++unexpected;
                    }
                } catch (const std::runtime_error&) {
                    if (i % 5 != 4) {
                        ++unexpected;
                    }
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(unexpected.load(), 0);
    int expected = 2 * kPerThread;  // the unit-of-work threads
    for (int i = 0; i < kPerThread; ++i) {
        expected += (i % 5 != 4 && i % 7 != 6) ? kThreads : 0;
    }
    EXPECT_EQ(committed.load(), expected);
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_EQ(static_cast<int>(uow->Organizations().List().size()), expected);
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_TRUE(uow->Organizations().FindById(CombinedOrgId(t, 0)).has_value());
        EXPECT_FALSE(uow->Organizations().FindById(CombinedOrgId(t, 4)).has_value());
        EXPECT_FALSE(uow->Organizations().FindById(CombinedOrgId(t, 6)).has_value());
    }
    if (before >= 0) {  // the group-commit counters count each stored write once
        EXPECT_EQ(CommittedWrites(*storage_) - before, expected);
    }
}

TEST_P(StorageConformanceTest, UsersAndPatientsRoundTrip) {
    Fixture f;
    f.Insert(*storage_);
    auto uow = storage_->Begin(TxMode::kWrite);
    auto user = uow->Users().FindByEmail("pat@example.org");
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->role, core::Role::kPatient);
    EXPECT_EQ(user->patient_id, f.patient.id);
    auto patient = uow->Patients().FindById(f.org.id, f.patient.id);
    ASSERT_TRUE(patient.has_value());
    EXPECT_EQ(patient->timezone, "Europe/Paris");
    EXPECT_FALSE(patient->pregnant.has_value());
    patient->pregnant = true;
    patient->updated_at_ms = 5;
    uow->Patients().Update(*patient);
    EXPECT_EQ(uow->Patients().FindById(f.org.id, f.patient.id)->pregnant, true);
    // Tenant scoping: the same id under another organization is not found.
    EXPECT_FALSE(uow->Patients().FindById("other-org", f.patient.id).has_value());
}

TEST_P(StorageConformanceTest, SessionsRevokeAtOnce) {
    Fixture f;
    f.Insert(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Sessions().Insert({"hash1", f.org.id, f.clinician.id, 10, 1000, std::nullopt});
        uow->Commit();
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        auto s = uow->Sessions().FindByTokenHash("hash1");
        ASSERT_TRUE(s.has_value());
        EXPECT_EQ(s->token_hash, "hash1");
        EXPECT_EQ(s->organization_id, f.org.id);
        EXPECT_EQ(s->user_id, f.clinician.id);
        EXPECT_EQ(s->created_at_ms, 10);
        EXPECT_EQ(s->expires_at_ms, 1000);
        EXPECT_FALSE(s->revoked_at_ms.has_value());
        uow->Sessions().Revoke("hash1", 20);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_EQ(uow->Sessions().FindByTokenHash("hash1")->revoked_at_ms, 20);
}

// Sign-in reads the session, its user and its organization in one query: every field as the
// three separate reads give it.
TEST_P(StorageConformanceTest, FindSignedInJoinsSessionUserAndOrganization) {
    Fixture f;
    f.org.require_totp = true;
    f.clinician.totp_enabled = true;
    f.clinician.totp_secret = "secret";
    f.Insert(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Sessions().Insert({"hash2", f.org.id, f.clinician.id, 10, 1000, std::nullopt});
        uow->Sessions().Insert({"hash3", f.org.id, f.patient_user.id, 11, 2000, std::nullopt});
        uow->Sessions().Revoke("hash3", 15);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    const auto signed_in = uow->Sessions().FindSignedIn("hash2");
    ASSERT_TRUE(signed_in.has_value());
    const auto session = uow->Sessions().FindByTokenHash("hash2");
    const auto user = uow->Users().FindById(f.org.id, f.clinician.id);
    const auto org = uow->Organizations().FindById(f.org.id);
    ASSERT_TRUE(session && user && org);
    EXPECT_EQ(signed_in->session.token_hash, session->token_hash);
    EXPECT_EQ(signed_in->session.organization_id, session->organization_id);
    EXPECT_EQ(signed_in->session.user_id, session->user_id);
    EXPECT_EQ(signed_in->session.expires_at_ms, 1000);
    EXPECT_FALSE(signed_in->session.revoked_at_ms.has_value());
    EXPECT_EQ(signed_in->user.id, user->id);
    EXPECT_EQ(signed_in->user.email, "doc@example.org");
    EXPECT_EQ(signed_in->user.role, core::Role::kClinician);
    EXPECT_EQ(signed_in->user.totp_enabled, true);
    EXPECT_EQ(signed_in->user.totp_secret, user->totp_secret);
    EXPECT_EQ(signed_in->user.disabled, user->disabled);
    EXPECT_EQ(signed_in->user.patient_id, user->patient_id);
    EXPECT_EQ(signed_in->organization.id, org->id);
    EXPECT_EQ(signed_in->organization.name, "Clinic A");
    EXPECT_EQ(signed_in->organization.require_totp, true);
    const auto other = uow->Sessions().FindSignedIn("hash3");  // each session its own user
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->user.id, f.patient_user.id);
    EXPECT_EQ(other->user.role, core::Role::kPatient);
    EXPECT_EQ(other->user.patient_id, f.patient.id);
    EXPECT_EQ(other->session.revoked_at_ms, 15);
    EXPECT_FALSE(uow->Sessions().FindSignedIn("nope").has_value());
}

TEST_P(StorageConformanceTest, ConsentGrantsAndRevokes) {
    Fixture f;
    f.Insert(*storage_);
    const core::Consent consent{"01900000-0000-7000-8000-000000000040", f.org.id, f.patient.id,
                                f.clinician.id, core::ConsentPurpose::kCare, 5, std::nullopt};
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Consents().Insert(consent);
        uow->Commit();
    }
    {
        auto uow = storage_->Begin(TxMode::kRead);
        EXPECT_TRUE(uow->Consents().IsActive(f.org.id, f.patient.id, f.clinician.id,
                                             core::ConsentPurpose::kCare));
        EXPECT_FALSE(uow->Consents().IsActive(f.org.id, f.patient.id, f.clinician.id,
                                              core::ConsentPurpose::kResearch));
        auto listed = uow->Patients().ListConsentedTo(f.org.id, f.clinician.id,
                                                      core::ConsentPurpose::kCare);
        ASSERT_EQ(listed.size(), 1u);
        EXPECT_EQ(listed[0].id, f.patient.id);
        const auto found = uow->Patients().FindIfConsented(f.org.id, f.patient.id,
                                                           f.clinician.id,
                                                           core::ConsentPurpose::kCare);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->timezone, "Europe/Paris");
        EXPECT_FALSE(uow->Patients()
                         .FindIfConsented(f.org.id, f.patient.id, f.clinician.id,
                                          core::ConsentPurpose::kResearch)
                         .has_value());
        EXPECT_FALSE(uow->Patients()
                         .FindIfConsented(f.org.id, f.patient.id, f.patient_user.id,
                                          core::ConsentPurpose::kCare)
                         .has_value());  // names another grantee
        EXPECT_FALSE(uow->Patients()
                         .FindIfConsented("01900000-0000-7000-8000-0000000000ff", f.patient.id,
                                          f.clinician.id, core::ConsentPurpose::kCare)
                         .has_value());  // another clinic
    }
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Consents().Revoke(f.org.id, consent.id, 9);
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_FALSE(uow->Consents().IsActive(f.org.id, f.patient.id, f.clinician.id,
                                          core::ConsentPurpose::kCare));
    EXPECT_FALSE(uow->Patients()
                     .FindIfConsented(f.org.id, f.patient.id, f.clinician.id,
                                      core::ConsentPurpose::kCare)
                     .has_value());  // revoked: access ends at once
    EXPECT_TRUE(uow->Patients()
                    .ListConsentedTo(f.org.id, f.clinician.id, core::ConsentPurpose::kCare)
                    .empty());
    EXPECT_EQ(uow->Consents().FindById(f.org.id, consent.id)->revoked_at_ms, 9);
}

TEST_P(StorageConformanceTest, AuditChainsPerOrganization) {
    Fixture f;
    f.Insert(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        core::AuditEntry e;
        e.organization_id = f.org.id;
        e.at_ms = 1;
        e.actor_user_id = f.clinician.id;
        e.action = "patient.read";
        e.subject_type = "patient";
        e.subject_id = f.patient.id;
        e.patient_id = f.patient.id;
        const auto first = uow->Audit().Append(e);
        const auto second = uow->Audit().Append(e);
        EXPECT_EQ(first.seq, 1);
        EXPECT_EQ(second.seq, 2);
        EXPECT_EQ(first.prev_hash, "");
        EXPECT_EQ(second.prev_hash, first.hash);
        EXPECT_EQ(first.hash, crypto::Sha256Hex(core::CanonicalAuditRecord(first)));
        uow->Commit();
    }
    auto uow = storage_->Begin(TxMode::kRead);
    EXPECT_EQ(uow->Audit().ListAll().size(), 2u);
    const auto heads = uow->Audit().ListHeads();
    ASSERT_EQ(heads.size(), 1u);
    EXPECT_EQ(heads[0].second.first, 2);
    EXPECT_EQ(uow->Audit().ListForPatient(f.org.id, f.patient.id, 10).size(), 2u);
}

// A clinician's read of the fixture's patient, as the read-audit writer records it.
core::AuditEntry PatientRead(const Fixture& f, std::int64_t at_ms) {
    core::AuditEntry e;
    e.organization_id = f.org.id;
    e.at_ms = at_ms;
    e.actor_user_id = f.clinician.id;
    e.action = "patient.read";
    e.subject_type = "patient";
    e.subject_id = f.patient.id;
    e.patient_id = f.patient.id;
    return e;
}

TEST_P(StorageConformanceTest, AuditAppendAllContinuesTheChainAsAppendWould) {
    Fixture f;
    f.Insert(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Audit().Append(PatientRead(f, 1));
        std::vector<core::AuditEntry> batch = {PatientRead(f, 1), PatientRead(f, 2),
                                               PatientRead(f, 3)};
        uow->Audit().AppendAll(batch);
        EXPECT_EQ(batch[0].seq, 2);
        EXPECT_EQ(batch[2].seq, 4);
        uow->Commit();
    }
    ExpectOneUnbrokenChain(*storage_, 4);
}

// The read-audit writer appends a large batch in chunks, one AppendAll each, in one unit of work
// (api/audit_batcher.cpp): each call must continue the chain the previous one left.
TEST_P(StorageConformanceTest, AuditAppendAllCalledAgainInOneUnitContinuesTheChain) {
    Fixture f;
    f.Insert(*storage_);
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        for (int chunk = 0; chunk < 3; ++chunk) {
            std::vector<core::AuditEntry> entries;
            for (int i = 0; i < 4; ++i) {
                entries.push_back(PatientRead(f, chunk * 4 + i + 1));
            }
            uow->Audit().AppendAll(entries);
            EXPECT_EQ(entries.front().seq, chunk * 4 + 1);
            EXPECT_EQ(entries.back().seq, chunk * 4 + 4);
        }
        uow->Commit();
    }
    ExpectOneUnbrokenChain(*storage_, 12);
    auto uow = storage_->Begin(TxMode::kRead);
    const auto all = uow->Audit().ListAll();
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].at_ms, static_cast<std::int64_t>(i + 1));  // in the order appended
    }
}

// One AppendAll over several organizations' runs, with every character an encoding could get
// wrong (PostgreSQL sends a batch as array literals): each entry comes back exactly, on its own
// organization's unbroken chain.
TEST_P(StorageConformanceTest, AuditAppendAllKeepsEveryCharacterAndEachOrganizationsChain) {
    const std::vector<std::string> tricky = {
        "", "plain", "with space", "comma,inside", "{braces}", "NULL", "\"quoted\"",
        "back\\slash", "\\\"", "tab\there", "new\nline", "caf\xC3\xA9", "pill \xF0\x9F\x92\x8A",
        "'single'", "$1 $$"};
    const std::vector<std::string> orgs = {"org-a", "org-a", "org-b", "org-a", "org-b", "org-b"};
    std::vector<core::AuditEntry> batch;
    for (std::size_t i = 0; i < tricky.size() * 2; ++i) {
        core::AuditEntry e;
        e.organization_id = orgs[i % orgs.size()];
        e.at_ms = static_cast<std::int64_t>(i) * 1000 - 5;
        e.actor_user_id = tricky[i % tricky.size()];
        e.action = tricky[(i + 1) % tricky.size()];
        e.subject_type = tricky[(i + 2) % tricky.size()];
        e.subject_id = tricky[(i + 3) % tricky.size()];
        e.patient_id = tricky[(i + 4) % tricky.size()];
        e.outcome = tricky[(i + 5) % tricky.size()];
        batch.push_back(e);
    }
    const std::vector<core::AuditEntry> sent = batch;
    {
        auto uow = storage_->Begin(TxMode::kWrite);
        uow->Audit().AppendAll(batch);
        uow->Commit();
    }
    std::map<std::string, std::vector<core::AuditEntry>> expected;
    for (const auto& e : sent) {
        expected[e.organization_id].push_back(e);
    }
    auto uow = storage_->Begin(TxMode::kRead);
    const auto all = uow->Audit().ListAll();
    ASSERT_EQ(all.size(), sent.size());
    std::map<std::string, std::vector<core::AuditEntry>> stored;
    for (const auto& e : all) {
        stored[e.organization_id].push_back(e);
    }
    ASSERT_EQ(stored.size(), 2u);
    for (const auto& [org, want] : expected) {
        const auto& got = stored[org];
        ASSERT_EQ(got.size(), want.size()) << org;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].seq, static_cast<std::int64_t>(i + 1)) << org;
            EXPECT_EQ(got[i].at_ms, want[i].at_ms) << org << " " << i;
            EXPECT_EQ(got[i].actor_user_id, want[i].actor_user_id) << org << " " << i;
            EXPECT_EQ(got[i].action, want[i].action) << org << " " << i;
            EXPECT_EQ(got[i].subject_type, want[i].subject_type) << org << " " << i;
            EXPECT_EQ(got[i].subject_id, want[i].subject_id) << org << " " << i;
            EXPECT_EQ(got[i].patient_id, want[i].patient_id) << org << " " << i;
            EXPECT_EQ(got[i].outcome, want[i].outcome) << org << " " << i;
            EXPECT_EQ(got[i].prev_hash, i == 0 ? std::string() : got[i - 1].hash) << org;
            EXPECT_EQ(got[i].hash, crypto::Sha256Hex(core::CanonicalAuditRecord(got[i]))) << org;
        }
    }
    // AppendAll reported what it stored.
    for (std::size_t i = 0; i < batch.size(); ++i) {
        EXPECT_FALSE(batch[i].hash.empty());
    }
    for (const auto& [org, head] : uow->Audit().ListHeads()) {
        ASSERT_TRUE(stored.count(org)) << org;
        EXPECT_EQ(head.first, static_cast<std::int64_t>(stored[org].size()));
        EXPECT_EQ(head.second, stored[org].back().hash);
    }
}

TEST_P(StorageConformanceTest, ThrottleUpsertAndClear) {
    auto uow = storage_->Begin(TxMode::kWrite);
    EXPECT_FALSE(uow->Throttles().Find("k").has_value());
    uow->Throttles().Upsert({"k", 1, 100, 0});
    uow->Throttles().Upsert({"k", 2, 100, 500});
    EXPECT_EQ(uow->Throttles().Find("k")->failures, 2);
    EXPECT_EQ(uow->Throttles().Find("k")->locked_until_ms, 500);
    uow->Throttles().Clear("k");
    EXPECT_FALSE(uow->Throttles().Find("k").has_value());
}

TEST_P(StorageConformanceTest, HistoryKeepsPreviousValues) {
    auto uow = storage_->Begin(TxMode::kWrite);
    uow->History().Insert({"01900000-0000-7000-8000-0000000000a1", "org", "patient", "p1", "u1",
                           7, R"({"timezone":"UTC"})"});
    uow->History().Insert({"01900000-0000-7000-8000-0000000000a2", "org", "patient", "p1", "u2",
                           8, R"({"timezone":"Europe/Paris"})"});
    const auto list = uow->History().ListForEntity("org", "patient", "p1");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].changed_by, "u1");
    EXPECT_EQ(list[1].previous_json, R"({"timezone":"Europe/Paris"})");
    EXPECT_TRUE(uow->History().ListForEntity("other", "patient", "p1").empty());
}

TEST_P(StorageConformanceTest, PingsAndReportsSchema) {
    EXPECT_TRUE(storage_->Ping());
    EXPECT_GE(storage_->SchemaVersion(), 1);
}

}  // namespace

void ExpectOneUnbrokenChain(core::Storage& storage, std::size_t count) {
    auto uow = storage.Begin(TxMode::kRead);
    const auto all = uow->Audit().ListAll();
    ASSERT_EQ(all.size(), count);
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
        EXPECT_EQ(all[i].prev_hash, i == 0 ? std::string() : all[i - 1].hash);
        EXPECT_EQ(all[i].hash, crypto::Sha256Hex(core::CanonicalAuditRecord(all[i])));
    }
    const auto heads = uow->Audit().ListHeads();
    ASSERT_EQ(heads.size(), 1u);
    EXPECT_EQ(heads[0].second.first, static_cast<std::int64_t>(count));
    EXPECT_EQ(heads[0].second.second, all.back().hash);
}

}  // namespace mitra::storage
