package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// teams: the account's teams. A whole list.

type teamRow struct{ ID, Name string }

var teamTable = &table[teamRow]{
	view: "staged_teams", write: "upsert-teams",
	key: func(r *teamRow) string { return r.ID },
	fields: []field[teamRow]{
		strField("id", false, func(r *teamRow) string { return r.ID }),
		strField("name", false, func(r *teamRow) string { return r.Name }),
	},
}

func teamsResource() *resource[pagerduty.Team] {
	return &resource[pagerduty.Team]{
		name: "teams",
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.Team], error) {
			r, err := pd.ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{Limit: PageLimit, Offset: q.offset})
			if err != nil {
				return page[pagerduty.Team]{}, fmt.Errorf("fetch teams: %w", err)
			}
			return page[pagerduty.Team]{items: r.Teams, more: r.More, total: r.Total}, nil
		},
		rows: into(teamTable, func(t *pagerduty.Team, _ window) (teamRow, bool) {
			return teamRow{ID: t.ID, Name: t.Name}, true
		}),
	}
}
