#include "storage/postgres/postgres_storage.hpp"
// Repositories mirror storage/sqlite/sqlite_storage.cpp over the PostgreSQL Statement, which has
// the same interface; only the SQL (queries.hpp) and the audit head lock differ.

#include <array>
#include <string>
#include <string_view>

#include "core/blocking.hpp"
#include "core/ids.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "storage/migration.hpp"
#include "storage/postgres/clinical_repos.hpp"
#include "storage/postgres/notes_repos.hpp"
#include "storage/postgres/supervision_repos.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/postgres/queries.hpp"
#include "storage/shared/audit_chain.hpp"

namespace mitra::storage::postgres {

const std::vector<Migration>& PostgresMigrations();  // generated from migrations/postgres

namespace {

using core::AuditEntry;
using core::Consent;
using core::Organization;
using core::Patient;
using core::Session;
using core::User;

/// `base`: the column the organization's (or user's) columns start at.
Organization ReadOrg(const Statement& st, int base = 0) {
    return Organization{st.Text(base), st.Text(base + 1), st.Int(base + 2) != 0,
                        st.Int(base + 3)};
}

User ReadUser(const Statement& st, int base = 0) {
    User user;
    user.organization_id = st.Text(base + 0);
    user.id = st.Text(base + 1);
    user.email = st.Text(base + 2);
    user.role = core::ParseRole(st.Text(base + 3)).value_or(core::Role::kPatient);
    user.password_hash = st.Text(base + 4);
    user.totp_secret = st.Text(base + 5);
    user.totp_enabled = st.Int(base + 6) != 0;
    user.patient_id = st.OptText(base + 7);
    user.disabled = st.Int(base + 8) != 0;
    user.created_at_ms = st.Int(base + 9);
    return user;
}

Patient ReadPatient(const Statement& st) {
    Patient p;
    p.organization_id = st.Text(0);
    p.id = st.Text(1);
    p.user_id = st.Text(2);
    p.display_name = st.Text(3);
    p.timezone = st.Text(4);
    p.jurisdiction = st.Text(5);
    if (auto v = st.OptInt(6)) {
        p.pregnant = *v != 0;
    }
    p.created_at_ms = st.Int(7);
    p.updated_at_ms = st.Int(8);
    return p;
}

Consent ReadConsent(const Statement& st) {
    Consent c;
    c.organization_id = st.Text(0);
    c.id = st.Text(1);
    c.patient_id = st.Text(2);
    c.grantee_user_id = st.Text(3);
    c.purpose = core::ParsePurpose(st.Text(4)).value_or(core::ConsentPurpose::kCare);
    c.granted_at_ms = st.Int(5);
    c.revoked_at_ms = st.OptInt(6);
    return c;
}

AuditEntry ReadAudit(const Statement& st) {
    AuditEntry e;
    e.organization_id = st.Text(0);
    e.seq = st.Int(1);
    e.at_ms = st.Int(2);
    e.actor_user_id = st.Text(3);
    e.action = st.Text(4);
    e.subject_type = st.Text(5);
    e.subject_id = st.Text(6);
    e.patient_id = st.Text(7);
    e.outcome = st.Text(8);
    e.prev_hash = st.Text(9);
    e.hash = st.Text(10);
    return e;
}

std::optional<std::int64_t> PregnantColumn(const Patient& p) {
    if (!p.pregnant) {
        return std::nullopt;
    }
    return *p.pregnant ? 1 : 0;
}

class OrgRepo final : public core::OrganizationRepository {
public:
    explicit OrgRepo(Connection& c) : c_(c) {}
    void Insert(const Organization& org) override {
        try {
            c_.Prepare(q::kOrgInsert).Bind(1, org.id).Bind(2, org.name).Bind(3, org.require_totp)
                .Bind(4, org.created_at_ms).Run();
        } catch (const ConflictError&) {
            throw ConflictError("an organization with this name already exists", "name");
        }
    }
    std::optional<Organization> FindById(const std::string& id) override {
        auto st = c_.Prepare(q::kOrgById);
        st.Bind(1, id);
        return st.Step() ? std::optional(ReadOrg(st)) : std::nullopt;
    }
    std::optional<Organization> FindByName(const std::string& name) override {
        auto st = c_.Prepare(q::kOrgByName);
        st.Bind(1, name);
        return st.Step() ? std::optional(ReadOrg(st)) : std::nullopt;
    }
    void Update(const Organization& org) override {
        c_.Prepare(q::kOrgUpdate).Bind(1, org.id).Bind(2, org.name).Bind(3, org.require_totp).Run();
    }
    std::vector<Organization> List() override {
        auto st = c_.Prepare(q::kOrgList);
        std::vector<Organization> out;
        while (st.Step()) {
            out.push_back(ReadOrg(st));
        }
        return out;
    }

private:
    Connection& c_;
};

class UserRepo final : public core::UserRepository {
public:
    explicit UserRepo(Connection& c) : c_(c) {}
    void Insert(const User& u) override {
        try {
            c_.Prepare(q::kUserInsert).Bind(1, u.organization_id).Bind(2, u.id).Bind(3, u.email)
                .Bind(4, core::RoleName(u.role)).Bind(5, u.password_hash).Bind(6, u.totp_secret)
                .Bind(7, u.totp_enabled).Bind(8, u.patient_id).Bind(9, u.disabled)
                .Bind(10, u.created_at_ms).Run();
        } catch (const ConflictError&) {
            throw ConflictError("a user with this email already exists", "email");
        }
    }
    void Update(const User& u) override {
        c_.Prepare(q::kUserUpdate).Bind(1, u.organization_id).Bind(2, u.id).Bind(3, u.email)
            .Bind(4, core::RoleName(u.role)).Bind(5, u.password_hash).Bind(6, u.totp_secret)
            .Bind(7, u.totp_enabled).Bind(8, u.patient_id).Bind(9, u.disabled).Run();
    }
    std::optional<User> FindById(const std::string& org_id, const std::string& id) override {
        auto st = c_.Prepare(q::kUserById);
        st.Bind(1, org_id).Bind(2, id);
        return st.Step() ? std::optional(ReadUser(st)) : std::nullopt;
    }
    std::optional<User> FindByEmail(const std::string& email) override {
        auto st = c_.Prepare(q::kUserByEmail);
        st.Bind(1, email);
        return st.Step() ? std::optional(ReadUser(st)) : std::nullopt;
    }
    std::vector<User> ListByOrganization(const std::string& org_id) override {
        auto st = c_.Prepare(q::kUserByOrg);
        st.Bind(1, org_id);
        std::vector<User> out;
        while (st.Step()) {
            out.push_back(ReadUser(st));
        }
        return out;
    }

private:
    Connection& c_;
};

class PatientRepo final : public core::PatientRepository {
public:
    explicit PatientRepo(Connection& c) : c_(c) {}
    void Insert(const Patient& p) override {
        c_.Prepare(q::kPatientInsert).Bind(1, p.organization_id).Bind(2, p.id).Bind(3, p.user_id)
            .Bind(4, p.display_name).Bind(5, p.timezone).Bind(6, p.jurisdiction)
            .Bind(7, PregnantColumn(p)).Bind(8, p.created_at_ms).Bind(9, p.updated_at_ms).Run();
    }
    void Update(const Patient& p) override {
        c_.Prepare(q::kPatientUpdate).Bind(1, p.organization_id).Bind(2, p.id)
            .Bind(3, p.display_name).Bind(4, p.timezone).Bind(5, p.jurisdiction)
            .Bind(6, PregnantColumn(p)).Bind(7, p.updated_at_ms).Run();
    }
    std::optional<Patient> FindById(const std::string& org_id, const std::string& id) override {
        auto st = c_.Prepare(q::kPatientById);
        st.Bind(1, org_id).Bind(2, id);
        return st.Step() ? std::optional(ReadPatient(st)) : std::nullopt;
    }
    std::vector<Patient> ListByOrganization(const std::string& org_id) override {
        auto st = c_.Prepare(q::kPatientByOrg);
        st.Bind(1, org_id);
        std::vector<Patient> out;
        while (st.Step()) {
            out.push_back(ReadPatient(st));
        }
        return out;
    }
    std::vector<Patient> ListConsentedTo(const std::string& org_id, const std::string& grantee,
                                         core::ConsentPurpose purpose) override {
        auto st = c_.Prepare(q::kPatientConsented);
        st.Bind(1, org_id).Bind(2, grantee).Bind(3, core::PurposeName(purpose));
        std::vector<Patient> out;
        while (st.Step()) {
            out.push_back(ReadPatient(st));
        }
        return out;
    }
    std::optional<Patient> FindIfConsented(const std::string& org_id, const std::string& id,
                                           const std::string& grantee,
                                           core::ConsentPurpose purpose) override {
        auto st = c_.Prepare(q::kPatientIfConsented);
        st.Bind(1, org_id).Bind(2, id).Bind(3, grantee).Bind(4, core::PurposeName(purpose));
        return st.Step() ? std::optional(ReadPatient(st)) : std::nullopt;
    }

private:
    Connection& c_;
};

class SessionRepo final : public core::SessionRepository {
public:
    explicit SessionRepo(Connection& c) : c_(c) {}
    void Insert(const Session& s) override {
        c_.Prepare(q::kSessionInsert).Bind(1, s.organization_id).Bind(2, s.token_hash)
            .Bind(3, s.user_id).Bind(4, s.created_at_ms).Bind(5, s.expires_at_ms).Run();
    }
    std::optional<Session> FindByTokenHash(const std::string& token_hash) override {
        auto st = c_.Prepare(q::kSessionByHash);
        st.Bind(1, token_hash);
        if (!st.Step()) {
            return std::nullopt;
        }
        return Session{st.Text(1), st.Text(0), st.Text(2), st.Int(3), st.Int(4), st.OptInt(5)};
    }
    std::optional<core::SignedIn> FindSignedIn(const std::string& token_hash) override {
        auto st = c_.Prepare(q::kSessionSignedIn);
        st.Bind(1, token_hash);
        if (!st.Step()) {
            return std::nullopt;
        }
        return core::SignedIn{
            Session{st.Text(1), st.Text(0), st.Text(2), st.Int(3), st.Int(4), st.OptInt(5)},
            ReadUser(st, 6), ReadOrg(st, 16)};
    }
    void Revoke(const std::string& token_hash, std::int64_t at_ms) override {
        c_.Prepare(q::kSessionRevoke).Bind(1, token_hash).Bind(2, at_ms).Run();
    }
    void RevokeAllForUser(const std::string& org_id, const std::string& user_id,
                          std::int64_t at_ms) override {
        c_.Prepare(q::kSessionRevokeUser).Bind(1, org_id).Bind(2, user_id).Bind(3, at_ms).Run();
    }
    int DeleteExpired(std::int64_t now_ms) override {
        auto st = c_.Prepare(q::kSessionDeleteExpired);
        st.Bind(1, now_ms).Run();
        return st.Changes();
    }

private:
    Connection& c_;
};

class ConsentRepo final : public core::ConsentRepository {
public:
    explicit ConsentRepo(Connection& c) : c_(c) {}
    void Insert(const Consent& c) override {
        c_.Prepare(q::kConsentInsert).Bind(1, c.organization_id).Bind(2, c.id)
            .Bind(3, c.patient_id).Bind(4, c.grantee_user_id).Bind(5, core::PurposeName(c.purpose))
            .Bind(6, c.granted_at_ms).Bind(7, c.revoked_at_ms).Run();
    }
    std::optional<Consent> FindById(const std::string& org_id, const std::string& id) override {
        auto st = c_.Prepare(q::kConsentById);
        st.Bind(1, org_id).Bind(2, id);
        return st.Step() ? std::optional(ReadConsent(st)) : std::nullopt;
    }
    void Revoke(const std::string& org_id, const std::string& id, std::int64_t at_ms) override {
        c_.Prepare(q::kConsentRevoke).Bind(1, org_id).Bind(2, id).Bind(3, at_ms).Run();
    }
    std::vector<Consent> ListForPatient(const std::string& org_id,
                                        const std::string& patient_id) override {
        auto st = c_.Prepare(q::kConsentForPatient);
        st.Bind(1, org_id).Bind(2, patient_id);
        std::vector<Consent> out;
        while (st.Step()) {
            out.push_back(ReadConsent(st));
        }
        return out;
    }
    bool IsActive(const std::string& org_id, const std::string& patient_id,
                  const std::string& grantee, core::ConsentPurpose purpose) override {
        auto st = c_.Prepare(q::kConsentActive);
        st.Bind(1, org_id).Bind(2, patient_id).Bind(3, grantee).Bind(4, core::PurposeName(purpose));
        return st.Step();
    }

private:
    Connection& c_;
};

// One element of a PostgreSQL array literal, always double-quoted: inside quotes only `"` and
// `\` need a backslash (so commas, braces, spaces and the word NULL stay plain text).
void AppendArrayElement(std::string& out, std::string_view value) {
    out += '"';
    for (const char ch : value) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
        }
        out += ch;
    }
    out += '"';
}

