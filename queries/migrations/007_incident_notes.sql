-- Migration 7: incident notes (GET /incidents/{id}/notes), for the handoff
-- notes. sync fetches the notes of incidents open after it synced incidents;
-- a note is kept by its PagerDuty id, so a re-fetch never duplicates.
CREATE TABLE incident_notes (
    id           VARCHAR PRIMARY KEY,
    incident_id  VARCHAR NOT NULL,
    user_id      VARCHAR,            -- the note's user (or bot user) reference
    user_name    VARCHAR,            -- its summary, as PagerDuty gave it
    content      VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL  -- UTC
);
