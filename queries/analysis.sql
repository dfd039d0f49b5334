-- Statements of package analysis (metrics of docs/metrics.md).
--
-- The refresh statements derive a_* tables from the raw PagerDuty tables once
-- (analysis-refresh-*); the period statements read them with the period's
-- bounds as parameters: $1 = start (inclusive), $2 = end (exclusive), both
-- TIMESTAMP in UTC. All durations are seconds.

-- name: analysis-fingerprint
-- A cheap digest of the sources the a_* tables depend on: row counts of the
-- big tables (rows are upserted by id, so a changed row comes with a sync,
-- whose sync_state row changes), full hashes of the small ones.
SELECT concat_ws('/',
    (SELECT count(*) || ':' || coalesce(sum(hash(id, time_zone)), 0) FROM users),
    (SELECT count(*) FROM incidents),
    (SELECT count(*) FROM alerts),
    (SELECT count(*) FROM log_entries),
    (SELECT count(*) || ':' || coalesce(sum(hash(user_id, escalation_policy_id, escalation_level, start_at, end_at)), 0) FROM oncalls),
    (SELECT count(*) || ':' || coalesce(sum(hash(id, team_id)), 0) FROM services),
    (SELECT count(*) || ':' || coalesce(sum(hash(id, team_id)), 0) FROM escalation_policies),
    (SELECT count(*) || ':' || coalesce(sum(hash(resource, watermark, updated_at)), 0) FROM sync_state),
    (SELECT count(*) || ':' || coalesce(sum(hash(zone, valid_from, offset_seconds)), 0) FROM tz_offsets),
    (SELECT count(*) || ':' || coalesce(sum(hash(id, name)), 0) FROM teams),
    (SELECT count(*) || ':' || coalesce(sum(hash(user_id, escalation_policy_id, escalation_level, last_seen_at)), 0) FROM permanent_oncalls),
    (SELECT count(*) || ':' || coalesce(sum(hash(key, value_at)), 0) FROM sync_meta)
);

-- name: analysis-state-get
SELECT value FROM analysis_state WHERE key = $1;

-- name: analysis-state-delete
DELETE FROM analysis_state WHERE key = $1;

-- name: analysis-state-set
INSERT INTO analysis_state (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- name: analysis-user-zones
SELECT DISTINCT coalesce(time_zone, '') FROM users ORDER BY 1;

-- name: analysis-unknown-zone-users
-- Users whose hours are taken in the fallback zone (a_users): those whose
-- time zone is empty or unknown, and deleted users (named by notifications,
-- no longer listed by /users). Columns: id, time zone as given, deleted,
-- the zone used.
SELECT user_id, time_zone, deleted, zone FROM a_users
WHERE NOT zone_known
ORDER BY user_id;

-- name: analysis-tz-delete
-- Before analysis-tz-insert, in the same transaction. (DuckDB 1.1 refused to
-- re-insert a key deleted in the same transaction, and this deleted only the
-- rows not rewritten; 1.5 does not.)
DELETE FROM tz_offsets;

-- name: analysis-tz-insert
-- $1: rows "zone,from_unix_seconds,until_unix_seconds,offset_seconds" joined by ';'.
INSERT INTO tz_offsets (zone, valid_from, valid_until, offset_seconds)
SELECT split_part(r, ',', 1),
       TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 2) AS BIGINT)),
       TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 3) AS BIGINT)),
       CAST(split_part(r, ',', 4) AS INTEGER)
FROM (SELECT unnest(string_split($1, ';')) AS r)
WHERE r <> '';

-- name: analysis-hours-delete
DELETE FROM analysis_hours;

-- name: analysis-hours-insert
INSERT INTO analysis_hours (team_id, business_start, business_end, sleep_start, sleep_end)
VALUES ($1, $2, $3, $4, $5);

-- name: analysis-params-delete
DELETE FROM analysis_params;

-- name: analysis-params-insert
-- $1 transient seconds, $2 repeat window seconds, $3 repeat count, $4 the
-- fallback zone (config default_time_zone, else time_zone).
INSERT INTO analysis_params (transient_seconds, repeat_window_seconds, repeat_count, default_zone) VALUES ($1, $2, $3, $4);

-- name: analysis-bounds-set
-- $1: whether the derivation is incremental; $2: its bound (UTC), the
-- earliest instant whose source rows changed.
UPDATE analysis_bounds SET incremental = $1, from_at = $2;

-- name: analysis-dirty-from
-- The earliest start of the windows synced since the last derivation
-- (ingest: sync-meta-dirty-from); no row when none was recorded.
SELECT value_at FROM sync_meta WHERE key = 'dirty_from';

-- name: analysis-dirty-from-clear
DELETE FROM sync_meta WHERE key = 'dirty_from';

-- name: analysis-dirty-share
-- How many incidents there are, and how many were created at or after $1.
SELECT count(*), count(*) FILTER (WHERE created_at >= $1) FROM incidents;

-- name: analysis-static-digest
-- The sources every derived row may depend on and that no bound covers:
-- the zone each user's hours are taken in, the team source, and the teams
-- of services and escalation policies. When it changes, a derivation
-- derives everything. (a_users and a_team_source are derived first.)
SELECT concat_ws('/',
    (SELECT count(*) || ':' || coalesce(sum(hash(user_id, zone)), 0) FROM a_users),
    (SELECT string_agg(source, ',') FROM a_team_source),
    (SELECT count(*) || ':' || coalesce(sum(hash(id, team_id)), 0) FROM services),
    (SELECT count(*) || ':' || coalesce(sum(hash(id, team_id)), 0) FROM escalation_policies)
);

