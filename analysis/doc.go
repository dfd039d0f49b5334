// Package analysis runs the embedded SQL of package queries against a synced
// DuckDB database and returns typed results: one period's metrics.json
// (Metrics), burnout risk per responder, the noisy-alert list and the
// interruption heat map. Definitions, units and the
// metrics.json contract are in docs/metrics.md.
//
// # How it computes
//
// Compute first derives a set of a_* tables from the raw PagerDuty tables
// (incident facts with signature and noise, alerts with team and policy,
// interruptions with local time and hour class, level-1 shifts with their
// alerts, on-call unions per user and per team). Before that it rewrites
// tz_offsets from Go's embedded tz database (every zone in users plus UTC,
// 1990..2100, stretched to 1900..2200) and the config tables analysis_hours
// and analysis_params, all in one transaction. The derivation is skipped
// when neither the source rows (a fingerprint of row counts, hashes of the
// small tables and sync_state) nor the config changed since the last one,
// so a year of weekly and monthly reports pays for it once. Each period is
// then a handful of set-based queries with the period's bounds as
// parameters.
//
// The anchored 60-second interruption rule is sequential; it is done in SQL:
// a notification more than 60 s after the previous one of its user always
// starts an interruption (an island start), and inside an island a recursive
// CTE follows anchors from one to the first notification more than 60 s
// later (found with an ASOF join).
//
// # Choices where the spec leaves room
//
//   - Hour classes use the hours of the interrupting incident's team
//     (Config.TeamHours), else Config.Hours.
//   - A user whose time zone is empty or unknown to Go's tz database, and a
//     deleted user (named by notifications or on-calls, not by /users), is
//     classified in the fallback zone (Config.FallbackZone:
//     default_time_zone, else time_zone); Metrics.Warnings names each such
//     user, and the responder's time_zone is the zone its hours were taken in.
//   - An on-call segment without end runs to the latest sync watermark.
//   - Team on-call time for alerts_per_12h_on_call is the time covered by
//     at least one level-1 segment on any of the team's escalation policies.
//   - Shifts and incidents without a team belong to team "unassigned"
//     (name "Unassigned"), listed when it has anything in the period; every
//     team of the teams table is listed, active or not.
//   - alert_load for a month: a team reaching the threshold in any whole
//     ISO week overlapping the month.
//   - noisy_alerts counts all alerts and interruptions of the period's
//     incidents, whenever they happened; sample_title is the title of the
//     signature's earliest incident in the period.
//   - Team busiest_shifts (an added key) lists up to five level-1 shifts
//     starting in the period, most alerts first, ties by earlier start.
//   - Engaged time (engagement.go, a_responses): a responder's is classed
//     with the default hours, a team's (its incidents only) with the
//     team's; the teams' sums can exceed the organisation's. Escalations
//     and snoozes count by the log entry's own instant; responder MTTA runs
//     from the first notification (any channel) at or before the
//     responder's first acknowledgement. docs/metrics.md has the rest.
package analysis
