-- PostgreSQL twin of migrations/sqlite/0006_sort_free_patient_reads.sql.
-- Safety-rule evaluation reads a patient's assessments, substance use and adverse events in
-- (time, id) order after every dose; with id in each index the read needs no sort.
-- (The SQLite migration also rebuilds doses to restate its unit CHECK without IN; PostgreSQL
-- checks IN lists in place, so its doses table stays as it is.)
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