-- name: analysis-derive-scope
-- What an incremental derivation redoes (migration 8 describes the
-- tables); in a full derivation the tables are left empty. Runs before the
-- steps that read them, and analysis_notify_from and analysis_dirty_counts read a_notify
-- and a_interruptions as the last derivation left them.
CREATE OR REPLACE TABLE analysis_dirty_incidents AS
WITH b AS (
    SELECT incremental, from_at FROM analysis_bounds
), changed AS (
    SELECT id FROM incidents
    WHERE created_at >= (SELECT from_at FROM b) AND (SELECT incremental FROM b)
    UNION
    SELECT incident_id FROM log_entries
    WHERE type IN ('acknowledge', 'resolve') AND incident_id IS NOT NULL
      AND created_at >= (SELECT from_at FROM b) AND (SELECT incremental FROM b)
)
SELECT i.id, i.created_at, i.created_at < b.from_at AS late,
       CASE WHEN i.created_at < b.from_at THEN a.repeat END AS repeat
FROM changed c
JOIN incidents i ON i.id = c.id
CROSS JOIN b
LEFT JOIN a_incidents a ON a.id = i.id;
CREATE OR REPLACE TABLE analysis_notify_from AS
SELECT n.user_id, min(n."at") AS from_at
FROM a_notify n CROSS JOIN analysis_bounds b
WHERE b.incremental AND n."at" < b.from_at AND n.island_last >= b.from_at - INTERVAL 60 SECOND
GROUP BY n.user_id;
CREATE OR REPLACE TABLE analysis_dirty_counts AS
SELECT i.incident_id FROM a_interruptions i
CROSS JOIN analysis_bounds b
LEFT JOIN analysis_notify_from f ON f.user_id = i.user_id
WHERE b.incremental AND i.incident_id IS NOT NULL AND i."at" >= coalesce(f.from_at, b.from_at);

-- name: analysis-refresh-users
-- Every user with the zone its hour classes are taken in: its own, else
-- (none, unknown to the tz database) the fallback zone of analysis_params.
-- Users that notifications or on-calls name but /users no longer lists
-- (deleted users) are here too, named "deleted user <id>", in the fallback zone: their
-- pages woke someone.
CREATE OR REPLACE TABLE a_users AS
WITH u AS (
    SELECT id, name, time_zone, false AS deleted FROM users
    UNION ALL
    SELECT DISTINCT r.user_id, 'deleted user ' || r.user_id, NULL, true
    FROM (SELECT user_id FROM log_entries WHERE type = 'notify'
          UNION ALL SELECT user_id FROM oncalls
          UNION ALL SELECT user_id FROM permanent_oncalls) r
    WHERE r.user_id IS NOT NULL
      AND r.user_id NOT IN (SELECT id FROM users)
)
SELECT u.id AS user_id,
       u.name,
       coalesce(u.time_zone, '') AS time_zone,
       CASE WHEN z.zone IS NULL THEN coalesce(p.default_zone, 'UTC') ELSE z.zone END AS zone,
       z.zone IS NOT NULL AS zone_known,
       u.deleted
FROM u
CROSS JOIN analysis_params p
LEFT JOIN (SELECT DISTINCT zone FROM tz_offsets) z ON z.zone = u.time_zone;

-- name: analysis-refresh-teams
-- The teams the metrics group by, and their members. An account with teams:
-- its teams and team_members. An account without any team (a plan without
-- the teams ability answers /teams with 402 or 403, and then no object
-- carries a team; an account that simply defines none is the same): each
-- escalation policy stands in as a team, with its id and name, and its
-- members are the users ever on call on it. a_team_source says which, for
-- the steps after this one and for metrics.json.
CREATE OR REPLACE TABLE a_team_source AS
SELECT CASE WHEN EXISTS (SELECT 1 FROM sync_meta WHERE key = 'teams_unavailable') THEN 'escalation_policies'
            WHEN EXISTS (SELECT 1 FROM teams)
              OR EXISTS (SELECT 1 FROM incidents WHERE team_id IS NOT NULL)
              OR EXISTS (SELECT 1 FROM services WHERE team_id IS NOT NULL)
              OR EXISTS (SELECT 1 FROM escalation_policies WHERE team_id IS NOT NULL)
              OR EXISTS (SELECT 1 FROM team_members)
            THEN 'teams' ELSE 'escalation_policies' END AS source;
CREATE OR REPLACE TABLE a_teams AS
SELECT id AS team_id, name FROM teams
WHERE (SELECT source FROM a_team_source) = 'teams'
UNION ALL
SELECT id, name FROM escalation_policies
WHERE (SELECT source FROM a_team_source) = 'escalation_policies';
CREATE OR REPLACE TABLE a_team_members AS
SELECT team_id, user_id FROM team_members
WHERE (SELECT source FROM a_team_source) = 'teams'
UNION ALL
SELECT DISTINCT escalation_policy_id, user_id
FROM (SELECT escalation_policy_id, user_id FROM oncalls
      UNION ALL SELECT escalation_policy_id, user_id FROM permanent_oncalls)
WHERE (SELECT source FROM a_team_source) = 'escalation_policies';

