package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/queries"
	"github.com/oncall-health/oncall-health/reports"
)

// childProfileReport does what `oncall-health report` does for each period
// given (labels like 2026-W44 or 2026-10), in one process, timing each
// phase (wall seconds) and writing a CPU profile to prof when set. It is a
// diagnostic for the report targets: its phases say where the time goes,
// and the profile's Go stacks say which analysis query runs inside DuckDB
// (cgo time is charged to the Go caller).
func childProfileReport(ctx context.Context, db, outDir, labels, steps, prof string, w io.Writer) error {
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	h, err := queries.Open(ctx, db)
	if err != nil {
		return err
	}
	defer h.Close()
	cfg := analysis.DefaultConfig()
	phase := map[string]time.Duration{}
	var order []string
	timed := func(name string, fn func() error) error {
		t0 := time.Now()
		err := fn()
		if _, ok := phase[name]; !ok {
			order = append(order, name)
		}
		phase[name] += time.Since(t0)
		return err
	}
	var comp *analysis.Computer
	for _, label := range strings.Split(labels, ",") {
		var p analysis.Period
		if strings.Contains(label, "W") {
			p, err = analysis.ParseWeek(label, time.UTC)
		} else {
			p, err = analysis.ParseMonth(label, time.UTC)
		}
		if err != nil {
			return err
		}
		if comp == nil {
			if err := timed("derive check (analysis.Derive)", func() (err error) { _, err = analysis.Derive(ctx, h, cfg); return }); err != nil {
				return err
			}
			if comp, err = analysis.NewComputer(ctx, h, cfg); err != nil {
				return err
			}
		}
		ps := []analysis.Period{p}
		for range map[string]int{"week": 8, "month": 6}[p.Kind] {
			ps = append([]analysis.Period{ps[0].Previous()}, ps...)
		}
		var ms []*analysis.Metrics
		if err := timed("compute period and history (ComputeAll)", func() (err error) { ms, err = comp.ComputeAll(ctx, ps); return }); err != nil {
			return err
		}
		cur, history := ms[len(ms)-1], ms[:len(ms)-1]
		var heat map[string]*analysis.Heatmap
		if err := timed("heat map", func() (err error) { heat, err = comp.Heatmap(ctx, p); return }); err != nil {
			return err
		}
		services := map[string]reports.Service{}
		err = timed("services + metrics.json", func() error {
			svcs, err := analysis.Services(ctx, h)
			if err != nil {
				return err
			}
			for id, s := range svcs {
				services[id] = reports.Service{Name: s.Name, TeamID: s.TeamID}
			}
			dir := filepath.Join(outDir, label)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			return analysis.WriteJSON(filepath.Join(dir, "metrics.json"), cur)
		})
		if err != nil {
			return err
		}
		err = timed("render HTML (reports.Write)", func() error {
			_, err := reports.Write(filepath.Join(outDir, label), reports.Input{
				Current: cur, History: history, Heatmaps: heat, Services: services,
				Options: reports.Options{GeneratedAt: time.Now().UTC(), MetricsFile: "metrics.json", Hours: cfg.Hours, TeamHours: cfg.TeamHours},
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, k := range order {
		fmt.Fprintf(w, "%-48s %8.2f s\n", k, phase[k].Seconds())
	}
	// Then each named statement again on its own, on the derived tables
	// (the refresh statements replace their table, so they can re-run).
	for _, name := range strings.Split(steps, ",") {
		if name == "" {
			continue
		}
		t0 := time.Now()
		if _, err := h.ExecContext(ctx, queries.Get(name)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(w, "%-48s %8.2f s\n", name, time.Since(t0).Seconds())
	}
	return nil
}
