-- Statements the sync uses. Each upsert reads a staged Arrow view (registered
-- by package ingest for one window of rows) and replaces rows by PagerDuty id,
-- so that a re-run never duplicates.

-- name: sync-state-get
SELECT watermark FROM sync_state WHERE resource = $1;

-- name: sync-state-set
INSERT INTO sync_state (resource, watermark, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (resource) DO UPDATE SET watermark = excluded.watermark, updated_at = excluded.updated_at;

-- name: upsert-users
INSERT OR REPLACE INTO users (id, name, email, time_zone)
SELECT id, name, email, time_zone FROM staged_users;

-- Memberships are replaced by the full list each sync. DuckDB checks keys
-- against rows deleted earlier in the same transaction, so rows that stay
-- are not deleted and re-inserted: only the gone ones are deleted.
-- name: copy-team-members
CREATE OR REPLACE TEMP TABLE new_team_members AS
SELECT DISTINCT team_id, user_id FROM staged_team_members;

-- name: clear-team-members
DELETE FROM team_members;

-- name: delete-gone-team-members
DELETE FROM team_members
WHERE (team_id, user_id) NOT IN (SELECT (team_id, user_id) FROM new_team_members);

-- name: insert-team-members
INSERT OR IGNORE INTO team_members (team_id, user_id)
SELECT team_id, user_id FROM new_team_members;

-- name: upsert-teams
INSERT OR REPLACE INTO teams (id, name)
SELECT id, name FROM staged_teams;

-- name: upsert-services
INSERT OR REPLACE INTO services (id, name, escalation_policy_id, team_id)
SELECT id, name, escalation_policy_id, team_id FROM staged_services;

-- name: upsert-escalation-policies
INSERT OR REPLACE INTO escalation_policies (id, name, team_id)
SELECT id, name, team_id FROM staged_escalation_policies;

-- name: upsert-incidents
INSERT OR REPLACE INTO incidents (id, incident_number, title, status, urgency, service_id,
    escalation_policy_id, team_id, created_at, resolved_at, updated_at, resolve_reason)
SELECT id, incident_number, title, status, urgency, service_id,
    escalation_policy_id, team_id, created_at, resolved_at, updated_at, resolve_reason
FROM staged_incidents;

-- name: upsert-alerts
INSERT OR REPLACE INTO alerts (id, incident_id, service_id, status, summary, created_at, resolved_at)
SELECT id, incident_id, service_id, status, summary, created_at, resolved_at FROM staged_alerts;

-- name: upsert-log-entries
-- Log entries are immutable: insert the staged rows (deduplicated by the
-- caller) whose id is not stored yet. $1, $2: the sync window [from, to) that
-- holds every staged row's created_at; it limits the existing rows compared
-- to the window's (migration 3 explains why there is no key).
INSERT INTO log_entries (id, type, created_at, incident_id, service_id, user_id,
    agent_id, agent_type, channel_type, notification_type)
SELECT s.id, s.type, s.created_at, s.incident_id, s.service_id, s.user_id,
    s.agent_id, s.agent_type, s.channel_type, s.notification_type
FROM staged_log_entries s
WHERE NOT EXISTS (
    SELECT 1 FROM log_entries e
    WHERE e.created_at >= $1 AND e.created_at < $2 AND e.id = s.id);

-- name: upsert-oncalls
INSERT OR REPLACE INTO oncalls (user_id, escalation_policy_id, escalation_level, start_at, end_at)
SELECT user_id, escalation_policy_id, escalation_level, start_at, end_at FROM staged_oncalls;

-- name: delete-alert
DELETE FROM alerts WHERE id = $1;

-- name: alert-counts
-- How many alerts are stored per incident, and the incident's status, to
-- skip re-fetching alerts that cannot have changed.
SELECT i.id, i.status, count(*)
FROM incidents i JOIN alerts a ON a.incident_id = i.id
GROUP BY i.id, i.status;

-- name: table-counts
SELECT 'users', count(*) FROM users UNION ALL
SELECT 'teams', count(*) FROM teams UNION ALL
SELECT 'team_members', count(*) FROM team_members UNION ALL
SELECT 'services', count(*) FROM services UNION ALL
SELECT 'escalation_policies', count(*) FROM escalation_policies UNION ALL
SELECT 'incidents', count(*) FROM incidents UNION ALL
SELECT 'alerts', count(*) FROM alerts UNION ALL
SELECT 'log_entries', count(*) FROM log_entries UNION ALL
SELECT 'oncalls', count(*) FROM oncalls;

-- Every team of incidents, services and escalation policies (migration 5),
-- in PagerDuty's order. The staged view can be read once (an Arrow stream),
-- so it is copied first. As for team_members, pairs that stay are never
-- deleted and re-inserted (DuckDB checks keys against rows deleted in the
-- same transaction): the gone pairs are deleted, then the new ones inserted
-- or updated (their position). For incidents only those staged with a team
-- are compared: an incident that lost all its teams keeps its old rows.
-- name: copy-incident-teams
CREATE OR REPLACE TEMP TABLE new_incident_teams AS
SELECT DISTINCT incident_id, team_id, position FROM staged_incident_teams;

-- name: delete-gone-incident-teams
DELETE FROM incident_teams
WHERE incident_id IN (SELECT incident_id FROM new_incident_teams) AND (incident_id, team_id) NOT IN (SELECT (incident_id, team_id) FROM new_incident_teams);

-- name: insert-incident-teams
INSERT OR REPLACE INTO incident_teams (incident_id, team_id, position)
SELECT incident_id, team_id, position FROM new_incident_teams;

-- name: copy-service-teams
CREATE OR REPLACE TEMP TABLE new_service_teams AS
SELECT DISTINCT service_id, team_id, position FROM staged_service_teams;

-- name: delete-gone-service-teams
DELETE FROM service_teams
WHERE (service_id, team_id) NOT IN (SELECT (service_id, team_id) FROM new_service_teams);

-- name: insert-service-teams
INSERT OR REPLACE INTO service_teams (service_id, team_id, position)
SELECT service_id, team_id, position FROM new_service_teams;

-- name: clear-service-teams
DELETE FROM service_teams;

-- name: copy-escalation-policy-teams
CREATE OR REPLACE TEMP TABLE new_escalation_policy_teams AS
SELECT DISTINCT escalation_policy_id, team_id, position FROM staged_escalation_policy_teams;

-- name: delete-gone-escalation-policy-teams
DELETE FROM escalation_policy_teams
WHERE (escalation_policy_id, team_id) NOT IN (SELECT (escalation_policy_id, team_id) FROM new_escalation_policy_teams);

-- name: insert-escalation-policy-teams
INSERT OR REPLACE INTO escalation_policy_teams (escalation_policy_id, team_id, position)
SELECT escalation_policy_id, team_id, position FROM new_escalation_policy_teams;

-- name: clear-escalation-policy-teams
DELETE FROM escalation_policy_teams;

-- name: upsert-permanent-oncalls
-- $1: the sync's until, when the rows were last seen.
INSERT OR REPLACE INTO permanent_oncalls (user_id, escalation_policy_id, escalation_level, last_seen_at)
SELECT user_id, escalation_policy_id, escalation_level, $1 FROM staged_permanent_oncalls;

-- name: sync-meta-history-start
-- $1: the since of a first sync (no watermark stored yet) or of a --full
-- sync; the earliest one stays (a --full sync from earlier moves it back).
INSERT INTO sync_meta (key, value_at) VALUES ('history_start', $1)
ON CONFLICT (key) DO UPDATE SET value_at = least(sync_meta.value_at, excluded.value_at);

-- name: sync-state-count
SELECT count(*) FROM sync_state;

-- name: sync-meta-set
INSERT INTO sync_meta (key, value_at) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value_at = excluded.value_at;

-- name: sync-meta-delete
DELETE FROM sync_meta WHERE key = $1;

-- name: open-incidents-before
-- Stored incidents not resolved yet and created before $1 (the start of the
-- sync's incidents window): a log entry may acknowledge or resolve them.
SELECT id FROM incidents WHERE status <> 'resolved' AND created_at < $1;

-- name: sync-meta-dirty-from
-- $1: the start of a window just stored: the earliest one since the last
-- derivation stays, for the next derivation to go on from (analysis).
INSERT INTO sync_meta (key, value_at) VALUES ('dirty_from', $1)
ON CONFLICT (key) DO UPDATE SET value_at = least(sync_meta.value_at, excluded.value_at);