-- name: analysis-refresh-incidents
-- Incident facts: team, acknowledgement, resolution, signature and noise.
-- Reach: in an incremental derivation (analysis_bounds) the incidents of
-- analysis_dirty_incidents; every incident otherwise. Whether an incident repeats
-- reads the same-signature incidents of the repeat window before it, so an
-- incident changed at t can change the repeat of those up to t + window,
-- all at or after the bound when t is; a late change (an old incident
-- acknowledged or resolved after the bound) changes its own row only, and
-- not its repeat status (kept from a_incidents by analysis-derive-scope).
-- (An old incident's title edited later, fetched again with a late change,
-- would change its signature; only a full derivation takes that in.)
DELETE FROM a_incidents
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR id IN (SELECT id FROM analysis_dirty_incidents);
INSERT INTO a_incidents BY NAME
WITH bnd AS (
    SELECT incremental, from_at FROM analysis_bounds
), src AS (
    -- the incidents read: every one in a full derivation; else those of
    -- analysis_dirty_incidents and those of the repeat window before the
    -- bound (the window of an incident created at or after the bound
    -- starts at or after the bound less the window)
    SELECT i.* FROM incidents i CROSS JOIN bnd CROSS JOIN analysis_params p
    WHERE NOT bnd.incremental
       OR i.created_at >= bnd.from_at - to_seconds(p.repeat_window_seconds)
       OR i.id IN (SELECT id FROM analysis_dirty_incidents WHERE late)
), norm_titles AS (
    -- the normalised title of each distinct title (spec: Signature); the
    -- replacements run in this order on the lower-cased title
    SELECT title, left(trim(
               regexp_replace(
                 regexp_replace(
                   regexp_replace(
                     regexp_replace(
                       regexp_replace(lower(title),
                         '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '#', 'g'),
                       '[0-9a-f]{8,}', '#', 'g'),
                     '[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}', '#', 'g'),
                   '[0-9]+', '#', 'g'),
                 '\s+', ' ', 'g')), 200) AS norm
    FROM (SELECT DISTINCT title FROM src)
), ack AS (
    SELECT incident_id, min(created_at) AS "at"
    FROM log_entries WHERE type = 'acknowledge' AND incident_id IS NOT NULL
      AND (NOT (SELECT incremental FROM bnd) OR incident_id IN (SELECT id FROM analysis_dirty_incidents))
    GROUP BY incident_id
), res AS (
    SELECT incident_id, min(created_at) AS "at", arg_min(coalesce(agent_type, ''), created_at) AS agent_type
    FROM log_entries WHERE type = 'resolve' AND incident_id IS NOT NULL
      AND (NOT (SELECT incremental FROM bnd) OR incident_id IN (SELECT id FROM analysis_dirty_incidents))
    GROUP BY incident_id
), base AS MATERIALIZED (
    SELECT i.id,
           i.title,
           coalesce(i.service_id, '') AS service_id,
           i.escalation_policy_id,
           CASE WHEN m.by_policy THEN coalesce(i.escalation_policy_id, 'unassigned')
                ELSE coalesce(i.team_id, s.team_id, 'unassigned') END AS team_id,
           coalesce(i.resolve_reason = 'merge_resolve_reason', false) AS merged,
           i.created_at,
           ack.at AS acknowledged_at,
           coalesce(res.at, i.resolved_at) AS resolved_at,
           coalesce(res.agent_type <> 'user_reference', false) AS auto_resolved,
           coalesce(i.service_id, '') || '|' || nt.norm AS signature,
           i.created_at - to_seconds(p.repeat_window_seconds) AS window_start,
           p.transient_seconds,
           p.repeat_count,
           coalesce(dt.late, false) AS late,
           dt.repeat AS kept_repeat
    FROM src i
    CROSS JOIN analysis_params p
    CROSS JOIN (SELECT source = 'escalation_policies' AS by_policy FROM a_team_source) m
    LEFT JOIN services s ON s.id = i.service_id
    LEFT JOIN norm_titles nt ON nt.title = i.title
    LEFT JOIN ack ON ack.incident_id = i.id
    LEFT JOIN res ON res.incident_id = i.id
    LEFT JOIN analysis_dirty_incidents dt ON dt.id = i.id
), grp AS (
    -- per signature and instant: how many incidents, and how many up to it
    SELECT signature, created_at, count(*) AS n,
           sum(count(*)) OVER (PARTITION BY signature ORDER BY created_at) AS cum
    FROM base GROUP BY signature, created_at
), rep AS (
    -- earlier = created before t; in window = created at or after t - window
    SELECT b.id, (cur.cum - cur.n) - coalesce(w.cum, 0) AS earlier_in_window
    FROM base b
    JOIN grp cur ON cur.signature = b.signature AND cur.created_at = b.created_at
    ASOF LEFT JOIN grp w ON w.signature = b.signature AND b.window_start > w.created_at
), rp AS (
    -- a late incident keeps the repeat status it had: the incidents before
    -- it did not change (their signature and creation are fixed; src does
    -- not hold its window)
    SELECT b.*, CASE WHEN b.late AND b.kept_repeat IS NOT NULL THEN b.kept_repeat
                     ELSE rep.earlier_in_window >= b.repeat_count END AS is_repeat
    FROM base b JOIN rep ON rep.id = b.id
)
SELECT b.id, b.title, b.service_id, b.escalation_policy_id, b.team_id, b.created_at,
       b.acknowledged_at, b.resolved_at, b.auto_resolved, b.signature,
       date_diff('microsecond', b.created_at, b.acknowledged_at) / 1e6 AS seconds_to_ack,
       -- a merged incident was resolved by the merge, not worked to an end:
       -- MTTR leaves it out
       CASE WHEN NOT b.merged THEN date_diff('microsecond', b.created_at, b.resolved_at) / 1e6 END AS seconds_to_resolve,
       (b.auto_resolved AND b.acknowledged_at IS NULL)
         OR coalesce(date_diff('microsecond', b.created_at, b.resolved_at) / 1e6 <= b.transient_seconds, false) AS transient,
       b.is_repeat AS repeat,
       ((b.auto_resolved AND b.acknowledged_at IS NULL)
         OR coalesce(date_diff('microsecond', b.created_at, b.resolved_at) / 1e6 <= b.transient_seconds, false)
         OR b.is_repeat
         OR b.merged) AS noise,
       b.merged
FROM rp b
WHERE NOT (SELECT incremental FROM bnd) OR b.id IN (SELECT id FROM analysis_dirty_incidents);

-- name: analysis-refresh-alerts
-- Alerts with the team and escalation policy of their incident. Reach: the
-- alerts of analysis_dirty_incidents (a sync fetches alerts with their incident).
DELETE FROM a_alerts
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR incident_id IN (SELECT id FROM analysis_dirty_incidents);
INSERT INTO a_alerts BY NAME
SELECT a.id, a.incident_id, a.created_at,
       coalesce(i.team_id, 'unassigned') AS team_id,
       i.escalation_policy_id
FROM alerts a LEFT JOIN a_incidents i ON i.id = a.incident_id
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR a.incident_id IN (SELECT id FROM analysis_dirty_incidents);

-- name: analysis-refresh-notify
-- Phone/SMS/push notifications per user and instant (notifications at the
-- same instant are one; the earliest log entry names the incident), with
-- islands: a notification more than 60 s after the previous one of the
-- same user starts an island (and always an interruption). island numbers
-- a user's islands from 1.
-- Reach: per user, the rows at or after its analysis_notify_from bound, else the
-- bound of analysis_bounds (no island crosses either); the islands before
-- it keep their numbers, and the new ones go on from the last.
DELETE FROM a_notify
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR "at" >= coalesce((SELECT f.from_at FROM analysis_notify_from f WHERE f.user_id = a_notify.user_id),
                       (SELECT from_at FROM analysis_bounds));
INSERT INTO a_notify BY NAME
WITH bnd AS (
    SELECT incremental, from_at FROM analysis_bounds
), prior AS (
    -- the islands each user keeps
    SELECT user_id, max(island) AS islands FROM a_notify GROUP BY user_id
), n AS (
    SELECT l.user_id, l.created_at AS "at", arg_min(l.incident_id, l.id) AS incident_id
    FROM log_entries l
    CROSS JOIN bnd
    LEFT JOIN analysis_notify_from f ON f.user_id = l.user_id
    WHERE l.type = 'notify' AND l.notification_type IN ('phone', 'sms', 'push') AND l.user_id IS NOT NULL
      AND (NOT bnd.incremental OR l.created_at >= coalesce(f.from_at, bnd.from_at))
    GROUP BY l.user_id, l.created_at
), s AS (
    SELECT user_id, "at", incident_id,
           coalesce("at" > lag("at") OVER (PARTITION BY user_id ORDER BY "at") + INTERVAL 60 SECOND, true) AS island_start
    FROM n
), k AS (
    SELECT s.*,
           coalesce(prior.islands, 0)
             + CAST(sum(CASE WHEN s.island_start THEN 1 ELSE 0 END) OVER (PARTITION BY s.user_id ORDER BY s."at" ROWS UNBOUNDED PRECEDING) AS BIGINT) AS island
    FROM s LEFT JOIN prior ON prior.user_id = s.user_id
)
SELECT *, max("at") OVER (PARTITION BY user_id, island) AS island_last FROM k;

-- name: analysis-refresh-interruptions
-- Interruptions: one more than 60 s after the first notification of the
-- current interruption starts a new one (anchored window). Island starts are
-- anchors; inside an island the anchors are chained by a recursive CTE: the
-- next anchor is the first notification more than 60 s after the current one.
-- nx is MATERIALIZED: DuckDB 1.5 refuses an ASOF join inlined into the
-- recursive part ("AsOf joins are not supported in recursive CTEs yet").
-- Reach: the rows at or after each user's bound (as analysis-refresh-notify),
-- and the noise of the older interruptions of late incidents
-- (analysis_dirty_incidents): an incident's team does not change without a full
-- derivation, so neither does their hour class.
DELETE FROM a_interruptions
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR "at" >= coalesce((SELECT f.from_at FROM analysis_notify_from f WHERE f.user_id = a_interruptions.user_id),
                       (SELECT from_at FROM analysis_bounds));
INSERT INTO a_interruptions BY NAME
WITH RECURSIVE nn AS (
    -- the notifications derived again
    SELECT n.* FROM a_notify n
    CROSS JOIN analysis_bounds b
    LEFT JOIN analysis_notify_from f ON f.user_id = n.user_id
    WHERE NOT b.incremental OR n."at" >= coalesce(f.from_at, b.from_at)
), nx AS MATERIALIZED (
    -- next anchor candidate of each notification whose island goes on for
    -- more than 60 s after it
    SELECT a.user_id, a.at, b.at AS next_at
    FROM (SELECT user_id, "at" FROM nn WHERE island_last > "at" + INTERVAL 60 SECOND) a
    ASOF JOIN (SELECT user_id, "at" FROM nn WHERE NOT island_start) b
      ON a.user_id = b.user_id AND a.at + INTERVAL 60 SECOND < b.at
), chain(user_id, "at") AS (
    SELECT user_id, "at" FROM nn WHERE island_start
    UNION ALL
    SELECT nx.user_id, nx.next_at FROM chain c JOIN nx ON nx.user_id = c.user_id AND nx.at = c.at
), loc AS (
    SELECT c.user_id, c.at, s.incident_id,
           coalesce(i.team_id, 'unassigned') AS team_id,
           coalesce(i.noise, false) AS noise,
           coalesce(u.zone, (SELECT default_zone FROM analysis_params), 'UTC') AS zone
    FROM chain c
    JOIN nn s ON s.user_id = c.user_id AND s.at = c.at
    LEFT JOIN a_incidents i ON i.id = s.incident_id
    LEFT JOIN a_users u ON u.user_id = c.user_id
), lt AS (
    SELECT l.*, l.at + to_seconds(z.offset_seconds) AS local_at
    FROM loc l ASOF JOIN tz_offsets z ON z.zone = l.zone AND l.at >= z.valid_from
), cls AS (
    SELECT lt.*,
           isodow(local_at) AS local_isodow,
           hour(local_at) AS local_hour,
           date_diff('second', date_trunc('day', local_at), local_at) AS sod,
           coalesce(th.business_start, dh.business_start) AS bs,
           coalesce(th.business_end, dh.business_end) AS be,
           coalesce(th.sleep_start, dh.sleep_start) AS ss,
           coalesce(th.sleep_end, dh.sleep_end) AS se
    FROM lt
    CROSS JOIN (SELECT * FROM analysis_hours WHERE team_id = '') dh
    LEFT JOIN analysis_hours th ON th.team_id = lt.team_id AND th.team_id <> ''
)
SELECT user_id, "at", incident_id, team_id, noise, zone, local_at, local_isodow, local_hour,
       CASE
         WHEN (ss > se AND (sod >= ss OR sod < se)) OR (ss < se AND sod >= ss AND sod < se) THEN 'sleep'
         WHEN local_isodow <= 5 AND sod >= bs AND sod < be THEN 'business'
         ELSE 'off'
       END AS hour_class
FROM cls;
UPDATE a_interruptions SET noise = coalesce(i.noise, false)
FROM a_incidents i
WHERE a_interruptions.incident_id = i.id
  AND i.id IN (SELECT id FROM analysis_dirty_incidents WHERE late);

-- name: analysis-refresh-incident-counts
-- Per incident: all its alerts and interruptions (any instant), with the
-- incident's created_at (see analysis-refresh-order). Reach: the incidents
-- of analysis_dirty_incidents (their alerts) and analysis_dirty_counts (the interruptions
-- derived again, before and now).
INSERT INTO analysis_dirty_counts
SELECT id FROM analysis_dirty_incidents
UNION ALL
SELECT i.incident_id FROM a_interruptions i
CROSS JOIN analysis_bounds b
LEFT JOIN analysis_notify_from f ON f.user_id = i.user_id
WHERE b.incremental AND i.incident_id IS NOT NULL AND i."at" >= coalesce(f.from_at, b.from_at);
DELETE FROM a_incident_counts
WHERE NOT (SELECT incremental FROM analysis_bounds)
   OR incident_id IN (SELECT incident_id FROM analysis_dirty_counts);
INSERT INTO a_incident_counts BY NAME
WITH every AS (
    SELECT NOT incremental AS yes FROM analysis_bounds
), al AS (
    SELECT incident_id, count(*) AS alerts FROM a_alerts
    WHERE (SELECT yes FROM every) OR incident_id IN (SELECT incident_id FROM analysis_dirty_counts)
    GROUP BY incident_id
), it AS (
    SELECT incident_id, count(*) AS interruptions,
           count(*) FILTER (WHERE hour_class <> 'business') AS after_hours
    FROM a_interruptions
    WHERE (SELECT yes FROM every) OR incident_id IN (SELECT incident_id FROM analysis_dirty_counts)
    GROUP BY incident_id
), c AS (
    SELECT coalesce(al.incident_id, it.incident_id) AS incident_id,
           coalesce(al.alerts, 0) AS alerts,
           coalesce(it.interruptions, 0) AS interruptions,
           coalesce(it.after_hours, 0) AS after_hours
    FROM al FULL OUTER JOIN it ON it.incident_id = al.incident_id
    WHERE coalesce(al.incident_id, it.incident_id) IS NOT NULL
)
SELECT c.*, i.created_at
FROM c LEFT JOIN a_incidents i ON i.id = c.incident_id;

-- name: analysis-refresh-segments
-- On-call segments; an open segment (no end) runs to the last sync watermark.
-- A permanent on-call (a user named directly in an escalation rule) is one
-- segment (permanent) over the synced range: from the first sync's --since
-- (sync_meta 'history_start'; else the earliest segment) to the last sync
-- that still listed it (last_seen_at). It counts as on-call time but makes
-- no shift (analysis-refresh-shifts): it has no start or end of its own.
-- A segment's team is its policy's team, or the policy itself on an account
-- without teams (analysis-refresh-teams).
CREATE OR REPLACE TABLE a_segments AS
WITH asof_t AS (
    SELECT coalesce((SELECT max(watermark) FROM sync_state),
                    (SELECT max(coalesce(end_at, start_at)) FROM oncalls)) AS t,
           coalesce((SELECT value_at FROM sync_meta WHERE key = 'history_start'),
                    (SELECT min(start_at) FROM oncalls)) AS since,
           (SELECT source = 'escalation_policies' FROM a_team_source) AS by_policy
), seg AS (
    SELECT user_id, escalation_policy_id, escalation_level, start_at, end_at, false AS permanent FROM oncalls
    UNION ALL
    -- to the last sync that still listed it: one removed from its rule
    -- stops counting then
    SELECT po.user_id, po.escalation_policy_id, po.escalation_level, a.since,
           least(po.last_seen_at, a.t), true
    FROM permanent_oncalls po CROSS JOIN asof_t a
    WHERE a.since IS NOT NULL AND a.t IS NOT NULL
)
SELECT o.user_id, o.escalation_policy_id, o.escalation_level, o.start_at,
       greatest(o.start_at, coalesce(o.end_at, asof_t.t, o.start_at)) AS end_at,
       CASE WHEN asof_t.by_policy THEN o.escalation_policy_id
            ELSE coalesce(ep.team_id, 'unassigned') END AS team_id,
       o.permanent
FROM seg o
CROSS JOIN asof_t
LEFT JOIN escalation_policies ep ON ep.id = o.escalation_policy_id;

-- name: analysis-refresh-shifts
-- Level-1 shifts (maximal runs of same user, policy and level that overlap or
-- touch) with the alerts created inside [start, end) on incidents of the policy.
-- Built as the unions below are (see analysis-refresh-user-oncall): one row per
-- distinct start first, so the two windows order the same rows the same way.
CREATE OR REPLACE TABLE a_shifts AS
WITH d AS (
    SELECT user_id, escalation_policy_id, escalation_level, any_value(team_id) AS team_id,
           start_at, max(end_at) AS end_at
    FROM a_segments WHERE escalation_level = 1 AND end_at > start_at AND NOT coalesce(permanent, false)
    GROUP BY user_id, escalation_policy_id, escalation_level, start_at
), o AS (
    SELECT *, max(end_at) OVER (PARTITION BY user_id, escalation_policy_id, escalation_level
                                ORDER BY start_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM d
), k AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR start_at > prev_end THEN 1 ELSE 0 END)
               OVER (PARTITION BY user_id, escalation_policy_id, escalation_level
                     ORDER BY start_at ROWS UNBOUNDED PRECEDING) AS grp
    FROM o
), sh AS (
    SELECT user_id, escalation_policy_id, escalation_level, any_value(team_id) AS team_id,
           min(start_at) AS start_at, max(end_at) AS end_at
    FROM k GROUP BY user_id, escalation_policy_id, escalation_level, grp
), ca AS (
    SELECT escalation_policy_id, created_at,
           sum(count(*)) OVER (PARTITION BY escalation_policy_id ORDER BY created_at) AS cum
    FROM a_alerts WHERE escalation_policy_id IS NOT NULL
    GROUP BY escalation_policy_id, created_at
), e AS (
    SELECT sh.*, coalesce(ce.cum, 0) AS cum_end
    FROM sh ASOF LEFT JOIN ca ce ON ce.escalation_policy_id = sh.escalation_policy_id AND sh.end_at > ce.created_at
)
SELECT e.user_id, e.escalation_policy_id, e.escalation_level, e.team_id, e.start_at, e.end_at,
       CAST(e.cum_end - coalesce(cb.cum, 0) AS BIGINT) AS alerts
