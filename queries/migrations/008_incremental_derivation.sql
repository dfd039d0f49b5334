-- Migration 8: incremental derivation (analysis/derive.go).
--
-- sync records in sync_meta 'dirty_from' the earliest start of the time
-- windows it wrote since the last derivation; a derivation that can go on
-- from there writes the bound here, and the steps that derive a table
-- incrementally read it (queries/analysis.sql). One row.
CREATE TABLE analysis_bounds (
    incremental  BOOLEAN NOT NULL,    -- false: every step derives its whole table
    from_at      TIMESTAMP NOT NULL   -- UTC: sources changed only at or after it
);
INSERT INTO analysis_bounds (incremental, from_at) VALUES (false, TIMESTAMP '1970-01-01 00:00:00');

-- What an incremental derivation redoes, written by analysis-derive-scope
-- (empty in a full derivation).
-- The incidents whose a_incidents and a_alerts rows are derived again: those
-- created at or after the bound, and older ones (late = true) that an
-- acknowledge or resolve log entry at or after it changed.
CREATE TABLE analysis_dirty_incidents (
    id          VARCHAR,
    created_at  TIMESTAMP,
    late        BOOLEAN,
    repeat      BOOLEAN     -- a late one's repeat status, kept (a_incidents)
);
-- Per user, where its notifications (a_notify) and interruptions are
-- derived again when that is before the bound: the start of its earliest
-- island that ends within 60 s before the bound or later. Other users: the bound.
CREATE TABLE analysis_notify_from (
    user_id  VARCHAR,
    from_at  TIMESTAMP
);
-- Incidents whose a_incident_counts row is derived again, besides
-- analysis_dirty_incidents: those of the interruptions derived again, before
-- (written by the scope) and after.
CREATE TABLE analysis_dirty_counts (
    incident_id  VARCHAR
);

-- The tables were derived by a binary without these: derive everything once.
DELETE FROM analysis_state WHERE key = 'fingerprint';
