package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// syncShapes syncs the 8-day organisation served with shapes sh through
// the sync command and returns its stdout and the database.
func syncShapes(t *testing.T, org *pagerdutytest.Org, sh pagerdutytest.Shapes) (string, string, *sql.DB) {
	t.Helper()
	fastRetries(t)
	const key = "pdkey-accounts"
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: key, Shapes: sh, Now: org.End}))
	t.Cleanup(hs.Close)
	db := filepath.Join(t.TempDir(), "pd.duckdb")
	code, stdout, stderr := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": key, "PAGERDUTY_OAUTH_TOKEN": ""},
		"sync", "--db", db, "--api-url", hs.URL, "--rate", "0",
		"--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("sync: exit %d: %s", code, stderr)
	}
	sdb, err := sql.Open("duckdb", db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	return stdout, db, sdb
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestAccountWithoutTeams: /teams answers 402 (code 2014) and no object
// carries a team. The sync goes on, says so in one note line, records
// sync_meta 'teams_unavailable', and the report groups by escalation
// policy: metrics.json's team_source is "escalation_policies" and its teams
// are the policies.
func TestAccountWithoutTeams(t *testing.T) {
	for _, status := range []int{402, 403} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			org := newOrg(t)
			stdout, dbPath, db := syncShapes(t, org, pagerdutytest.Shapes{NoTeams: status})
			note := fmt.Sprintf("note: this PagerDuty account has no teams (HTTP %d); reports group by escalation policy\n", status)
			if n := strings.Count(stdout, note); n != 1 {
				t.Errorf("note %q printed %d times, want once:\n%s", note, n, stdout)
			}
			if n := count(t, db, `SELECT count(*) FROM sync_meta WHERE key = 'teams_unavailable'`); n != 1 {
				t.Errorf("sync_meta teams_unavailable rows = %d, want 1", n)
			}
			// No team anywhere: the fake sent none.
			if n := count(t, db, `SELECT (SELECT count(*) FROM teams) + (SELECT count(*) FROM team_members)
				+ (SELECT count(*) FROM incidents WHERE team_id IS NOT NULL) + (SELECT count(*) FROM incident_teams)`); n != 0 {
				t.Errorf("%d team rows stored, want 0", n)
			}
			// Every other resource was synced: all the fake's incidents.
			if n, want := count(t, db, `SELECT count(*) FROM incidents`), org.Counts()["incidents"]; n != want || n == 0 {
				t.Errorf("%d incidents, want %d", n, want)
			}
			var policies []string
			for _, p := range org.EscalationPolicies() {
				policies = append(policies, p.ID)
			}
			sort.Strings(policies)
			db.Close()

			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", "2026-W46")
			if code != 0 {
				t.Fatalf("report: exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Period struct {
					TeamSource string `json:"team_source"`
				} `json:"period"`
				Teams []struct{ ID string } `json:"teams"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Period.TeamSource != "escalation_policies" {
				t.Errorf("team_source %q, want escalation_policies", m.Period.TeamSource)
			}
			var ids []string
			for _, tm := range m.Teams {
				ids = append(ids, tm.ID)
			}
			sort.Strings(ids)
			// The teams are exactly the fake's escalation policies.
			if strings.Join(ids, ",") != strings.Join(policies, ",") {
				t.Errorf("teams %v, want the escalation policies %v", ids, policies)
			}
		})
	}
}

// TestRealAccountShapes syncs the fake with a permanent on-call, merged
// incidents, a second team on services, policies and some incidents, a
// deleted user and a user without a time zone.
func TestRealAccountShapes(t *testing.T) {
	org := newOrg(t)
	deleted, zoneless := pagerdutytest.NightOwlUserName, pagerdutytest.StretchUserName
	deletedID, _ := org.UserID(deleted)
	zonelessID, _ := org.UserID(zoneless)
	stdout, _, db := syncShapes(t, org, pagerdutytest.Shapes{
		PermanentOncall: true, Merged: true, SecondTeam: true, DeletedUser: deleted, NoTimeZone: zoneless,
	})

	t.Run("permanent on-call", func(t *testing.T) {
		// One permanent on-call, seen by the sync ending at org.End().
		user, policy := org.PermanentManager()
		var u, p string
		var level int
		var seen time.Time
		if err := db.QueryRow(`SELECT user_id, escalation_policy_id, escalation_level, last_seen_at FROM permanent_oncalls`).Scan(&u, &p, &level, &seen); err != nil {
			t.Fatal(err)
		}
		if u != user || p != policy || level != pagerdutytest.PermanentLevel || !seen.Equal(org.End()) {
			t.Errorf("permanent on-call %s %s %d %s, want %s %s %d %s", u, p, level, seen, user, policy, pagerdutytest.PermanentLevel, org.End())
		}
		if n := count(t, db, `SELECT count(*) FROM permanent_oncalls`); n != 1 {
			t.Errorf("%d permanent on-calls, want 1", n)
		}
		// The first sync's --since is the start of history.
		var start time.Time
		if err := db.QueryRow(`SELECT value_at FROM sync_meta WHERE key = 'history_start'`).Scan(&start); err != nil || !start.Equal(org.Start()) {
			t.Errorf("history_start %s (%v), want %s", start, err, org.Start())
		}
	})
	t.Run("merged", func(t *testing.T) {
		// The fake merges the resolved incidents numbered 10, 20, ...
		want := count(t, db, `SELECT count(*) FROM incidents WHERE status = 'resolved' AND incident_number % $1 = 0`, pagerdutytest.MergeEvery)
		got := count(t, db, `SELECT count(*) FROM incidents WHERE resolve_reason = 'merge_resolve_reason'`)
		if got != want || want == 0 {
			t.Errorf("%d merged incidents stored, want %d (> 0)", got, want)
		}
	})
	t.Run("several teams", func(t *testing.T) {
		// Each incident with a team has it at position 0; those numbered 5,
		// 10, ... have a second at position 1. team_id keeps the first.
		withTeam := count(t, db, `SELECT count(*) FROM incidents WHERE team_id IS NOT NULL`)
		second := count(t, db, `SELECT count(*) FROM incidents WHERE team_id IS NOT NULL AND incident_number % $1 = 0`, pagerdutytest.SecondTeamEvery)
		if n := count(t, db, `SELECT count(*) FROM incident_teams WHERE position = 0`); n != withTeam || n == 0 {
			t.Errorf("incident_teams at position 0: %d, want %d", n, withTeam)
		}
		if n := count(t, db, `SELECT count(*) FROM incident_teams WHERE position = 1`); n != second || n == 0 {
			t.Errorf("incident_teams at position 1: %d, want %d", n, second)
		}
		if n := count(t, db, `SELECT count(*) FROM incidents i JOIN incident_teams t ON t.incident_id = i.id AND t.position = 0 WHERE t.team_id <> i.team_id`); n != 0 {
			t.Errorf("%d incidents whose team_id is not their first team", n)
		}
		// Every service and policy with a team has two.
		for _, kind := range []string{"service", "escalation_policy"} {
			owners := map[string]string{"service": "services", "escalation_policy": "escalation_policies"}[kind]
			want := 2 * count(t, db, `SELECT count(*) FROM `+owners+` WHERE team_id IS NOT NULL`)
			if n := count(t, db, `SELECT count(*) FROM `+kind+`_teams`); n != want || n == 0 {
				t.Errorf("%s_teams rows %d, want %d", kind, n, want)
			}
		}
	})
	t.Run("warnings", func(t *testing.T) {
		// The deleted user is notified in these 8 days (the planted night
		// owl is paged every night) but not listed; the zoneless one is
		// listed with a null zone. One warning line each, after the sync.
		for _, want := range []string{
			"warning: user " + deletedID + " was notified but is no longer in PagerDuty",
			"warning: user " + zonelessID + " has no time zone",
		} {
			if n := strings.Count(stdout, want); n != 1 {
				t.Errorf("%q printed %d times, want once:\n%s", want, n, stdout)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM users WHERE id = $1`, deletedID); n != 0 {
			t.Errorf("deleted user stored")
		}
		// Their pages are kept.
		if n := count(t, db, `SELECT count(*) FROM log_entries WHERE type = 'notify' AND user_id = $1`, deletedID); n == 0 {
			t.Errorf("no notifications of the deleted user kept")
		}
	})
}

