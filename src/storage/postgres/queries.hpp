#pragma once
// Every SQL statement of the PostgreSQL backend, as named constants (PQprepare once per
// connection). Kept in step with storage/sqlite/queries.hpp.
//
// Plain INSERTs end in "ON CONFLICT DO NOTHING": the connection turns "0 rows inserted" into a
// ConflictError (SQLSTATE 23505) without aborting the transaction, so a unique violation leaves
// the transaction usable, as in SQLite (statement-level, not transaction-level, failure).

namespace mitra::storage::postgres::q {

inline constexpr const char kSchemaVersion[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
inline constexpr const char kRecordMigration[] =
    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)";
inline constexpr const char kPing[] = "SELECT 1";
// Serialises migrations across processes for the transaction (key: "mitra" in ASCII).
inline constexpr const char kMigrationLock[] = "SELECT pg_advisory_xact_lock(469853561441)";
inline constexpr const char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (organization_id TEXT NOT NULL DEFAULT '', "
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)";

inline constexpr const char kOrgInsert[] =
    "INSERT INTO organizations (id, organization_id, name, require_totp, created_at_ms) "
    "VALUES ($1, $1, $2, $3, $4) ON CONFLICT DO NOTHING";
inline constexpr const char kOrgUpdate[] =
    "UPDATE organizations SET name = $2, require_totp = $3 WHERE id = $1";
inline constexpr const char kOrgById[] =
    "SELECT id, name, require_totp, created_at_ms FROM organizations WHERE id = $1";
inline constexpr const char kOrgByName[] =
    "SELECT id, name, require_totp, created_at_ms FROM organizations WHERE name = $1";
inline constexpr const char kOrgList[] =
    "SELECT id, name, require_totp, created_at_ms FROM organizations ORDER BY id";

#define MITRA_USER_COLUMNS                                                                   \
    "organization_id, id, email, role, password_hash, totp_secret, totp_enabled, patient_id, " \
    "disabled, created_at_ms"
inline constexpr const char kUserInsert[] =
    "INSERT INTO users (" MITRA_USER_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char kUserUpdate[] =
    "UPDATE users SET email = $3, role = $4, password_hash = $5, totp_secret = $6, "
    "totp_enabled = $7, patient_id = $8, disabled = $9 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kUserById[] =
    "SELECT " MITRA_USER_COLUMNS " FROM users WHERE organization_id = $1 AND id = $2";
inline constexpr const char kUserByEmail[] =
    "SELECT " MITRA_USER_COLUMNS " FROM users WHERE email = $1";
inline constexpr const char kUserByOrg[] =
    "SELECT " MITRA_USER_COLUMNS " FROM users WHERE organization_id = $1 ORDER BY id";
#undef MITRA_USER_COLUMNS

#define MITRA_PATIENT_COLUMNS                                                          \
    "p.organization_id, p.id, p.user_id, p.display_name, p.timezone, p.jurisdiction, " \
    "p.pregnant, p.created_at_ms, p.updated_at_ms"
inline constexpr const char kPatientInsert[] =
    "INSERT INTO patients (organization_id, id, user_id, display_name, timezone, jurisdiction, "
    "pregnant, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char kPatientUpdate[] =
    "UPDATE patients SET display_name = $3, timezone = $4, jurisdiction = $5, pregnant = $6, "
    "updated_at_ms = $7 WHERE organization_id = $1 AND id = $2";
inline constexpr const char kPatientById[] =
    "SELECT " MITRA_PATIENT_COLUMNS " FROM patients p WHERE p.organization_id = $1 AND p.id = $2";
inline constexpr const char kPatientByOrg[] =
    "SELECT " MITRA_PATIENT_COLUMNS " FROM patients p WHERE p.organization_id = $1 ORDER BY p.id";
inline constexpr const char kPatientIfConsented[] =
    "SELECT " MITRA_PATIENT_COLUMNS " FROM patients p WHERE p.organization_id = $1 AND "
    "p.id = $2 AND EXISTS (SELECT 1 FROM consents c WHERE c.organization_id = $1 AND "
    "c.patient_id = $2 AND c.grantee_user_id = $3 AND c.purpose = $4 AND "
    "c.revoked_at_ms IS NULL)";
inline constexpr const char kPatientConsented[] =
    "SELECT " MITRA_PATIENT_COLUMNS " FROM patients p WHERE p.organization_id = $1 AND p.id IN ("
    "SELECT c.patient_id FROM consents c WHERE c.organization_id = $1 AND "
    "c.grantee_user_id = $2 AND c.purpose = $3 AND c.revoked_at_ms IS NULL) "
    "ORDER BY p.id";  // IN, not a correlated EXISTS: one pass over the grantee's consents
#undef MITRA_PATIENT_COLUMNS

inline constexpr const char kSessionInsert[] =
    "INSERT INTO sessions (organization_id, token_hash, user_id, created_at_ms, expires_at_ms) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
inline constexpr const char kSessionByHash[] =
    "SELECT organization_id, token_hash, user_id, created_at_ms, expires_at_ms, revoked_at_ms "
    "FROM sessions WHERE token_hash = $1";
// The session, its user (columns 6-15, as MITRA_USER_COLUMNS) and its organization (16-19).
inline constexpr const char kSessionSignedIn[] =
    "SELECT s.organization_id, s.token_hash, s.user_id, s.created_at_ms, s.expires_at_ms, "
    "s.revoked_at_ms, u.organization_id, u.id, u.email, u.role, u.password_hash, "
    "u.totp_secret, u.totp_enabled, u.patient_id, u.disabled, u.created_at_ms, o.id, o.name, "
    "o.require_totp, o.created_at_ms FROM sessions s JOIN users u ON "
    "u.organization_id = s.organization_id AND u.id = s.user_id JOIN organizations o ON "
    "o.id = s.organization_id WHERE s.token_hash = $1";
inline constexpr const char kSessionRevoke[] =
    "UPDATE sessions SET revoked_at_ms = $2 WHERE token_hash = $1 AND revoked_at_ms IS NULL";
inline constexpr const char kSessionRevokeUser[] =
    "UPDATE sessions SET revoked_at_ms = $3 WHERE organization_id = $1 AND user_id = $2 AND "
    "revoked_at_ms IS NULL";
inline constexpr const char kSessionDeleteExpired[] =
    "DELETE FROM sessions WHERE expires_at_ms < $1";

#define MITRA_CONSENT_COLUMNS                                                               \
    "organization_id, id, patient_id, grantee_user_id, purpose, granted_at_ms, revoked_at_ms"
inline constexpr const char kConsentInsert[] =
    "INSERT INTO consents (" MITRA_CONSENT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char kConsentById[] =
    "SELECT " MITRA_CONSENT_COLUMNS " FROM consents WHERE organization_id = $1 AND id = $2";
inline constexpr const char kConsentRevoke[] =
    "UPDATE consents SET revoked_at_ms = $3 WHERE organization_id = $1 AND id = $2 AND "
    "revoked_at_ms IS NULL";
inline constexpr const char kConsentForPatient[] =
    "SELECT " MITRA_CONSENT_COLUMNS " FROM consents WHERE organization_id = $1 AND "
    "patient_id = $2 ORDER BY id";
inline constexpr const char kConsentActive[] =
    "SELECT 1 FROM consents WHERE organization_id = $1 AND patient_id = $2 AND "
    "grantee_user_id = $3 AND purpose = $4 AND revoked_at_ms IS NULL LIMIT 1";
#undef MITRA_CONSENT_COLUMNS

#define MITRA_AUDIT_COLUMNS                                                              \
    "organization_id, seq, at_ms, actor_user_id, action, subject_type, subject_id, "     \
    "patient_id, outcome, prev_hash, hash"
// Append serialises per organization across processes, in two round trips: the first creates
// the head row if there is none and locks it until the transaction ends (an upsert that always
// returns the row: DO UPDATE takes the row lock as FOR UPDATE would); the second inserts the
// entry and moves the head in one statement. A later append in the same transaction still holds
// the lock and starts from the head it moved (Connection::HeldAuditHead): one round trip. The
// head moves only from the seq and hash the entry was chained onto, so a head that was not what
// the entry assumed updates no row, and the append fails instead of forking the chain.
inline constexpr const char kAuditLockHead[] =
    "INSERT INTO audit_heads (organization_id, seq, hash) VALUES ($1, 0, '') "
    "ON CONFLICT (organization_id) DO UPDATE SET seq = audit_heads.seq RETURNING seq, hash";
inline constexpr const char kAuditInsertAndSetHead[] =
    "WITH entry AS (INSERT INTO audit_log (" MITRA_AUDIT_COLUMNS ") VALUES "
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING) "
    "UPDATE audit_heads SET seq = $2, hash = $11 "
    "WHERE organization_id = $1 AND seq = $2 - 1 AND hash = $10";
