package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// escalation_policies: the account's escalation policies with their
// (first) team. A whole list.

type policyRow struct{ ID, Name, TeamID string }

var policyTable = &table[policyRow]{
	view: "staged_escalation_policies", write: "upsert-escalation-policies",
	key: func(r *policyRow) string { return r.ID },
	fields: []field[policyRow]{
		strField("id", false, func(r *policyRow) string { return r.ID }),
		strField("name", false, func(r *policyRow) string { return r.Name }),
		strField("team_id", true, func(r *policyRow) string { return r.TeamID }),
	},
}

func escalationPoliciesResource() *resource[pagerduty.EscalationPolicy] {
	return &resource[pagerduty.EscalationPolicy]{
		name: "escalation_policies",
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.EscalationPolicy], error) {
			r, err := pd.ListEscalationPoliciesWithContext(ctx, pagerduty.ListEscalationPoliciesOptions{Limit: PageLimit, Offset: q.offset})
			if err != nil {
				return page[pagerduty.EscalationPolicy]{}, fmt.Errorf("fetch escalation policies: %w", err)
			}
			return page[pagerduty.EscalationPolicy]{items: r.EscalationPolicies, more: r.More, total: r.Total}, nil
		},
		rows: into(policyTable, func(p *pagerduty.EscalationPolicy, _ window) (policyRow, bool) {
			row := policyRow{ID: p.ID, Name: p.Name}
			if len(p.Teams) > 0 {
				row.TeamID = p.Teams[0].ID
			}
			return row, true
		}),
	}
}
