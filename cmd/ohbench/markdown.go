package main

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/oncall-health/oncall-health/ingest"
)

// lastTree is the last of ts, or nil.
func lastTree(ts []tree) *tree {
	if len(ts) == 0 {
		return nil
	}
	return &ts[len(ts)-1]
}

// notes is the hand-written part of BENCHMARKS.md: findings, profiles and
// fixes, which no run can measure by itself.
//
//go:embed notes.md
var notes string

// loadResult is one line of the load-path Go benchmark.
type loadResult struct {
	Path        string
	ItemsPerSec float64
}

var loadLine = regexp.MustCompile(`^BenchmarkLoadLogEntries/(\S+?)(?:-\d+)?\s+\d+\s.*?\s([0-9.e+]+) items/s`)

func parseLoad(out string) []loadResult {
	var rs []loadResult
	for _, l := range strings.Split(out, "\n") {
		m := loadLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		rs = append(rs, loadResult{Path: m[1], ItemsPerSec: v})
	}
	return rs
}

// mmm formats the min / median / max of xs with format f.
func mmm(xs []float64, f string) string {
	if len(xs) == 0 {
		return "n/a"
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if len(s) == 1 {
		return fmt.Sprintf(f, s[0])
	}
	return fmt.Sprintf(f+" / "+f+" / "+f, s[0], med, s[len(s)-1])
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func medianOf(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func each[T any](xs []T, f func(T) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func resource(st *ingest.Stats, name string) ingest.ResourceStats {
	for _, r := range st.Resources {
		if r.Resource == name {
			return r
		}
	}
	return ingest.ResourceStats{}
}

func pages(n int64) int64 { return (n + ingest.PageLimit - 1) / ingest.PageLimit }

// machine describes this computer from /proc and uname.
func machine() []string {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(l[strings.IndexByte(l, ':')+1:])
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				f := strings.Fields(l)
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
				}
			}
		}
	}
	osName := runtime.GOOS
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "PRETTY_NAME=") {
				osName = strings.Trim(strings.TrimPrefix(l, "PRETTY_NAME="), `"`)
			}
		}
	}
	kernel := ""
	if b, err := exec.Command("uname", "-r").Output(); err == nil {
		kernel = ", kernel " + strings.TrimSpace(string(b))
	}
	return []string{
		fmt.Sprintf("- CPUs: %d (`nproc`), %s", runtime.NumCPU(), cpu),
		"- Memory: " + mem,
		"- OS: " + osName + kernel,
		"- Go: " + runtime.Version() + ", DuckDB 1.5.6 (duckdb-go v2.10506.0)",
	}
}

