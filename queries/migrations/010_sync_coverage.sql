-- Migration 9: what the sync holds of each time-windowed resource
-- (incidents, log_entries, oncalls), as disjoint covered ranges. A first
-- sync walks from the newest window to the oldest, so a sync stopped half
-- way holds a recent part of the history (and, at first, the ranges the
-- latest week and month need, which may stand apart); report refuses a
-- period whose ranges are not covered yet. A range [from_at, to_at) (UTC)
-- means every item of the resource created in it (for on-calls: every
-- segment overlapping it) is stored. The sync rewrites a resource's rows in
-- the transaction of each window, merged, so there is no key (DuckDB checks
-- a key against rows deleted earlier in the same transaction).
CREATE TABLE sync_coverage (
    resource  VARCHAR NOT NULL,
    from_at   TIMESTAMP NOT NULL,
    to_at     TIMESTAMP NOT NULL
);

-- Databases synced before this migration were walked oldest first: each
-- resource holds everything from the history start (or, without one, from
-- the beginning) up to its watermark.
INSERT INTO sync_coverage (resource, from_at, to_at)
SELECT s.resource,
       coalesce((SELECT value_at FROM sync_meta WHERE key = 'history_start'), TIMESTAMP '1970-01-01'),
       s.watermark
FROM sync_state s
WHERE s.watermark > coalesce((SELECT value_at FROM sync_meta WHERE key = 'history_start'), TIMESTAMP '1970-01-01');

-- 'sync_until': the latest Until any sync aimed at; a period's need ends
-- there at the latest (nothing after it can be in the database yet).
INSERT INTO sync_meta (key, value_at)
SELECT 'sync_until', max(watermark) FROM sync_state HAVING max(watermark) IS NOT NULL;
