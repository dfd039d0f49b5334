-- Statements of `oncall-health run`: its state (run_state, run_periods,
-- run_deliveries of migration 6) and the sync watermark it reports up to.

-- name: run-state-get
SELECT value FROM run_state WHERE key = $1;

-- name: run-state-set
INSERT INTO run_state (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: run-synced-until
-- Everything created before this instant is in the database: the earliest
-- watermark of the synced resources (NULL before any sync).
SELECT min(watermark) FROM sync_state;

-- name: run-periods-written
SELECT label, kind FROM run_periods ORDER BY start_at, kind DESC, label;

-- name: run-period-written
INSERT INTO run_periods (label, kind, start_at, written_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (label) DO NOTHING;

-- name: run-delivery-plan
INSERT INTO run_deliveries (period, target, planned_at) VALUES ($1, $2, $3)
ON CONFLICT (period, target) DO NOTHING;

-- name: run-deliveries-pending
SELECT d.period, p.kind, d.target, d.attempts
FROM run_deliveries d JOIN run_periods p ON p.label = d.period
WHERE d.sent_at IS NULL
ORDER BY p.start_at, p.kind DESC, d.period, d.target;

-- name: run-delivery-sent
UPDATE run_deliveries SET sent_at = $3, attempts = attempts + 1 WHERE period = $1 AND target = $2;

-- name: run-delivery-failed
UPDATE run_deliveries SET attempts = attempts + 1 WHERE period = $1 AND target = $2;

-- name: run-latest-written
SELECT max(written_at) FROM run_periods;
