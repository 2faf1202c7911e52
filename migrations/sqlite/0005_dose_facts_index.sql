-- Safety-rule evaluation reads a patient's last 60 days of doses after every write. This index
-- holds every column that read needs (core::DoseSummary), in the order it is read, so the read
-- is one range scan of the index: no lookup into the table per row and no sort.
DROP INDEX doses_patient_time;
CREATE INDEX doses_patient_time ON doses (organization_id, patient_id, taken_at_ms, id,
    deleted_at_ms, product_id, lot_id, amount_g, mitragynine_mg, hydroxymitragynine_mg);
