#pragma once
// The storage ports: what the domain needs from persistence, in domain vocabulary.
//
// A Storage hands out UnitOfWork objects; each is one database transaction on one connection
// and rolls back in its destructor unless Commit() was called. A UnitOfWork is used by one
// thread at a time. Not-found is an empty optional; constraint violations throw
// mitra::ConflictError; an unreachable or busy database throws mitra::UnavailableError.
// Every query is scoped by organization_id where a tenant owns the row.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/accounts.hpp"
#include "core/clinical_ports.hpp"
#include "core/notes_ports.hpp"
#include "core/supervision_ports.hpp"

namespace mitra::core {

class OrganizationRepository {
public:
    virtual ~OrganizationRepository() = default;
    virtual void Insert(const Organization& org) = 0;
    virtual std::optional<Organization> FindById(const std::string& id) = 0;
    virtual std::optional<Organization> FindByName(const std::string& name) = 0;
    virtual void Update(const Organization& org) = 0;
    virtual std::vector<Organization> List() = 0;
};

class UserRepository {
public:
    virtual ~UserRepository() = default;
    /// Throws ConflictError (field "email") if the email is taken.
    virtual void Insert(const User& user) = 0;
    virtual void Update(const User& user) = 0;
    virtual std::optional<User> FindById(const std::string& org_id, const std::string& id) = 0;
    /// Emails are unique across organizations (sign-in names one account).
    virtual std::optional<User> FindByEmail(const std::string& email) = 0;
    virtual std::vector<User> ListByOrganization(const std::string& org_id) = 0;
};

class PatientRepository {
public:
    virtual ~PatientRepository() = default;
    virtual void Insert(const Patient& patient) = 0;
    virtual void Update(const Patient& patient) = 0;
    virtual std::optional<Patient> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual std::vector<Patient> ListByOrganization(const std::string& org_id) = 0;
    /// Patients with an active consent of `purpose` naming `grantee_user_id`.
    virtual std::vector<Patient> ListConsentedTo(const std::string& org_id,
                                                 const std::string& grantee_user_id,
                                                 ConsentPurpose purpose) = 0;
    /// The patient, if they have an active consent of `purpose` naming `grantee_user_id` (one
    /// query: a round trip fewer than FindById and Consents().IsActive).
    virtual std::optional<Patient> FindIfConsented(const std::string& org_id,
                                                   const std::string& id,
                                                   const std::string& grantee_user_id,
                                                   ConsentPurpose purpose) = 0;
};

/// A session with the user and organization it signs in (SessionRepository::FindSignedIn).
struct SignedIn {
    Session session;
    User user;
    Organization organization;
};

class SessionRepository {
public:
    virtual ~SessionRepository() = default;
    virtual void Insert(const Session& session) = 0;
    virtual std::optional<Session> FindByTokenHash(const std::string& token_hash) = 0;
    /// The session of `token_hash` with its user and organization, in one query; none if any
    /// of the three is missing. Expiry, revocation and a disabled user are the caller's to check.
    virtual std::optional<SignedIn> FindSignedIn(const std::string& token_hash) = 0;
    virtual void Revoke(const std::string& token_hash, std::int64_t at_ms) = 0;
    virtual void RevokeAllForUser(const std::string& org_id, const std::string& user_id,
                                  std::int64_t at_ms) = 0;
    virtual int DeleteExpired(std::int64_t now_ms) = 0;
};

class ConsentRepository {
public:
    virtual ~ConsentRepository() = default;
    virtual void Insert(const Consent& consent) = 0;
    virtual std::optional<Consent> FindById(const std::string& org_id, const std::string& id) = 0;
    virtual void Revoke(const std::string& org_id, const std::string& id, std::int64_t at_ms) = 0;
    virtual std::vector<Consent> ListForPatient(const std::string& org_id,
                                                const std::string& patient_id) = 0;
    /// True if an unrevoked consent of `purpose` from the patient names the grantee.
    virtual bool IsActive(const std::string& org_id, const std::string& patient_id,
                          const std::string& grantee_user_id, ConsentPurpose purpose) = 0;
};

class AuditRepository {
public:
    virtual ~AuditRepository() = default;
    /// Appends to the organization's chain: assigns seq, prev_hash and hash. Returns the entry.
    virtual AuditEntry Append(AuditEntry entry) = 0;
    /// Appends `entries` in order (each gets seq, prev_hash and hash, as Append would give).
    /// Backends may read and write the chain head once for the whole batch.
    virtual void AppendAll(std::vector<AuditEntry>& entries) {
        for (auto& entry : entries) {
            entry = Append(std::move(entry));
        }
    }
    /// All entries of every organization, ordered by organization then seq.
    virtual std::vector<AuditEntry> ListAll() = 0;
    /// The recorded head (last seq and hash) of each organization's chain.
    virtual std::vector<std::pair<std::string, std::pair<std::int64_t, std::string>>>
    ListHeads() = 0;
    virtual std::vector<AuditEntry> ListForPatient(const std::string& org_id,
                                                   const std::string& patient_id, int limit) = 0;
};

class ThrottleRepository {
public:
    virtual ~ThrottleRepository() = default;
    virtual std::optional<LoginThrottle> Find(const std::string& key) = 0;
    virtual void Upsert(const LoginThrottle& throttle) = 0;
    virtual void Clear(const std::string& key) = 0;
};

/// Previous values of edited records ("who, when, what before"); append-only.
struct HistoryEntry {
    std::string id;
    std::string organization_id;
    std::string entity;     // "patient", "dose", ...
    std::string entity_id;
    std::string changed_by; // user id
    std::int64_t changed_at_ms = 0;
    std::string previous_json;
};

class HistoryRepository {
public:
    virtual ~HistoryRepository() = default;
    virtual void Insert(const HistoryEntry& entry) = 0;
    virtual std::vector<HistoryEntry> ListForEntity(const std::string& org_id,
                                                    const std::string& entity,
                                                    const std::string& entity_id) = 0;
};

class UnitOfWork {
public:
    virtual ~UnitOfWork() = default;
    UnitOfWork() = default;
    UnitOfWork(const UnitOfWork&) = delete;
    UnitOfWork& operator=(const UnitOfWork&) = delete;

