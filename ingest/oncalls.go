package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// oncalls: on-call segments overlapping each window of 30 days; a segment
// is identified by user, policy, level and start. Permanent on-calls
// (start and end null) go to permanent_oncalls.

type oncallRow struct {
	UserID, EscalationPolicyID string
	Level                      int64
	Start, End                 time.Time
}

var oncallTable = &table[oncallRow]{
	view: "staged_oncalls", write: "upsert-oncalls",
	key: func(r *oncallRow) string {
		return r.UserID + "\x00" + r.EscalationPolicyID + "\x00" + fmt.Sprint(r.Level) + "\x00" + r.Start.String()
	},
	fields: []field[oncallRow]{
		strField("user_id", false, func(r *oncallRow) string { return r.UserID }),
		strField("escalation_policy_id", false, func(r *oncallRow) string { return r.EscalationPolicyID }),
		intField("escalation_level", func(r *oncallRow) int64 { return r.Level }),
		timeField("start_at", func(r *oncallRow) time.Time { return r.Start }),
		timeField("end_at", func(r *oncallRow) time.Time { return r.End }),
	},
}

func oncallsResource() *resource[pagerduty.OnCall] {
	return &resource[pagerduty.OnCall]{
		name: "oncalls",
		span: 30 * 24 * time.Hour,
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.OnCall], error) {
			r, err := pd.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{
				Limit: PageLimit, Offset: q.offset, Total: q.total,
				Since: iso(q.w.from), Until: iso(q.w.to), TimeZone: "UTC",
			})
			if err != nil {
				return page[pagerduty.OnCall]{}, fmt.Errorf("fetch on-calls %s: %w", q.w, err)
			}
			return page[pagerduty.OnCall]{items: r.OnCalls, more: r.More, total: r.Total}, nil
		},
		rows: func(_ context.Context, s *syncer, items []pagerduty.OnCall, _ window) ([]load, error) {
			var rows []oncallRow
			var perm []permanentRow
			for i := range items {
				row := oncallFrom(&items[i])
				switch {
				case row.UserID == "" || row.EscalationPolicyID == "":
				case items[i].Start == "" && items[i].End == "":
					// Named directly in an escalation rule: on call always.
					perm = append(perm, permanentRow{row.UserID, row.EscalationPolicyID, row.Level})
				case !row.Start.IsZero():
					rows = append(rows, row)
				}
				// Else a start that cannot be read: it cannot be placed in time.
			}
			return []load{oncallTable.load(rows), permanentTable.load(perm, s.o.Until)}, nil
		},
	}
}

// permanentRow is a permanent on-call: a user named directly in an
// escalation rule, whom /oncalls returns with start and end null (and no
// schedule). Stored in permanent_oncalls with last_seen_at = the sync's
// Until; analysis counts the user on call over the whole synced range.
type permanentRow struct {
	UserID, EscalationPolicyID string
	Level                      int64
}

var permanentTable = &table[permanentRow]{
	view: "staged_permanent_oncalls", write: "upsert-permanent-oncalls",
	key: func(r *permanentRow) string {
		return r.UserID + "\x00" + r.EscalationPolicyID + "\x00" + fmt.Sprint(r.Level)
	},
	fields: []field[permanentRow]{
		strField("user_id", false, func(r *permanentRow) string { return r.UserID }),
		strField("escalation_policy_id", false, func(r *permanentRow) string { return r.EscalationPolicyID }),
		intField("escalation_level", func(r *permanentRow) int64 { return r.Level }),
	},
}

func oncallFrom(o *pagerduty.OnCall) oncallRow {
	return oncallRow{
		UserID:             o.User.ID,
		EscalationPolicyID: o.EscalationPolicy.ID,
		Level:              int64(o.EscalationLevel),
		Start:              parseTime(o.Start),
		End:                parseTime(o.End),
	}
}
