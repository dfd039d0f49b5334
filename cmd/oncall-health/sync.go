package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"

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
	cfg := analysis.DefaultConfig()
	if *configPath != "" {
		if cfg, err = analysis.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	if err := checkAPIURL(*apiURL); err != nil {
		return err
	}
	if !since.IsZero() {
		end := until
		if end.IsZero() {
			end = time.Now()
		}
		if !since.Before(end) {
			return usageErr("sync: --since %s is not before --until %s", *sinceS, end.UTC().Format(time.RFC3339))
		}
	}
	co := clientTuning
	token, err := tokenFromEnv(&co)
	if err != nil {
		return err
	}
	rate := *rpm
	if rate <= 0 {
		rate = -1
	}
	co.APIURL, co.RequestsPerMinute = *apiURL, rate
	client := ingest.NewClient(token, co)
	return syncInto(ctx, *dbPath, client, ingest.Options{Since: since, Until: until, Full: *full, LookBack: *lookBack}, cfg, stdout)
}

// tokenFromEnv reads the PagerDuty credential: an OAuth access token from
// PAGERDUTY_OAUTH_TOKEN (sent as a Bearer token), or a REST API key from
// PAGERDUTY_TOKEN. Exactly one must be set; it sets co.OAuth and
// co.TokenVar (named in errors, the value never is).
func tokenFromEnv(co *ingest.ClientOptions) (string, error) {
	key, oauth := os.Getenv("PAGERDUTY_TOKEN"), os.Getenv("PAGERDUTY_OAUTH_TOKEN")
	switch {
	case key != "" && oauth != "":
		return "", usageErr("sync: both PAGERDUTY_TOKEN and PAGERDUTY_OAUTH_TOKEN are set; set only one")
	case oauth != "":
		co.OAuth, co.TokenVar = true, "PAGERDUTY_OAUTH_TOKEN"
		return oauth, nil
	case key != "":
		co.OAuth, co.TokenVar = false, "PAGERDUTY_TOKEN"
		return key, nil
	}
	return "", usageErr("sync: neither PAGERDUTY_TOKEN nor PAGERDUTY_OAUTH_TOKEN is set; create a read-only API key (or an OAuth token) in PagerDuty and export it")
}

// clientTuning holds the retry settings of sync's client; zero fields mean
// the ingest defaults. Tests shorten the backoff.
var clientTuning ingest.ClientOptions

// checkAPIURL refuses an --api-url that is not an absolute http(s) URL.
func checkAPIURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr("sync: --api-url %q: want an http or https URL like %s", s, ingest.DefaultAPIURL)
	}
	return nil
}

// syncHint returns what to do about a failed sync's err, or "".
func syncHint(err error) string {
	var apiErr pagerduty.APIError
	switch {
	case errors.Is(err, ingest.ErrUnauthorized), errors.Is(err, ingest.ErrUnreachable):
		return "" // the error says it already
	case errors.As(err, &apiErr):
		if apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500 {
			return "PagerDuty kept failing after retries; run the same command again later to resume"
		}
		return ""
	case strings.Contains(err.Error(), "error calling the API endpoint"):
		// go-pagerduty's text for a request that got no HTTP answer at all
		// (it flattens the net error, so errors.As cannot find it).
		return "check --api-url and the network, then run the same command again to resume"
	}
	return ""
}

// syncInto opens the database and runs one sync, printing a line per
// resource, a summary, a "note:" line per fact about the account and, at
// the end, a "warning:" line per problem with the data (all on stdout, the
// sync's one stream). It then derives the tables the reports read
// (with cfg), so that the work is done once per sync, not in the first
// report after it.
func syncInto(ctx context.Context, dbPath string, client *ingest.Client, o ingest.Options, cfg analysis.Config, stdout io.Writer) error {
	db, err := queries.Open(ctx, dbPath)
	if err != nil {
		if errors.Is(err, queries.ErrLocked) {
			return fmt.Errorf("%s is in use by another oncall-health process (a sync still running?); wait for it to finish", dbPath)
		}
		return err
	}
	defer func() { db.Close() }()
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
		if h := syncHint(err); h != "" && ctx.Err() == nil {
			return fmt.Errorf("%w; %s", err, h)
		}
		return err
	}
	skipped := ""
	if st.Skipped > 0 {
		skipped = fmt.Sprintf(", %d items skipped (undecodable)", st.Skipped)
	}
	fmt.Fprintf(stdout, "sync done: %d items, %d requests, %d retries, %s%s\n",
		st.Items, st.Requests, st.Retries, st.Elapsed.Round(time.Millisecond), skipped)
	for _, n := range st.Notes {
		fmt.Fprintf(stdout, "note: %s\n", oneLine(n))
	}
	// Derive on a new handle, with the sync's Go heap handed back. Measured
	// on a year of the large organisation, it did not lower the peak RSS of
	// sync plus derivation (959-1,046 MiB, BENCHMARKS.md); export needs it.
	if db, err = queries.Reopen(ctx, db, dbPath); err != nil {
		return err
	}
	began := time.Now()
	warnings, err := analysis.Derive(ctx, db, cfg)
	if err != nil {
		return fmt.Errorf("derive report tables: %w", err)
	}
	fmt.Fprintf(stdout, "report tables derived in %s\n", time.Since(began).Round(time.Millisecond))
	// The sync's own warnings (items it could not decode), then the data's
	// (users without a usable time zone, deleted users), as report prints them.
	for _, w := range append(st.Warnings, warnings...) {
		fmt.Fprintf(stdout, "warning: %s\n", oneLine(w))
	}
	return nil
}