    virtual OrganizationRepository& Organizations() = 0;
    virtual UserRepository& Users() = 0;
    virtual PatientRepository& Patients() = 0;
    virtual SessionRepository& Sessions() = 0;
    virtual ConsentRepository& Consents() = 0;
    virtual AuditRepository& Audit() = 0;
    virtual ThrottleRepository& Throttles() = 0;
    virtual HistoryRepository& History() = 0;

    // The clinical record (core/clinical_ports.hpp).
    virtual ProductRepository& Products() = 0;
    virtual LotRepository& Lots() = 0;
    virtual DoseRepository& Doses() = 0;
    virtual AssessmentRepository& Assessments() = 0;
    virtual SubstanceUseRepository& SubstanceUses() = 0;
    virtual MedicationRepository& Medications() = 0;
    virtual AdverseEventRepository& AdverseEvents() = 0;

    // Supervision (core/supervision_ports.hpp).
    virtual AlertRepository& Alerts() = 0;
    virtual TaperPlanRepository& TaperPlans() = 0;

    // Clinical notes (core/notes_ports.hpp).
    virtual NoteRepository& Notes() = 0;

    /// Makes the transaction durable (synchronous). After Commit the object is spent.
    virtual void Commit() = 0;
};

enum class TxMode { kRead, kWrite };

/// A database. Thread-safe: Begin may be called from any thread.
class Storage {
public:
    virtual ~Storage() = default;
    virtual std::unique_ptr<UnitOfWork> Begin(TxMode mode) = 0;
    /// Runs `body` as one write transaction and returns once its changes are durable; if
    /// `body` throws, nothing of it is kept and the exception propagates. `body` does not call
    /// Commit. Unlike Begin(kWrite), a backend may run the bodies of concurrent callers back to
    /// back on one thread and commit them together (fewer thread hand-offs per write), and may
    /// run a body again after rolling its first run back (when another body of the batch
    /// failed): a body sets every result it hands out on each run, and has no effect outside
    /// the UnitOfWork.
    virtual void Write(const std::function<void(UnitOfWork&)>& body) {
        auto uow = Begin(TxMode::kWrite);
        body(*uow);
        uow->Commit();
    }
    /// The calling thread does background work (such as storing read-audit entries): the backend
    /// may let that thread's writes give way to other threads (SQLite: yield the CPU every few
    /// page writes). Durability and results are unchanged.
    virtual void MarkBackgroundThread() {}
    /// True when the database answers a trivial query now.
    virtual bool Ping() = 0;
    /// "sqlite" or "postgresql".
    virtual std::string BackendName() const = 0;
    /// Current schema version.
    virtual int SchemaVersion() = 0;

    /// Backend counters for /metrics (Prometheus names, without patient data).
    struct Metric {
        std::string name;
        std::string help;
        double value = 0;
        bool counter = true;  // false: a gauge
    };
    virtual std::vector<Metric> Metrics() const { return {}; }
};

}  // namespace mitra::core
