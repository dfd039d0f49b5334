package analysis_test

// The golden test runs the whole pipeline on the small synthetic
// organisation: generate, serve it from the fake PagerDuty API, sync it
// through ingest.Sync, compute. It lives in package analysis_test, so that
// package analysis itself never imports ingest.

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

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
			gotB, _ := os.ReadFile(got)
			golden := filepath.Join("testdata", "small-"+label+".json")
			if *update {
				if err := os.WriteFile(golden, gotB, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(gotB, want) {
				t.Errorf("metrics.json differs from %s; run go test ./analysis -run TestGoldenSmall -update and review the diff", golden)
			}
		})
	}
}
