package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/queries"
	"github.com/oncall-health/oncall-health/reports"
)

// historyLen is how many earlier periods the reports compare against.
var historyLen = map[string]int{"week": 8, "month": 6}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` written by sync")
	out := fs.String("out", "", "output `directory` (created if missing)")
	week := fs.String("week", "", "ISO `week` to report, e.g. 2026-W46 (default: the last complete week)")
	month := fs.String("month", "", "calendar `month` to report, e.g. 2026-10")
	configPath := fs.String("config", "", "configuration `file` (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usageErr("report: --db and --out are required")
	}
	if *week != "" && *month != "" {
		return usageErr("report: give --week or --month, not both")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	loc := cfg.Location() // validated when the config was loaded
	var p analysis.Period
	switch {
	case *week != "":
		p, err = analysis.ParseWeek(*week, loc)
	case *month != "":
		p, err = analysis.ParseMonth(*month, loc)
	default:
		p = analysis.LastCompleteWeek(time.Now(), loc)
	}
	if err != nil {
		return err
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	files, warnings, err := writeReports(ctx, db, p, cfg, *out)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", oneLine(w))
	}
	fmt.Fprintf(stdout, "wrote %d files for %s to %s; open %s\n", len(files), p.Label, *out, filepath.Join(*out, "index.html"))
	if len(warnings) > 0 {
		fmt.Fprintf(stdout, "%d warnings about the data (see stderr)\n", len(warnings))
	}
	return nil
}

// openSynced opens a database that a sync wrote; a missing file is an error
// that says to sync first, not a new empty database.
func openSynced(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w; run 'oncall-health sync --db %s' first", path, err, path)
	}
	return queries.Open(ctx, path)
}

func loadConfig(path string) (analysis.Config, error) {
	if path == "" {
		return analysis.DefaultConfig(), nil
	}
	return analysis.LoadConfig(path)
}

// writeReports computes period p and its history and writes metrics.json
// and the HTML reports into dir. It returns the files written and the
// warnings about the data (users with an unknown time zone, say).
func writeReports(ctx context.Context, db *sql.DB, p analysis.Period, cfg analysis.Config, dir string) ([]string, []string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create output directory: %w", err)
	}
	cur, err := analysis.Compute(ctx, db, p, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("compute %s: %w", p.Label, err)
	}
	var history []*analysis.Metrics
	q := p
	for range historyLen[p.Kind] {
		q = q.Previous()
		m, err := analysis.Compute(ctx, db, q, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("compute %s: %w", q.Label, err)
		}
		history = append([]*analysis.Metrics{m}, history...)
	}
	heat, err := analysis.InterruptionHeatmap(ctx, db, p, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("heat map %s: %w", p.Label, err)
	}
	svcs, err := analysis.Services(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	services := make(map[string]reports.Service, len(svcs))
	for id, s := range svcs {
		services[id] = reports.Service{Name: s.Name, TeamID: s.TeamID}
	}
	if err := analysis.WriteJSON(filepath.Join(dir, "metrics.json"), cur); err != nil {
		return nil, nil, fmt.Errorf("write metrics.json: %w", err)
	}
	files, err := reports.Write(dir, reports.Input{
		Current:  cur,
		History:  history,
		Heatmaps: heat,
		Services: services,
		Options: reports.Options{HideNames: cfg.HideNames, GeneratedAt: time.Now().UTC(),
			MetricsFile: "metrics.json"},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("write reports: %w", err)
	}
	return append([]string{"metrics.json"}, files...), cur.Warnings, nil
}
