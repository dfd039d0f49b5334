package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/PagerDuty/go-pagerduty"
)

// teams: the account's teams. A whole list; an account without the teams
// ability (402/403) has none, and Sync goes on (TeamsUnavailableError).

type teamRow struct{ ID, Name string }

var teamTable = &table[teamRow]{
	view: "staged_teams", write: "upsert-teams",
	key: func(r *teamRow) string { return r.ID },
	fields: []field[teamRow]{
		strField("id", false, func(r *teamRow) string { return r.ID }),
		strField("name", false, func(r *teamRow) string { return r.Name }),
	},
}

// TeamsUnavailableError is /teams answered with HTTP 402 or 403: the
// account's plan (or the token's scope) lacks the teams ability, and no
// object carries a team. Sync goes on without teams: it records sync_meta
// 'teams_unavailable' and adds a note to Stats.Notes; analysis then groups
// by escalation policy.
type TeamsUnavailableError struct{ Status int }

func (e *TeamsUnavailableError) Error() string {
	return fmt.Sprintf("this PagerDuty account has no teams (HTTP %d); reports group by escalation policy", e.Status)
}

func teamsResource() *resource[pagerduty.Team] {
	return &resource[pagerduty.Team]{
		name: "teams",
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.Team], error) {
			r, err := pd.ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{Limit: PageLimit, Offset: q.offset})
			if err != nil {
				var apiErr pagerduty.APIError
				if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusPaymentRequired || apiErr.StatusCode == http.StatusForbidden) {
					return page[pagerduty.Team]{}, &TeamsUnavailableError{Status: apiErr.StatusCode}
				}
				return page[pagerduty.Team]{}, fmt.Errorf("fetch teams: %w", err)
			}
			return page[pagerduty.Team]{items: r.Teams, more: r.More, total: r.Total}, nil
		},
		rows: into(teamTable, func(t *pagerduty.Team, _ window) (teamRow, bool) {
			return teamRow{ID: t.ID, Name: t.Name}, true
		}),
	}
}
