-- PostgreSQL twin of migrations/sqlite/0005_dose_facts_index.sql.
-- Safety-rule evaluation reads a patient's last 60 days of doses after every write. This index
-- covers that read (core::DoseSummary) so it can be an index-only scan in (taken_at_ms, id)
-- order.
DROP INDEX doses_patient_time;
CREATE INDEX doses_patient_time ON doses (organization_id, patient_id, taken_at_ms, id)
    INCLUDE (deleted_at_ms, product_id, lot_id, amount_g, mitragynine_mg, hydroxymitragynine_mg);
