package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// oncalls: on-call segments overlapping each window of 30 days; a segment
// is identified by user, policy, level and start.

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
		rows: into(oncallTable, func(o *pagerduty.OnCall, _ window) (oncallRow, bool) {
			row := oncallFrom(o)
			// An on-call without a start cannot be placed in time.
			return row, row.UserID != "" && row.EscalationPolicyID != "" && !row.Start.IsZero()
		}),
	}
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
