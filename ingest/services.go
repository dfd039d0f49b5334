package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// services: the account's services with their escalation policy and
// teams (the first in services.team_id, all in service_teams). A whole list.

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

// serviceTeamTable holds every team of each service.
var serviceTeamTable = memberTable("service", "service_id")

// wholeMembers is the load that makes a membership table of a whole list
// equal to rows: clear when there are none.
func wholeMembers(t *table[memberRow], rows []memberRow, clear string) load {
	if len(rows) == 0 {
		return statement(clear)
	}
	return t.load(rows)
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
		rows: func(_ context.Context, _ *syncer, items []pagerduty.Service, _ window) ([]load, error) {
			var rows []serviceRow
			var teams []memberRow
			for _, sv := range items {
				rows = append(rows, serviceRow{ID: sv.ID, Name: sv.Name, EscalationPolicyID: sv.EscalationPolicy.ID})
				if len(sv.Teams) > 0 {
					rows[len(rows)-1].TeamID = sv.Teams[0].ID
				}
				teams = membersOf(teams, sv.ID, len(sv.Teams), func(i int) string { return sv.Teams[i].ID })
			}
			return []load{serviceTable.load(rows), wholeMembers(serviceTeamTable, teams, "clear-service-teams")}, nil
		},
	}
}