FROM e ASOF LEFT JOIN ca cb ON cb.escalation_policy_id = e.escalation_policy_id AND e.start_at > cb.created_at
ORDER BY e.start_at, e.user_id, e.escalation_policy_id;

-- name: analysis-refresh-user-oncall
-- Each user's on-call stretches: the union of all its segments, any policy or
-- level, as half-open intervals; segments that overlap or touch join, and a
-- zero-length segment holds no time and makes no stretch.
--
-- How: d keeps one row per user and distinct start (the longest segment
-- starting there), so each partition's ORDER BY start_at has no peers. That
-- matters: prev_end and grp are two window computations, and SQL orders peers
-- (rows whose ORDER BY keys tie) in no defined way, so with tied segments the
-- two windows could see them in different orders. A segment then took a
-- prev_end computed as if it came after its twin, and joined the stretch
-- before it: a stretch from one day's start into the next day's end.
CREATE OR REPLACE TABLE a_user_oncall AS
WITH d AS (
    SELECT user_id, start_at, max(end_at) AS end_at
    FROM a_segments WHERE end_at > start_at
    GROUP BY user_id, start_at
), o AS (
    SELECT *, max(end_at) OVER (PARTITION BY user_id ORDER BY start_at
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM d
), k AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR start_at > prev_end THEN 1 ELSE 0 END)
               OVER (PARTITION BY user_id ORDER BY start_at ROWS UNBOUNDED PRECEDING) AS grp
    FROM o
)
SELECT user_id, min(start_at) AS start_at, max(end_at) AS end_at FROM k GROUP BY user_id, grp;

