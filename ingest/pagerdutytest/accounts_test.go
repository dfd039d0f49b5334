package pagerdutytest

import (
	"errors"
	"testing"
)

func TestParseShapes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shapes
		err  bool
	}{
		{"", Shapes{}, false},
		{"no-teams, merged", Shapes{NoTeams: 402, Merged: true}, false},
		{"no-teams-403,permanent-oncall,second-team", Shapes{NoTeams: 403, PermanentOncall: true, SecondTeam: true}, false},
		{"deleted-user,no-time-zone,bad-items", Shapes{DeletedUser: NightOwlUserName, NoTimeZone: StretchUserName, BadItems: true}, false},
		{"many-alerts", Shapes{ManyAlerts: ManyAlerts{Number: 1, Alerts: 10050}}, false},
		{"all", Shapes{NoTeams: 402, PermanentOncall: true, Merged: true, SecondTeam: true, DeletedUser: NightOwlUserName, NoTimeZone: StretchUserName}, false},
		{"merged,weird", Shapes{}, true},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseShapes(c.in)
			if (err != nil) != c.err || got != c.want || (err != nil && !errors.Is(err, ErrBadConfig)) {
				t.Errorf("ParseShapes(%q) = %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.err)
			}
		})
	}
}
