package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// services: the account's services with their escalation policy and
// (first) team. A whole list.

type serviceRow struct{ ID, Name, EscalationPolicyID, TeamID string }

var serviceTable = &table[serviceRow]{
	view: "staged_services", write: "upsert-services",
	key: func(r *serviceRow) string { return r.ID },
	fields: []field[serviceRow]{
		strField("id", false, func(r *serviceRow) string { return r.ID }),
		strField("name", false, func(r *serviceRow) string { return r.Name }),
		strField("escalation_policy_id", true, func(r *serviceRow) string { return r.EscalationPolicyID }),
		strField("team_id", true, func(r *serviceRow) string { return r.TeamID }),
	},
}

func servicesResource() *resource[pagerduty.Service] {
	return &resource[pagerduty.Service]{
		name: "services",
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.Service], error) {
			r, err := pd.ListServicesWithContext(ctx, pagerduty.ListServiceOptions{Limit: PageLimit, Offset: q.offset})
			if err != nil {
				return page[pagerduty.Service]{}, fmt.Errorf("fetch services: %w", err)
			}
			return page[pagerduty.Service]{items: r.Services, more: r.More, total: r.Total}, nil
		},
		rows: into(serviceTable, func(sv *pagerduty.Service, _ window) (serviceRow, bool) {
			row := serviceRow{ID: sv.ID, Name: sv.Name, EscalationPolicyID: sv.EscalationPolicy.ID}
			if len(sv.Teams) > 0 {
				row.TeamID = sv.Teams[0].ID
			}
			return row, true
		}),
	}
}
