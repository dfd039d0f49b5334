-- Statements of the incident notes sync (package ingest, notes.go).

-- name: notes-open-incidents
-- Incidents open (triggered or acknowledged) as stored, oldest first.
SELECT id FROM incidents WHERE status IN ('triggered', 'acknowledged') ORDER BY created_at, id;

-- name: upsert-incident-notes
INSERT OR REPLACE INTO incident_notes (id, incident_id, user_id, user_name, content, created_at)
SELECT id, incident_id, user_id, user_name, content, created_at FROM staged_incident_notes;