-- name: analysis-refresh-user-oncall-l1
-- Each user's level-1 on-call time as a union of intervals (built as
-- analysis-refresh-user-oncall).
CREATE OR REPLACE TABLE a_user_oncall_l1 AS
WITH d AS (
    SELECT user_id, start_at, max(end_at) AS end_at
    FROM a_segments WHERE escalation_level = 1 AND end_at > start_at
    GROUP BY user_id, start_at
), o AS (
    SELECT *, max(end_at) OVER (PARTITION BY user_id ORDER BY start_at
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM d
), k AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR start_at > prev_end THEN 1 ELSE 0 END)
               OVER (PARTITION BY user_id ORDER BY start_at ROWS UNBOUNDED PRECEDING) AS grp
    FROM o
)
SELECT user_id, min(start_at) AS start_at, max(end_at) AS end_at FROM k GROUP BY user_id, grp;

-- name: analysis-refresh-team-oncall-l1
-- Per team: the time covered by at least one level-1 segment on any of the
-- team's escalation policies (union over users and policies, built as
-- analysis-refresh-user-oncall).
CREATE OR REPLACE TABLE a_team_oncall_l1 AS
WITH d AS (
    SELECT team_id, start_at, max(end_at) AS end_at
    FROM a_segments WHERE escalation_level = 1 AND end_at > start_at
    GROUP BY team_id, start_at
), o AS (
    SELECT *, max(end_at) OVER (PARTITION BY team_id ORDER BY start_at
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM d
), k AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR start_at > prev_end THEN 1 ELSE 0 END)
               OVER (PARTITION BY team_id ORDER BY start_at ROWS UNBOUNDED PRECEDING) AS grp
    FROM o
)
SELECT team_id, min(start_at) AS start_at, max(end_at) AS end_at FROM k GROUP BY team_id, grp;

