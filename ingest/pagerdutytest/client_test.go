package pagerdutytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// TestGoPagerDutyDecodes reads every endpoint the sync uses with the real
// go-pagerduty client and checks the fields the sync reads against the
// organisation's own description.
func TestGoPagerDutyDecodes(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	c := f.client()
	ctx := context.Background()

	t.Run("users", func(t *testing.T) {
		r, err := c.ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Limit: 100, Total: true})
		if err != nil {
			t.Fatal(err)
		}
		want := org.Users()
		// 43 users: 39 team members (7+6+6+6+6+6 and the tied team's 2) and
		// 4 managers (the three planted first and the one added last).
		if len(r.Users) != 43 || len(want) != 43 || r.Total != 43 || r.More {
			t.Fatalf("got %d users (total %d, more %v), want 43", len(r.Users), r.Total, r.More)
		}
		for i, u := range r.Users {
			if u.ID != want[i].ID || u.Name != want[i].Name || u.Timezone != want[i].TimeZone || u.Email != want[i].Email {
				t.Errorf("user %d: got %s %q %q", i, u.ID, u.Name, u.Timezone)
			}
			if len(u.Teams) != len(want[i].TeamIDs) {
				t.Errorf("user %s: %d teams, want %d", u.Name, len(u.Teams), len(want[i].TeamIDs))
			}
			for k, tm := range u.Teams {
				if tm.ID != want[i].TeamIDs[k] {
					t.Errorf("user %s team %d: %s, want %s", u.Name, k, tm.ID, want[i].TeamIDs[k])
				}
			}
			if len(u.NotificationRules) != len(want[i].Rules) {
				t.Errorf("user %s: %d notification rules, want %d", u.Name, len(u.NotificationRules), len(want[i].Rules))
			}
		}
	})
	t.Run("teams", func(t *testing.T) {
		r, err := c.ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		// Six planted teams and the tied team (TiedTeamName).
		if len(r.Teams) != 7 || r.Teams[0].Name != OverloadedTeamName {
			t.Fatalf("teams: %+v", r.Teams)
		}
	})
	t.Run("services", func(t *testing.T) {
		r, err := c.ListServicesWithContext(ctx, pagerduty.ListServiceOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := org.Services()
		// 13 services: two per team and the team-less legacy-cron.
		if len(r.Services) != 13 {
			t.Fatalf("%d services, want 13", len(r.Services))
		}
		for i, s := range r.Services {
			if s.ID != want[i].ID || s.EscalationPolicy.ID != want[i].EscalationPolicyID {
				t.Errorf("service %d: %s policy %s, want %s policy %s", i, s.ID, s.EscalationPolicy.ID, want[i].ID, want[i].EscalationPolicyID)
			}
			if want[i].TeamID == "" {
				if len(s.Teams) != 0 {
					t.Errorf("service %s has teams %v, want none", s.Name, s.Teams)
				}
			} else if len(s.Teams) != 1 || s.Teams[0].ID != want[i].TeamID {
				t.Errorf("service %s teams %v, want %s", s.Name, s.Teams, want[i].TeamID)
			}
		}
	})
	t.Run("escalation_policies", func(t *testing.T) {
		r, err := c.ListEscalationPoliciesWithContext(ctx, pagerduty.ListEscalationPoliciesOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := org.EscalationPolicies()
		// One policy per planted team, the legacy one and the tied team's two.
		if len(r.EscalationPolicies) != 9 {
			t.Fatalf("%d policies, want 9", len(r.EscalationPolicies))
		}
		for i, p := range r.EscalationPolicies {
			wantTeams := 1
			if want[i].TeamID == "" {
				wantTeams = 0
			}
			if p.ID != want[i].ID || len(p.Teams) != wantTeams || len(p.EscalationRules) != 2 {
				t.Errorf("policy %d: %+v", i, p)
			}
			if uint(want[i].EscalationDelay/time.Minute) != p.EscalationRules[0].Delay {
				t.Errorf("policy %s delay %d min, want %v", p.Name, p.EscalationRules[0].Delay, want[i].EscalationDelay)
			}
		}
	})

	var incidents []pagerduty.Incident
	t.Run("incidents", func(t *testing.T) {
		for off := uint(0); ; off += 100 {
			r, err := c.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{DateRange: "all", Limit: 100, Offset: off, Total: true})
			if err != nil {
				t.Fatal(err)
			}
			if int(r.Total) != org.Counts()["incidents"] {
				t.Fatalf("total %d, want %d", r.Total, org.Counts()["incidents"])
			}
			incidents = append(incidents, r.Incidents...)
			if !r.More {
				break
			}
		}
		if len(incidents) != org.Counts()["incidents"] {
			t.Fatalf("%d incidents, want %d", len(incidents), org.Counts()["incidents"])
		}
		prev := ""
		for i, in := range incidents {
			// Oldest first, numbered from 1.
			if in.IncidentNumber != uint(i+1) || in.CreatedAt < prev {
				t.Fatalf("incident %d: number %d created %s after %s", i, in.IncidentNumber, in.CreatedAt, prev)
			}
			prev = in.CreatedAt
			if in.ID == "" || in.Title == "" || in.Service.ID == "" || in.EscalationPolicy.ID == "" || in.UpdatedAt == "" || in.Urgency == "" {
				t.Fatalf("incident %d lacks fields: %+v", i, in)
			}
			if (in.Status == "resolved") != (in.ResolvedAt != "") {
				t.Fatalf("incident %s: status %s resolved_at %q", in.ID, in.Status, in.ResolvedAt)
			}
		}
	})
	t.Run("alerts", func(t *testing.T) {
		if len(incidents) == 0 {
			t.Skip("no incidents decoded")
		}
		r, err := c.ListIncidentAlertsWithContext(ctx, incidents[0].ID, pagerduty.ListIncidentAlertsOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Alerts) == 0 || r.Alerts[0].Incident.ID != incidents[0].ID || r.Alerts[0].CreatedAt != incidents[0].CreatedAt {
			t.Fatalf("alerts of %s: %+v", incidents[0].ID, r.Alerts)
		}
	})
	t.Run("log_entries", func(t *testing.T) {
		since, until := org.End().Add(-24*time.Hour), org.End()
		r, err := c.ListLogEntriesWithContext(ctx, pagerduty.ListLogEntriesOptions{Since: iso(since), Until: iso(until), Includes: []string{"channels"}, Limit: 100, Total: true})
		if err != nil {
			t.Fatal(err)
		}
		notifies := 0
		for _, e := range r.LogEntries {
			if e.Type != "notify_log_entry" {
				continue
			}
			notifies++
			n, ok := e.Channel.Raw["notification"].(map[string]any)
			if e.User.ID == "" || e.Channel.Type != "auto" || !ok || n["type"] == "" || n["started_at"] != e.CreatedAt {
				t.Fatalf("notify entry decoded as %+v", e)
			}
			if e.Incident.ID == "" || e.Service.ID == "" || e.Agent.Type == "" {
				t.Fatalf("notify entry lacks references: %+v", e)
			}
		}
		if notifies == 0 {
			t.Fatal("no notify entry in the last day's first page")
		}
	})
	t.Run("oncalls", func(t *testing.T) {
		r, err := c.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{Since: iso(org.Start()), Until: iso(org.End()), Limit: 100, Total: true})
		if err != nil {
			t.Fatal(err)
		}
		if int(r.Total) != org.Counts()["oncalls"] || len(r.OnCalls) != 100 || !r.More {
			t.Fatalf("total %d (want %d), %d on page, more %v", r.Total, org.Counts()["oncalls"], len(r.OnCalls), r.More)
		}
		for _, oc := range r.OnCalls {
			if oc.User.ID == "" || oc.EscalationPolicy.ID == "" || (oc.EscalationLevel != 1 && oc.EscalationLevel != 2) || oc.Start == "" || oc.End == "" || oc.Schedule.ID == "" {
				t.Fatalf("on-call decoded as %+v", oc)
			}
		}
	})
	t.Run("notifications", func(t *testing.T) {
		r, err := c.ListNotificationsWithContext(ctx, pagerduty.ListNotificationOptions{Since: iso(org.Start()), Until: iso(org.End()), Limit: 100, Total: true})
		if err != nil {
			t.Fatal(err)
		}
		if int(r.Total) != org.Counts()["notifications"] || len(r.Notifications) != 100 {
			t.Fatalf("total %d, want %d", r.Total, org.Counts()["notifications"])
		}
		for _, n := range r.Notifications {
			if n.ID == "" || n.User.ID == "" || n.StartedAt == "" || n.Type == "" {
				t.Fatalf("notification decoded as %+v", n)
			}
		}
	})
	t.Run("api_error", func(t *testing.T) {
		_, err := c.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{Offset: 9950, Limit: 100, DateRange: "all"})
		var ae pagerduty.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 400 || !ae.APIError.Valid || ae.APIError.ErrorObject.Code != 2002 {
			t.Fatalf("offset cap: got %v", err)
		}
	})
}
