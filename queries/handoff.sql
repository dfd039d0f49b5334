-- Statements of the shift handoff notes (package analysis, handoff.go).
--
-- They read the derived tables (a_shifts, a_segments, a_incidents,
-- a_interruptions) and incident_notes. $1 is always the escalation policy
-- id. Instants are TIMESTAMP in UTC, durations seconds. A shift is the
-- half-open [start, end): everything that happens exactly at the handoff
-- instant belongs to the incoming shift, so "at the handoff" means "after
-- every event before the handoff instant".

-- name: handoff-synced-through
-- The instant up to which the incidents, log entries and on-calls are all
-- synced (the least of their watermarks), NULL when never synced.
SELECT min(watermark) FROM sync_state WHERE resource IN ('incidents', 'log_entries', 'oncalls');

-- name: handoff-policies
SELECT id, name, coalesce(team_id, '') FROM escalation_policies ORDER BY id;

-- name: handoff-last-shift
-- The level-1 shift(s) of policy $1 that ended most recently at or before
-- $2 (several when responders at level 1 end together). A shift whose end
-- is only the sync watermark standing in for an open on-call (end NULL) has
-- not ended and is left out.
WITH s AS (
    SELECT sh.user_id, sh.start_at, sh.end_at
    FROM a_shifts sh
    WHERE sh.escalation_policy_id = $1 AND sh.end_at <= $2
      AND NOT EXISTS (
        SELECT 1 FROM oncalls o
        WHERE o.user_id = sh.user_id AND o.escalation_policy_id = sh.escalation_policy_id
          AND o.escalation_level = 1 AND o.end_at IS NULL
          AND o.start_at >= sh.start_at AND o.start_at < sh.end_at)
)
SELECT s.user_id, coalesce(u.name, s.user_id), coalesce(u.zone, (SELECT default_zone FROM analysis_params), 'UTC'), s.start_at, s.end_at
FROM s LEFT JOIN a_users u ON u.user_id = s.user_id
WHERE s.end_at = (SELECT max(end_at) FROM s)
ORDER BY s.user_id;

-- name: handoff-previous-shifts
-- The level-1 shifts of policy $1 that ended at or before $2, latest first,
-- at most $3 (distinct windows; shifts of several users that coincide count once).
SELECT DISTINCT start_at, end_at
FROM a_shifts
WHERE escalation_policy_id = $1 AND end_at <= $2
ORDER BY end_at DESC, start_at DESC
LIMIT $3;

-- name: handoff-on-call
-- Who is on call on policy $1 at level $2 at instant $3 (start <= $3 < end),
-- with the end of their run at that level: level 1 from a_shifts (the
-- merged shift), other levels from the longest segment holding $3.
WITH r AS (
    SELECT user_id, end_at FROM a_shifts
    WHERE $2 = 1 AND escalation_policy_id = $1 AND start_at <= $3 AND end_at > $3
    UNION ALL
    SELECT user_id, end_at FROM a_segments
    WHERE $2 <> 1 AND escalation_policy_id = $1 AND escalation_level = $2 AND start_at <= $3 AND end_at > $3
)
SELECT r.user_id, coalesce(u.name, r.user_id), coalesce(u.zone, (SELECT default_zone FROM analysis_params), 'UTC'), max(r.end_at)
FROM r LEFT JOIN a_users u ON u.user_id = r.user_id
GROUP BY r.user_id, u.name, u.zone
ORDER BY r.user_id;

