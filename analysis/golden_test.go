package analysis_test

// The golden test runs the whole pipeline on the small synthetic
// organisation: generate, serve it from the fake PagerDuty API, sync it
// through ingest.Sync, compute. It lives in package analysis_test, so that
// package analysis itself never imports ingest.

import (
	"context"
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/internal/golden"
	"github.com/oncall-health/oncall-health/queries"
)

// TestGoldenSmall compares metrics.json of the small organisation (seed 1,
// history ending 2026-11-16) for one week and one month with
// testdata/small-*.json. Run with -update after an intended change, and
// review the diff.
func TestGoldenSmall(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 1, End: end})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	const token = "golden-token"
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: token}))
	defer hs.Close()
	db, err := queries.Open(ctx, filepath.Join(t.TempDir(), "small.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := ingest.NewClient(token, ingest.ClientOptions{APIURL: hs.URL, RequestsPerMinute: -1})
	if _, err := ingest.Sync(ctx, db, c, ingest.Options{Since: org.Start(), Until: end}); err != nil {
		t.Fatalf("sync: %v", err)
	}
	cfg := analysis.DefaultConfig()
	for _, label := range []string{"2026-W45", "2026-10"} {
		t.Run(label, func(t *testing.T) {
			var p analysis.Period
			if label[5] == 'W' {
				p, err = analysis.ParseWeek(label, time.UTC)
			} else {
				p, err = analysis.ParseMonth(label, time.UTC)
			}
			if err != nil {
				t.Fatal(err)
			}
			m, err := analysis.Compute(ctx, db, p, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := filepath.Join(t.TempDir(), "metrics.json")
			if err := analysis.WriteJSON(got, m); err != nil {
				t.Fatal(err)
			}
			gotB, err := os.ReadFile(got)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "small-"+label+".json"), gotB)
		})
	}

	// The on-call unions hold disjoint stretches: a stretch counted twice
	// doubles on-call time. Union statements that ordered tied segments
	// differently in two windows once left a_user_oncall with a stale
	// stretch beside the union (user PIIS4XZ:
	// [14 Sep 07:00, 21 Sep 07:00) beside [14 Sep 07:00, 16 Nov 14:00)), and
	// her on-call share of the 28 days before 5 October came out as 27.7
	// days instead of 20.7.
	// Rows are told apart by row_number(), not by their bounds: a stretch
	// stored twice overlaps itself and is counted as well.
	for table, q := range map[string]string{
		"a_user_oncall":    `WITH r AS (SELECT user_id AS k, start_at, end_at, row_number() OVER () AS rn FROM a_user_oncall) SELECT count(*) FROM r a JOIN r b ON a.k = b.k AND a.rn < b.rn AND a.start_at < b.end_at AND b.start_at < a.end_at`,
		"a_user_oncall_l1": `WITH r AS (SELECT user_id AS k, start_at, end_at, row_number() OVER () AS rn FROM a_user_oncall_l1) SELECT count(*) FROM r a JOIN r b ON a.k = b.k AND a.rn < b.rn AND a.start_at < b.end_at AND b.start_at < a.end_at`,
		"a_team_oncall_l1": `WITH r AS (SELECT team_id AS k, start_at, end_at, row_number() OVER () AS rn FROM a_team_oncall_l1) SELECT count(*) FROM r a JOIN r b ON a.k = b.k AND a.rn < b.rn AND a.start_at < b.end_at AND b.start_at < a.end_at`,
	} {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d pairs of overlapping stretches, want 0", table, n)
		}
	}
	// PIIS4XZ (Katrin Vogel, the first of the four managers) holds level 2
	// of six policies (five teams' and the legacy one) in the same weeks:
	// one rotation of the four managers, handoff Monday 09:00 London
	// (08:00 UTC in summer), the week's holder members[week % 4] with
	// week = (days since 1970-01-01 + 3) / 7. Monday 21 Sep 2026 is day
	// 20717, week 2960, 2960 % 4 = 0: hers, 21 Sep 08:00 to 28 Sep 08:00,
	// six identical segments. The 28 days [7 Sep, 5 Oct) before ISO week
	// 2026-W40 ends hold that week whole and no other of hers (7 Sep and
	// 14 Sep are weeks 2958 and 2959: % 4 = 2 and 3; 28 Sep is 2961: 1), so
	// counted once she was on call exactly 7 days there (42 if the twins
	// were each counted).
	var days float64
	w40End := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	if err := db.QueryRowContext(ctx, `SELECT sum(date_diff('microsecond', greatest(start_at, $2), least(end_at, $3))) / 86400e6
		FROM a_user_oncall WHERE user_id = $1 AND start_at < $3 AND end_at > $2`, "PIIS4XZ", w40End.AddDate(0, 0, -28), w40End).Scan(&days); err != nil {
		t.Fatal(err)
	}
	if want := 7.0; math.Abs(days-want) > 1e-9 {
		t.Errorf("PIIS4XZ on call %.6f days in the 28 days before 2026-W40 ended, want %.6f", days, want)
	}

	// The tied team (pagerdutytest.TiedTeamName): its member TiedUserName
	// holds level 1 of one policy and level 2 of the other, both 07:00-13:00
	// UTC every day of the history, so every segment has a twin with the
	// same start and end. Counted once, the 28 days [12 Oct, 9 Nov) before
	// 2026-W45 ends hold 28 * 6 h of her 672 h: on_call_share_28d = 0.25
	// exactly, not above the elevated threshold (> 0.25), so no rule fires
	// (counted twice it would be 0.5, elevated); the week holds
	// 7 * 6 h = 151,200 s, and October 31 * 6 h = 669,600 s, and none of
	// the ISO weeks overlapping October reaches more than 0.25 either.
	tiedID, ok := org.UserID(pagerdutytest.TiedUserName)
	if !ok {
		t.Fatalf("no user %s", pagerdutytest.TiedUserName)
	}
	for _, c := range []struct {
		label  string
		period func() (analysis.Period, error)
		onCall float64
	}{
		{"2026-W45", func() (analysis.Period, error) { return analysis.ParseWeek("2026-W45", time.UTC) }, 7 * 6 * 3600},
		{"2026-10", func() (analysis.Period, error) { return analysis.ParseMonth("2026-10", time.UTC) }, 31 * 6 * 3600},
	} {
		p, err := c.period()
		if err != nil {
			t.Fatal(err)
		}
		m, err := analysis.Compute(ctx, db, p, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, r := range m.Responders {
			if r.ID != tiedID {
				continue
			}
			found = true
			if r.OnCallSeconds != c.onCall {
				t.Errorf("%s: %s on call %v s, want %v", c.label, pagerdutytest.TiedUserName, r.OnCallSeconds, c.onCall)
			}
			if r.Risk != "none" || len(r.Reasons) != 0 {
				t.Errorf("%s: %s risk %s, reasons %+v; want none (on_call_share_28d = 0.25, not > 0.25)", c.label, pagerdutytest.TiedUserName, r.Risk, r.Reasons)
			}
		}
		if !found {
			t.Errorf("%s: %s is not a responder", c.label, pagerdutytest.TiedUserName)
		}
	}
}