-- name: analysis-refresh-order
-- Stores the big derived tables in time order. The period queries read one
-- period of them, and DuckDB skips the row groups whose min/max created_at
-- (or at) lie outside it. Sorting here, apart from building them, bounds
-- the memory of each statement: a sort spills to disk under the memory
-- limit, and building a_incidents and sorting it in one statement peaked at
-- 200 MB more RSS than building it alone.
CREATE OR REPLACE TABLE a_incidents AS SELECT * FROM a_incidents ORDER BY created_at, id;
CREATE OR REPLACE TABLE a_alerts AS SELECT * FROM a_alerts ORDER BY created_at, id;
CREATE OR REPLACE TABLE a_interruptions AS SELECT * FROM a_interruptions ORDER BY "at", user_id, incident_id;
CREATE OR REPLACE TABLE a_incident_counts AS SELECT * FROM a_incident_counts ORDER BY created_at, incident_id;

-- name: analysis-incident-totals
-- Per team (team NULL = org): the period's incidents.
SELECT CASE WHEN grouping(team_id) = 1 THEN NULL ELSE team_id END AS team,
       count(*) AS incidents,
       count(seconds_to_ack), avg(seconds_to_ack),
       quantile_cont(seconds_to_ack, 0.5), quantile_cont(seconds_to_ack, 0.9),
       count(seconds_to_resolve), avg(seconds_to_resolve),
       quantile_cont(seconds_to_resolve, 0.5), quantile_cont(seconds_to_resolve, 0.9),
       count(*) FILTER (WHERE auto_resolved),
       count(*) FILTER (WHERE resolved_at IS NULL OR resolved_at >= $2),
       count(*) FILTER (WHERE noise)
