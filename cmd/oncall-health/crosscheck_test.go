package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// crosscheck runs the crosscheck command for 2026-W46 against org served
// with shapes sh, on the database dbPath, and returns its exit status,
// output and crosscheck.json.
func crosscheck(t *testing.T, org *pagerdutytest.Org, sh pagerdutytest.Shapes, dbPath string) (int, string, string, *analysis.PDComparison) {
	t.Helper()
	const key = "pdkey-accounts"
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: key, Shapes: sh, Now: org.End}))
	t.Cleanup(hs.Close)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": key, "PAGERDUTY_OAUTH_TOKEN": ""},
		"crosscheck", "--db", dbPath, "--week", "2026-W46", "--api-url", hs.URL, "--out", out)
	b, err := os.ReadFile(filepath.Join(out, "crosscheck.json"))
	if err != nil {
		return code, stdout, stderr, nil
	}
	var c analysis.PDComparison
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return code, stdout, stderr, &c
}

// syncOnly syncs org served with shapes sh into a new database and
// returns its path (closed).
func syncOnly(t *testing.T, org *pagerdutytest.Org, sh pagerdutytest.Shapes) string {
	t.Helper()
	fastRetries(t)
	const key = "pdkey-accounts"
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: key, Shapes: sh, Now: org.End}))
	defer hs.Close()
	db := filepath.Join(t.TempDir(), "pd.duckdb")
	code, _, stderr := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": key, "PAGERDUTY_OAUTH_TOKEN": ""},
		"sync", "--db", db, "--api-url", hs.URL, "--rate", "0",
		"--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("sync: exit %d: %s", code, stderr)
	}
	return db
}

func findCheck(t *testing.T, c *analysis.PDComparison, scope, id, metric string) analysis.PDRow {
	t.Helper()
	for _, r := range c.Rows {
		if r.Scope == scope && r.ID == id && r.Metric == metric {
			return r
		}
	}
	t.Fatalf("crosscheck.json has no row %s %s %s", scope, id, metric)
	return analysis.PDRow{}
}

// showRow prints r with its figures (not their pointers).
func showRow(r analysis.PDRow) string {
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	return fmt.Sprintf("%s %s %s: ours %s, PagerDuty %s, difference %s, %s (%s)", r.Scope, r.ID, r.Metric, f(r.Ours), f(r.PagerDuty), f(r.Difference), r.Status, r.Reason)
}

// TestCrosscheck syncs the 8-day organisation from the fake, then holds
// 2026-W46 against the fake's Analytics, which computes PagerDuty's
// definitions on its own from the same history. Where the definitions are
// the same the two must agree; the differences planted in the organisation
// must show, each with its reason; nothing may differ unexplained.
func TestCrosscheck(t *testing.T) {
	org := newOrg(t)
	db := syncOnly(t, org, pagerdutytest.Shapes{})
	code, stdout, stderr, c := crosscheck(t, org, pagerdutytest.Shapes{}, db)
	if code != 0 || c == nil {
		t.Fatalf("crosscheck: exit %d: %s", code, stderr)
	}
	if c.Period.Label != "2026-W46" || c.Summary.Rows != len(c.Rows) || c.Summary.Agree == 0 {
		t.Fatalf("crosscheck.json: period %s, summary %+v, %d rows", c.Period.Label, c.Summary, len(c.Rows))
	}
	if c.Summary.Unexplained != 0 {
		t.Errorf("%d figures differ unexplained:\n%s", c.Summary.Unexplained, stdout)
	}
	// The org's figures share their definitions with PagerDuty's (nothing
	// is merged here): every computed one agrees.
	for _, r := range c.Rows {
		if r.Scope == "org" && r.Status != analysis.PDAgree && r.Status != analysis.PDNotComputed {
			t.Errorf("org %s: %+v", r.Metric, r)
		}
	}
	if r := findCheck(t, c, "org", "", "incidents"); r.Ours == nil || *r.Ours == 0 {
		t.Errorf("org incidents %+v: the week has incidents", r)
	}
	// Planted: TiedUserName holds level 1 of one policy and level 2 of
	// another, in identical 6-hour segments every day (07:00-13:00 UTC).
	// PagerDuty's level 2+ time is 7 x 21,600 = 151,200 s in the week; ours,
	// all-level minus level-1 time, is 21,600 - 21,600 = 0 a day.
	tied, _ := org.UserID(pagerdutytest.TiedUserName)
	r := findCheck(t, c, "responder", tied, "on_call_seconds_level_2_plus")
	if r.Status != analysis.PDDiffer || *r.Ours != 0 || *r.PagerDuty != 151200 || *r.Difference != -151200 || r.Reason == "" {
		t.Errorf("tied user's level 2+ row: %s", showRow(r))
	}
	if r := findCheck(t, c, "responder", tied, "on_call_seconds_level_1"); r.Status != analysis.PDAgree || *r.Ours != 151200 {
		t.Errorf("tied user's level-1 row: %s (want 151,200 s on both sides)", showRow(r))
	}
	// Planted: 15 % of ordinary incidents are low urgency and e-mail their
	// assignee only. PagerDuty counts them among the responder's incidents,
	// we do not (no page): where the two differ, ours is the smaller.
	differ := 0
	for _, r := range c.Rows {
		if r.Scope == "responder" && r.Metric == "incidents" && r.Status == analysis.PDDiffer {
			differ++
			if *r.Ours >= *r.PagerDuty || r.Reason == "" {
				t.Errorf("responder %s incidents: %+v", r.Name, r)
			}
		}
	}
	if differ == 0 {
		t.Error("no responder's incident count differs: the e-mail-only incidents are gone")
	}
	// Planted: NoTeamServiceName's incidents have no team: ours under
	// "unassigned", PagerDuty's under no team.
	if r := findCheck(t, c, "team", "unassigned", "incidents"); r.Status != analysis.PDDiffer || *r.PagerDuty != 0 || r.Reason == "" {
		t.Errorf("unassigned incidents: %+v", r)
	}
	// stdout lists the differing figures with numbered reasons, and names
	// the file.
	for _, want := range []string{"on_call_seconds_level_2_plus", "differ [", "\n[1] ", "0 unexplained", "wrote "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, " agree\n") {
		t.Errorf("stdout lists agreeing figures without --all:\n%s", stdout)
	}
}

