package ingest

import (
	"context"
	"fmt"

	"github.com/PagerDuty/go-pagerduty"
)

// users: the account's users with their time zones, and which team each
// belongs to. A whole list, written in one transaction.

type userRow struct{ ID, Name, Email, TimeZone string }
type teamMemberRow struct{ TeamID, UserID string }

var userTable = &table[userRow]{
	view: "staged_users", write: "upsert-users",
	key: func(r *userRow) string { return r.ID },
	fields: []field[userRow]{
		strField("id", false, func(r *userRow) string { return r.ID }),
		strField("name", false, func(r *userRow) string { return r.Name }),
		strField("email", true, func(r *userRow) string { return r.Email }),
		strField("time_zone", true, func(r *userRow) string { return r.TimeZone }),
	},
}

// teamMemberTable is staged for copy-team-members; delete-gone-team-members
// and insert-team-members then make team_members equal to it.
var teamMemberTable = &table[teamMemberRow]{
	view: "staged_team_members", write: "copy-team-members",
	key: func(r *teamMemberRow) string { return r.TeamID + "\x00" + r.UserID },
	fields: []field[teamMemberRow]{
		strField("team_id", false, func(r *teamMemberRow) string { return r.TeamID }),
		strField("user_id", false, func(r *teamMemberRow) string { return r.UserID }),
	},
}

func usersResource() *resource[pagerduty.User] {
	return &resource[pagerduty.User]{
		name: "users",
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.User], error) {
			r, err := pd.ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Limit: PageLimit, Offset: q.offset})
			if err != nil {
				return page[pagerduty.User]{}, fmt.Errorf("fetch users: %w", err)
			}
			return page[pagerduty.User]{items: r.Users, more: r.More, total: r.Total}, nil
		},
		rows: func(_ context.Context, _ *syncer, items []pagerduty.User, _ window) ([]load, error) {
			var users []userRow
			var members []teamMemberRow
			for _, u := range items {
				users = append(users, userRow{ID: u.ID, Name: u.Name, Email: u.Email, TimeZone: u.Timezone})
				for _, t := range u.Teams {
					members = append(members, teamMemberRow{TeamID: t.ID, UserID: u.ID})
				}
			}
			loads := []load{userTable.load(users)}
			if len(members) == 0 {
				return append(loads, statement("clear-team-members")), nil
			}
			return append(loads, teamMemberTable.load(members),
				statement("delete-gone-team-members"), statement("insert-team-members")), nil
		},
	}
}
