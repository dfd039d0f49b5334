package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/export"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/reports"
)

// demoShapes are the shapes of real accounts the demo's fake API serves,
// so that the demo shows them as a real first sync would: a manager named
// directly at the last level of a policy (a permanent on-call), merged
// incidents, services, policies and some incidents on two teams, and a
// user deleted from PagerDuty whom on-calls and pages still name.
var demoShapes = pagerdutytest.Shapes{PermanentOncall: true, Merged: true, SecondTeam: true, DeletedUser: "Ryan Murphy"}

// demoToken is the fake API's token in the demo; it is no real secret.
const demoToken = "demo-token"

// demoDays is the demo's history: the last complete month and the 6 before
// it, whatever today's date.
const demoDays = 245

// serveFake starts the fake PagerDuty API for org on addr and returns its
// base URL and a function that stops it.
func serveFake(addr string, srv *pagerdutytest.Server) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// demoNow is the demo's clock (TestDemo fixes it).
var demoNow = time.Now

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	out := fs.String("out", "", "output `directory` (created if missing)")
	seed := fs.Int64("seed", 1, "seed of the synthetic organisation")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("demo: --out is required")
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	// History ends at today's midnight UTC and reaches back 8 months, so
	// that the last complete week and month and the trends they are
	// compared with (8 weeks, 6 months) are all in it.
	end := demoNow().UTC().Truncate(24 * time.Hour)
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: *seed, End: end, Days: demoDays})
	if err != nil {
		return fmt.Errorf("generate organisation: %w", err)
	}
	// A note on the open, acknowledged incident, for the handoff notes (the
	// generator's own notes are on incidents resolved since).
	if ids := org.IncidentIDs(pagerdutytest.OpenAcknowledgedTitle); len(ids) == 1 {
		if _, err := org.AddNote(ids[0], org.Users()[0].Name, "Export retried at 10:00, still stuck; vendor ticket open.", end.Add(-20*time.Hour)); err != nil {
			return fmt.Errorf("generate organisation: %w", err)
		}
	}
	url, stop, err := serveFake("127.0.0.1:0", pagerdutytest.NewServer(org, pagerdutytest.Options{Token: demoToken, Shapes: demoShapes}))
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(stdout, "demo: fake PagerDuty API with a synthetic organisation at %s\n", url)

	dbPath := filepath.Join(*out, "oncall-health.duckdb")
	if err := os.Remove(dbPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	// One handle for the whole demo: sync (which derives the report
	// tables, with the defaults), the week's and the month's reports, the
	// export.
	db, err := openForSync(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := demoConfig()
	client := ingest.NewClient(demoToken, ingest.ClientOptions{APIURL: url, RequestsPerMinute: -1})
	if err := syncOn(ctx, db, client, ingest.Options{Since: org.Start(), Until: org.End()}, cfg, stdout); err != nil {
		return err
	}
	c, err := analysis.NewComputer(ctx, db, cfg)
	if err != nil {
		return err
	}
	// The week in out/ and the month in out/<month>/, each folder with its
	// own copy of the shared assets, so either can be zipped alone.
	week := analysis.LastCompleteWeek(end, time.UTC)
	assets, err := reports.WriteAssets(filepath.Join(*out, reports.AssetsDir))
	if err != nil {
		return err
	}
	if err := writePeriod(ctx, c, cfg, week, *out, assets, stdout, stderr); err != nil {
		return err
	}
	month := lastCompleteMonth(end)
	mp, err := analysis.ParseMonth(month, time.UTC)
	if err != nil {
		return err
	}
	monthDir := filepath.Join(*out, month)
	if assets, err = reports.WriteAssets(filepath.Join(monthDir, reports.AssetsDir)); err != nil {
		return err
	}
	if err := writePeriod(ctx, c, cfg, mp, monthDir, assets, stdout, stderr); err != nil {
		return err
	}
	if err := exportOn(ctx, db, filepath.Join(*out, "export"), export.Options{Format: "parquet"}, stdout); err != nil {
		return err
	}
	// The handoff notes of the last shift change before the sync's end.
	if err := runHandoff(ctx, []string{"--db", dbPath, "--out", *out}, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: open %s (week %s); the month %s is in %s; handoff notes in %s\n",
		filepath.Join(*out, "index.html"), week.Label, month, filepath.Join(monthDir, "index.html"),
		filepath.Join(*out, "handoff.html"))
	return nil
}

// demoConfig is the defaults with a holiday calendar (US) and a pay
// configuration, so that the month's oncall-hours.html and oncall-pay.csv
// show holiday hours and amounts (README, "On-call hours and pay").
func demoConfig() analysis.Config {
	cfg := analysis.DefaultConfig()
	cfg.Holidays.Default = "US"
	cfg.Pay = &analysis.Pay{
		Currency: "EUR",
		Rates: analysis.PayRates{
			Weeknight: analysis.LevelRates{Level1: 3, Level2: 1.5},
			Weekend:   analysis.LevelRates{Level1: 5, Level2: 2.5},
			Holiday:   analysis.LevelRates{Level1: 8, Level2: 4},
		},
		PerSleepPage: 10,
		DailyCap:     150,
	}
	return cfg
}

// lastCompleteMonth is the label of the calendar month before t's, in UTC.
func lastCompleteMonth(t time.Time) string {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, -1, 0).Format("2006-01")
}

func runFakeAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fake-api", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on (loopback)")
	size := fs.String("size", "small", "organisation size: small or large")
	seed := fs.Int64("seed", 1, "seed of the synthetic organisation")
	token := fs.String("token", "test-token", "API `token` the fake accepts")
	shapesS := fs.String("shapes", "", "shapes of real accounts to present, comma-separated `list`: "+strings.Join(pagerdutytest.ShapeNames, ", ")+" or all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	shapes, err := pagerdutytest.ParseShapes(*shapesS)
	if err != nil {
		return usageErr("fake-api: --shapes: %v", err)
	}
	if *size != string(pagerdutytest.Small) && *size != string(pagerdutytest.Large) {
		return usageErr("fake-api: --size must be small or large, not %q", *size)
	}
	end := demoNow().UTC().Truncate(24 * time.Hour)
	began := time.Now()
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Size(*size), Seed: *seed, End: end})
	if err != nil {
		return fmt.Errorf("generate organisation: %w", err)
	}
	url, stop, err := serveFake(*addr, pagerdutytest.NewServer(org, pagerdutytest.Options{Token: *token, Shapes: shapes}))
	if err != nil {
		return err
	}
	defer stop()
	c := org.Counts()
	fmt.Fprintf(stdout, "fake PagerDuty API at %s (generated in %s: %d users, %d incidents, %d log entries, history %s to %s)\n",
		url, time.Since(began).Round(time.Millisecond), c["users"], c["incidents"], c["log_entries"],
		org.Start().Format("2006-01-02"), org.End().Format("2006-01-02"))
	fmt.Fprintf(stdout, "try: PAGERDUTY_TOKEN=%s oncall-health sync --db pd.duckdb --api-url %s --since %s\n",
		*token, url, org.Start().Format("2006-01-02"))
	fmt.Fprintln(stdout, "Ctrl-C stops it.")
	<-ctx.Done()
	return nil
}
