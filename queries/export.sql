-- What `oncall-health export` writes: the raw synced tables and the derived
-- tables the metrics are computed from. One statement per file written; the
-- name after "export-" is the file's base name.

-- name: export-users
SELECT * FROM users ORDER BY id;

-- name: export-teams
SELECT * FROM teams ORDER BY id;

-- name: export-team_members
SELECT * FROM team_members ORDER BY team_id, user_id;

-- name: export-services
SELECT * FROM services ORDER BY id;

-- name: export-escalation_policies
SELECT * FROM escalation_policies ORDER BY id;

-- name: export-incidents
SELECT * FROM incidents ORDER BY created_at, id;

-- name: export-alerts
SELECT * FROM alerts ORDER BY created_at, id;

-- name: export-log_entries
SELECT * FROM log_entries ORDER BY created_at, id;

-- name: export-oncalls
SELECT * FROM oncalls ORDER BY start_at, user_id, escalation_policy_id, escalation_level;

-- name: export-incident_facts
-- Incidents with acknowledge/resolve times, auto-resolution, signature and noise.
SELECT * FROM a_incidents ORDER BY created_at, id;

-- name: export-interruptions
-- Pages: the first notification of each interruption, with its local hour class.
SELECT * FROM a_interruptions ORDER BY "at", user_id;

-- name: export-shifts
-- Level-1 shifts with the alerts created inside them.
SELECT * FROM a_shifts ORDER BY start_at, user_id, escalation_policy_id;
