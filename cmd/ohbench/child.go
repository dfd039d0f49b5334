package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/queries"
)

// syncResult is what a sync child prints (JSON) for the parent.
type syncResult struct {
	Stats *ingest.Stats `json:"stats"`
	// Counts are the rows per table after the sync (query table-counts).
	Counts map[string]int64 `json:"counts"`
	// AlertPages is the least number of /incidents/{id}/alerts requests
	// that can fetch what the database holds: ceil(n/100) per incident
	// whose alerts had to be fetched (every incident when FetchAllAlerts,
	// else those with more than one alert).
	AlertPages int64 `json:"alert_pages"`
	// DeriveSeconds is the time of deriving the report tables after the
	// sync (analysis.Derive), as `oncall-health sync` does; included in the
	// child's wall time and peak RSS.
	DeriveSeconds float64 `json:"derive_seconds"`
	// DeriveIncremental: the derivation went on from what the sync
	// recorded (analysis.DeriveWith) instead of deriving everything.
	DeriveIncremental bool `json:"derive_incremental"`
	// DeriveSteps are its statements' wall times.
	DeriveSteps []stepSeconds `json:"derive_steps,omitempty"`
}

// stepSeconds is one statement of a derivation and its wall time, s.
type stepSeconds struct {
	Step    string  `json:"step"`
	Seconds float64 `json:"seconds"`
}

// childSync runs one ingest.Sync in this (child) process, counts what it
// stored, then derives the report tables as `oncall-health sync` does, and
// writes a syncResult to out; the parent reads the process's peak RSS.
func childSync(ctx context.Context, args childArgs, out io.Writer) error {
	db, err := queries.Open(ctx, args.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	c := ingest.NewClient(benchToken, ingest.ClientOptions{APIURL: args.URL, RequestsPerMinute: -1})
	st, err := ingest.Sync(ctx, db, c, ingest.Options{
		Since: args.Since, Until: args.Until, FetchAllAlerts: args.AllAlerts,
		Now: func() time.Time { return args.Until },
	})
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	res := syncResult{Stats: st, Counts: map[string]int64{}}
	// The counts first: they are the benchmark's, not the sync's, and their
	// memory is given back before the derivation measured with the sync.
	rows, err := db.QueryContext(ctx, queries.Get("table-counts"))
	if err != nil {
		return fmt.Errorf("table counts: %w", err)
	}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			rows.Close()
			return fmt.Errorf("table counts: %w", err)
		}
		res.Counts[name] = n
	}
	rows.Close()
	ac, err := db.QueryContext(ctx, queries.Get("alert-counts"))
	if err != nil {
		return fmt.Errorf("alert counts: %w", err)
	}
	withAlerts := int64(0)
	for ac.Next() {
		var id, status string
		var n int64
		if err := ac.Scan(&id, &status, &n); err != nil {
			ac.Close()
			return fmt.Errorf("alert counts: %w", err)
		}
		withAlerts++
		if n > 1 || args.AllAlerts {
			res.AlertPages += (n + ingest.PageLimit - 1) / ingest.PageLimit
		}
	}
	ac.Close()
	if args.AllAlerts {
		// An incident with no alert still costs one request.
		res.AlertPages += res.Counts["incidents"] - withAlerts
	}
	// As `oncall-health sync` does: on the same handle; -derive-full
	// derives every table whole (the comparison of the incremental step).
	t0 := time.Now()
	d, err := analysis.DeriveWith(ctx, db, analysis.DefaultConfig(), analysis.DeriveOptions{Full: args.DeriveFull})
	if err != nil {
		return fmt.Errorf("derive report tables: %w", err)
	}
	res.DeriveSeconds = time.Since(t0).Seconds()
	res.DeriveIncremental = d.Incremental
	for _, s := range d.Steps {
		res.DeriveSteps = append(res.DeriveSteps, stepSeconds{s.Step, s.Elapsed.Seconds()})
	}
	return json.NewEncoder(out).Encode(res)
}

// childArgs are the flags of a child process.
type childArgs struct {
	DB, URL      string
	Since, Until time.Time
	AllAlerts    bool
	DeriveFull   bool
	Periods      string
	Steps        string
	CPUProfile   string
	Out          string
}

func runChild(step string, a childArgs) {
	ctx := context.Background()
	var err error
	switch step {
	case "sync":
		err = childSync(ctx, a, os.Stdout)
	case "profile-report":
		err = childProfileReport(ctx, a.DB, a.Out, a.Periods, a.Steps, a.CPUProfile, os.Stdout)
	default:
		err = fmt.Errorf("unknown child step %q", step)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ohbench child:", err)
		os.Exit(1)
	}
}
