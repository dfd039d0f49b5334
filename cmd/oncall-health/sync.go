package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/queries"
)

func isUsage(err error) bool {
	return errors.Is(err, errUsage) || errors.Is(err, analysis.ErrConfig) || errors.Is(err, analysis.ErrBadPeriod)
}

// parseDate reads a DATE flag: 2026-01-02 (midnight UTC) or RFC 3339.
func parseDate(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErr("--%s %q: want a date like 2026-01-02 or 2026-01-02T15:04:05Z", name, s)
}

func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sync", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` (created if missing)")
	apiURL := fs.String("api-url", ingest.DefaultAPIURL, "PagerDuty REST API base `URL`")
	sinceS := fs.String("since", "", "first sync starts at this `DATE` (default: 90 days ago)")
	untilS := fs.String("until", "", "sync up to this `DATE` (default: now)")
	full := fs.Bool("full", false, "ignore what earlier syncs stored and pull the whole range again")
	configPath := fs.String("config", "", "configuration `file` (YAML)")
	rpm := fs.Float64("rate", ingest.DefaultRequestsPerMinute, "maximum requests per minute (PagerDuty allows 960); 0 or less: no limit")
	lookBack := fs.Duration("look-back", 7*24*time.Hour, "how far back an incremental sync looks again for changed incidents")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" {
		return usageErr("sync: --db is required")
	}
	since, err := parseDate("since", *sinceS)
	if err != nil {
		return err
	}
	until, err := parseDate("until", *untilS)
	if err != nil {
		return err
	}
	if *configPath != "" {
		if _, err := analysis.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	token := os.Getenv("PAGERDUTY_TOKEN")
	if token == "" {
		return usageErr("sync: PAGERDUTY_TOKEN is not set; create a read-only API key in PagerDuty and export it")
	}
	rate := *rpm
	if rate <= 0 {
		rate = -1
	}
	client := ingest.NewClient(token, ingest.ClientOptions{APIURL: *apiURL, RequestsPerMinute: rate})
	return syncInto(ctx, *dbPath, client, ingest.Options{Since: since, Until: until, Full: *full, LookBack: *lookBack}, stdout)
}

// syncInto opens the database and runs one sync, printing a line per
// resource and a summary.
func syncInto(ctx context.Context, dbPath string, client *ingest.Client, o ingest.Options, stdout io.Writer) error {
	db, err := queries.Open(ctx, dbPath)
	if err != nil {
		if errors.Is(err, queries.ErrLocked) {
			return fmt.Errorf("%s is in use by another oncall-health process (a sync still running?); wait for it to finish", dbPath)
		}
		return err
	}
	defer db.Close()
	bar := newProgress(stdout)
	o.OnProgress = bar.update
	o.OnResource = func(r ingest.ResourceStats) {
		bar.finish()
		fmt.Fprintf(stdout, "synced %-20s %8d items %6d requests %4d retries %8s\n",
			r.Resource, r.Items, r.Requests, r.Retries, r.Elapsed.Round(time.Millisecond))
	}
	st, err := ingest.Sync(ctx, db, client, o)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sync done: %d items, %d requests, %d retries, %s\n",
		st.Items, st.Requests, st.Retries, st.Elapsed.Round(time.Millisecond))
	return nil
}