// TestUndecodableItems: the fake breaks about one log entry and one
// incident in 50 (pagerdutytest.Corrupt of the id): a channel type that is
// a number, which panics go-pagerduty's decoder, and an incident_number
// that is a string. The sync skips exactly those items, keeps the rest of
// their pages, and says how many per list in the summary and in one
// warning line each.
func TestUndecodableItems(t *testing.T) {
	org := newOrg(t)
	_, _, good := syncShapes(t, org, pagerdutytest.Shapes{})
	stdout, _, bad := syncShapes(t, org, pagerdutytest.Shapes{BadItems: true})
	ids := func(db *sql.DB, table string) map[string]bool {
		rows, err := db.Query(`SELECT id FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[id] = true
		}
		return out
	}
	total := 0
	for _, table := range []string{"incidents", "log_entries"} {
		all, kept := ids(good, table), ids(bad, table)
		// Kept: every item of the clean sync but the corrupted ones.
		corrupt := 0
		for id := range all {
			switch {
			case pagerdutytest.Corrupt(id):
				corrupt++
				if kept[id] {
					t.Errorf("%s %s is corrupt but was stored", table, id)
				}
			case !kept[id]:
				t.Errorf("%s %s is fine but was not stored", table, id)
			}
		}
		if corrupt == 0 || len(kept) != len(all)-corrupt {
			t.Errorf("%s: %d stored, want %d - %d corrupt", table, len(kept), len(all), corrupt)
		}
		want := fmt.Sprintf("warning: %s: skipped %d item(s) PagerDuty sent that could not be decoded", table, corrupt)
		if n := strings.Count(stdout, want); n != 1 {
			t.Errorf("%q printed %d times, want once:\n%s", want, n, stdout)
		}
		total += corrupt
	}
	if want := fmt.Sprintf(", %d items skipped (undecodable)\n", total); !strings.Contains(stdout, want) {
		t.Errorf("summary lacks %q:\n%s", want, stdout)
	}
}

// TestLateResolve: an incident created 30 days before the first sync's end
// and resolved an hour after it (by the integration API) is resolved in the
// database after the next incremental sync, although that sync's incidents
// window (from the watermark less a look-back of one hour) does not reach
// back to its creation: the resolve log entry brings it up to date, through
// a re-fetch of the incident (GET /incidents/{id}). That re-fetch decodes
// leniently, like the lists: with an odd field (incident_number a string,
// which go-pagerduty refuses) the field is left out, the incident is still
// updated and one warning names the field; with a status that is not a
// string the incident cannot be used, so it is skipped and counted (one
// warning), its stored row stays triggered, and the sync still succeeds.
func TestLateResolve(t *testing.T) {
	fastRetries(t)
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 3, End: relEnd, Days: 35})
	if err != nil {
		t.Fatal(err)
	}
	end := org.End()
	// The first incident created 30 days before the end: its number.
	probe := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: "k", Now: org.End}))
	pd := pagerduty.NewClient("k", pagerduty.WithAPIEndpoint(probe.URL))
	r, err := pd.ListIncidentsWithContext(context.Background(), pagerduty.ListIncidentsOptions{
		Since: end.AddDate(0, 0, -30).Format(time.RFC3339), Until: end.AddDate(0, 0, -29).Format(time.RFC3339), Limit: 1})
	probe.Close()
	if err != nil || len(r.Incidents) == 0 {
		t.Fatalf("no incident 30 days before the end: %v", err)
	}
	late := r.Incidents[0]
	at := end.Add(time.Hour)

	for _, c := range []struct {
		name string
		// odd rewrites the re-fetched incident's JSON ("" leaves it alone).
		odd, oldField, newField string
		wantStatus              string
		wantWarning             string
	}{
		{name: "clean", wantStatus: "resolved"},
		{name: "odd field", oldField: fmt.Sprintf(`"incident_number":%d`, late.IncidentNumber),
			newField: fmt.Sprintf(`"incident_number":"#%d","unknown_field":{"x":[1]}`, late.IncidentNumber), wantStatus: "resolved",
			wantWarning: "warning: incident fields: skipped 1 item(s) PagerDuty sent that could not be decoded (first: incident " + late.ID + ": incident_number:"},
		{name: "status not a string", oldField: `"status":"resolved"`, newField: `"status":7`, wantStatus: "triggered",
			wantWarning: "warning: incidents: skipped 1 item(s) PagerDuty sent that could not be decoded (first: incident " + late.ID + ": status:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			now := end
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			const key = "pdkey-late"
			fake := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: key, Now: clock,
				Shapes: pagerdutytest.Shapes{LateResolve: pagerdutytest.LateResolve{Number: int(late.IncidentNumber), At: at}}})
			var refetched int
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.URL.Path != "/incidents/"+late.ID || c.oldField == "" {
					fake.ServeHTTP(w, req)
					return
				}
				rec := httptest.NewRecorder()
				fake.ServeHTTP(rec, req)
				body := rec.Body.String()
				if !strings.Contains(body, c.oldField) {
					t.Errorf("re-fetched incident lacks %s: %s", c.oldField, body)
				}
				mu.Lock()
				refetched++
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rec.Code)
				io.WriteString(w, strings.Replace(body, c.oldField, c.newField, 1))
			}))
			t.Cleanup(hs.Close)
			db := filepath.Join(t.TempDir(), "pd.duckdb")
			env := map[string]string{"PAGERDUTY_TOKEN": key, "PAGERDUTY_OAUTH_TOKEN": ""}
			syncTo := func(until time.Time) string {
				t.Helper()
				code, stdout, stderr := runCmd(t, env, "sync", "--db", db, "--api-url", hs.URL, "--rate", "0", "--look-back", "1h",
					"--since", org.Start().Format(time.RFC3339), "--until", until.Format(time.RFC3339))
				if code != 0 {
					t.Fatalf("sync: exit %d: %s", code, stderr)
				}
				return stdout
			}
			state := func() (string, sql.NullTime) {
				t.Helper()
				sdb, err := sql.Open("duckdb", db)
				if err != nil {
					t.Fatal(err)
				}
				defer sdb.Close()
				var status string
				var resolved sql.NullTime
				if err := sdb.QueryRow(`SELECT status, resolved_at FROM incidents WHERE id = $1`, late.ID).Scan(&status, &resolved); err != nil {
					t.Fatal(err)
				}
				return status, resolved
			}
			syncTo(end)
			if st, res := state(); st != "triggered" || res.Valid {
				t.Fatalf("after the first sync: %s %v, want triggered and not resolved", st, res)
			}
			// The report of the late incident's week, before and after.
			created, _ := time.Parse(time.RFC3339, late.CreatedAt)
			y, w := created.ISOWeek()
			week := fmt.Sprintf("%d-W%02d", y, w)
			var before shapeMetrics
			if c.name == "clean" {
				before, _, _ = reportOn(t, db, week)
			}
			mu.Lock()
			now = end.Add(2 * time.Hour)
			mu.Unlock()
			stdout := syncTo(end.Add(2 * time.Hour))
			st, res := state()
			switch {
			case c.wantStatus == "resolved" && (st != "resolved" || !res.Valid || !res.Time.Equal(at)):
				t.Errorf("after the incremental sync: %s %v, want resolved at %s", st, res, at)
			case c.wantStatus == "triggered" && (st != "triggered" || res.Valid):
				t.Errorf("after the incremental sync: %s %v, want the stored row (triggered, not resolved)", st, res)
			}
			if c.name == "clean" {
				// MTTR counts the period's incidents resolved by the last
				// sync: one more after the incremental sync, the late one, its
				// time to resolve (at - created) moving the mean from m over
				// n to (n*m + at-created) / (n+1). It was open at the week's
				// end either way: open_incidents does not move.
				after, _, _ := reportOn(t, db, week)
				n, m := float64(before.Org.MTTR.Count), before.Org.MTTR.Mean
				want := (n*m + at.Sub(created).Seconds()) / (n + 1)
				if after.Org.MTTR.Count != before.Org.MTTR.Count+1 || math.Abs(after.Org.MTTR.Mean-want) > 1e-6 ||
					after.Org.OpenIncidents != before.Org.OpenIncidents {
					t.Errorf("%s MTTR %+v open %d, want count %d, mean %.3f, open %d", week, after.Org.MTTR, after.Org.OpenIncidents,
						before.Org.MTTR.Count+1, want, before.Org.OpenIncidents)
				}
			}
			if c.oldField != "" && refetched != 1 {
				t.Errorf("incident re-fetched %d times, want once (by the incremental sync)", refetched)
			}
			if c.wantWarning == "" {
				if strings.Contains(stdout, "warning:") {
					t.Errorf("clean re-fetch warned:\n%s", stdout)
				}
			} else if n := strings.Count(stdout, c.wantWarning); n != 1 {
				t.Errorf("%q printed %d times, want once:\n%s", c.wantWarning, n, stdout)
			}
		})
	}
}
