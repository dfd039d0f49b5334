package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
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
	sf := addSyncFlags(fs, "first sync starts at this `DATE` (default: 90 days ago)")
	configPath := fs.String("config", "", "configuration `file` (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" {
		return usageErr("sync: --db is required")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	client, opts, err := sf.client("sync")
	if err != nil {
		return err
	}
	return syncInto(ctx, *dbPath, client, opts, cfg, stdout)
}

// syncFlags are sync's flags that say what to pull and how; run has them
// too.
type syncFlags struct {
	apiURL, since, until *string
	full                 *bool
	rate                 *float64
	lookBack             *time.Duration
}

// addSyncFlags declares the sync flags on fs; sinceDoc documents --since.
func addSyncFlags(fs *flag.FlagSet, sinceDoc string) *syncFlags {
	return &syncFlags{
		apiURL:   fs.String("api-url", ingest.DefaultAPIURL, "PagerDuty REST API base `URL` (EU service region: "+ingest.EUAPIURL+")"),
		since:    fs.String("since", "", sinceDoc),
		until:    fs.String("until", "", "sync up to this `DATE` (default: now)"),
		full:     fs.Bool("full", false, "ignore what earlier syncs stored and pull the whole range again"),
		rate:     fs.Float64("rate", ingest.DefaultRequestsPerMinute, "maximum requests per minute (PagerDuty allows 960); 0 or less: no limit"),
		lookBack: fs.Duration("look-back", 7*24*time.Hour, "how far back an incremental sync looks again for changed incidents"),
	}
}

// client checks the parsed sync flags and the token in the environment and
// returns the PagerDuty client and the sync's options; errors are usage
// errors prefixed with cmd.
func (f *syncFlags) client(cmd string) (*ingest.Client, ingest.Options, error) {
	since, err := parseDate("since", *f.since)
	if err != nil {
		return nil, ingest.Options{}, err
	}
	until, err := parseDate("until", *f.until)
	if err != nil {
		return nil, ingest.Options{}, err
	}
	if err := checkAPIURL(cmd, *f.apiURL); err != nil {
		return nil, ingest.Options{}, err
	}
	if !since.IsZero() {
		end := until
		if end.IsZero() {
			end = time.Now()
		}
		if !since.Before(end) {
			return nil, ingest.Options{}, usageErr("%s: --since %s is not before --until %s", cmd, *f.since, end.UTC().Format(time.RFC3339))
		}
	}
	co := clientTuning
	token, err := tokenFromEnv(cmd, &co)
	if err != nil {
		return nil, ingest.Options{}, err
	}
	co.APIURL, co.RequestsPerMinute = *f.apiURL, *f.rate
	if co.RequestsPerMinute <= 0 {
		co.RequestsPerMinute = -1
	}
	return ingest.NewClient(token, co), ingest.Options{Since: since, Until: until, Full: *f.full, LookBack: *f.lookBack}, nil
}

// tokenFromEnv reads the PagerDuty credential: an OAuth access token from
// PAGERDUTY_OAUTH_TOKEN (sent as a Bearer token), or a REST API key from
// PAGERDUTY_TOKEN. Exactly one must be set; it sets co.OAuth and
// co.TokenVar (named in errors, the value never is).
func tokenFromEnv(cmd string, co *ingest.ClientOptions) (string, error) {
	key, oauth := os.Getenv("PAGERDUTY_TOKEN"), os.Getenv("PAGERDUTY_OAUTH_TOKEN")
	switch {
	case key != "" && oauth != "":
		return "", usageErr("%s: both PAGERDUTY_TOKEN and PAGERDUTY_OAUTH_TOKEN are set; set only one", cmd)
	case oauth != "":
		co.OAuth, co.TokenVar = true, "PAGERDUTY_OAUTH_TOKEN"
		return oauth, nil
	case key != "":
		co.OAuth, co.TokenVar = false, "PAGERDUTY_TOKEN"
		return key, nil
	}
	return "", usageErr("%s: neither PAGERDUTY_TOKEN nor PAGERDUTY_OAUTH_TOKEN is set; create a read-only API key (or an OAuth token) in PagerDuty and export it", cmd)
}

// clientTuning holds the retry settings of sync's client; zero fields mean
// the ingest defaults. Tests shorten the backoff.
var clientTuning ingest.ClientOptions

// checkAPIURL refuses an --api-url that is not an absolute http(s) URL.
func checkAPIURL(cmd, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr("%s: --api-url %q: want an http or https URL like %s", cmd, s, ingest.DefaultAPIURL)
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

// syncInto opens the database and runs one sync into it (syncOn).
func syncInto(ctx context.Context, dbPath string, client *ingest.Client, o ingest.Options, cfg analysis.Config, stdout io.Writer) error {
	db, err := openForSync(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return syncOn(ctx, db, client, o, cfg, stdout)
}

// openForSync opens (creating it if needed) the database a sync writes.
func openForSync(ctx context.Context, dbPath string) (*sql.DB, error) {
	db, err := queries.Open(ctx, dbPath)
	if errors.Is(err, queries.ErrLocked) {
		return nil, fmt.Errorf("%s is in use by another oncall-health process (a sync still running?); wait for it to finish", dbPath)
	}
	return db, err
}

// syncOn runs one sync into db, printing a line per resource, a summary,
// a "note:" line per fact about the account and, at the end, a "warning:"
// line per problem with the data (all on stdout, the sync's one stream).
// It then derives the tables the reports read (with cfg), so that
// the work is done once per sync, not in the first report after it. The
// derivation runs on the same handle: closing and reopening the database
// before it did not lower the peak RSS of sync plus derivation (959-1,046
// MiB either way on a year of the large organisation, DuckDB 1.1.3,
// BENCHMARKS.md).
func syncOn(ctx context.Context, db *sql.DB, client *ingest.Client, o ingest.Options, cfg analysis.Config, stdout io.Writer) error {
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
	// The one derivation of the command: incremental from what the sync
	// recorded unless it pulled everything again (--full).
	began := time.Now()
	d, err := analysis.DeriveWith(ctx, db, cfg, analysis.DeriveOptions{Full: o.Full})
	if err != nil {
		return fmt.Errorf("derive report tables: %w", err)
	}
	how := ""
	switch {
	case d.Skipped:
		how = " (nothing changed)"
	case d.Incremental:
		how = " (incremental, from " + d.From.UTC().Format(time.RFC3339) + ")"
	case d.Why != "":
		how = " (all: " + d.Why + ")"
	}
	fmt.Fprintf(stdout, "report tables derived in %s%s\n", time.Since(began).Round(time.Millisecond), how)
	warnings := d.Warnings
	// The sync's own warnings (items it could not decode), then the data's
	// (users without a usable time zone, deleted users), as report prints them.
	for _, w := range append(st.Warnings, warnings...) {
		fmt.Fprintf(stdout, "warning: %s\n", oneLine(w))
	}
	return nil
}
