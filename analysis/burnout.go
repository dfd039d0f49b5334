package analysis

import (
	"context"
	"database/sql"

	"github.com/oncall-health/oncall-health/queries"
)

// Risk levels as the metrics name them (Responder.Risk, Reason.Level,
// Load.Risk), lowest first.
const (
	RiskNone     = "none"
	RiskElevated = "elevated"
	RiskHigh     = "high"
)

// RiskRank orders the risk levels: 0 for none (and any unknown level), 1 for
// elevated, 2 for high.
func RiskRank(r string) int {
	switch r {
	case RiskHigh:
		return 2
	case RiskElevated:
		return 1
	}
	return 0
}

// assessment is one responder's burnout risk and the rules that fired.
type assessment struct {
	risk    string
	reasons []Reason
}

// weekValues are one responder's burnout rule inputs for one ISO week.
type weekValues struct {
	sleep, afterHours, total, incidents int
	onCallSeconds                       float64 // union of all levels, clipped to the week
	onCall28dSeconds                    float64 // union, clipped to [week end - 28 d, week end)
	longestStretchSeconds               float64 // longest stretch overlapping the week, unclipped
	afterHoursEngagedSeconds            float64 // engaged time in off + sleep hours in the week
}

// assess applies the rules of docs/metrics.md ("Burnout risk") to one week.
// Reasons come in the order of the spec's table.
func assess(v weekValues, b Burnout) assessment {
	a := assessment{risk: RiskNone, reasons: []Reason{}}
	// rule fires at elevated when atLeastE(value) and at high when atLeastH(value).
	check := func(rule string, value float64, t Threshold, highInclusive, elevatedInclusive bool) {
		reached := func(th float64, inclusive bool) bool {
			if inclusive {
				return value >= th
			}
			return value > th
		}
		switch {
		case reached(t.High, highInclusive):
			a.reasons = append(a.reasons, Reason{Rule: rule, Value: value, Threshold: t.High, Level: RiskHigh})
		case reached(t.Elevated, elevatedInclusive):
			a.reasons = append(a.reasons, Reason{Rule: rule, Value: value, Threshold: t.Elevated, Level: RiskElevated})
		default:
			return
		}
		if lvl := a.reasons[len(a.reasons)-1].Level; RiskRank(lvl) > RiskRank(a.risk) {
			a.risk = lvl
		}
	}
	check("sleep_interruptions", float64(v.sleep), b.SleepInterruptions, true, true)
	check("after_hours_interruptions", float64(v.afterHours), b.AfterHoursInterruptions, true, true)
	check("interruptions", float64(v.total), b.Interruptions, true, true)
	if v.onCallSeconds > 0 && v.onCallSeconds >= b.MinOnCallHoursForIncident*3600 {
		check("incidents_per_12h_on_call", float64(v.incidents)/(v.onCallSeconds/43200), b.IncidentsPer12hOnCall, false, false)
	}
	check("on_call_share_28d", v.onCall28dSeconds/(28*86400), b.OnCallShare28d, false, false)
	check("after_hours_engaged_hours", v.afterHoursEngagedSeconds/3600, b.AfterHoursEngagedHours, true, true)
	check("longest_on_call_stretch_days", v.longestStretchSeconds/86400, b.LongestOnCallStretchDays, true, false)
	return a
}

// burnout assesses every user for period p: a week is assessed itself; a
// month takes each user's worst whole ISO week overlapping it (ties: the
// earliest week). Users absent from the result have risk none.
func burnout(ctx context.Context, db *sql.DB, p Period, cfg Config) (map[string]assessment, error) {
	out := map[string]assessment{}
	for _, w := range p.ruleWeeks() {
		vals, err := burnoutWeek(ctx, db, w)
		if err != nil {
			return nil, err
		}
		for id, v := range vals {
			a := assess(v, cfg.Burnout)
			if prev, ok := out[id]; !ok || RiskRank(a.risk) > RiskRank(prev.risk) {
				out[id] = a
			}
		}
	}
	return out, nil
}

func burnoutWeek(ctx context.Context, db *sql.DB, w Period) (map[string]weekValues, error) {
	start, end := w.Start.UTC(), w.End.UTC()
	out := map[string]weekValues{}
	if err := eachRow(ctx, db, "burnout "+w.Label, queries.Get("analysis-burnout-week"), []any{start, end, end.AddDate(0, 0, -28)}, func(rows *sql.Rows) error {
		var id string
		var sleep, after, total, incidents int64
		var v weekValues
		if err := rows.Scan(&id, &sleep, &after, &total, &incidents, &v.onCallSeconds, &v.onCall28dSeconds,
			&v.longestStretchSeconds); err != nil {
			return err
		}
		v.sleep, v.afterHours, v.total, v.incidents = int(sleep), int(after), int(total), int(incidents)
		out[id] = v
		return nil
	}); err != nil {
		return nil, err
	}
	e, err := engaged(ctx, db, w)
	if err != nil {
		return nil, err
	}
	for id, es := range e.byUser {
		v := out[id]
		v.afterHoursEngagedSeconds = es.Off + es.Sleep
		out[id] = v
	}
	return out, nil
}
