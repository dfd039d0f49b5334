package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// benchEnd is the fixed end of generated history (a Monday, UTC), so that
// runs on different days measure the same data: the last complete ISO week
// is 2026-W44 and the last complete month 2026-10.
var benchEnd = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

type config struct {
	Runs                 int
	Bin, Load, Out, Work string
	Seed                 int64
	Quick                bool
	Days                 int
	YearRuns             int    // runs of the year of reports
	Resume               string // saved JSON of a stopped run to go on from
	IncrOnly             bool   // full and incremental syncs only
}

// proc is one measured child process.
type proc struct {
	Wall   float64 // seconds
	MaxRSS int64   // bytes
	Stdout []byte  `json:"-"`
}

// measure runs cmd to completion and returns its wall time and peak RSS.
//
// cmd runs under a launcher (this binary with -child launch) that reads
// the peak RSS from its own wait: on Linux a process's ru_maxrss starts at
// the high-water mark of the memory it was exec'd from, and Go starts
// children with vfork, so a child of this process (which holds the whole
// synthetic organisation, about 440 MiB) never reported less than this
// process's RSS. The launcher is small, so that floor drops to a few MiB.
func measure(cmd *exec.Cmd) (proc, error) {
	self, err := os.Executable()
	if err != nil {
		return proc{}, err
	}
	rssFile, err := os.CreateTemp("", "ohbench-rss-*")
	if err != nil {
		return proc{}, err
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	launch := exec.Command(self, append([]string{"-child", "launch", "-rss", rssFile.Name(), "--", cmd.Path}, cmd.Args[1:]...)...)
	var stdout, stderr bytes.Buffer
	launch.Stdout, launch.Stderr = &stdout, &stderr
	t0 := time.Now()
	err = launch.Run()
	p := proc{Wall: time.Since(t0).Seconds(), Stdout: stdout.Bytes()}
	if err != nil {
		return p, fmt.Errorf("%s: %w: %s", cmd.Args, err, lastLine(stderr.String()))
	}
	b, err := os.ReadFile(rssFile.Name())
	if err != nil {
		return p, err
	}
	if p.MaxRSS, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err != nil {
		return p, fmt.Errorf("peak RSS of %s: %w", cmd.Args, err)
	}
	return p, nil
}

// launch runs args as a child with this process's stdout and stderr and
// writes the child's peak RSS (bytes) to rssFile; it exits as the child did.
func launch(args []string, rssFile string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			os.WriteFile(rssFile, []byte(strconv.FormatInt(ru.Maxrss*1024, 10)), 0o600) // Linux reports KiB
		}
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "ohbench launch:", err)
		os.Exit(1)
	}
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// syncRun is one measured sync.
type syncRun struct {
	proc
	syncResult
	Server map[string]int64 // requests per endpoint the fake saw
	DBSize int64            // bytes, database file after the sync
}

// tree is what a directory holds: files, their bytes and the bytes of
// the disk blocks they take.
type tree struct {
	Files int
	Bytes int64
	Disk  int64
}

// largest is one file with its size in bytes.
type largest struct {
	Name  string
	Bytes int64
}

// measureTree walks dir and adds up its regular files; it also returns
// the largest .html file.
func measureTree(dir string) (tree, largest, error) {
	var t tree
	var big largest
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		t.Files++
		t.Bytes += fi.Size()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			t.Disk += st.Blocks * 512
		}
		if strings.HasSuffix(path, ".html") && fi.Size() > big.Bytes {
			rel, _ := filepath.Rel(dir, path)
			big = largest{Name: rel, Bytes: fi.Size()}
		}
		return nil
	})
	return t, big, err
}