class AuditRepo final : public core::AuditRepository {
public:
    explicit AuditRepo(Connection& c) : c_(c) {}
    AuditEntry Append(AuditEntry e) override {
        std::vector<AuditEntry> one{std::move(e)};
        AppendAll(one);
        return std::move(one.front());
    }
    void AppendAll(std::vector<AuditEntry>& entries) override {
        // Two round trips per organization run, however long: lock the head, then store the
        // run and move the head in one statement (a batch of read-audit entries would otherwise
        // take two round trips each and fall behind the reads it records). One, when this
        // transaction already holds the head's lock from an earlier append (a group commit of
        // several writes of one clinic).
        AppendInOrganizationRuns(
            entries,
            [&](const std::string& org) {
                if (const auto* held = c_.HeldAuditHead(org)) {
                    return AuditHead{held->first, held->second};
                }
                return ReadAuditHead(c_, q::kAuditLockHead, org);
            },
            [&](const std::string& org, std::size_t first, std::size_t last,
                const AuditHead& head) {
                const auto moved = [&](Statement& st) {
                    if (st.Changes() != 1) {
                        throw InternalError("audit chain of organization " + org +
                                            ": the head was not where the entries assumed");
                    }
                    c_.HoldAuditHead(org, head.seq, head.hash);
                };
                if (last - first == 1) {  // the head moves to this entry ($2, $11)
                    auto st = c_.Prepare(q::kAuditInsertAndSetHead);
                    BindAuditEntry(st, entries[first]).Run();
                    moved(st);
                    return;
                }
                // seq, at_ms, actor ... hash of every entry, as array literals.
                std::array<std::string, 10> columns;
                for (std::size_t i = first; i < last; ++i) {
                    const AuditEntry& e = entries[i];
                    const std::string seq = std::to_string(e.seq);
                    const std::string at_ms = std::to_string(e.at_ms);
                    const std::array<std::string_view, 10> values = {
                        seq,          at_ms,        e.actor_user_id, e.action,    e.subject_type,
                        e.subject_id, e.patient_id, e.outcome,       e.prev_hash, e.hash};
                    for (std::size_t c = 0; c < columns.size(); ++c) {
                        columns[c] += i == first ? '{' : ',';
                        AppendArrayElement(columns[c], values[c]);
                    }
                }
                auto st = c_.Prepare(q::kAuditInsertManyAndSetHead);
                st.Bind(1, org);
                for (std::size_t c = 0; c < columns.size(); ++c) {
                    columns[c] += '}';
                    st.Bind(static_cast<int>(c) + 2, columns[c]);
                }
                st.Bind(12, head.seq).Bind(13, head.hash).Run();
                moved(st);
            });
    }
    std::vector<AuditEntry> ListAll() override {
        auto st = c_.Prepare(q::kAuditAll);
        std::vector<AuditEntry> out;
        while (st.Step()) {
            out.push_back(ReadAudit(st));
        }
        return out;
    }
    std::vector<std::pair<std::string, std::pair<std::int64_t, std::string>>> ListHeads()
        override {
        auto st = c_.Prepare(q::kAuditHeads);
        std::vector<std::pair<std::string, std::pair<std::int64_t, std::string>>> out;
        while (st.Step()) {
            out.push_back({st.Text(0), {st.Int(1), st.Text(2)}});
        }
        return out;
    }
    std::vector<AuditEntry> ListForPatient(const std::string& org_id,
                                           const std::string& patient_id, int limit) override {
        auto st = c_.Prepare(q::kAuditForPatient);
        st.Bind(1, org_id).Bind(2, patient_id).Bind(3, limit);
        std::vector<AuditEntry> out;
        while (st.Step()) {
            out.push_back(ReadAudit(st));
        }
        return out;
    }

private:
    Connection& c_;
};

