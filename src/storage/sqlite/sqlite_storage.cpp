#include "storage/sqlite/sqlite_storage.hpp"

#include <sqlite3.h>

#include "core/blocking.hpp"
#include "core/error.hpp"
#include "crypto/crypto.hpp"
#include "storage/migration.hpp"
#include "storage/sqlite/clinical_repos.hpp"
#include "storage/sqlite/notes_repos.hpp"
#include "storage/sqlite/supervision_repos.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/yielding_vfs.hpp"
#include "storage/sqlite/queries.hpp"
#include "storage/sqlite/checkpointer.hpp"
#include "storage/sqlite/write_lane.hpp"
#include "storage/shared/audit_chain.hpp"

namespace mitra::storage::sqlite {

const std::vector<Migration>& SqliteMigrations();  // generated from migrations/sqlite

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
        c_.Prepare(q::kSessionDeleteExpired).Bind(1, now_ms).Run();
        return sqlite3_changes(c_.raw());
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

class AuditRepo final : public core::AuditRepository {
public:
    explicit AuditRepo(Connection& c) : c_(c) {}
    AuditEntry Append(AuditEntry e) override {
        std::vector<AuditEntry> one{std::move(e)};
        AppendAll(one);
        return std::move(one.front());
    }
    void AppendAll(std::vector<AuditEntry>& entries) override {
        // The head is read once and written once per organization run: a batch of read-audit
        // entries costs one INSERT each instead of three statements.
        AppendInOrganizationRuns(
            entries,
            [&](const std::string& org) { return ReadAuditHead(c_, q::kAuditHead, org); },
            [&](const std::string& org, std::size_t first, std::size_t last,
                const AuditHead& head) {
                for (std::size_t i = first; i < last; ++i) {
                    auto st = c_.Prepare(q::kAuditInsert);
                    BindAuditEntry(st, entries[i]).Run();
                }
                c_.Prepare(q::kAuditSetHead).Bind(1, org).Bind(2, head.seq).Bind(3, head.hash)
                    .Run();
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

class SqliteUnitOfWork final : public core::UnitOfWork {
public:
    /// A read transaction on a pooled `connection`, or (lane set, connection null) a write
    /// transaction on the write lane.
    SqliteUnitOfWork(SqliteStorage& storage, std::unique_ptr<Connection> connection,
                     WriteLane* lane)
        : SqliteUnitOfWork(storage, lane, std::move(connection), nullptr) {
        if (lane_ == nullptr) {
            try {
                connection_->Exec("BEGIN");
            } catch (...) {
                // The delegated constructor finished, so the destructor runs: nothing began to
                // roll back, and it returns the connection to the pool.
                done_ = true;
                throw;
            }
        }
    }
    /// A write UnitOfWork in a combined batch (WriteLane::RunCombined): the lane's combiner
    /// opens, keeps or undoes its changes, so Commit only marks it done.
    SqliteUnitOfWork(SqliteStorage& storage, Connection& combined)
        : SqliteUnitOfWork(storage, nullptr, nullptr, &combined) {}
    ~SqliteUnitOfWork() override {
        if (combined_) {
            return;
        }
        if (lane_ != nullptr) {
            if (!done_) {
                lane_->RollbackAndLeave();
            }
            return;
        }
        if (!done_) {
            try {
                connection_->Exec("ROLLBACK");
            } catch (const std::exception&) {
                // The connection is unusable; drop it rather than return it to the pool.
                connection_.reset();
            }
        }
        if (connection_) {
            storage_.Release(std::move(connection_));
        }
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
        connection_->Exec("COMMIT");
        done_ = true;
    }

private:
    SqliteUnitOfWork(SqliteStorage& storage, WriteLane* lane,
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
    SqliteStorage& storage_;
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

}  // namespace

SqliteStorage::SqliteStorage(SqliteOptions options) : options_(std::move(options)) {
    if (options_.pool_size < 1) {
        options_.pool_size = 1;
    }
    // Open one connection now so a bad path fails at start, not at the first request.
    idle_.push_back(std::make_unique<Connection>(options_.path));
    open_ = 1;
    auto writer = std::make_unique<Connection>(options_.path);
    checkpointer_ = std::make_unique<Checkpointer>(*writer, options_.path);
    lane_ = std::make_unique<WriteLane>(std::move(writer));
}

SqliteStorage::~SqliteStorage() = default;

int SqliteStorage::KnownVersion() {
    int version = 0;
    for (const auto& m : SqliteMigrations()) {
        version = std::max(version, m.version);
    }
    return version;
}

int SqliteStorage::Migrate(int up_to) {
    auto connection = Acquire();
    struct ReleaseGuard {
        SqliteStorage& s;
        std::unique_ptr<Connection>& c;
        ~ReleaseGuard() {
            if (c) {
                s.Release(std::move(c));
            }
        }
    } guard{*this, connection};
    connection->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (organization_id TEXT NOT NULL DEFAULT '', "
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)");
    int current = 0;
    {
        auto st = connection->Prepare(q::kSchemaVersion);
        if (st.Step()) {
            current = static_cast<int>(st.Int(0));
        }
    }
    if (current > KnownVersion()) {
        throw Error(ErrorCode::kConflict,
                    "database schema version " + std::to_string(current) +
                        " is newer than this mitra knows (" + std::to_string(KnownVersion()) +
                        "); refusing to run against it");
    }
    for (const auto& m : SqliteMigrations()) {
        if (m.version <= current || m.version > up_to) {
            continue;
        }
        connection->Exec("BEGIN IMMEDIATE");
        try {
            connection->Exec(m.sql);
            connection->Prepare(q::kRecordMigration).Bind(1, m.version).Bind(2, m.name)
                .Bind(3, core::SystemClock().NowMs()).Run();
            connection->Exec("COMMIT");
        } catch (...) {
            connection->Exec("ROLLBACK");
            throw;
        }
        current = m.version;
    }
    return current;
}

int SqliteStorage::SchemaVersion() {
    auto connection = Acquire();
    int version = 0;
    try {
        auto st = connection->Prepare(q::kSchemaVersion);
        if (st.Step()) {
            version = static_cast<int>(st.Int(0));
        }
    } catch (const Error&) {
        version = 0;
    }
    Release(std::move(connection));
    return version;
}

std::vector<core::Storage::Metric> SqliteStorage::Metrics() const {
    auto metrics = LaneMetrics("mitra_sqlite", lane_->GetStats());
    metrics.push_back({"mitra_sqlite_checkpoints_total",
                       "WAL checkpoints run by the background checkpointer.",
                       static_cast<double>(checkpointer_->Checkpoints())});
    metrics.push_back({"mitra_sqlite_wal_catch_up_checkpoints_total",
                       "WAL checkpoints the writer ran itself so that a long WAL could start over.",
                       static_cast<double>(checkpointer_->CatchUps())});
    metrics.push_back({"mitra_sqlite_wal_catch_up_seconds_total",
                       "Time the writer spent in those checkpoints; every write waits meanwhile.",
                       checkpointer_->CatchUpSeconds()});
    return metrics;
}

void SqliteStorage::Write(const std::function<void(core::UnitOfWork&)>& body) {
    lane_->RunCombined([&](Connection& connection) {
        SqliteUnitOfWork uow(*this, connection);
        body(uow);
    });
}

std::unique_ptr<core::UnitOfWork> SqliteStorage::Begin(core::TxMode mode) {
    if (mode == core::TxMode::kWrite) {
        return std::make_unique<SqliteUnitOfWork>(*this, nullptr, lane_.get());
    }
    auto connection = Acquire();
    return std::make_unique<SqliteUnitOfWork>(*this, std::move(connection), nullptr);
}

void SqliteStorage::MarkBackgroundThread() { YieldWritesOnThisThread(true); }

bool SqliteStorage::Ping() {
    try {
        auto connection = Acquire();
        bool ok = false;
        {
            auto st = connection->Prepare(q::kPing);
            ok = st.Step();
        }
        Release(std::move(connection));
        return ok;
    } catch (const Error&) {
        return false;
    }
}

void SqliteStorage::BackupTo(const std::string& out_path) {
    auto source = Acquire();
    Connection destination(out_path);
    sqlite3_backup* backup = sqlite3_backup_init(destination.raw(), "main", source->raw(), "main");
    if (backup == nullptr) {
        Release(std::move(source));
        ThrowSqliteError(destination.raw(), sqlite3_errcode(destination.raw()), "backup");
    }
    const int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    Release(std::move(source));
    if (rc != SQLITE_DONE) {
        ThrowSqliteError(destination.raw(), rc, "backup");
    }
}

std::unique_ptr<Connection> SqliteStorage::Acquire() {
    std::unique_lock lock(mutex_);
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
                return std::make_unique<Connection>(options_.path);
            } catch (...) {
                std::lock_guard relock(mutex_);
                --open_;
                throw;
            }
        }
        const core::BlockingScope blocking;  // a worker pool may run another job meanwhile
        available_.wait(lock);
    }
}

void SqliteStorage::Release(std::unique_ptr<Connection> connection) {
    {
        std::lock_guard lock(mutex_);
        if (connection) {
            idle_.push_back(std::move(connection));
        } else {
            --open_;
        }
    }
    available_.notify_one();
}

}  // namespace mitra::storage::sqlite
