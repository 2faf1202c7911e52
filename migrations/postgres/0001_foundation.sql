-- PostgreSQL twin of migrations/sqlite/0001_foundation.sql: same tables, columns and keys;
-- INTEGER -> BIGINT, REAL -> DOUBLE PRECISION, 0/1 flags -> BOOLEAN.
-- Foundation: tenants, accounts, sessions, consent, audit, throttling, edit history.
-- Every table carries organization_id; tenant-owned keys lead with it.
CREATE TABLE organizations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL CHECK (organization_id = id),
    name            TEXT NOT NULL UNIQUE,
    require_totp    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms   BIGINT NOT NULL
);

CREATE TABLE users (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    id              TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('patient', 'clinician', 'researcher', 'admin')),
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT NOT NULL DEFAULT '',
    totp_enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    patient_id      TEXT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE TABLE patients (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    jurisdiction    TEXT NOT NULL DEFAULT '',
    pregnant        BOOLEAN,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
);

CREATE TABLE sessions (
    organization_id TEXT NOT NULL,
    token_hash      TEXT NOT NULL PRIMARY KEY,
    user_id         TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT NOT NULL,
    revoked_at_ms   BIGINT,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
);
CREATE INDEX sessions_user ON sessions (organization_id, user_id);

CREATE TABLE consents (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    grantee_user_id TEXT NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('care', 'research')),
    granted_at_ms   BIGINT NOT NULL,
    revoked_at_ms   BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id),
    FOREIGN KEY (organization_id, grantee_user_id) REFERENCES users (organization_id, id)
);
CREATE INDEX consents_patient ON consents (organization_id, patient_id);
CREATE INDEX consents_grantee ON consents (organization_id, grantee_user_id, purpose)
    WHERE revoked_at_ms IS NULL;

CREATE TABLE audit_log (
    organization_id TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    at_ms           BIGINT NOT NULL,
    actor_user_id   TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject_type    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    PRIMARY KEY (organization_id, seq)
);
CREATE INDEX audit_patient ON audit_log (organization_id, patient_id, seq);

CREATE TABLE audit_heads (
    organization_id TEXT NOT NULL PRIMARY KEY,
    seq             BIGINT NOT NULL,
    hash            TEXT NOT NULL
);

-- Sign-in throttling; keys are hashed emails or client addresses (organization_id '' = system).
CREATE TABLE login_throttle (
    organization_id TEXT NOT NULL DEFAULT '',
    key             TEXT NOT NULL PRIMARY KEY,
    failures        BIGINT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL
);

-- Previous values of edited clinical records: who, when, what before.
CREATE TABLE record_history (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    changed_by      TEXT NOT NULL,
    changed_at_ms   BIGINT NOT NULL,
    previous_json   TEXT NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX record_history_entity ON record_history (organization_id, entity, entity_id);
