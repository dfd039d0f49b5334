-- The temporary tables a build without the tag duckdb_arrow stages rows in
-- (ingest/stage_appender.go): one per view the Arrow path registers, with
-- the columns of the same field list, created before the rows are appended
-- and dropped after the statements that read them. ingest
-- TestStageStatements holds each to its field list.

-- name: stage-staged_users
CREATE TEMP TABLE staged_users (id VARCHAR, name VARCHAR, email VARCHAR, time_zone VARCHAR);

-- name: unstage-staged_users
DROP TABLE IF EXISTS temp.staged_users;

-- name: stage-staged_team_members
CREATE TEMP TABLE staged_team_members (team_id VARCHAR, user_id VARCHAR);

-- name: unstage-staged_team_members
DROP TABLE IF EXISTS temp.staged_team_members;

-- name: stage-staged_teams
CREATE TEMP TABLE staged_teams (id VARCHAR, name VARCHAR);

-- name: unstage-staged_teams
DROP TABLE IF EXISTS temp.staged_teams;

-- name: stage-staged_services
CREATE TEMP TABLE staged_services (id VARCHAR, name VARCHAR, escalation_policy_id VARCHAR, team_id VARCHAR);

-- name: unstage-staged_services
DROP TABLE IF EXISTS temp.staged_services;

-- name: stage-staged_service_teams
CREATE TEMP TABLE staged_service_teams (service_id VARCHAR, team_id VARCHAR, position BIGINT);

-- name: unstage-staged_service_teams
DROP TABLE IF EXISTS temp.staged_service_teams;

-- name: stage-staged_escalation_policies
CREATE TEMP TABLE staged_escalation_policies (id VARCHAR, name VARCHAR, team_id VARCHAR);

-- name: unstage-staged_escalation_policies
DROP TABLE IF EXISTS temp.staged_escalation_policies;

-- name: stage-staged_escalation_policy_teams
CREATE TEMP TABLE staged_escalation_policy_teams (escalation_policy_id VARCHAR, team_id VARCHAR, position BIGINT);

-- name: unstage-staged_escalation_policy_teams
DROP TABLE IF EXISTS temp.staged_escalation_policy_teams;

-- name: stage-staged_incidents
CREATE TEMP TABLE staged_incidents (id VARCHAR, incident_number BIGINT, title VARCHAR, status VARCHAR, urgency VARCHAR, service_id VARCHAR, escalation_policy_id VARCHAR, team_id VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP, updated_at TIMESTAMP, resolve_reason VARCHAR);

-- name: unstage-staged_incidents
DROP TABLE IF EXISTS temp.staged_incidents;

-- name: stage-staged_incident_teams
CREATE TEMP TABLE staged_incident_teams (incident_id VARCHAR, team_id VARCHAR, position BIGINT);

-- name: unstage-staged_incident_teams
DROP TABLE IF EXISTS temp.staged_incident_teams;

-- name: stage-staged_alerts
CREATE TEMP TABLE staged_alerts (id VARCHAR, incident_id VARCHAR, service_id VARCHAR, status VARCHAR, summary VARCHAR, created_at TIMESTAMP, resolved_at TIMESTAMP);

-- name: unstage-staged_alerts
DROP TABLE IF EXISTS temp.staged_alerts;

-- name: stage-staged_log_entries
CREATE TEMP TABLE staged_log_entries (id VARCHAR, type VARCHAR, created_at TIMESTAMP, incident_id VARCHAR, service_id VARCHAR, user_id VARCHAR, agent_id VARCHAR, agent_type VARCHAR, channel_type VARCHAR, notification_type VARCHAR);

-- name: unstage-staged_log_entries
DROP TABLE IF EXISTS temp.staged_log_entries;

-- name: stage-staged_oncalls
CREATE TEMP TABLE staged_oncalls (user_id VARCHAR, escalation_policy_id VARCHAR, escalation_level BIGINT, start_at TIMESTAMP, end_at TIMESTAMP);

-- name: unstage-staged_oncalls
DROP TABLE IF EXISTS temp.staged_oncalls;

-- name: stage-staged_permanent_oncalls
CREATE TEMP TABLE staged_permanent_oncalls (user_id VARCHAR, escalation_policy_id VARCHAR, escalation_level BIGINT);

-- name: unstage-staged_permanent_oncalls
DROP TABLE IF EXISTS temp.staged_permanent_oncalls;

-- name: stage-staged_incident_notes
CREATE TEMP TABLE staged_incident_notes (id VARCHAR, incident_id VARCHAR, user_id VARCHAR, user_name VARCHAR, content VARCHAR, created_at TIMESTAMP);

-- name: unstage-staged_incident_notes
DROP TABLE IF EXISTS temp.staged_incident_notes;
