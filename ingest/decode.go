package ingest

import (
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// Helpers that read go-pagerduty's items into rows (rows are one struct per
// table, instants in UTC; each resource's file declares its own).

// parseTime reads PagerDuty's ISO 8601 instants; empty or malformed is the
// zero time (stored as NULL).
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// firstTeam is the id of the first of an object's teams, "" without one.
func firstTeam(ts []pagerduty.APIObject) string {
	if len(ts) == 0 {
		return ""
	}
	return ts[0].ID
}