func writeMarkdown(w io.Writer, r *results) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	cfg := r.Cfg
	p("# Benchmarks")
	p("")
	p("Written by `cmd/ohbench` (`make bench`); the section \"Findings\" at the end is hand-written")
	p("(`cmd/ohbench/notes.md`). Every figure is **min / median / max of %d runs** unless it says otherwise;", cfg.Runs)
	p("times are wall-clock seconds, memory is the peak RSS (rusage maxrss) of the process doing the step.")
	p("")
	p("## Machine and run")
	p("")
	for _, l := range machine() {
		p("%s", l)
	}
	p("- Date: %s (UTC, start of the run)", r.Started.Format("2006-01-02 15:04"))
	cmd := "make bench"
	if cfg.Quick {
		cmd = "make bench BENCHFLAGS=-quick"
	}
	p("- Command: `%s` (`bin/ohbench -runs %d%s -bin %s -load ...`)", cmd, cfg.Runs, map[bool]string{true: " -quick"}[cfg.Quick], cfg.Bin)
	p("- Data: the fake PagerDuty API (`ingest/pagerdutytest`, size `large`, seed %d) on 127.0.0.1 in the", cfg.Seed)
	p("  benchmark's own process; %d days of history ending %s; generated in %.1f s.", cfg.Days, benchEnd.Format("2006-01-02"), r.GenSeconds)
	p("  Rate limiting off (`RequestsPerMinute: -1`). Other processes shared the 2 cores during the run, so")
	p("  times are upper bounds of what an idle machine gives.")
	p("")
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var cs []string
	for _, k := range keys {
		cs = append(cs, fmt.Sprintf("%s %d", k, r.Counts[k]))
	}
	p("Organisation served (fake's counts): %s.", strings.Join(cs, ", "))
	p("")

	// Full sync.
	p("## Full sync")
	p("")
	p("A first sync of the whole history into an empty database; the sync runs as a child process and,")
	p("as `oncall-health sync` does, derives the report tables at its end (included in its time and RSS).")
	p("")
	p("| | min / median / max |")
	p("|---|---|")
	p("| wall time, s | %s |", mmm(each(r.Full, func(s syncRun) float64 { return s.Wall }), "%.1f"))
	p("| of which deriving the report tables, s | %s |", mmm(each(r.Full, func(s syncRun) float64 { return s.DeriveSeconds }), "%.1f"))
	p("| peak RSS, MiB | %s |", mmm(each(r.Full, func(s syncRun) float64 { return mib(s.MaxRSS) }), "%.0f"))
	p("| database size after sync, MiB | %s |", mmm(each(r.Full, func(s syncRun) float64 { return mib(s.DBSize) }), "%.0f"))
	p("| requests | %s |", mmm(each(r.Full, func(s syncRun) float64 { return float64(s.Stats.Requests) }), "%.0f"))
	p("| retries | %s |", mmm(each(r.Full, func(s syncRun) float64 { return float64(s.Stats.Retries) }), "%.0f"))
	p("")
	p("Per resource. Items are as received (a page's items, duplicates across pages included); items/s is")
	p("items over that resource's wall time. The `incidents` step includes fetching alerts.")
	p("")
	p("| resource | items | seconds | items/s | requests |")
	p("|---|---|---|---|---|")
	if len(r.Full) > 0 {
		for _, rs := range r.Full[0].Stats.Resources {
			name := rs.Resource
			get := func(s syncRun) ingest.ResourceStats { return resource(s.Stats, name) }
			p("| %s | %d | %s | %s | %s |", name, rs.Items,
				mmm(each(r.Full, func(s syncRun) float64 { return get(s).Elapsed.Seconds() }), "%.2f"),
				mmm(each(r.Full, func(s syncRun) float64 {
					return float64(get(s).Items) / max(get(s).Elapsed.Seconds(), 1e-9)
				}), "%.0f"),
				mmm(each(r.Full, func(s syncRun) float64 { return float64(get(s).Requests) }), "%.0f"))
		}
		p("")
		p("Stored after the sync: %s.", countsLine(r.Full[0].Counts))
		p("")
	}

	// Requests against the minimum.
	p("## Requests against the minimum")
	p("")
	p("The least number of requests is `ceil(items/100)` for each list (one window for the")
	p("whole-list resources); for the windowed ones (incidents, log entries, on-calls; the sync cuts them")
	p("into 30-day windows and halves a window holding more than the 10,000 items an offset can reach)")
	p("`ceil(items/100)` over the whole range is a lower bound of the per-window minimum (the true")
	p("minimum is at most one more per window). Alerts: one request per incident whose alerts are fetched")
	p("(`ceil(alerts/100)` for the rare incident with more than 100); by default that is the incidents with")
	p("`alert_counts.all > 1`, with `FetchAllAlerts` every incident. Request counts are the fake's own")
	p("count per endpoint; they were identical in every run.")
	p("")
	for _, v := range []struct {
		name string
		s    *syncRun
	}{{"default (alerts of multi-alert incidents only)", first(r.Full)}, {"FetchAllAlerts", r.AllAlerts}} {
		if v.s == nil {
			continue
		}
		p("### %s", v.name)
		p("")
		p("| endpoint | items | requests | minimum | over minimum |")
		p("|---|---|---|---|---|")
		var tot, totMin int64
		row := func(ep string, items, min int64) {
			got := v.s.Server[ep]
			tot += got
			totMin += min
			p("| `%s` | %d | %d | %d | %s |", ep, items, got, min, pct(got, min))
		}
		st := v.s.Stats
		row("GET /users", int64(resource(st, "users").Items), pages(int64(resource(st, "users").Items)))
		row("GET /teams", int64(resource(st, "teams").Items), pages(int64(resource(st, "teams").Items)))
		row("GET /services", int64(resource(st, "services").Items), pages(int64(resource(st, "services").Items)))
		row("GET /escalation_policies", int64(resource(st, "escalation_policies").Items), pages(int64(resource(st, "escalation_policies").Items)))
		inc := int64(resource(st, "incidents").Items)
		row("GET /incidents", inc, pages(inc))
		row("GET /incidents/{id}/alerts", v.s.Counts["alerts"], v.s.AlertPages)
		le := int64(resource(st, "log_entries").Items)
		row("GET /log_entries", le, pages(le))
		oc := int64(resource(st, "oncalls").Items)
		row("GET /oncalls", oc, pages(oc))
		p("| **all** | | **%d** | **%d** | **%s** |", tot, totMin, pct(tot, totMin))
		p("")
		p("At PagerDuty's 960 requests per minute this sync takes **%s** against a real account", dur(float64(tot)/16))
		p("(%d requests / 16 per second; at the default `--rate 900`, %s).", tot, dur(float64(tot)/15))
		p("")
	}

	// Incremental.
	p("## Incremental sync after one more day")
	p("")
	p("The fake moves on by one day (`Server.Append(1)`); a sync on a copy of the fully synced database")
	p("pulls from each watermark less the 7-day look-back and derives the report tables incrementally")
	p("(from the earliest window it wrote, `analysis.DeriveWith`). Beside it, alternating, the same sync on")
	p("another copy derives every table whole (`-derive-full`), as every sync did before issue 22.")
	p("")
	if len(r.Incr) > 0 {
		col := func(runs []syncRun, f func(syncRun) float64, format string) string {
			if len(runs) == 0 {
				return ""
			}
			return mmm(each(runs, f), format)
		}
		row := func(name string, f func(syncRun) float64, format string) {
			p("| %s | %s | %s |", name, col(r.Incr, f, format), col(r.IncrFull, f, format))
		}
		p("| min / median / max | derived incrementally | derived whole |")
		p("|---|---|---|")
		row("wall time (sync and derivation), s", func(s syncRun) float64 { return s.Wall }, "%.1f")
		row("of which deriving the report tables, s", func(s syncRun) float64 { return s.DeriveSeconds }, "%.1f")
		row("requests", func(s syncRun) float64 { return float64(s.Stats.Requests) }, "%.0f")
		row("items received", func(s syncRun) float64 { return float64(s.Stats.Items) }, "%.0f")
		row("peak RSS, MiB", func(s syncRun) float64 { return mib(s.MaxRSS) }, "%.0f")
		row("at 960 requests/min, s", func(s syncRun) float64 { return float64(s.Stats.Requests) / 16 }, "%.0f")
		p("")
		n := 0
		for _, s := range r.Incr {
			n += int(b2f(s.DeriveIncremental))
		}
		p("%d of %d runs of the first column derived incrementally.", n, len(r.Incr))
		p("")
		if steps := r.Incr[0].DeriveSteps; len(steps) > 0 {
			var parts []string
			for _, st := range steps {
				parts = append(parts, fmt.Sprintf("`%s` %.2f", strings.TrimPrefix(st.Step, "analysis-"), st.Seconds))
			}
			p("Incremental derivation, s per statement (first run): %s.", strings.Join(parts, ", "))
			p("")
		}
		p("Requests per endpoint (first run): %s.", endpointsLine(r.Incr[0].Server))
		p("")
	}

	// Load path.
	p("## Load path: Arrow vs Appender vs batched INSERT")
	p("")
	p("`go test ./ingest -run '^$' -bench BenchmarkLoadLogEntries -count %d` (ingest/bench_load_test.go): the same", cfg.Runs)
	p("100,000 log-entry rows, in batches of 10,000 (a window's worth), into the migrated `log_entries`")
	p("table of a fresh database file, each batch in one transaction. `arrow`: the sync's own path")
	p("(`stage`: one Arrow record batch registered as a view, then the `upsert-log-entries` statement, which")
	p("inserts the rows whose id is not stored yet within the batch's time window); `arrow-after-1M`: the same")
	p("after 1,000,000 older rows were stored, as in the later windows of a year's sync; `appender`: duckdb-go's")
	p("Appender; `insert`: multi-row `INSERT ... VALUES` of 100 rows with parameters. Appender and INSERT")
	p("append without the duplicate check (the table has no key since migration 3), so they are upper bounds.")
	p("")
	if len(r.LoadRes) > 0 {
		by := map[string][]float64{}
		var order []string
		for _, l := range r.LoadRes {
			if _, ok := by[l.Path]; !ok {
				order = append(order, l.Path)
			}
			by[l.Path] = append(by[l.Path], l.ItemsPerSec)
		}
		p("| path | items/s (min / median / max) |")
		p("|---|---|")
		for _, k := range order {
			p("| %s | %s |", k, mmm(by[k], "%.0f"))
		}
	} else {
		p("(not run: no `-load` file)")
	}
	p("")

	// Reports.
	p("## `report`")
	p("")
	p("`bin/oncall-health report --db ... --out ...` as a child process, each run on a fresh copy of the")
	p("database of the first full sync, whose report tables that sync derived (as `oncall-health sync`")
	p("does). A report computes its period and the 8 weeks or 6 months before it for trends. The year is")
	p("one invocation of the range mode, `report --weeks %s --months %s`", r.YearWeeks, r.YearMonths)
	p("(%d periods, each in its own directory, plus an index of them), which computes each period once.", r.YearCount)
	p("")
	p("| report | seconds | peak RSS, MiB |")
	p("|---|---|---|")
	for _, v := range []struct {
		name string
		ps   []proc
	}{{"one week (" + r.WeekLabel + ")", r.Week}, {"one month (" + r.MonthLabel + ")", r.Month}, {fmt.Sprintf("52 weeks + 12 months (%d runs)", len(r.Year)), r.Year}} {
		p("| %s | %s | %s |", v.name, mmm(each(v.ps, func(x proc) float64 { return x.Wall }), "%.2f"),
			mmm(each(v.ps, func(x proc) float64 { return mib(x.MaxRSS) }), "%.0f"))
	}
	p("")
	if d := lastTree(r.YearDisk); d != nil {
		p("The year's output directory (pages sharing one `assets/` folder) held %d files, %.1f MB", d.Files, float64(d.Bytes)/1e6)
		p("(%.1f MB in disk blocks).", float64(d.Disk)/1e6)
	}
	if s := r.SelfContained; s != nil {
		p("The largest page of the week and the month written with `--self-contained` (%s) is %.0f kB.", s.Name, float64(s.Bytes)/1e3)
	}
	if len(r.YearDisk) > 0 || r.SelfContained != nil {
		p("")
	}

	// Targets.
	p("## Targets")
	p("")
	p("| target | measured (median; RSS: max) | met |")
	p("|---|---|---|")
	if xs := loadOf(r.LoadRes, "arrow"); len(xs) > 0 {
		loadLE := medianOf(xs)
		p("| local load ≥ 200,000 log entries/s (Arrow path, load benchmark) | %.0f | %s |", loadLE, yes(loadLE >= 200000))
	}
	mo := medianOf(each(r.Month, func(x proc) float64 { return x.Wall }))
	p("| one month's report set < 2 s | %.2f s | %s |", mo, yes(mo < 2))
	yr := medianOf(each(r.Year, func(x proc) float64 { return x.Wall }))
	p("| a year of weekly and monthly reports < 30 s | %.2f s | %s |", yr, yes(yr < 30))
	p("| a year of weekly and monthly reports < 10 s (issue 18) | %.2f s | %s |", yr, yes(yr < 10))
	if len(r.Incr) > 0 {
		w := medianOf(each(r.Incr, func(s syncRun) float64 { return s.Wall }))
		p("| incremental sync plus derivation < 5 s (issue 22) | %.1f s | %s |", w, yes(w < 5))
	}
	if d := lastTree(r.YearDisk); d != nil {
		p("| a year of weekly and monthly reports < 100 MB on disk (issue 18) | %.1f MB | %s |", float64(d.Disk)/1e6, yes(d.Disk < 100e6))
	}
	if s := r.SelfContained; s != nil {
		p("| a single self-contained report < 600 kB (issue 18; the largest page of the week and the month) | %.0f kB | %s |", float64(s.Bytes)/1e3, yes(s.Bytes < 600e3))
	}
	var rss []float64
	for _, s := range r.Full {
		rss = append(rss, mib(s.MaxRSS))
	}
	for _, s := range append(append([]syncRun{}, r.Incr...), r.IncrFull...) {
		rss = append(rss, mib(s.MaxRSS))
	}
	for _, ps := range [][]proc{r.Week, r.Month, r.Year} {
		for _, x := range ps {
			rss = append(rss, mib(x.MaxRSS))
		}
	}
	p("| peak RSS < 1 GiB in every step | %.0f MiB | %s |", maxOf(rss), yes(maxOf(rss) < 1024))
	if s := first(r.Full); s != nil {
		var tot, min int64
		for _, v := range s.Server {
			tot += v
		}
		min = pages(int64(resource(s.Stats, "users").Items)) + pages(int64(resource(s.Stats, "teams").Items)) +
			pages(int64(resource(s.Stats, "services").Items)) + pages(int64(resource(s.Stats, "escalation_policies").Items)) +
			pages(int64(resource(s.Stats, "incidents").Items)) + s.AlertPages +
			pages(int64(resource(s.Stats, "log_entries").Items)) + pages(int64(resource(s.Stats, "oncalls").Items))
		p("| requests within 5 %% of the minimum | %s over | %s |", pct(tot, min), yes(float64(tot) <= 1.05*float64(min)))
	}
	p("")
	if r.LoadRaw != "" {
		p("<details><summary>raw load benchmark output</summary>")
		p("")
		p("```")
		p("%s", strings.TrimSpace(r.LoadRaw))
		p("```")
		p("</details>")
		p("")
	}
	b.WriteString(notes)
	_, err := io.WriteString(w, b.String())
	return err
}

func loadOf(ls []loadResult, path string) []float64 {
	var out []float64
	for _, l := range ls {
		if l.Path == path {
			out = append(out, l.ItemsPerSec)
		}
	}
	return out
}

func first(s []syncRun) *syncRun {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func pct(got, min int64) string {
	if min == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f %%", 100*(float64(got)-float64(min))/float64(min))
}

func dur(s float64) string {
	h := int(s) / 3600
	m := (int(s) % 3600) / 60
	if h > 0 {
		return fmt.Sprintf("%d h %02d min", h, m)
	}
	return fmt.Sprintf("%d min %02d s", m, int(s)%60)
}

func countsLine(c map[string]int64) string {
	var ks []string
	for k := range c {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var out []string
	for _, k := range ks {
		out = append(out, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(out, ", ")
}

func endpointsLine(m map[string]int64) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var out []string
	for _, k := range ks {
		out = append(out, fmt.Sprintf("`%s` %d", k, m[k]))
	}
	return strings.Join(out, ", ")
}

// b2f is 1 for true, 0 for false.
func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