// TestCrosscheckMerged: the sync sees every tenth resolved incident merged
// (Shapes.Merged), PagerDuty's Analytics (the fake's) keep them in MTTR as
// PagerDuty does. The org's MTTR then differs, with the merge as its
// reason, and PagerDuty's figure is the one we compute when nothing is
// merged (TestCrosscheck's agreement).
func TestCrosscheckMerged(t *testing.T) {
	org := newOrg(t)
	plain := syncOnly(t, org, pagerdutytest.Shapes{})
	_, _, _, before := crosscheck(t, org, pagerdutytest.Shapes{}, plain)
	merged := syncOnly(t, org, pagerdutytest.Shapes{Merged: true})
	code, _, stderr, c := crosscheck(t, org, pagerdutytest.Shapes{Merged: true}, merged)
	if code != 0 || c == nil || before == nil {
		t.Fatalf("crosscheck: exit %d: %s", code, stderr)
	}
	r := findCheck(t, c, "org", "", "mttr_mean")
	if r.Status != analysis.PDDiffer || !strings.Contains(r.Reason, "merged") {
		t.Errorf("org mttr with merged incidents: %+v", r)
	}
	was := findCheck(t, before, "org", "", "mttr_mean")
	if *r.PagerDuty != *was.PagerDuty || math.Abs(*was.Ours-*r.PagerDuty) > 1 {
		t.Errorf("PagerDuty's MTTR %v, want it unchanged (%v) and equal to ours without merges (%v)", *r.PagerDuty, *was.PagerDuty, *was.Ours)
	}
	if c.Summary.Unexplained != 0 {
		t.Errorf("%d unexplained differences with merged incidents", c.Summary.Unexplained)
	}
}

// TestCrosscheckNoAnalytics: an account without Analytics (the fake
// answers 402 or 403) makes crosscheck exit 1 with one line, and write no
// crosscheck.json.
func TestCrosscheckNoAnalytics(t *testing.T) {
	org := newOrg(t)
	db := syncOnly(t, org, pagerdutytest.Shapes{})
	for _, st := range []int{402, 403} {
		t.Run(strconv.Itoa(st), func(t *testing.T) {
			code, stdout, stderr, c := crosscheck(t, org, pagerdutytest.Shapes{NoAnalytics: st}, db)
			want := "oncall-health: crosscheck: PagerDuty Analytics is not available to this account or token (HTTP " +
				strconv.Itoa(st) + " from /analytics/metrics/incidents/all); it needs a PagerDuty plan with Analytics " +
				"and a token that may use it (scoped OAuth: the analytics scope)\n"
			if code != 1 || stderr != want || stdout != "" || c != nil {
				t.Errorf("exit %d, stderr %q, stdout %q, json written %v; want exit 1 and %q", code, stderr, stdout, c != nil, want)
			}
		})
	}
}

// TestCrosscheckUsage: the period is required, once.
func TestCrosscheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"crosscheck", "--db", "x.duckdb"},
		{"crosscheck", "--db", "x.duckdb", "--week", "2026-W46", "--month", "2026-11"},
		{"crosscheck", "--week", "2026-W46"},
	} {
		code, _, stderr := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": "k", "PAGERDUTY_OAUTH_TOKEN": ""}, args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "crosscheck: ") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}