-- name: handoff-open
-- Incidents of policy $1 open at the handoff $2: created before it and not
-- resolved before it (an incident resolved exactly at $2 is still open at
-- the handoff: its resolution is the incoming shift's), oldest first. The
-- holder is the last user who acknowledged it before $2, else the last
-- user notified before $2. pages are its interruptions before $2. The note
-- is its latest note created before $2.
WITH o AS (
    SELECT i.id, i.title, i.service_id, i.created_at, i.acknowledged_at, i.signature, i.repeat
    FROM a_incidents i
    WHERE i.escalation_policy_id = $1 AND i.created_at < $2
      AND (i.resolved_at IS NULL OR i.resolved_at >= $2)
), le AS (
    SELECT l.incident_id,
           arg_max(l.agent_id, l.created_at) FILTER (WHERE l.type = 'acknowledge' AND l.agent_id IS NOT NULL) AS acker,
           arg_max(l.user_id, l.created_at) FILTER (WHERE l.type = 'notify' AND l.user_id IS NOT NULL) AS notified
    FROM log_entries l
    WHERE l.incident_id IN (SELECT id FROM o) AND l.created_at < $2
    GROUP BY l.incident_id
), pg AS (
    SELECT incident_id, count(*) AS pages FROM a_interruptions
    WHERE incident_id IN (SELECT id FROM o) AND "at" < $2
    GROUP BY incident_id
), nt AS (
    SELECT incident_id,
           arg_max(content, (created_at, id)) AS content,
           arg_max(coalesce(user_name, ''), (created_at, id)) AS user_name,
           max(created_at) AS "at"
    FROM incident_notes
    WHERE incident_id IN (SELECT id FROM o) AND created_at < $2
    GROUP BY incident_id
)
SELECT o.id, o.title, o.service_id, coalesce(s.name, o.service_id), coalesce(r.urgency, ''),
       o.created_at, coalesce(o.acknowledged_at < $2, false),
       coalesce(le.acker, le.notified, ''), coalesce(hu.name, le.acker, le.notified, ''),
       coalesce(pg.pages, 0), o.signature, coalesce(o.repeat, false),
       nt.content, nt.user_name, nt.at
FROM o
LEFT JOIN incidents r ON r.id = o.id
LEFT JOIN services s ON s.id = o.service_id
LEFT JOIN le ON le.incident_id = o.id
LEFT JOIN users hu ON hu.id = coalesce(le.acker, le.notified)
LEFT JOIN pg ON pg.incident_id = o.id
LEFT JOIN nt ON nt.incident_id = o.id
ORDER BY o.created_at, o.id;

-- name: handoff-pages
-- Pages (interruptions) in [$2, $3) on incidents of policy $1, per user.
SELECT p.user_id, coalesce(u.name, p.user_id), count(*),
       count(*) FILTER (WHERE p.hour_class = 'sleep')
FROM a_interruptions p
JOIN a_incidents i ON i.id = p.incident_id
LEFT JOIN a_users u ON u.user_id = p.user_id
WHERE i.escalation_policy_id = $1 AND p.at >= $2 AND p.at < $3
GROUP BY p.user_id, u.name
ORDER BY count(*) DESC, p.user_id;

-- name: handoff-incidents
-- Incidents of policy $1 created in [$2, $3) per service (service NULL =
-- all): how many, the acknowledgements and resolutions before $3 with their
-- mean seconds, and how many are noise.
SELECT CASE WHEN grouping(i.service_id) = 1 THEN NULL ELSE i.service_id END,
       coalesce(any_value(s.name), any_value(i.service_id), ''),
       count(*),
       count(*) FILTER (WHERE i.acknowledged_at < $3),
       avg(i.seconds_to_ack) FILTER (WHERE i.acknowledged_at < $3),
       count(*) FILTER (WHERE i.resolved_at < $3),
       avg(i.seconds_to_resolve) FILTER (WHERE i.resolved_at < $3),
       count(*) FILTER (WHERE i.noise)
FROM a_incidents i
LEFT JOIN services s ON s.id = i.service_id
WHERE i.escalation_policy_id = $1 AND i.created_at >= $2 AND i.created_at < $3
GROUP BY GROUPING SETS ((i.service_id), ())
ORDER BY grouping(i.service_id) DESC, count(*) DESC, 1;

-- name: handoff-watch-paged
-- Signatures of policy $1 whose incidents paged more than $4 times in [$2, $3).
SELECT i.signature, first(i.title ORDER BY i.created_at, i.id), count(*)
FROM a_interruptions p
JOIN a_incidents i ON i.id = p.incident_id
WHERE i.escalation_policy_id = $1 AND p.at >= $2 AND p.at < $3
GROUP BY i.signature
HAVING count(*) > $4
ORDER BY count(*) DESC, i.signature;

-- name: handoff-watch-new
-- Signatures of policy $1's incidents created in [$2, $3) that no incident
-- (of any policy) created in the 28 days before $2 has.
SELECT i.signature, first(i.title ORDER BY i.created_at, i.id), count(*)
FROM a_incidents i
WHERE i.escalation_policy_id = $1 AND i.created_at >= $2 AND i.created_at < $3
  AND NOT EXISTS (
    SELECT 1 FROM a_incidents e
    WHERE e.signature = i.signature
      AND e.created_at >= $2 - INTERVAL 28 DAY AND e.created_at < $2)
GROUP BY i.signature
ORDER BY min(i.created_at), i.signature;

-- name: handoff-watch-reopened
-- Incidents of policy $1 resolved in [$2, $3) after which an incident of
-- the same signature (any policy) was created, at or after the resolution
-- and before $3: with that next incident's creation and how many came.
SELECT i.id, i.title, i.resolved_at, min(n.created_at), count(*)
FROM a_incidents i
JOIN a_incidents n ON n.signature = i.signature AND n.id <> i.id
 AND n.created_at >= i.resolved_at AND n.created_at < $3
WHERE i.escalation_policy_id = $1 AND i.resolved_at >= $2 AND i.resolved_at < $3
GROUP BY i.id, i.title, i.resolved_at
ORDER BY i.resolved_at, i.id;
