package analysis

import (
	"context"
	"database/sql"

	"github.com/oncall-health/oncall-health/queries"
)

// Engagement and escalation (docs/metrics.md, "Engaged time",
// "Escalations", "Responder MTTA", "Snoozes", "Time to mobilize"), from
// a_responses and the escalate and snooze log entries.

// engagedTime is the engaged seconds of period p: byUser per user (any
// incident, default hours), byTeam per team and user (the team's
// incidents, the team's hours).
type engagedTime struct {
	byUser map[string]EngagedSeconds
	byTeam map[string]map[string]EngagedSeconds
}

// engaged reads analysis-engaged for period p.
func engaged(ctx context.Context, db *sql.DB, p Period) (engagedTime, error) {
	out := engagedTime{byUser: map[string]EngagedSeconds{}, byTeam: map[string]map[string]EngagedSeconds{}}
	err := eachRow(ctx, db, "engaged time "+p.Label, queries.Get("analysis-engaged"), p.bounds(), func(rows *sql.Rows) error {
		var scope, user string
		var e EngagedSeconds
		if err := rows.Scan(&scope, &user, &e.Total, &e.Business, &e.Off, &e.Sleep); err != nil {
			return err
		}
		if scope == "" {
			out.byUser[user] = e
			return nil
		}
		m, ok := out.byTeam[scope]
		if !ok {
			m = map[string]EngagedSeconds{}
			out.byTeam[scope] = m
		}
		m[user] = e
		return nil
	})
	return out, err
}

// engagementTotals adds to the org's and the teams' Totals of p their
// engaged seconds, escalations, snoozes and time to mobilize.
func engagementTotals(ctx context.Context, db *sql.DB, p Period, tot func(string) *Totals) (engagedTime, error) {
	e, err := engaged(ctx, db, p)
	if err != nil {
		return e, err
	}
	for _, v := range e.byUser {
		tot("").EngagedSeconds.add(v)
	}
	for team, users := range e.byTeam {
		t := tot(team)
		for _, v := range users {
			t.EngagedSeconds.add(v)
		}
	}
	if err := eachRow(ctx, db, "escalation totals", queries.Get("analysis-escalation-totals"), p.bounds(), func(rows *sql.Rows) error {
		var team sql.NullString
		var timeout, manual, snoozes int64
		if err := rows.Scan(&team, &timeout, &manual, &snoozes); err != nil {
			return err
		}
		t := tot(team.String)
		t.Escalations = Escalations{Timeout: int(timeout), Manual: int(manual)}
		t.Snoozes = int(snoozes)
		return nil
	}); err != nil {
		return e, err
	}
	err = eachRow(ctx, db, "time to mobilize", queries.Get("analysis-mobilize-totals"), p.bounds(), func(rows *sql.Rows) error {
		var team sql.NullString
		var n int64
		var mean, p50, p90 sql.NullFloat64
		if err := rows.Scan(&team, &n, &mean, &p50, &p90); err != nil {
			return err
		}
		tot(team.String).TimeToMobilize = durations(n, mean, p50, p90)
		return nil
	})
	return e, err
}

// responderMTTA is each user's responder MTTA over period p's incidents.
func responderMTTA(ctx context.Context, db *sql.DB, p Period) (map[string]Durations, error) {
	out := map[string]Durations{}
	err := eachRow(ctx, db, "responder MTTA", queries.Get("analysis-responder-mtta"), p.bounds(), func(rows *sql.Rows) error {
		var user string
		var n int64
		var mean, p50, p90 sql.NullFloat64
		if err := rows.Scan(&user, &n, &mean, &p50, &p90); err != nil {
			return err
		}
		out[user] = durations(n, mean, p50, p90)
		return nil
	})
	return out, err
}
