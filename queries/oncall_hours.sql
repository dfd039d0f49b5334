-- Statements of the on-call hours, fairness and pay of package analysis
-- (docs/metrics.md, "On-call hours"). They read the derived tables as they
-- are (a_user_oncall, a_user_oncall_l1, a_interruptions, a_users,
-- tz_offsets, analysis_hours) and derive nothing.
--
-- Parameters, each a text of rows joined by ';' with fields joined by ','
-- (as analysis-tz-insert takes its rows), built by package analysis:
--   $1 buckets  "index,from_unix_seconds,until_unix_seconds": the spans to
--               total by; index 0 is the reported period, 1..13 the weeks
--               of the trend;
--   $2 hours    "user_id,business_start,business_end,sleep_start,sleep_end"
--               (seconds after local midnight) of the users whose hours are
--               not the default ones (analysis_hours team '');
--   $3 holidays "user_id,YYYY-MM-DD": the local dates that are public
--               holidays of each user's calendar.
-- All durations are seconds.

-- name: oncall-hours-members
-- Every user with its zone and its teams (ids joined by ','), for the
-- calendars and hours of each responder and the fairness table.
SELECT u.user_id, u.name, u.zone,
       coalesce((SELECT string_agg(DISTINCT m.team_id, ',' ORDER BY m.team_id)
                 FROM a_team_members m WHERE m.user_id = u.user_id), '')
FROM a_users u
ORDER BY u.user_id;

-- name: oncall-hours-days
-- On-call seconds by kind per bucket, user and level class (l1: the
-- level-1 union a_user_oncall_l1; not l1: the union of all levels,
-- a_user_oncall), and for bucket 0 per local day of the user.
--
-- How: each union interval is clipped to each bucket, cut at the UTC
-- offset changes of the user's zone (tz_offsets), shifted to local time
-- and cut at local midnights. A piece keeps its real length (the offset
-- is constant inside it), so a local day of a DST change holds 23 or 25
-- hours. Each piece is then one kind: holiday when its local date is one
-- of the user's holidays, weekend on Saturday and Sunday, else business
-- inside [business_start, business_end) and weeknight outside.
WITH bk AS (
    SELECT CAST(split_part(r, ',', 1) AS INTEGER) AS b,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 2) AS BIGINT)) AS bs,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 3) AS BIGINT)) AS be
    FROM (SELECT unnest(string_split($1, ';')) AS r) WHERE r <> ''
), uh AS (
    SELECT split_part(r, ',', 1) AS user_id,
           CAST(split_part(r, ',', 2) AS INTEGER) AS bstart, CAST(split_part(r, ',', 3) AS INTEGER) AS bend
    FROM (SELECT unnest(string_split($2, ';')) AS r) WHERE r <> ''
), hol AS (
    SELECT DISTINCT split_part(r, ',', 1) AS user_id, CAST(split_part(r, ',', 2) AS DATE) AS day
    FROM (SELECT unnest(string_split($3, ';')) AS r) WHERE r <> ''
), users AS (
    SELECT a.user_id, a.zone,
           coalesce(uh.bstart, dh.business_start) AS bstart, coalesce(uh.bend, dh.business_end) AS bend
    FROM a_users a
    CROSS JOIN (SELECT * FROM analysis_hours WHERE team_id = '') dh
    LEFT JOIN uh ON uh.user_id = a.user_id
), lim AS (
    SELECT min(bs) AS lo, max(be) AS hi FROM bk
), iv AS (
    SELECT true AS l1, o.user_id, o.start_at, o.end_at
    FROM a_user_oncall_l1 o, lim WHERE o.start_at < lim.hi AND o.end_at > lim.lo
    UNION ALL
    SELECT false, o.user_id, o.start_at, o.end_at
    FROM a_user_oncall o, lim WHERE o.start_at < lim.hi AND o.end_at > lim.lo
), clip AS (
    SELECT bk.b, iv.l1, iv.user_id, u.zone, u.bstart, u.bend,
           greatest(iv.start_at, bk.bs) AS s, least(iv.end_at, bk.be) AS e
    FROM iv
    JOIN bk ON iv.start_at < bk.be AND iv.end_at > bk.bs
    JOIN users u ON u.user_id = iv.user_id
), loc AS (
    SELECT c.b, c.l1, c.user_id, c.bstart, c.bend,
           greatest(c.s, t.valid_from) + to_seconds(t.offset_seconds) AS ls,
           least(c.e, t.valid_until) + to_seconds(t.offset_seconds) AS le
    FROM clip c
    JOIN tz_offsets t ON t.zone = c.zone AND t.valid_from < c.e AND t.valid_until > c.s
), dd AS (
    SELECT b, l1, user_id, bstart, bend, ls, le,
           unnest(generate_series(CAST(date_trunc('day', ls) AS TIMESTAMP), le, INTERVAL 1 DAY)) AS d
    FROM loc WHERE le > ls
), pc AS (
    SELECT b, l1, user_id, bstart, bend, CAST(d AS DATE) AS day,
           date_diff('microsecond', d, greatest(ls, d)) / 1e6 AS a,
           date_diff('microsecond', d, least(le, d + INTERVAL 1 DAY)) / 1e6 AS z
    FROM dd WHERE least(le, d + INTERVAL 1 DAY) > greatest(ls, d)
), cls AS (
    SELECT pc.b, pc.l1, pc.user_id, pc.day, pc.z - pc.a AS secs,
           h.user_id IS NOT NULL AS hol,
           isodow(pc.day) >= 6 AS wkend,
           greatest(0, least(pc.z, pc.bend) - greatest(pc.a, pc.bstart)) AS biz
    FROM pc LEFT JOIN hol h ON h.user_id = pc.user_id AND h.day = pc.day
)
SELECT b, user_id, l1, CASE WHEN b = 0 THEN day END AS pday,
       sum(CASE WHEN hol THEN secs ELSE 0 END),
       sum(CASE WHEN NOT hol AND wkend THEN secs ELSE 0 END),
       sum(CASE WHEN NOT hol AND NOT wkend THEN biz ELSE 0 END),
       sum(CASE WHEN NOT hol AND NOT wkend THEN secs - biz ELSE 0 END)
