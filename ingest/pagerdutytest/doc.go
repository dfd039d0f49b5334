// Package pagerdutytest is a fake PagerDuty REST API backed by a seeded,
// synthetic organisation, for tests, the demo and benchmarks.
//
// Generate builds an Org (users, teams, services, escalation policies with
// on-call schedules, incidents, alerts and incident log entries) from a
// Config; NewServer serves it over HTTP with the shapes, paging, filters,
// limits and errors of the real API (see /work/shared/pagerduty/NOTES.md),
// plus injectable faults and, with Options.Shapes, the shapes of real
// accounts (no teams, permanent on-calls, merged incidents, several teams,
// deleted and zoneless users, undecodable items, a late resolution, more
// alerts on one incident than the offset cap). All instants are UTC and have whole-second
// resolution; durations in the model are seconds.
//
// # The API
//
// GET /users, /teams, /services, /escalation_policies, /incidents,
// /incidents/{id}, /incidents/{id}/alerts, /incidents/{id}/log_entries,
// /log_entries, /oncalls and /notifications, with the shapes of PagerDuty's
// OpenAPI description (the tests validate every page against it) and
// decodable by go-pagerduty v1.8.0. Behaviour a sync can notice:
//
//   - Auth: `Authorization: Token token=<Options.Token>`, else 401 with error
//     code 2006. Errors are {"error": {"message", "code", "errors"}}; bad
//     input is 400 with code 2001, unknown paths and IDs 404 with code 2100.
//   - Paging: limit defaults to 25; above 100 it is clamped to 100 (and
//     echoed as 100); offset+limit > 10000 is 400 with code 2002. Every list
//     has limit, offset, more and total (null unless total=true).
//   - since/until: ISO 8601 with an offset; without one (or date only) read in
//     time_zone (default UTC), which also sets the offset instants are
//     written in (UTC is written with "Z").
//   - /incidents: created_at in [since, until), oldest first (sort_by
//     created_at:desc reverses); range at most 6 months; one end given means a
//     1-month window from it; neither means the month before the clock
//     (Options.Now); date_range=all ignores both. Filters statuses[],
//     service_ids[], team_ids[], urgencies[].
//   - /log_entries: created_at in [since, until) (since unbounded, until the
//     clock by default), newest first; team_ids[]; include[]=channels expands
//     a notify entry's channel to {"type": "auto", "notification": {...}}.
//     /incidents/{id}/log_entries likewise, per incident.
//   - /notifications: since and until required, range under 3 months,
//     started_at in [since, until), oldest first; filter=<type>.
//   - /oncalls: segments overlapping [since, until] (both default to the
//     clock; a single instant when equal) with their own start and end,
//     ordered by policy, level, start; user_ids[], escalation_policy_ids[],
//     schedule_ids[], earliest=true. Segments exist from 14 days before Start
//     to 35 days after End.
//   - Analytics: POST /analytics/metrics/incidents/all, /incidents/teams and
//     /responders/all, computed from the organisation by PagerDuty's
//     definitions (analytics.go says which); Shapes.NoAnalytics answers 402
//     or 403 instead.
//   - Faults (Options.Faults, Server.SetFaults): 429 with Retry-After and
//     ratelimit-limit/-remaining/-reset, 500 (JSON), 502 (HTML), 503 (text),
//     slow responses and bodies cut half-way (Content-Length promises more,
//     the connection closes). Server.Requests counts requests per endpoint.
//
// # The world and what is visible
//
// The generator simulates each incident's whole life (alerts, notifications,
// escalation, acknowledgement, resolution), even the parts that happen after
// End. The server shows only what happened before End: an incident whose
// resolution falls after End is served as triggered or acknowledged, and
// alerts and log entries at or after End are not served. Server.Append moves
// End on, revealing the rest, which is what an incremental sync sees.
//
// # Planted features (the same for every seed; IDs depend on the seed)
//
//   - Teams: the six planted teams (OverloadedTeamName, StretchTeamName,
//     FollowTheSunTeamName, NightOwlTeamName, "Search & Discovery",
//     "Identity & Access"), two services each, plus NoTeamServiceName, and
//     TiedTeamName; four managers (the fourth added after every other
//     user). Large adds 44 teams "Team <Word>" of 10 responders and 3
//     services each, and 22 more managers (503 users, 145 services).
//   - Time zones: responders in Europe/Berlin, Europe/London, America/New_York,
//     America/Chicago, America/Denver, America/Los_Angeles, Asia/Kolkata
//     (UTC+05:30), Australia/Sydney (southern-hemisphere DST), Asia/Tokyo
//     and a few more; UnusualZoneUserName lives in Pacific/Chatham
//     (UTC+12:45, southern DST).
//   - Rotations: level 1 of most teams is a weekly rotation (handoff Monday
//     09:00 in the team's zone); FollowTheSunTeamName's level 1 is two
//     12-hour shifts a day (07:00-19:00 UTC from Berlin, 19:00-07:00 UTC from
//     Sydney); NightOwlTeamName's level 1 has a day layer (08:00-22:00 local)
//     and a night layer (22:00-08:00 local) held by NightOwlUserName every
//     night. Level 2 of OverloadedTeamName is a secondary rotation of its
//     own members (the member who is primary 3 weeks later); level 2 of
//     every other team's policy and of the legacy one is one weekly
//     rotation of all the managers (handoff Monday 09:00 London), the same
//     manager on every policy in a week, so each holds it one week in four.
//     NoTeamServiceName's level 1 mirrors OverloadedTeamName's primary.
//     TiedTeamName's two members hold 07:00-13:00 UTC every day.
//     Escalation delays are per policy (EscalationDelay).
//   - Overrides: short overrides (3-9 h) on weekly level-1 schedules in
//     OverrideShare of the weeks (Org.Overrides), and a 3-day override that follows
//     StretchUserName's own week in StretchTeamName, so that user is on call
//     for 10 days in a row (Org.Stretch).
//   - Load: incident rates follow the service's local day (business hours
//     busiest, nights quiet: 2.0 against 0.12) and week (weekends quiet).
//     OverloadedTeamName gets more than 200 alerts in every full week; each
//     other team's services 0.3-2.3 incidents a day in all, so that their
//     on-call is healthy: a handful of pages a week, rarely two at night. Storms: bursts of 30-100
//     alerts within minutes on one service (Org.Storms).
//   - Escalation: when level 1 does not acknowledge within the policy's delay,
//     an escalate entry assigns level 2, who is then notified.
//   - Notification rules per user (User.Rules): e.g. push at +0, SMS at +1 min,
//     phone at +5 min; delayed rules fire only while the incident is neither
//     acknowledged nor resolved. 15 % of ordinary incidents are low urgency
//     and notify by e-mail only.
//   - Noise: FlappingServiceName raises alerts whose titles differ only in
//     numbers, hex ids, UUIDs or IPv4 addresses (FlappingTitles), most of them
//     auto-resolved by the integration within minutes; TransientShare of other
//     incidents are auto-resolved within minutes too. NightOwlUserName is paged
//     in sleep hours (22:00-08:00 in America/Denver) most nights by
//     NightlyServiceName's batch failures.
//   - Titles with HTML, quotes, SQL metacharacters and non-ASCII text
//     (NastyTitles), each on at least one incident of NastyServiceName.
//   - Open incidents at End (OpenTriggeredTitle never acknowledged, 3 days
//     before the generated End, and OpenAcknowledgedTitle acknowledged, 2 days
//     before; both never resolved, so they stay open after Append), incidents
//     never acknowledged, and incidents resolved days later
//     (LateResolvedTitle, resolved 3 days after creation).
//   - NoTeamServiceName belongs to no team and its policy has none.
//
// Planted incidents are placed relative to the End given to Generate, so
// Generate(Days: n) followed by Append(k) equals Generate(Days: n+k) except for
// them; old history never changes on Append.
//
// Consistency, which the tests check: every notify entry's user is on call
// for the incident's escalation policy at the notify entry's level at its
// instant; an incident's resolved_at equals its resolve entry; every alert
// belongs to an incident and is not older than it; every log entry of an
// incident is at or after its creation.
package pagerdutytest
