// Command ohbench benchmarks oncall-health at the size of the largest
// PagerDuty accounts and writes BENCHMARKS.md.
//
// It generates the `large` synthetic organisation (one year, over a million
// alerts and three million log entries, 500 responders), serves it from the
// fake PagerDuty API on loopback (in this process) and runs each measured
// step as a child process, so that the step's peak RSS is the child's
// rusage maximum resident set size:
//
//   - full sync (this binary re-executed with -child sync), rate limit off;
//   - the same with FetchAllAlerts, once, for the request counts;
//   - `oncall-health report` for one week, one month, and 52 weeks plus
//     12 months (the real CLI binary given by -bin);
//   - an incremental sync after the fake moves on by one day, derived
//     incrementally, and beside it (alternating, on copies of the same
//     database) the same sync derived whole, as before issue 22.
//
// Each step runs -runs times (3 by default) and BENCHMARKS.md gives
// min/median/max. Times are wall-clock seconds, memory is peak RSS in MiB.
// The load-path comparison (Arrow vs Appender vs INSERT) is a Go benchmark
// in package ingest; `make bench` runs it and passes its output with -load.
//
// Usage:
//
//	ohbench [-quick] [-incr-only] [-runs 3] [-bin bin/oncall-health] [-load FILE] [-out BENCHMARKS.md] [-work DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// benchToken is the fake API's token; it is no secret.
const benchToken = "bench-token"

func main() {
	child := flag.String("child", "", "run one step in this process: sync or launch (internal), or profile-report (-db, -periods, -out DIR, -cpuprofile)")
	db := flag.String("db", "", "internal: database file of a child step")
	url := flag.String("url", "", "internal: fake API base URL of a child step")
	since := flag.String("since", "", "internal: sync since (RFC 3339)")
	until := flag.String("until", "", "internal: sync until (RFC 3339)")
	allAlerts := flag.Bool("all-alerts", false, "internal: sync with FetchAllAlerts")
	deriveFull := flag.Bool("derive-full", false, "internal: derive every table whole after the sync")
	labels := flag.String("periods", "", "with -child profile-report: comma-separated periods, e.g. 2026-W44,2026-10")
	steps := flag.String("steps", "", "with -child profile-report: named statements to time one by one afterwards")
	cpuProfile := flag.String("cpuprofile", "", "with -child profile-report: write a CPU profile to this `file`")

	quick := flag.Bool("quick", false, "fast check: 42 days of history instead of a year, one run")
	runs := flag.Int("runs", 3, "runs of every step (min/median/max)")
	bin := flag.String("bin", "bin/oncall-health", "oncall-health `binary` for the report steps")
	load := flag.String("load", "", "`file` with the output of the ingest load-path Go benchmark")
	out := flag.String("out", "BENCHMARKS.md", "report `file` to write")
	work := flag.String("work", "", "scratch `directory` for databases (default: a new temporary one)")
	seed := flag.Int64("seed", 1, "seed of the synthetic organisation")
	yearRuns := flag.Int("year-runs", 0, "runs of the 52-weeks-plus-12-months report step (default: -runs)")
	resume := flag.String("resume", "", "go on from the saved `JSON` of a stopped run with the same -work directory")
	fromJSON := flag.String("render", "", "only render -out again from this saved `JSON` file (written next to -out by a run)")
	incrOnly := flag.Bool("incr-only", false, "measure the full and incremental syncs only (no FetchAllAlerts sync, no reports)")
	rssFile := flag.String("rss", "", "with -child launch: `file` to write the peak RSS of the command after -- to")
	flag.Parse()

	if *fromJSON != "" {
		if err := rerender(*fromJSON, *out, *load); err != nil {
			fmt.Fprintln(os.Stderr, "ohbench:", err)
			os.Exit(1)
		}
		return
	}

	if *child == "launch" {
		launch(flag.Args(), *rssFile)
		return
	}
	if *child != "" {
		a := childArgs{DB: *db, URL: *url, AllAlerts: *allAlerts, DeriveFull: *deriveFull, Periods: *labels, CPUProfile: *cpuProfile, Steps: *steps, Out: *out}
		var err error
		if *child != "sync" {
			runChild(*child, a)
			return
		}
		if a.Since, err = time.Parse(time.RFC3339, *since); err == nil {
			a.Until, err = time.Parse(time.RFC3339, *until)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "ohbench child: bad -since/-until:", err)
			os.Exit(2)
		}
		runChild(*child, a)
		return
	}
	cfg := config{Runs: *runs, Bin: *bin, Load: *load, Out: *out, Work: *work, Seed: *seed, Quick: *quick, Days: 366,
		YearRuns: *yearRuns, Resume: *resume, IncrOnly: *incrOnly}
	if *quick {
		cfg.Days = 42
		if !isSet("runs") {
			cfg.Runs = 1
		}
	}
	if cfg.YearRuns <= 0 || cfg.YearRuns > cfg.Runs {
		cfg.YearRuns = cfg.Runs
	}
	if cfg.Runs < 1 {
		fmt.Fprintln(os.Stderr, "ohbench: -runs must be at least 1")
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "ohbench:", err)
		os.Exit(1)
	}
}

func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