FROM cls
GROUP BY b, user_id, l1, pday
ORDER BY b, user_id, l1, pday;

-- name: oncall-hours-nights
-- Nights on call per bucket and user: a night is one local sleep window
-- of the user ([sleep_start, sleep_end) of a local date, wrapping into the
-- next day when sleep_end <= sleep_start), taken to UTC through
-- tz_offsets (so a DST night is an hour shorter or longer); it is on call
-- when at least half of its real length is covered by the user's on-call
-- union (any level), and it belongs to the bucket holding its start.
--
-- Local to UTC: the offset in force at the local time read as UTC gives a
-- first instant, the offset in force at that instant the answer; exact but
-- inside the hour a clock skips or repeats, where sleep windows do not
-- start or end with the default hours.
WITH bk AS (
    SELECT CAST(split_part(r, ',', 1) AS INTEGER) AS b,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 2) AS BIGINT)) AS bs,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 3) AS BIGINT)) AS be
    FROM (SELECT unnest(string_split($1, ';')) AS r) WHERE r <> ''
), uh AS (
    SELECT split_part(r, ',', 1) AS user_id,
           CAST(split_part(r, ',', 4) AS INTEGER) AS ss, CAST(split_part(r, ',', 5) AS INTEGER) AS se
    FROM (SELECT unnest(string_split($2, ';')) AS r) WHERE r <> ''
), users AS (
    SELECT a.user_id, a.zone,
           coalesce(uh.ss, dh.sleep_start) AS ss, coalesce(uh.se, dh.sleep_end) AS se
    FROM a_users a
    CROSS JOIN (SELECT * FROM analysis_hours WHERE team_id = '') dh
    LEFT JOIN uh ON uh.user_id = a.user_id
), lim AS (
    SELECT min(bs) AS lo, max(be) AS hi FROM bk
), iv AS (
    SELECT o.user_id, o.start_at, o.end_at
    FROM a_user_oncall o, lim
    WHERE o.start_at < lim.hi + INTERVAL 2 DAY AND o.end_at > lim.lo - INTERVAL 2 DAY
), who AS (
    SELECT DISTINCT u.user_id, u.zone, u.ss, u.se FROM users u JOIN iv ON iv.user_id = u.user_id
), dates AS (
    SELECT unnest(generate_series(CAST(date_trunc('day', lo) AS TIMESTAMP) - INTERVAL 2 DAY,
                                  hi + INTERVAL 1 DAY, INTERVAL 1 DAY)) AS d
    FROM lim
), nl AS (
    SELECT w.user_id, w.zone, dates.d + to_seconds(w.ss) AS l_start,
           dates.d + to_seconds(w.se) + CASE WHEN w.se <= w.ss THEN INTERVAL 1 DAY ELSE INTERVAL 0 DAY END AS l_end
    FROM who w CROSS JOIN dates
), s1 AS (
    SELECT nl.*, nl.l_start - to_seconds(z.offset_seconds) AS gs, nl.l_end - to_seconds(z2.offset_seconds) AS ge
    FROM nl
    ASOF JOIN tz_offsets z ON z.zone = nl.zone AND nl.l_start >= z.valid_from
    ASOF JOIN tz_offsets z2 ON z2.zone = nl.zone AND nl.l_end >= z2.valid_from
), s2 AS (
    SELECT s1.user_id, s1.l_start - to_seconds(z.offset_seconds) AS ws, s1.l_end - to_seconds(z2.offset_seconds) AS we
    FROM s1
    ASOF JOIN tz_offsets z ON z.zone = s1.zone AND s1.gs >= z.valid_from
    ASOF JOIN tz_offsets z2 ON z2.zone = s1.zone AND s1.ge >= z2.valid_from
), ov AS (
    SELECT n.user_id, n.ws, n.we,
           sum(date_diff('microsecond', greatest(iv.start_at, n.ws), least(iv.end_at, n.we)) / 1e6) AS secs
    FROM s2 n JOIN iv ON iv.user_id = n.user_id AND iv.start_at < n.we AND iv.end_at > n.ws
    GROUP BY n.user_id, n.ws, n.we
)
SELECT bk.b, ov.user_id, count(*)
FROM ov JOIN bk ON ov.ws >= bk.bs AND ov.ws < bk.be
WHERE 2 * ov.secs >= date_diff('microsecond', ov.ws, ov.we) / 1e6
GROUP BY bk.b, ov.user_id
ORDER BY bk.b, ov.user_id;

