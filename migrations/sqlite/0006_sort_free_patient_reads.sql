-- Safety-rule evaluation runs after every dose and reads the patient's assessments, substance
-- use and adverse events in (time, id) order. Their indexes ended at the time, so SQLite built a
-- temporary b-tree per read to order ties by id; with id in the index each read is one range
-- scan in the order asked for.
DROP INDEX assessments_patient_time;
CREATE INDEX assessments_patient_time ON assessments (organization_id, patient_id, taken_at_ms, id);
DROP INDEX substance_use_patient_time;
CREATE INDEX substance_use_patient_time ON substance_use (organization_id, patient_id, taken_at_ms,
    id);
DROP INDEX adverse_events_patient_time;
CREATE INDEX adverse_events_patient_time ON adverse_events (organization_id, patient_id,
    onset_at_ms, id);

-- The same for the other per-patient lists a clinician opens (medications, alerts, taper plans,
-- notes: newest first reads the index backwards), and the clinic's open-alert counts by patient
-- and severity, which read every alert the clinic ever had before; the partial index holds only
-- the open ones, in the order the counts are grouped.
DROP INDEX medications_patient;
CREATE INDEX medications_patient ON medications (organization_id, patient_id, started_on, id);
DROP INDEX alerts_by_patient;
CREATE INDEX alerts_by_patient ON alerts (organization_id, patient_id, created_at_ms, id);
CREATE INDEX alerts_open ON alerts (organization_id, patient_id, severity) WHERE status = 'open';
DROP INDEX taper_plans_by_patient;
CREATE INDEX taper_plans_by_patient ON taper_plans (organization_id, patient_id, created_at_ms,
    id);
DROP INDEX notes_by_patient;
CREATE INDEX notes_by_patient ON notes (organization_id, patient_id, created_at_ms, id);

-- Every read or write of a patient's record checks consent for (patient, grantee, purpose). The
-- only index that matched was (grantee, purpose), so the check walked every patient who consents
-- to that clinician, row by row: its cost grew with the caseload. With the patient last in the
-- index the check is one seek, and listing a clinician's patients reads the same index in order.
DROP INDEX consents_grantee;
CREATE INDEX consents_grantee ON consents (organization_id, grantee_user_id, purpose, patient_id)
    WHERE revoked_at_ms IS NULL;

-- A CHECK of the form `x IN (a, b, c)` makes SQLite build a temporary b-tree of the list on every
-- INSERT, and doses take the most inserts. The same rule as a chain of equalities is checked in
-- place. SQLite cannot alter a CHECK, so the table is rebuilt with its rows, keys and index
-- (https://www.sqlite.org/lang_altertable.html#otheralter); no table refers to doses.
CREATE TABLE doses_rebuilt (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    taken_at_ms     INTEGER NOT NULL,
    product_id      TEXT,
    lot_id          TEXT,
    amount          REAL NOT NULL,
    unit            TEXT NOT NULL
                    CHECK (unit = 'g' OR unit = 'capsule' OR unit = 'tablet' OR unit = 'ml'),
    amount_g        REAL,
    mitragynine_mg  REAL,
    hydroxymitragynine_mg REAL,
    derivation_json TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    deleted_at_ms   INTEGER,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id),
    FOREIGN KEY (organization_id, product_id) REFERENCES products (organization_id, id),
    FOREIGN KEY (organization_id, lot_id) REFERENCES lots (organization_id, id)
);
INSERT INTO doses_rebuilt (organization_id, id, patient_id, taken_at_ms, product_id, lot_id,
    amount, unit, amount_g, mitragynine_mg, hydroxymitragynine_mg, derivation_json, recorded_by,
    recorded_at_ms, updated_at_ms, deleted_at_ms)
SELECT organization_id, id, patient_id, taken_at_ms, product_id, lot_id, amount, unit, amount_g,
    mitragynine_mg, hydroxymitragynine_mg, derivation_json, recorded_by, recorded_at_ms,
    updated_at_ms, deleted_at_ms
FROM doses ORDER BY rowid;
DROP TABLE doses;
ALTER TABLE doses_rebuilt RENAME TO doses;
CREATE INDEX doses_patient_time ON doses (organization_id, patient_id, taken_at_ms, id,
    deleted_at_ms, product_id, lot_id, amount_g, mitragynine_mg, hydroxymitragynine_mg);