FROM a_incidents
WHERE created_at >= $1 AND created_at < $2
GROUP BY GROUPING SETS ((team_id), ());

-- name: analysis-alert-totals
-- Per team (team NULL = org): alerts created in the period.
SELECT CASE WHEN grouping(team_id) = 1 THEN NULL ELSE team_id END AS team, count(*)
FROM a_alerts
WHERE created_at >= $1 AND created_at < $2
GROUP BY GROUPING SETS ((team_id), ());

-- name: analysis-interruption-totals
-- Per team (team NULL = org): interruptions in the period by hour class, and
-- those on noise incidents.
SELECT CASE WHEN grouping(team_id) = 1 THEN NULL ELSE team_id END AS team,
       count(*),
       count(*) FILTER (WHERE hour_class = 'business'),
       count(*) FILTER (WHERE hour_class = 'off'),
       count(*) FILTER (WHERE hour_class = 'sleep'),
       count(*) FILTER (WHERE noise)
FROM a_interruptions
WHERE "at" >= $1 AND "at" < $2
GROUP BY GROUPING SETS ((team_id), ());

-- name: analysis-teams
SELECT team_id, name FROM a_teams ORDER BY team_id;

-- name: analysis-team-source
-- 'teams', or 'escalation_policies' on an account without teams.
SELECT coalesce((SELECT source FROM a_team_source), 'teams');

-- name: analysis-shift-summary
-- Per team: level-1 shifts starting in the period and their alerts.
SELECT team_id, count(*), avg(alerts), quantile_cont(alerts, 0.5), max(alerts)
FROM a_shifts
WHERE start_at >= $1 AND start_at < $2
GROUP BY team_id;

-- name: analysis-busiest-shifts
-- Per team: the five level-1 shifts starting in the period with the most alerts.
SELECT s.team_id, s.user_id, coalesce(u.name, s.user_id), s.escalation_policy_id,
       s.start_at, s.end_at, s.alerts
FROM a_shifts s LEFT JOIN a_users u ON u.user_id = s.user_id
WHERE s.start_at >= $1 AND s.start_at < $2
QUALIFY row_number() OVER (PARTITION BY s.team_id
                           ORDER BY s.alerts DESC, s.start_at, s.user_id, s.escalation_policy_id) <= 5
ORDER BY s.team_id, s.alerts DESC, s.start_at, s.user_id, s.escalation_policy_id;

-- name: analysis-team-oncall-l1
-- Per team: level-1 on-call time in seconds, clipped to the period.
SELECT team_id,
       sum(date_diff('microsecond', greatest(start_at, $1), least(end_at, $2)) / 1e6)
FROM a_team_oncall_l1
WHERE start_at < $2 AND end_at > $1
GROUP BY team_id;