class ThrottleRepo final : public core::ThrottleRepository {
public:
    explicit ThrottleRepo(Connection& c) : c_(c) {}
    std::optional<core::LoginThrottle> Find(const std::string& key) override {
        auto st = c_.Prepare(q::kThrottleFind);
        st.Bind(1, key);
        if (!st.Step()) {
            return std::nullopt;
        }
        return core::LoginThrottle{st.Text(0), static_cast<int>(st.Int(1)), st.Int(2), st.Int(3)};
    }
    void Upsert(const core::LoginThrottle& t) override {
        c_.Prepare(q::kThrottleUpsert).Bind(1, t.key).Bind(2, t.failures)
            .Bind(3, t.window_start_ms).Bind(4, t.locked_until_ms).Run();
    }
    void Clear(const std::string& key) override {
        c_.Prepare(q::kThrottleClear).Bind(1, key).Run();
    }

private:
    Connection& c_;
};

class HistoryRepo final : public core::HistoryRepository {
public:
    explicit HistoryRepo(Connection& c) : c_(c) {}
    void Insert(const core::HistoryEntry& h) override {
        c_.Prepare(q::kHistoryInsert).Bind(1, h.organization_id).Bind(2, h.id).Bind(3, h.entity)
            .Bind(4, h.entity_id).Bind(5, h.changed_by).Bind(6, h.changed_at_ms)
            .Bind(7, h.previous_json).Run();
    }
    std::vector<core::HistoryEntry> ListForEntity(const std::string& org_id,
                                                  const std::string& entity,
                                                  const std::string& entity_id) override {
        auto st = c_.Prepare(q::kHistoryForEntity);
        st.Bind(1, org_id).Bind(2, entity).Bind(3, entity_id);
        std::vector<core::HistoryEntry> out;
        while (st.Step()) {
            out.push_back({st.Text(1), st.Text(0), st.Text(2), st.Text(3), st.Text(4), st.Int(5),
                           st.Text(6)});
        }
        return out;
    }

private:
    Connection& c_;
};
class PostgresUnitOfWork final : public core::UnitOfWork {
public:
    /// A read on a pooled, read-only `connection` (its statements run without BEGIN), or (lane
    /// set, connection null) a write transaction in the write lane's current batch.
    PostgresUnitOfWork(PostgresStorage& storage, std::unique_ptr<Connection> connection,
                       WriteLane* lane)
        : PostgresUnitOfWork(storage, lane, std::move(connection), nullptr) {}
    /// A write UnitOfWork in a combined batch (WriteLane::RunCombined): the lane's combiner
    /// opens, keeps or undoes its changes, so Commit only marks it done.
    PostgresUnitOfWork(PostgresStorage& storage, Connection& combined)
        : PostgresUnitOfWork(storage, nullptr, nullptr, &combined) {}
    ~PostgresUnitOfWork() override {
        if (combined_) {
            return;
        }
        if (lane_ != nullptr) {
            if (!done_) {
                lane_->RollbackAndLeave();
            }
            return;
        }
        if (!done_ && connection_->Healthy() && !connection_->Idle()) {
            try {
                connection_->Exec("ROLLBACK");
            } catch (const std::exception&) {
                // Release drops a connection left inside a transaction.
            }
        }
        storage_.Release(std::move(connection_));
    }

