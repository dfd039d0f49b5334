// Package ingest pulls an account's history from the PagerDuty REST API
// (through go-pagerduty) into a DuckDB database: users and their time zones,
// teams, services, escalation policies, incidents, alerts, log entries
// (notifications with their channel) and on-call segments.
//
// Requests are paced below PagerDuty's rate limit and retried on 429, 5xx and
// broken connections. Time-bounded resources are fetched in windows small
// enough for PagerDuty's 10,000-item offset cap; each window is loaded as an
// Arrow record batch and written in one transaction together with its
// watermark, so an interrupted sync resumes without loss or duplicates.
//
// Each PagerDuty resource is one file (users.go, teams.go, services.go,
// escalation_policies.go, incidents.go with alerts.go, log_entries.go,
// oncalls.go, notes.go for the handoff's incident notes) holding its rows,
// its tables and its resource: how a page is fetched, how items become rows
// and whether it is incremental. The window splitting, paging and loading
// are written once in resource.go; the staging of rows in stage.go (the
// columns), stage_arrow.go (an Arrow record batch, in builds with the tag
// duckdb_arrow, as the Makefile makes them) and stage_appender.go (DuckDB's
// Appender, in any other build, so go install and go vet work untagged);
// the go-pagerduty calls the sync makes sit behind the small interface of
// api.go, which tolerant.go implements with
// go-pagerduty's requests decoded item by item (an item that does not
// decode is skipped and counted, never fatal). analytics.go asks PagerDuty's
// Analytics API about a period, for the crosscheck command.
//
// Real accounts: an account without teams (/teams answers 402 or 403) syncs
// without them (TeamsUnavailableError, sync_meta 'teams_unavailable');
// permanent on-calls (start and end null) go to permanent_oncalls; every
// team of incidents, services and policies to the *_teams tables;
// resolve_reason.type to incidents.resolve_reason; lists over the offset
// cap that time cannot split are split by status (alerts) or stored up to
// the cap with a warning; incidents acknowledged or resolved after the
// look-back are fetched again from their log entries.
package ingest
