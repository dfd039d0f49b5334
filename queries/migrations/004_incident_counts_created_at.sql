-- Migration 4: a_incident_counts carries its incident's created_at, so that
-- the noisy-alert query reads one period of it (analysis-refresh-order keeps
-- it in created_at order). Derivation recreates the table; this only gives
-- the empty one of migration 2 the same columns.
ALTER TABLE a_incident_counts ADD COLUMN IF NOT EXISTS created_at TIMESTAMP;
