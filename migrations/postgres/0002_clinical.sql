-- PostgreSQL twin of migrations/sqlite/0002_clinical.sql (types as in 0001).
-- The clinical record: products and lots with assays, doses, assessments, other substance use,
-- medications, adverse events. Rows are never deleted: deleted_at_ms marks "entered in error".
CREATE TABLE products (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    form            TEXT NOT NULL CHECK (form IN ('leaf_powder', 'capsule', 'liquid_extract', 'tablet', 'other')),
    serving_amount  DOUBLE PRECISION NOT NULL,
    serving_unit    TEXT NOT NULL,
    grams_per_unit  DOUBLE PRECISION,
    label_mitragynine_mg_per_g        DOUBLE PRECISION,
    label_hydroxymitragynine_mg_per_g DOUBLE PRECISION,
    label_json      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE TABLE lots (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    code            TEXT NOT NULL,
    mitragynine_mg_per_g        DOUBLE PRECISION,
    hydroxymitragynine_mg_per_g DOUBLE PRECISION,
    assay_json      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, product_id, code),
    FOREIGN KEY (organization_id, product_id) REFERENCES products (organization_id, id)
);

CREATE TABLE doses (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    taken_at_ms     BIGINT NOT NULL,
    product_id      TEXT,
    lot_id          TEXT,
    amount          DOUBLE PRECISION NOT NULL,
    unit            TEXT NOT NULL CHECK (unit IN ('g', 'capsule', 'tablet', 'ml')),
    amount_g        DOUBLE PRECISION,
    mitragynine_mg  DOUBLE PRECISION,
    hydroxymitragynine_mg DOUBLE PRECISION,
    derivation_json TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    deleted_at_ms   BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id),
    FOREIGN KEY (organization_id, product_id) REFERENCES products (organization_id, id),
    FOREIGN KEY (organization_id, lot_id) REFERENCES lots (organization_id, id)
);
CREATE INDEX doses_patient_time ON doses (organization_id, patient_id, taken_at_ms);

CREATE TABLE assessments (
    organization_id    TEXT NOT NULL,
    id                 TEXT NOT NULL,
    patient_id         TEXT NOT NULL,
    instrument         TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    taken_at_ms        BIGINT NOT NULL,
    responses_json     TEXT NOT NULL,
    total              DOUBLE PRECISION NOT NULL,
    band_label         TEXT,
    administered_by    TEXT NOT NULL,
    administered_role  TEXT NOT NULL,
    recorded_at_ms     BIGINT NOT NULL,
    deleted_at_ms      BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id)
);
CREATE INDEX assessments_patient_time ON assessments (organization_id, patient_id, taken_at_ms);

CREATE TABLE substance_use (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    taken_at_ms     BIGINT NOT NULL,
    substance_class TEXT NOT NULL CHECK (substance_class IN
        ('opioid', 'benzodiazepine', 'alcohol', 'gabapentinoid', 'stimulant', 'cannabis', 'other')),
    substance       TEXT,
    amount          DOUBLE PRECISION,
    unit            TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    deleted_at_ms   BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id)
);
CREATE INDEX substance_use_patient_time ON substance_use (organization_id, patient_id, taken_at_ms);

CREATE TABLE medications (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    drug_id         TEXT,
    started_on      BIGINT NOT NULL,
    stopped_on      BIGINT,
    recorded_by     TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    deleted_at_ms   BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id)
);
CREATE INDEX medications_patient ON medications (organization_id, patient_id, started_on);

CREATE TABLE adverse_events (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    onset_at_ms     BIGINT NOT NULL,
    description     TEXT NOT NULL,
    terms_json      TEXT NOT NULL,
    serious         BOOLEAN NOT NULL,
    lot_id          TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at_ms  BIGINT NOT NULL,
    deleted_at_ms   BIGINT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id),
    FOREIGN KEY (organization_id, lot_id) REFERENCES lots (organization_id, id)
);
CREATE INDEX adverse_events_patient_time ON adverse_events (organization_id, patient_id, onset_at_ms);
