package ingest

import (
	"strings"
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

// memberRow is one team of an incident, service or escalation policy, at
// its position in the object's teams (0 is the first).
type memberRow struct {
	OwnerID, TeamID string
	Position        int64
}

// memberTable is the table of every team of one kind of object: view
// staged_<kind>_teams with the owner's column ownerCol, written by
// copy-, delete-gone- then insert-<kind>-teams.
func memberTable(kind, ownerCol string) *table[memberRow] {
	return &table[memberRow]{
		view: "staged_" + strings.ReplaceAll(kind, "-", "_") + "_teams", write: "copy-" + kind + "-teams",
		then: []string{"delete-gone-" + kind + "-teams", "insert-" + kind + "-teams"},
		key:  func(r *memberRow) string { return r.OwnerID + "\x00" + r.TeamID },
		fields: []field[memberRow]{
			strField(ownerCol, false, func(r *memberRow) string { return r.OwnerID }),
			strField("team_id", false, func(r *memberRow) string { return r.TeamID }),
			intField("position", func(r *memberRow) int64 { return r.Position }),
		},
	}
}

// membersOf appends a row per team of owner, in order; id reads the id of
// the i-th of n teams.
func membersOf(rows []memberRow, owner string, n int, id func(i int) string) []memberRow {
	for i := range n {
		if t := id(i); t != "" {
			rows = append(rows, memberRow{OwnerID: owner, TeamID: t, Position: int64(i)})
		}
	}
	return rows
}

// firstTeam is the id of the first of an object's teams, "" without one.
func firstTeam(ts []pagerduty.APIObject) string {
	if len(ts) == 0 {
		return ""
	}
	return ts[0].ID
}
