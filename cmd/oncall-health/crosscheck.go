package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest"
)

// runCrosscheck holds one period's figures from the database beside
// PagerDuty Analytics' for the same period, prints them and writes
// crosscheck.json.
func runCrosscheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("crosscheck", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` written by sync")
	week := fs.String("week", "", "ISO `week` to check, e.g. 2026-W46")
	month := fs.String("month", "", "calendar `month` to check, e.g. 2026-10")
	apiURL := fs.String("api-url", ingest.DefaultAPIURL, "PagerDuty REST API base `URL` (EU service region: "+ingest.EUAPIURL+")")
	out := fs.String("out", ".", "`directory` to write crosscheck.json into (created if missing)")
	configPath := fs.String("config", "", "configuration `file` (YAML): the report time zone and hours")
	all := fs.Bool("all", false, "print every figure, not only those that differ (crosscheck.json always holds every figure)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" {
		return usageErr("crosscheck: --db is required")
	}
	if (*week == "") == (*month == "") {
		return usageErr("crosscheck: give --week or --month (one of them)")
	}
	if err := checkAPIURL("crosscheck", *apiURL); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	var p analysis.Period
	if *week != "" {
		p, err = analysis.ParseWeek(*week, cfg.Location())
	} else {
		p, err = analysis.ParseMonth(*month, cfg.Location())
	}
	if err != nil {
		return err
	}
	co := clientTuning
	token, err := tokenFromEnv("crosscheck", &co)
	if err != nil {
		return err
	}
	co.APIURL = *apiURL
	client := ingest.NewClient(token, co)

	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := analysis.Compute(ctx, db, p, cfg)
	if err != nil {
		return err
	}
	q := ingest.AnalyticsQuery{Start: p.Start, End: p.End, TimeZone: p.TimeZone}
	if m.Period.TeamSource == "teams" {
		for _, t := range m.Teams {
			if t.ID != "unassigned" {
				q.TeamIDs = append(q.TeamIDs, t.ID)
			}
		}
	}
	pd, err := client.Analytics(ctx, q)
	if errors.Is(err, ingest.ErrNoAnalytics) {
		return fmt.Errorf("crosscheck: %w; it needs a PagerDuty plan with Analytics and a token that may use it (scoped OAuth: the analytics scope)", err)
	}
	if err != nil {
		return fmt.Errorf("crosscheck: %w", err)
	}
	c := analysis.ComparePD(m, pd)
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	path := filepath.Join(*out, "crosscheck.json")
	if err := analysis.WritePDComparison(path, c); err != nil {
		return err
	}
	printComparison(stdout, c, *all, time.Now())
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// printComparison prints c as a table, one line per figure that differs
// (every figure with all); each reason is printed once, as a numbered note
// under the table.
func printComparison(w io.Writer, c *analysis.PDComparison, all bool, now time.Time) {
	p := c.Period
	fmt.Fprintf(w, "crosscheck %s (%s to %s, %s): our figures beside PagerDuty Analytics' (incidents created in the period)\n",
		p.Label, p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339), p.TimeZone)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tID\tNAME\tMETRIC\tOURS\tPAGERDUTY\tDIFFERENCE\tSTATUS")
	notes := map[string]int{}
	var order []string
	for _, r := range c.Rows {
		if !all && (r.Status == analysis.PDAgree || r.Status == analysis.PDNotComputed) {
			continue
		}
		status := r.Status
		switch {
		case r.Reason != "":
			n, ok := notes[r.Reason]
			if !ok {
				order = append(order, r.Reason)
				n = len(order)
				notes[r.Reason] = n
			}
			status += " [" + strconv.Itoa(n) + "]"
		case r.Status == analysis.PDDiffer || r.Status == analysis.PDOnlyOurs || r.Status == analysis.PDOnlyPD:
			status += " (unexplained)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Scope, dash(r.ID), dash(r.Name), r.Metric,
			figure(r.Ours), figure(r.PagerDuty), figure(r.Difference), status)
	}
	_ = tw.Flush()
	for i, reason := range order {
		fmt.Fprintf(w, "[%d] %s\n", i+1, reason)
	}
	s := c.Summary
	fmt.Fprintf(w, "%d figures: %d agree, %d differ (%d explained by the definitions, %d unexplained), %d not computed by this version\n",
		s.Rows, s.Agree, s.Differ+s.OnlyOurs+s.OnlyPagerDuty, s.Explained, s.Unexplained, s.NotComputed)
	if !all {
		fmt.Fprintln(w, "only the figures that differ are listed; --all lists every one")
	}
	if now.Sub(p.End) < 24*time.Hour {
		fmt.Fprintln(w, "note: the period ended less than a day ago; PagerDuty's Analytics can lag up to a day behind")
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// figure prints a figure: whole numbers as such, others with one decimal;
// "-" for none.
func figure(v *float64) string {
	if v == nil {
		return "-"
	}
	if *v == math.Trunc(*v) {
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}
