package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// escalation_policies: the account's escalation policies with their
// teams (the first in escalation_policies.team_id, all in
// escalation_policy_teams). A whole list.

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

// policyTeamTable holds every team of each escalation policy.
var policyTeamTable = memberTable("escalation-policy", "escalation_policy_id")

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
		rows: func(_ context.Context, _ *syncer, items []pagerduty.EscalationPolicy, _ window) ([]load, error) {
			var rows []policyRow
			var teams []memberRow
			for _, p := range items {
				rows = append(rows, policyRow{ID: p.ID, Name: p.Name})
				if len(p.Teams) > 0 {
					rows[len(rows)-1].TeamID = p.Teams[0].ID
				}
				teams = membersOf(teams, p.ID, len(p.Teams), func(i int) string { return p.Teams[i].ID })
			}
			return []load{policyTable.load(rows), wholeMembers(policyTeamTable, teams, "clear-escalation-policy-teams")}, nil
		},
	}
}