// A batch (AppendAll) in the same two round trips: after kAuditLockHead, every entry of one
// organization's run is inserted by one statement from parallel arrays ($2..$11, array literals
// written by AppendArrayElement in postgres_storage.cpp), and the head moves to the last one.
inline constexpr const char kAuditInsertManyAndSetHead[] =
    "WITH entries AS (INSERT INTO audit_log (" MITRA_AUDIT_COLUMNS ") "
    "SELECT $1, e.* FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) AS e "
    "ON CONFLICT DO NOTHING) "
    "UPDATE audit_heads SET seq = $12, hash = $13 "
    "WHERE organization_id = $1 AND seq = ($2::bigint[])[1] - 1 AND hash = ($10::text[])[1]";
inline constexpr const char kAuditAll[] =
    "SELECT " MITRA_AUDIT_COLUMNS " FROM audit_log ORDER BY organization_id, seq";
inline constexpr const char kAuditHeads[] =
    "SELECT organization_id, seq, hash FROM audit_heads WHERE seq > 0 ORDER BY organization_id";
inline constexpr const char kAuditForPatient[] =
    "SELECT " MITRA_AUDIT_COLUMNS " FROM audit_log WHERE organization_id = $1 AND "
    "patient_id = $2 ORDER BY seq DESC LIMIT $3";
#undef MITRA_AUDIT_COLUMNS

inline constexpr const char kThrottleFind[] =
    "SELECT key, failures, window_start_ms, locked_until_ms FROM login_throttle WHERE key = $1";
inline constexpr const char kThrottleUpsert[] =
    "INSERT INTO login_throttle (key, failures, window_start_ms, locked_until_ms) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
    "window_start_ms = excluded.window_start_ms, locked_until_ms = excluded.locked_until_ms";
inline constexpr const char kThrottleClear[] = "DELETE FROM login_throttle WHERE key = $1";

inline constexpr const char kHistoryInsert[] =
    "INSERT INTO record_history (organization_id, id, entity, entity_id, changed_by, "
    "changed_at_ms, previous_json) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
inline constexpr const char kHistoryForEntity[] =
    "SELECT organization_id, id, entity, entity_id, changed_by, changed_at_ms, previous_json "
    "FROM record_history WHERE organization_id = $1 AND entity = $2 AND entity_id = $3 "
    "ORDER BY changed_at_ms, id";

}  // namespace mitra::storage::postgres::q