    core::OrganizationRepository& Organizations() override { return orgs_; }
    core::UserRepository& Users() override { return users_; }
    core::PatientRepository& Patients() override { return patients_; }
    core::SessionRepository& Sessions() override { return sessions_; }
    core::ConsentRepository& Consents() override { return consents_; }
    core::AuditRepository& Audit() override { return audit_; }
    core::ThrottleRepository& Throttles() override { return throttles_; }
    core::HistoryRepository& History() override { return history_; }
    core::ProductRepository& Products() override { return clinical_.Products(); }
    core::LotRepository& Lots() override { return clinical_.Lots(); }
    core::DoseRepository& Doses() override { return clinical_.Doses(); }
    core::AssessmentRepository& Assessments() override { return clinical_.Assessments(); }
    core::SubstanceUseRepository& SubstanceUses() override { return clinical_.SubstanceUses(); }
    core::MedicationRepository& Medications() override { return clinical_.Medications(); }
    core::AdverseEventRepository& AdverseEvents() override { return clinical_.AdverseEvents(); }
    core::AlertRepository& Alerts() override { return supervision_.Alerts(); }
    core::TaperPlanRepository& TaperPlans() override { return supervision_.TaperPlans(); }
    core::NoteRepository& Notes() override { return notes_.Notes(); }