-- name: analysis-responders
-- Every user with on-call time or an interruption in the period.
WITH oc AS (
    SELECT user_id, sum(date_diff('microsecond', greatest(start_at, $1), least(end_at, $2)) / 1e6) AS s
    FROM a_user_oncall WHERE start_at < $2 AND end_at > $1 GROUP BY user_id
), oc1 AS (
    SELECT user_id, sum(date_diff('microsecond', greatest(start_at, $1), least(end_at, $2)) / 1e6) AS s
    FROM a_user_oncall_l1 WHERE start_at < $2 AND end_at > $1 GROUP BY user_id
), it AS (
    SELECT user_id, count(*) AS total,
           count(*) FILTER (WHERE hour_class = 'business') AS business,
           count(*) FILTER (WHERE hour_class = 'off') AS off,
           count(*) FILTER (WHERE hour_class = 'sleep') AS sleep,
           count(DISTINCT incident_id) AS incidents
    FROM a_interruptions WHERE "at" >= $1 AND "at" < $2 GROUP BY user_id
), ids AS (
    SELECT user_id FROM oc WHERE s > 0
    UNION
    SELECT user_id FROM it
)
SELECT ids.user_id,
       coalesce(u.name, ids.user_id),
       coalesce(u.zone, (SELECT default_zone FROM analysis_params), 'UTC'),
       coalesce((SELECT string_agg(DISTINCT team_id, ',' ORDER BY team_id) FROM a_team_members m WHERE m.user_id = ids.user_id), ''),
       coalesce(oc.s, 0), coalesce(oc1.s, 0),
       coalesce(it.total, 0), coalesce(it.business, 0), coalesce(it.off, 0), coalesce(it.sleep, 0),
       coalesce(it.incidents, 0)
FROM ids
LEFT JOIN a_users u ON u.user_id = ids.user_id
LEFT JOIN oc ON oc.user_id = ids.user_id
LEFT JOIN oc1 ON oc1.user_id = ids.user_id
LEFT JOIN it ON it.user_id = ids.user_id
ORDER BY ids.user_id;

-- name: analysis-burnout-week
-- Burnout rule values per user for one ISO week [$1, $2); $3 = $2 - 28 days.
WITH it AS (
    SELECT user_id, count(*) AS total,
           count(*) FILTER (WHERE hour_class = 'sleep') AS sleep,
           count(*) FILTER (WHERE hour_class <> 'business') AS after_hours,
           count(DISTINCT incident_id) AS incidents
    FROM a_interruptions WHERE "at" >= $1 AND "at" < $2 GROUP BY user_id
), oc AS (
    SELECT user_id, sum(date_diff('microsecond', greatest(start_at, $1), least(end_at, $2)) / 1e6) AS s
    FROM a_user_oncall WHERE start_at < $2 AND end_at > $1 GROUP BY user_id
), oc28 AS (
    SELECT user_id, sum(date_diff('microsecond', greatest(start_at, $3), least(end_at, $2)) / 1e6) AS s
    FROM a_user_oncall WHERE start_at < $2 AND end_at > $3 GROUP BY user_id
), st AS (
    SELECT user_id, max(date_diff('microsecond', start_at, end_at) / 1e6) AS s
    FROM a_user_oncall WHERE start_at < $2 AND end_at > $1 GROUP BY user_id
), ids AS (
    SELECT user_id FROM it UNION SELECT user_id FROM oc28 UNION SELECT user_id FROM st
)
SELECT ids.user_id,
       coalesce(it.sleep, 0), coalesce(it.after_hours, 0), coalesce(it.total, 0), coalesce(it.incidents, 0),
       coalesce(oc.s, 0), coalesce(oc28.s, 0), coalesce(st.s, 0)
FROM ids
LEFT JOIN it ON it.user_id = ids.user_id
LEFT JOIN oc ON oc.user_id = ids.user_id
LEFT JOIN oc28 ON oc28.user_id = ids.user_id
LEFT JOIN st ON st.user_id = ids.user_id
ORDER BY ids.user_id;

-- name: analysis-noisy-alerts
-- One row per signature of the period's incidents, noisiest first, at most 50.
-- alerts and interruptions are all those of the period's incidents.
SELECT pi.signature,
       any_value(pi.service_id),
       first(pi.title ORDER BY pi.created_at, pi.id),
       count(*) AS incidents,
       CAST(coalesce(sum(c.alerts), 0) AS BIGINT),
       CAST(coalesce(sum(c.interruptions), 0) AS BIGINT) AS interruptions,
       CAST(coalesce(sum(c.after_hours), 0) AS BIGINT),
       avg(CASE WHEN pi.auto_resolved THEN 1.0 ELSE 0.0 END),
       quantile_cont(pi.seconds_to_resolve, 0.5),
       count(*) FILTER (WHERE pi.noise)
FROM a_incidents pi
LEFT JOIN (SELECT * FROM a_incident_counts WHERE created_at >= $1 AND created_at < $2) c
       ON c.incident_id = pi.id
WHERE pi.created_at >= $1 AND pi.created_at < $2
GROUP BY pi.signature
ORDER BY interruptions DESC, incidents DESC, pi.signature
LIMIT 50;

-- name: analysis-heatmap
-- Interruptions in the period by team, local ISO weekday (1 = Monday) and local hour.
SELECT team_id, local_isodow, local_hour, count(*)
FROM a_interruptions
WHERE "at" >= $1 AND "at" < $2
GROUP BY team_id, local_isodow, local_hour;