-- name: oncall-hours-pages
-- Pages (interruptions) per bucket, user and kind, with those in sleep
-- hours (hour_class 'sleep' of a_interruptions), and for bucket 0 per local
-- day of the user. The kind is that of the page's local instant, as for
-- on-call seconds (oncall-hours-days), with the user's business hours.
WITH bk AS (
    SELECT CAST(split_part(r, ',', 1) AS INTEGER) AS b,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 2) AS BIGINT)) AS bs,
           TIMESTAMP '1970-01-01 00:00:00' + to_seconds(CAST(split_part(r, ',', 3) AS BIGINT)) AS be
    FROM (SELECT unnest(string_split($1, ';')) AS r) WHERE r <> ''
), uh AS (
    SELECT split_part(r, ',', 1) AS user_id,
           CAST(split_part(r, ',', 2) AS INTEGER) AS bstart, CAST(split_part(r, ',', 3) AS INTEGER) AS bend
    FROM (SELECT unnest(string_split($2, ';')) AS r) WHERE r <> ''
), hol AS (
    SELECT DISTINCT split_part(r, ',', 1) AS user_id, CAST(split_part(r, ',', 2) AS DATE) AS day
    FROM (SELECT unnest(string_split($3, ';')) AS r) WHERE r <> ''
), users AS (
    SELECT a.user_id,
           coalesce(uh.bstart, dh.business_start) AS bstart, coalesce(uh.bend, dh.business_end) AS bend
    FROM a_users a
    CROSS JOIN (SELECT * FROM analysis_hours WHERE team_id = '') dh
    LEFT JOIN uh ON uh.user_id = a.user_id
), lim AS (
    SELECT min(bs) AS lo, max(be) AS hi FROM bk
), pg AS (
    SELECT bk.b, i.user_id, CAST(i.local_at AS DATE) AS day, i.local_isodow,
           date_diff('second', CAST(date_trunc('day', i.local_at) AS TIMESTAMP), i.local_at) AS sod,
           i.hour_class = 'sleep' AS sleep
    FROM a_interruptions i
    CROSS JOIN lim
    JOIN bk ON i.at >= bk.bs AND i.at < bk.be
    WHERE i.at >= lim.lo AND i.at < lim.hi
), k AS (
    SELECT pg.b, pg.user_id, pg.day, pg.sleep,
           CASE WHEN h.user_id IS NOT NULL THEN 'holiday'
                WHEN pg.local_isodow >= 6 THEN 'weekend'
                WHEN pg.sod >= coalesce(u.bstart, 0) AND pg.sod < coalesce(u.bend, 0) THEN 'business'
                ELSE 'weeknight' END AS kind
    FROM pg
    LEFT JOIN users u ON u.user_id = pg.user_id
    LEFT JOIN hol h ON h.user_id = pg.user_id AND h.day = pg.day
)
SELECT b, user_id, CASE WHEN b = 0 THEN day END AS pday, kind, count(*), count(*) FILTER (WHERE sleep)
FROM k
GROUP BY b, user_id, pday, kind
ORDER BY b, user_id, pday, kind;