    /// Returns once the server reports the commit durable (synchronous_commit=on, the default).
    void Commit() override {
        if (combined_) {
            done_ = true;
            return;
        }
        if (lane_ != nullptr) {
            done_ = true;  // the lane is left even when the group commit fails
            lane_->CommitAndLeave();
            return;
        }
        if (!connection_->Idle()) {
            connection_->Exec("COMMIT");
        }
        done_ = true;
    }

private:
    PostgresUnitOfWork(PostgresStorage& storage, WriteLane* lane,
                       std::unique_ptr<Connection> connection, Connection* combined)
        : storage_(storage),
          lane_(lane),
          connection_(std::move(connection)),
          c_(combined != nullptr ? *combined : lane_ != nullptr ? lane_->Enter() : *connection_),
          orgs_(c_),
          users_(c_),
          patients_(c_),
          sessions_(c_),
          consents_(c_),
          audit_(c_),
          throttles_(c_),
          history_(c_),
          clinical_(c_),
          supervision_(c_),
          notes_(c_),
          combined_(combined != nullptr) {}
    PostgresStorage& storage_;
    WriteLane* lane_;
    std::unique_ptr<Connection> connection_;
    Connection& c_;
    OrgRepo orgs_;
    UserRepo users_;
    PatientRepo patients_;
    SessionRepo sessions_;
    ConsentRepo consents_;
    AuditRepo audit_;
    ThrottleRepo throttles_;
    HistoryRepo history_;
    ClinicalRepos clinical_;
    SupervisionRepos supervision_;
    NotesRepos notes_;
    bool done_ = false;
    bool combined_ = false;
};