// results is everything BENCHMARKS.md reports.
type results struct {
	Cfg        config
	Started    time.Time
	GenSeconds float64
	Counts     map[string]int
	Full       []syncRun
	AllAlerts  *syncRun
	Incr       []syncRun
	// IncrFull are the same incremental syncs derived whole (-derive-full),
	// run alternately with Incr on copies of the same database.
	IncrFull []syncRun
	Week     []proc
	Month    []proc
	Year     []proc // one `report --weeks ... --months ...` of 52 weeks and 12 months
	YearDisk []tree // what each run of Year left in its output directory
	// SelfContained is the largest HTML file of the week and the month
	// written with --self-contained (one run each), the size a report
	// mailed on its own has.
	SelfContained *largest `json:",omitempty"`
	YearCount     int
	YearWeeks     string // the year's --weeks range
	YearMonths    string // the year's --months range
	WeekLabel     string
	MonthLabel    string
	LoadRes       []loadResult
	LoadRaw       string
}

// save writes what r holds so far as JSON next to the report and renders
// the report, so that an interrupted run still leaves its figures.
func (r *results) save() error {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(r.Cfg.Out+".json", b, 0o644); err != nil {
		return err
	}
	return render(r)
}

func render(r *results) error {
	f, err := os.Create(r.Cfg.Out)
	if err != nil {
		return err
	}
	if err := writeMarkdown(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rerender renders the report again from a saved JSON file, with a new
// load benchmark output when load is not empty.
func rerender(jsonFile, out, load string) error {
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		return err
	}
	r := &results{}
	if err := json.Unmarshal(b, r); err != nil {
		return fmt.Errorf("%s: %w", jsonFile, err)
	}
	r.Cfg.Out = out
	if load != "" {
		raw, err := os.ReadFile(load)
		if err != nil {
			return err
		}
		r.LoadRaw = string(raw)
		r.LoadRes = parseLoad(r.LoadRaw)
	}
	return render(r)
}

func run(cfg config) error {
	log.SetFlags(log.Ltime)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return fmt.Errorf("report binary: %w (build it with go build -o %s ./cmd/oncall-health)", err, cfg.Bin)
	}
	if cfg.Work == "" {
		if cfg.Work, err = os.MkdirTemp("", "ohbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(cfg.Work)
	} else if err := os.MkdirAll(cfg.Work, 0o700); err != nil {
		return err
	}
	r := &results{Cfg: cfg, Started: time.Now().UTC()}
	if cfg.Resume != "" {
		// Go on from a run that stopped: phases it finished are kept.
		b, err := os.ReadFile(cfg.Resume)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if err := json.Unmarshal(b, r); err != nil {
			return fmt.Errorf("resume %s: %w", cfg.Resume, err)
		}
		r.Cfg = cfg
	}
	if cfg.Load != "" {
		raw, err := os.ReadFile(cfg.Load)
		if err != nil {
			return fmt.Errorf("load benchmark output: %w", err)
		}
		r.LoadRaw = string(raw)
		r.LoadRes = parseLoad(r.LoadRaw)
	}

	size := pagerdutytest.Large
	log.Printf("generating the %s organisation (%d days to %s)", size, cfg.Days, benchEnd.Format(time.DateOnly))
	t0 := time.Now()
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: size, Seed: cfg.Seed, End: benchEnd, Days: cfg.Days})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	r.GenSeconds = time.Since(t0).Seconds()
	r.Counts = org.Counts()
	log.Printf("generated in %.1f s: %v", r.GenSeconds, r.Counts)
	srv := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: benchToken, Now: org.End})
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer stop()

	since, until := org.Start(), org.End()
	syncOnce := func(db string, allAlerts bool, from, to time.Time, extra ...string) (syncRun, error) {
		before := srv.Requests()
		args := []string{"-child", "sync", "-db", db, "-url", url,
			"-since", from.Format(time.RFC3339), "-until", to.Format(time.RFC3339)}
		if allAlerts {
			args = append(args, "-all-alerts")
		}
		args = append(args, extra...)
		p, err := measure(exec.Command(self, args...))
		if err != nil {
			return syncRun{}, err
		}
		sr := syncRun{proc: p, Server: diff(srv.Requests(), before)}
		if err := json.Unmarshal(p.Stdout, &sr.syncResult); err != nil {
			return sr, fmt.Errorf("read sync child output: %w", err)
		}
		sr.DBSize = fileSize(db)
		return sr, nil
	}

	base := filepath.Join(cfg.Work, "base.duckdb")
	if len(r.Full) > 0 {
		if _, err := os.Stat(base); err != nil {
			// A finished run removed it: sync it again (not measured) for
			// the steps still to run.
			log.Printf("resume: syncing the base database again (not measured)")
			if _, err := syncOnce(base, false, since, until); err != nil {
				return fmt.Errorf("resume: %w", err)
			}
		}
	}
	fullRuns := cfg.Runs
	if cfg.IncrOnly {
		fullRuns = 1 // the base of the incremental runs
	}
	for i := len(r.Full); i < fullRuns; i++ {
		db := filepath.Join(cfg.Work, fmt.Sprintf("full-%d.duckdb", i))
		log.Printf("full sync %d/%d", i+1, cfg.Runs)
		sr, err := syncOnce(db, false, since, until)
		if err != nil {
			return fmt.Errorf("full sync: %w", err)
		}
		log.Printf("  %.1f s, %d requests, peak RSS %d MiB, db %d MiB", sr.Wall, sr.Stats.Requests, sr.MaxRSS>>20, sr.DBSize>>20)
		r.Full = append(r.Full, sr)
		if err := r.save(); err != nil {
			return err
		}
		if i == 0 {
			if err := os.Rename(db, base); err != nil {
				return err
			}
		} else {
			removeDB(db)
		}
	}
	if r.AllAlerts == nil && !cfg.IncrOnly {
		db := filepath.Join(cfg.Work, "all-alerts.duckdb")
		log.Printf("full sync with FetchAllAlerts")
		sr, err := syncOnce(db, true, since, until)
		if err != nil {
			return fmt.Errorf("full sync with all alerts: %w", err)
		}
		log.Printf("  %.1f s, %d requests", sr.Wall, sr.Stats.Requests)
		r.AllAlerts = &sr
		removeDB(db)
		if err := r.save(); err != nil {
			return err
		}
	}
	if err := r.save(); err != nil {
		return err
	}

	// Incremental sync: one more day of history, on copies of the database
	// of the first full sync; each run derives incrementally, then the
	// same sync on a fresh copy derives every table whole, side by side.
	srv.Append(1)
	for i := len(r.Incr); i < cfg.Runs; i++ {
		for _, k := range []struct {
			name  string
			extra []string
			into  *[]syncRun
		}{{"incremental sync", nil, &r.Incr}, {"incremental sync, derived whole", []string{"-derive-full"}, &r.IncrFull}} {
			db := filepath.Join(cfg.Work, "incr.duckdb")
			if err := copyFile(base, db); err != nil {
				return err
			}
			log.Printf("%s %d/%d", k.name, i+1, cfg.Runs)
			sr, err := syncOnce(db, false, since, org.End(), k.extra...)
			if err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			log.Printf("  %.1f s (derivation %.1f s, incremental %v), %d requests", sr.Wall, sr.DeriveSeconds, sr.DeriveIncremental, sr.Stats.Requests)
			*k.into = append(*k.into, sr)
			removeDB(db)
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	if cfg.IncrOnly {
		// base stays in -work for a look at it; a temporary -work goes.
		return r.save()
	}

	// Reports, each run on a fresh copy of the synced (and derived)
	// database.
	week := analysis.LastCompleteWeek(until, time.UTC)
	month, err := analysis.ParseMonth(until.AddDate(0, -1, 0).Format("2006-01"), time.UTC)
	if err != nil {
		return err
	}
	r.WeekLabel, r.MonthLabel = week.Label, month.Label
	first := week
	for range 51 {
		first = first.Previous()
	}
	firstMonth := month
	for range 11 {
		firstMonth = firstMonth.Previous()
	}
	year := []string{"--weeks", first.Label + ".." + week.Label, "--months", firstMonth.Label + ".." + month.Label}
	r.YearCount = 52 + 12
	r.YearWeeks, r.YearMonths = year[1], year[3]
	report := func(db string, flag, label string) (proc, error) {
		out := filepath.Join(cfg.Work, "out", label)
		return measure(exec.Command(cfg.Bin, "report", "--db", db, "--out", out, flag, label))
	}
	for i := len(r.Week); i < cfg.Runs; i++ {
		db := filepath.Join(cfg.Work, "report.duckdb")
		for _, k := range []struct {
			flag, label string
			into        *[]proc
		}{{"--week", week.Label, &r.Week}, {"--month", month.Label, &r.Month}} {
			if err := copyFile(base, db); err != nil {
				return err
			}
			log.Printf("report %s %s %d/%d", k.flag, k.label, i+1, cfg.Runs)
			p, err := report(db, k.flag, k.label)
			if err != nil {
				return err
			}
			log.Printf("  %.2f s, peak RSS %d MiB", p.Wall, p.MaxRSS>>20)
			*k.into = append(*k.into, p)
		}
		removeDB(db)
		if err := r.save(); err != nil {
			return err
		}
	}
	if r.SelfContained == nil {
		db := filepath.Join(cfg.Work, "report.duckdb")
		if err := copyFile(base, db); err != nil {
			return err
		}
		var big largest
		for _, k := range [][2]string{{"--week", week.Label}, {"--month", month.Label}} {
			out := filepath.Join(cfg.Work, "out", "self-contained-"+k[1])
			log.Printf("report %s %s --self-contained", k[0], k[1])
			if _, err := measure(exec.Command(cfg.Bin, "report", "--db", db, "--out", out, k[0], k[1], "--self-contained")); err != nil {
				return err
			}
			_, b, err := measureTree(out)
			if err != nil {
				return err
			}
			if b.Bytes > big.Bytes {
				big = largest{Name: k[1] + "/" + b.Name, Bytes: b.Bytes}
			}
		}
		removeDB(db)
		log.Printf("  largest self-contained page %s: %d bytes", big.Name, big.Bytes)
		r.SelfContained = &big
		if err := r.save(); err != nil {
			return err
		}
	}
	for i := len(r.Year); i < cfg.YearRuns; i++ {
		db := filepath.Join(cfg.Work, "report.duckdb")
		if err := copyFile(base, db); err != nil {
			return err
		}
		log.Printf("report %d weeks and months %d/%d", r.YearCount, i+1, cfg.YearRuns)
		yearOut := filepath.Join(cfg.Work, "out", "year")
		if err := os.RemoveAll(yearOut); err != nil { // measure what one run writes
			return err
		}
		all, err := measure(exec.Command(cfg.Bin, append([]string{"report", "--db", db, "--out", yearOut}, year...)...))
		if err != nil {
			return err
		}
		log.Printf("  %.2f s, peak RSS %d MiB", all.Wall, all.MaxRSS>>20)
		disk, _, err := measureTree(yearOut)
		if err != nil {
			return err
		}
		log.Printf("  %d files, %d MiB on disk", disk.Files, disk.Disk>>20)
		r.Year = append(r.Year, all)
		r.YearDisk = append(r.YearDisk, disk)
		removeDB(db)
		if err := r.save(); err != nil {
			return err
		}
	}

	removeDB(base)

	if err := r.save(); err != nil {
		return err
	}
	log.Printf("wrote %s", cfg.Out)
	return nil
}

func diff(after, before map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// fileSize is the size of a DuckDB database with its write-ahead log.
func fileSize(db string) int64 {
	var n int64
	for _, p := range []string{db, db + ".wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func removeDB(db string) {
	os.Remove(db)
	os.Remove(db + ".wal")
}

func copyFile(from, to string) error {
	removeDB(to)
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("copy database: %w", err)
	}
	return dst.Close()
}
