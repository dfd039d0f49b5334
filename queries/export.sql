-- What `oncall-health export` writes: the raw synced tables and the derived
-- tables the metrics are computed from. Each export-TABLE statement makes the
-- temporary view export_rows hold the rows of one file (the name after
-- "export-" is the file's base name); export-month-TABLE is the same with a
-- month column (UTC, 2026-10) for --partition month. One export-copy-*
-- statement then writes the view: the destination path is the parameter $1
-- (DuckDB 1.5 takes COPY's destination as a prepared parameter), so no path
-- ever becomes SQL text.

-- name: export-users
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM users ORDER BY id;

-- name: export-teams
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM teams ORDER BY id;

-- name: export-team_members
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM team_members ORDER BY team_id, user_id;

-- name: export-services
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM services ORDER BY id;

-- name: export-escalation_policies
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM escalation_policies ORDER BY id;

-- name: export-incidents
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM incidents ORDER BY created_at, id;

-- name: export-alerts
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM alerts ORDER BY created_at, id;

-- name: export-log_entries
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM log_entries ORDER BY created_at, id;

-- name: export-oncalls
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM oncalls ORDER BY start_at, user_id, escalation_policy_id, escalation_level;

-- name: export-permanent_oncalls
-- Users named directly in an escalation rule (on call with no end); the
-- metrics count them on call from sync_meta's history_start to last_seen_at.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM permanent_oncalls ORDER BY user_id, escalation_policy_id, escalation_level;

-- name: export-incident_teams
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM incident_teams ORDER BY incident_id, position;

-- name: export-service_teams
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM service_teams ORDER BY service_id, position;

-- name: export-escalation_policy_teams
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM escalation_policy_teams ORDER BY escalation_policy_id, position;

-- name: export-incident_notes
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM incident_notes ORDER BY created_at, id;

-- name: export-sync_meta
-- Facts about the synced account: history_start (the synced range's start)
-- and teams_unavailable.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM sync_meta ORDER BY key;

-- name: export-incident_facts
-- Incidents with acknowledge/resolve times, auto-resolution, signature and noise.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM a_incidents ORDER BY created_at, id;

-- name: export-interruptions
-- Pages: the first notification of each interruption, with its local hour class.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM a_interruptions ORDER BY "at", user_id;

-- name: export-shifts
-- Level-1 shifts with the alerts created inside them.
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT * FROM a_shifts ORDER BY start_at, user_id, escalation_policy_id;

-- The large tables again, with the month of their time column (UTC) as the
-- column month that --partition month splits the files by (Hive layout:
-- TABLE/month=2026-10/data_0.parquet).

-- name: export-month-incidents
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(created_at, '%Y-%m') AS month FROM incidents ORDER BY created_at, id;

-- name: export-month-alerts
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(created_at, '%Y-%m') AS month FROM alerts ORDER BY created_at, id;

-- name: export-month-log_entries
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(created_at, '%Y-%m') AS month FROM log_entries ORDER BY created_at, id;

-- name: export-month-oncalls
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(start_at, '%Y-%m') AS month FROM oncalls ORDER BY start_at, user_id, escalation_policy_id, escalation_level;

-- name: export-month-incident_facts
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(created_at, '%Y-%m') AS month FROM a_incidents ORDER BY created_at, id;

-- name: export-month-interruptions
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime("at", '%Y-%m') AS month FROM a_interruptions ORDER BY "at", user_id;

-- name: export-month-shifts
CREATE OR REPLACE TEMP VIEW export_rows AS
SELECT *, strftime(start_at, '%Y-%m') AS month FROM a_shifts ORDER BY start_at, user_id, escalation_policy_id;

-- Writers of export_rows. $1: the destination file, or for the -month ones
-- the destination directory (DuckDB creates it, one month=... directory per
-- month, the month column not repeated inside the files).

-- name: export-copy-parquet
COPY export_rows TO $1 (FORMAT parquet, COMPRESSION zstd);

-- name: export-copy-csv
-- NULL as an empty field; instants as 2026-11-02 12:30:00 (UTC).
COPY export_rows TO $1 (FORMAT csv, HEADER);

-- name: export-copy-parquet-month
COPY export_rows TO $1 (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month));

-- name: export-copy-csv-month
COPY export_rows TO $1 (FORMAT csv, HEADER, PARTITION_BY (month));

-- name: export-done
DROP VIEW IF EXISTS export_rows;