/// Returns the connection to the pool when the scope ends.
class Lease {
public:
    Lease(PostgresStorage& storage, std::unique_ptr<Connection> connection)
        : storage_(storage), connection_(std::move(connection)) {}
    ~Lease() { storage_.Release(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

private:
    PostgresStorage& storage_;
    std::unique_ptr<Connection> connection_;
};

/// A connection for the pool: its sessions are read-only (reads run without BEGIN).
std::unique_ptr<Connection> OpenPooled(const std::string& url) {
    auto connection = std::make_unique<Connection>(url);
    connection->MakeReadOnly();
    return connection;
}

}  // namespace

PostgresStorage::PostgresStorage(PostgresOptions options) : options_(std::move(options)) {
    if (options_.pool_size < 1) {
        options_.pool_size = 1;
    }
    idle_.push_back(OpenPooled(options_.url));
    open_ = 1;
    lane_ = std::make_unique<WriteLane>(std::make_unique<Connection>(options_.url), 64,
                                        [url = options_.url] {
                                            return std::make_unique<Connection>(url);
                                        });
}

PostgresStorage::~PostgresStorage() = default;

int PostgresStorage::KnownVersion() {
    int version = 0;
    for (const auto& m : PostgresMigrations()) {
        version = std::max(version, m.version);
    }
    return version;
}

int PostgresStorage::Migrate() {
    Lease connection(*this, Acquire());
    for (;;) {
        connection->Exec("BEGIN READ WRITE");  // pooled sessions are read-only by default
        try {
            connection->Prepare(q::kMigrationLock).Run();
            connection->Exec(q::kCreateMigrationsTable);
            int current = 0;
            {
                auto st = connection->Prepare(q::kSchemaVersion);
                if (st.Step()) {
                    current = static_cast<int>(st.Int(0));
                }
            }
            if (current > KnownVersion()) {
                throw ConflictError("database schema version " + std::to_string(current) +
                                    " is newer than this mitra knows (" +
                                    std::to_string(KnownVersion()) +
                                    "); refusing to run against it");
            }
            const Migration* next = nullptr;
            for (const auto& m : PostgresMigrations()) {
                if (m.version > current) {
                    next = &m;
                    break;
                }
            }
            if (next == nullptr) {
                connection->Exec("COMMIT");
                return current;
            }
            connection->Exec(next->sql);
            connection->Prepare(q::kRecordMigration).Bind(1, next->version).Bind(2, next->name)
                .Bind(3, core::SystemClock().NowMs()).Run();
            connection->Exec("COMMIT");
        } catch (...) {
            if (connection->Healthy()) {
                connection->Exec("ROLLBACK");
            }
            throw;
        }
    }
}

int PostgresStorage::SchemaVersion() {
    Lease connection(*this, Acquire());
    try {
        auto st = connection->Prepare(q::kSchemaVersion);
        return st.Step() ? static_cast<int>(st.Int(0)) : 0;
    } catch (const InternalError&) {
        return 0;  // 42P01: no schema_migrations table yet
    }
}

std::vector<core::Storage::Metric> PostgresStorage::Metrics() const {
    return LaneMetrics("mitra_postgres", lane_->GetStats());
}

void PostgresStorage::Write(const std::function<void(core::UnitOfWork&)>& body) {
    lane_->RunCombined([&](Connection& connection) {
        PostgresUnitOfWork uow(*this, connection);
        body(uow);
    });
}

std::unique_ptr<core::UnitOfWork> PostgresStorage::Begin(core::TxMode mode) {
    // READ COMMITTED for both; writers that must serialise lock rows explicitly. Writes of this
    // process share group commits on the write lane (storage/shared/write_lane.hpp).
    if (mode == core::TxMode::kWrite) {
        return std::make_unique<PostgresUnitOfWork>(*this, nullptr, lane_.get());
    }
    // A read runs its statements without BEGIN: at READ COMMITTED each statement takes its own
    // snapshot inside a transaction too, so BEGIN and ROLLBACK would add two round trips and no
    // consistency. The pooled session is read-only (a write there fails instead of committing
    // on its own), and a statement that finds it cut while idle reconnects and runs again
    // (Connection::MakeReadOnly).
    return std::make_unique<PostgresUnitOfWork>(*this, Acquire(), nullptr);
}

bool PostgresStorage::Ping() {
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            Lease connection(*this, Acquire());
            auto st = connection->Prepare(q::kPing);
            return st.Step();
        } catch (const Error&) {
            // A stale connection was dropped by Release; try the next (or a new) one.
        }
    }
    return false;
}

std::unique_ptr<Connection> PostgresStorage::Acquire() {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    for (;;) {
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return connection;
        }
        if (open_ < options_.pool_size) {
            ++open_;
            lock.unlock();
            try {
                return OpenPooled(options_.url);
            } catch (...) {
                std::lock_guard relock(mutex_);
                --open_;
                throw;
            }
        }
        const core::BlockingScope blocking;  // a worker pool may run another job meanwhile
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout &&
            idle_.empty() && open_ >= options_.pool_size) {
            throw UnavailableError("no PostgreSQL connection free within " +
                                   std::to_string(options_.acquire_timeout.count()) + " ms");
        }
    }
}

void PostgresStorage::Release(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(mutex_);
        if (connection && connection->Healthy() && connection->Idle()) {
            idle_.push_back(std::move(connection));
        } else {
            const bool lost = connection && !connection->Healthy();
            connection.reset();
            --open_;
            if (lost) {
                // The server went away (restart, failover): the idle ones are most likely cut
                // too. Drop them so the next request connects afresh instead of failing.
                open_ -= static_cast<int>(idle_.size());
                idle_.clear();
            }
        }
    }
    available_.notify_one();
}

}  // namespace mitra::storage::postgres
