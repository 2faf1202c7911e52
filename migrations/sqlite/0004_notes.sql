-- Clinical notes: free text clinicians write on a patient's record. Append-only: rows are never
-- updated or deleted; a correction is a new row whose amends_id names an earlier note of the
-- same patient (enforced by the foreign key over (organization_id, patient_id, amends_id)).
CREATE TABLE notes (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    text            TEXT NOT NULL CHECK (length(text) > 0),
    amends_id       TEXT,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, patient_id, id),
    FOREIGN KEY (organization_id, patient_id) REFERENCES patients (organization_id, id),
    FOREIGN KEY (organization_id, author_id) REFERENCES users (organization_id, id),
    FOREIGN KEY (organization_id, patient_id, amends_id)
        REFERENCES notes (organization_id, patient_id, id)
);
CREATE INDEX notes_by_patient ON notes (organization_id, patient_id, created_at_ms);
