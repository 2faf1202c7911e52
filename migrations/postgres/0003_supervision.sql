-- PostgreSQL twin of migrations/sqlite/0003_supervision.sql (types as in 0001).
-- Supervision: safety alerts (raised by the rules engine, one per ongoing condition) and taper
-- plans (versioned; an edit of an approved plan is a new row superseding it).
CREATE TABLE alerts (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'high', 'urgent')),
    status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    condition_key   TEXT NOT NULL,
    message         TEXT NOT NULL,
    patient_text    TEXT NOT NULL,
    clinician_text  TEXT NOT NULL,
    evidence_json   TEXT NOT NULL,
    citations_json  TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at_ms BIGINT,
    note            TEXT,
    resolved_by     TEXT,
    resolved_at_ms  BIGINT,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, patient_id, condition_key),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id)
);
CREATE INDEX alerts_by_patient ON alerts (organization_id, patient_id, created_at_ms);

CREATE TABLE taper_plans (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    supersedes_id   TEXT,
    method          TEXT NOT NULL CHECK (method IN ('linear', 'proportional', 'exposure')),
    status          TEXT NOT NULL
                    CHECK (status IN ('draft', 'approved', 'active', 'completed', 'stopped')),
    parameters_json TEXT NOT NULL,
    schedule_json   TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    approved_by     TEXT,
    approved_at_ms  BIGINT,
    holds_json      TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id)
);
CREATE INDEX taper_plans_by_patient ON taper_plans (organization_id, patient_id, created_at_ms);
-- At most one active plan per patient.
CREATE UNIQUE INDEX taper_plans_one_active ON taper_plans (organization_id, patient_id)
    WHERE status = 'active';
