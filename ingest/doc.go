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
package ingest