// TestGoldenFigures checks figures of the golden files against what the
// generator plants (ingest/pagerdutytest's package comment), so that the
// golden files are more than the program's own output taken on trust.
func TestGoldenFigures(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "small-2026-W45.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Org   struct{ Alerts int }
		Teams []struct {
			Name   string
			Alerts int
		}
		Responders []struct {
			Name          string
			Interruptions struct{ Total, Sleep int }
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// Six planted teams of two services each, the tied team
	// (TiedTeamName, no services: 0 alerts), and NoTeamServiceName's
	// alerts under "Unassigned": every alert is on one service, so the
	// teams' alerts add up to the organisation's.
	sum := 0
	teams := map[string]int{}
	for _, tm := range m.Teams {
		sum += tm.Alerts
		teams[tm.Name] = tm.Alerts
	}
	if len(m.Teams) != 8 || sum != m.Org.Alerts || teams[pagerdutytest.TiedTeamName] != 0 {
		t.Errorf("%d teams with %d alerts in all, organisation %d; want 6 planted teams, the tied team with none and Unassigned, adding up", len(m.Teams), sum, m.Org.Alerts)
	}
	// OverloadedTeamName gets more than 200 alerts in every full week, and
	// 2026-W45 (2 to 8 November) is a full week of the history.
	if n := teams[pagerdutytest.OverloadedTeamName]; n <= 200 {
		t.Errorf("%s: %d alerts in 2026-W45, want more than 200 (planted)", pagerdutytest.OverloadedTeamName, n)
	}
	// NightOwlUserName is paged in sleep hours most nights: at least 4 of
	// the week's 7 nights, so at least 4 sleep interruptions.
	found := false
	for _, r := range m.Responders {
		if r.Name == pagerdutytest.NightOwlUserName {
			found = true
			if r.Interruptions.Sleep < 4 {
				t.Errorf("%s: %d sleep interruptions in 2026-W45, want at least 4 (paged most nights)", r.Name, r.Interruptions.Sleep)
			}
		}
	}
	if !found {
		t.Errorf("%s is not among the week's responders", pagerdutytest.NightOwlUserName)
	}
}
