package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

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
	weeks := fs.String("weeks", "", "`range` of ISO weeks, e.g. 2025-W45..2026-W44: one directory per week under --out")
	months := fs.String("months", "", "`range` of months, e.g. 2025-11..2026-10: one directory per month under --out")
	configPath := fs.String("config", "", "configuration `file` (YAML)")
	selfContained := fs.Bool("self-contained", false, "write every HTML file standalone, with ECharts and the stylesheet inline (default: once under <out>/assets/, shared by every page)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usageErr("report: --db and --out are required")
	}
	if *week != "" && *month != "" {
		return usageErr("report: give --week or --month, not both")
	}
	ranged := *weeks != "" || *months != ""
	if ranged && (*week != "" || *month != "") {
		return usageErr("report: --weeks/--months write many periods; give them without --week/--month")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	loc := cfg.Location() // validated when the config was loaded
	var periods []analysis.Period
	switch {
	case ranged:
		for _, r := range []struct{ label, kind string }{{*weeks, "week"}, {*months, "month"}} {
			if r.label == "" {
				continue
			}
			ps, err := analysis.ParseRange(r.label, r.kind, loc)
			if err != nil {
				return err
			}
			periods = append(periods, ps...)
		}
	case *week != "":
		p, err := analysis.ParseWeek(*week, loc)
		if err != nil {
			return err
		}
		periods = append(periods, p)
	case *month != "":
		p, err := analysis.ParseMonth(*month, loc)
		if err != nil {
			return err
		}
		periods = append(periods, p)
	default:
		periods = append(periods, analysis.LastCompleteWeek(time.Now(), loc))
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The one derivation of the command (a no-op when a sync derived the
	// tables with the same config); the Computer reads them as they are.
	if _, err := analysis.Derive(ctx, db, cfg); err != nil {
		return err
	}
	c, err := analysis.NewComputer(ctx, db, cfg)
	if err != nil {
		return err
	}
	// Every run writes several pages, so they share one copy of the
	// assets unless --self-contained asks for standalone files.
	var assets []string
	if !*selfContained {
		if err := os.MkdirAll(*out, 0o700); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
		if assets, err = reports.WriteAssets(filepath.Join(*out, reports.AssetsDir)); err != nil {
			return err
		}
	}
	if !ranged {
		return writePeriod(ctx, c, cfg, periods[0], *out, assets, stdout, stderr)
	}
	return writeRange(ctx, c, cfg, periods, *out, assets, stdout, stderr)
}

// assetsHref is where pages find the shared assets from a directory up
// levels below the output directory ("" or "../"): "" when the run writes
// self-contained pages (no assets written).
func assetsHref(assets []string, up string) string {
	if len(assets) == 0 {
		return ""
	}
	return up + reports.AssetsDir + "/"
}

// writePeriod writes the reports of p into dir (writeReports) and says so.
// assets are the shared assets written under dir/assets (none for
// self-contained pages); they count among the files written.
func writePeriod(ctx context.Context, c *analysis.Computer, cfg analysis.Config, p analysis.Period, dir string, assets []string, stdout, stderr io.Writer) error {
	files, m, err := writeReports(ctx, c, cfg, p, dir, "", assetsHref(assets, ""))
	if err != nil {
		return err
	}
	files = append(files, assets...)
	warnings := m.Warnings
	printWarnings(stderr, warnings)
	fmt.Fprintf(stdout, "wrote %d files for %s to %s; open %s\n", len(files), p.Label, dir, filepath.Join(dir, "index.html"))
	if len(warnings) > 0 {
		fmt.Fprintf(stdout, "%d warnings about the data (see stderr)\n", len(warnings))
	}
	return nil
}

// writeRange writes each period's reports into dir/<label>/ and an index
// of them all into dir/index.html. Every period (and every period of its
// history) is computed once.
//
// assets are the shared assets written under dir/assets ("" for
// self-contained pages).
func writeRange(ctx context.Context, c *analysis.Computer, cfg analysis.Config, periods []analysis.Period, dir string, assets []string, stdout, stderr io.Writer) error {
	// Every period and its history first (analysis.ComputeAll); writing
	// the reports then finds them computed.
	if _, err := c.ComputeAll(ctx, historyOf(periods)); err != nil {
		return err
	}
	// Then the reports, analysis.ComputeParallelism periods at a time.
	entries := make([]reports.ArchiveEntry, len(periods))
	written := make([]int, len(periods))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(analysis.ComputeParallelism)
	for i, p := range periods {
		g.Go(func() error {
			files, m, err := writeReports(gctx, c, cfg, p, filepath.Join(dir, p.Label), "../"+reports.IndexFile, assetsHref(assets, "../"))
			if err != nil {
				return err
			}
			entries[i], written[i] = reports.ArchiveEntry{Metrics: m, Dir: p.Label, Hours: p.Kind == "month"}, len(files)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := len(assets)
	for _, w := range written {
		n += w
	}
	warnings := c.Warnings()
	files, err := reports.WriteArchive(dir, entries, reportOptions(cfg, "", "", assetsHref(assets, "")))
	if err != nil {
		return fmt.Errorf("write reports index: %w", err)
	}
	printWarnings(stderr, warnings)
	fmt.Fprintf(stdout, "wrote %d files for %d periods (%s to %s) to %s; open %s\n", n+len(files), len(periods),
		periods[0].Label, periods[len(periods)-1].Label, dir, filepath.Join(dir, "index.html"))
	if len(warnings) > 0 {
		fmt.Fprintf(stdout, "%d warnings about the data (see stderr)\n", len(warnings))
	}
	return nil
}

func printWarnings(stderr io.Writer, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", oneLine(w))
	}
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
// (with p's on-call hours, fairness and pay) and the HTML reports into dir
// (a month's with oncall-hours.html and oncall-pay.csv), linking every page to archiveHref unless
// it is "", and loading the shared assets from assetsHref unless it is ""
// (then every page is self-contained). It returns the files written and p's metrics, whose Warnings
// are about the data (users with an unknown time zone, say).
func writeReports(ctx context.Context, c *analysis.Computer, cfg analysis.Config, p analysis.Period, dir, archiveHref, assetsHref string) ([]string, *analysis.Metrics, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create output directory: %w", err)
	}
	ms, err := c.ComputeAll(ctx, withHistory(p))
	if err != nil {
		return nil, nil, err
	}
	cur, history := ms[len(ms)-1], ms[:len(ms)-1]
	heat, err := c.Heatmap(ctx, p)
	if err != nil {
		return nil, nil, fmt.Errorf("heat map %s: %w", p.Label, err)
	}
	svcs, err := c.Services(ctx)
	if err != nil {
		return nil, nil, err
	}
	services := make(map[string]reports.Service, len(svcs))
	for id, s := range svcs {
		services[id] = reports.Service{Name: s.Name, TeamID: s.TeamID}
	}
	hours, err := c.OnCallHours(ctx, p)
	if err != nil {
		return nil, nil, fmt.Errorf("on-call hours %s: %w", p.Label, err)
	}
	if err := analysis.WriteJSON(filepath.Join(dir, "metrics.json"), cur.WithHours(hours)); err != nil {
		return nil, nil, fmt.Errorf("write metrics.json: %w", err)
	}
	files, err := reports.Write(dir, reports.Input{
		Current:  cur,
		History:  history,
		Heatmaps: heat,
		Services: services,
		Hours:    hours,
		Options:  reportOptions(cfg, "metrics.json", archiveHref, assetsHref),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("write reports: %w", err)
	}
	return append([]string{"metrics.json"}, files...), cur, nil
}

// historyOf is every period of periods with its history (withHistory),
// each once, in the order first met.
func historyOf(periods []analysis.Period) []analysis.Period {
	var all []analysis.Period
	seen := map[string]bool{}
	for _, p := range periods {
		for _, q := range withHistory(p) {
			if !seen[q.Label] {
				seen[q.Label] = true
				all = append(all, q)
			}
		}
	}
	return all
}

// withHistory is p's history (historyLen[p.Kind] periods before it,
// oldest first) followed by p.
func withHistory(p analysis.Period) []analysis.Period {
	ps := []analysis.Period{p}
	for range historyLen[p.Kind] {
		ps = append(ps, ps[len(ps)-1].Previous())
	}
	slices.Reverse(ps)
	return ps
}

// reportOptions are the presentation options of every report of a run; the
// footer names the version of this binary.
func reportOptions(cfg analysis.Config, metricsFile, archiveHref, assetsHref string) reports.Options {
	return reports.Options{HideNames: cfg.HideNames, GeneratedAt: time.Now().UTC(), MetricsFile: metricsFile,
		ArchiveHref: archiveHref, AssetsHref: assetsHref, Hours: cfg.Hours, TeamHours: cfg.TeamHours, Version: version}
}
