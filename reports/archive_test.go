package reports

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/internal/golden"
)

// archiveFixture is a range run of four weeks and three months, given out
// of order: weeks 2026-W44..W46 of weekFixture plus 2026-W47, a week without
// incidents or pages; months 2026-08..10 of monthFixture. Each Dir is the
// period's label.
func archiveFixture() ([]ArchiveEntry, Options) {
	w, m := weekFixture(), monthFixture()
	empty := &analysis.Metrics{SchemaVersion: 1, Period: weekPeriod("2026-W47", 2026, time.November, 16)}
	ms := []*analysis.Metrics{w.History[1], m.Current, empty, w.Current, m.History[0], w.History[0], m.History[1]}
	var out []ArchiveEntry
	for _, x := range ms {
		out = append(out, ArchiveEntry{Metrics: x, Dir: x.Period.Label})
	}
	return out, w.Options
}

// writeArchiveFixture writes, into root, an archive page linking to
// root/week and root/month, where TestBrowser writes those two fixtures,
// loading the shared assets from assetsHref ("" for a self-contained page),
// and returns its path.
func writeArchiveFixture(t *testing.T, root, assetsHref string) string {
	t.Helper()
	entries := []ArchiveEntry{{Metrics: weekFixture().Current, Dir: "week"}, {Metrics: monthFixture().Current, Dir: "month"}}
	opts := weekFixture().Options
	opts.AssetsHref = assetsHref
	if _, err := WriteArchive(root, entries, opts); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	return filepath.Join(root, IndexFile)
}

// TestArchiveGolden compares the archive page of archiveFixture, with the
// inlined assets cut out, with testdata/archive/index.html.golden. Run with
// -update to rewrite.
func TestArchiveGolden(t *testing.T) {
	entries, opts := archiveFixture()
	data, err := renderArchive(entries, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := stripAssets(string(data))
	golden.Check(t, filepath.Join("testdata", "archive", IndexFile+".golden"), []byte(got))
}

// TestWriteArchive checks the file written, its mode, that no temporary
// file is left and that the page is self-contained.
func TestWriteArchive(t *testing.T) {
	entries, opts := archiveFixture()
	dir := filepath.Join(t.TempDir(), "archive") // WriteArchive creates it
	names, err := WriteArchive(dir, entries, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{IndexFile}, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(des) != 1 {
		t.Errorf("dir holds %d entries, want 1 (a temp file left?)", len(des))
	}
	fi, err := os.Stat(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	for _, p := range selfContainedProblems(string(b)) {
		t.Error(p)
	}
}

var (
	archiveSectionRe = regexp.MustCompile(`(?s)<section id="(weeks|months)">(.*?)</section>`)
	archiveRowRe     = regexp.MustCompile(`<tr><td><a class="period" href="([^"]*)">([^<]*)</a><span class="range">[^<]*</span></td>(.*?)</tr>`)
	archiveCellRe    = regexp.MustCompile(`<td class="num">(.*?)</td>`)
	tagRe            = regexp.MustCompile(`<[^>]*>`)
)

// archiveRowSeen is one table row as the page shows it.
type archiveRowSeen struct {
	Href, Title string
	Cells       []string // pages, after hours, incidents, MTTA, MTTR, toil, high, elevated
}

// archiveChart is what a section's chart data block says.
type archiveChart struct {
	XAxis []struct {
		Data []string `json:"data"`
	} `json:"xAxis"`
	Series []struct {
		Name string `json:"name"`
		Data []struct {
			Value float64 `json:"value"`
		} `json:"data"`
	} `json:"series"`
}

// parseArchive returns each section's rows and chart, keyed by section id.
func parseArchive(t *testing.T, page string) (map[string][]archiveRowSeen, map[string]archiveChart) {
	t.Helper()
	rows := map[string][]archiveRowSeen{}
	charts := map[string]archiveChart{}
	for _, sec := range archiveSectionRe.FindAllStringSubmatch(page, -1) {
		for _, r := range archiveRowRe.FindAllStringSubmatch(sec[2], -1) {
			row := archiveRowSeen{Href: r[1], Title: r[2]}
			for _, c := range archiveCellRe.FindAllStringSubmatch(r[3], -1) {
				row.Cells = append(row.Cells, tagRe.ReplaceAllString(c[1], ""))
			}
			rows[sec[1]] = append(rows[sec[1]], row)
		}
		blocks := dataBlock.FindAllStringSubmatch(sec[2], -1)
		if len(blocks) != 1 {
			t.Fatalf("section %s holds %d charts, want 1", sec[1], len(blocks))
		}
		var c archiveChart
		if err := json.Unmarshal([]byte(blocks[0][1]), &c); err != nil {
			t.Fatalf("section %s chart: %v", sec[1], err)
		}
		charts[sec[1]] = c
	}
	return rows, charts
}

// TestArchiveRows renders planted ranges and checks the order of the rows,
// their links, the figures of chosen periods, the charts and which sections
// exist.
func TestArchiveRows(t *testing.T) {
	w, m := weekFixture(), monthFixture()
	empty := &analysis.Metrics{SchemaVersion: 1, Period: weekPeriod("2026-W47", 2026, time.November, 16)}
	// Dirs differ from the labels so that the links are seen to follow Dir.
	wk := func(x *analysis.Metrics) ArchiveEntry {
		return ArchiveEntry{Metrics: x, Dir: "weeks/" + x.Period.Label + "/"}
	}
	mo := func(x *analysis.Metrics) ArchiveEntry { return ArchiveEntry{Metrics: x, Dir: "m-" + x.Period.Label} }

	// Figures of week 2026-W46 (weekFixture's Current), from its planted
	// org totals(15, 40, 5, 4, 6, 6, 5, 4, 1, mtta p50 240 s, mttr p50
	// 3600 s) and responders:
	w46 := []string{
		"15",    // pages: 5 business + 4 off + 6 sleep
		"67 %",  // after hours: (4 off + 6 sleep) / 15 = 0.667
		"15",    // incidents as planted
		"4 min", // MTTA p50: 240 s / 60
		"1 h",   // MTTR p50: 3600 s / 3600
		"40 %",  // toil: 6 noise pages / 15
		"1",     // high: Ada
		"1",     // elevated: Brian (Grace is "none")
	}
	// Week 2026-W47 has no data: counts 0, shares and times undefined ("—").
	w47 := []string{"0", dash, "0", dash, dash, dash, "0", "0"}
	// Week 2026-W44 (weekFixture's History[0]): totals(6, 10, 3, 1, 1, 1,
	// ...) with MTTA p50 300 s and MTTR p50 3000 s, and only Ada, elevated.
	w44 := []string{
		"5",      // pages: 3 + 1 + 1
		"40 %",   // after hours: (1 + 1) / 5
		"6",      // incidents as planted
		"5 min",  // 300 s / 60
		"50 min", // 3000 s / 60 (whole minutes from 10 min)
		"20 %",   // toil: 1 noise page / 5
		"0",
		"1",
	}
	// Month 2026-10 copies W46's figures (monthFixture), in a month.
	oct := w46

	type want struct {
		titles  []string            // rows of the section, top to bottom
		hrefs   []string            // their links
		figures map[string][]string // cells of some rows, by title
		chart   []string            // chart categories, left to right
		pages   []float64           // chart stack heights, left to right
	}
	tests := []struct {
		name    string
		entries []ArchiveEntry
		weeks   *want // nil: no weeks section
		months  *want // nil: no months section
	}{
		{
			name:    "weeks and months out of order",
			entries: []ArchiveEntry{mo(m.Current), wk(w.History[1]), wk(empty), mo(m.History[0]), wk(w.Current), mo(m.History[1]), wk(w.History[0])},
			weeks: &want{
				titles:  []string{"week 2026-W47", "week 2026-W46", "week 2026-W45", "week 2026-W44"},
				hrefs:   []string{"weeks/2026-W47/index.html", "weeks/2026-W46/index.html", "weeks/2026-W45/index.html", "weeks/2026-W44/index.html"},
				figures: map[string][]string{"week 2026-W46": w46, "week 2026-W47": w47, "week 2026-W44": w44},
				chart:   []string{"2026-W44", "2026-W45", "2026-W46", "2026-W47"},
				// W45 is totals(10, 20, 4, 3, 3, ...): 10 pages.
				pages: []float64{5, 10, 15, 0},
			},
			months: &want{
				titles:  []string{"month 2026-10", "month 2026-09", "month 2026-08"},
				hrefs:   []string{"m-2026-10/index.html", "m-2026-09/index.html", "m-2026-08/index.html"},
				figures: map[string][]string{"month 2026-10": oct},
				chart:   []string{"2026-08", "2026-09", "2026-10"},
				// August and September copy W44 and W45.
				pages: []float64{5, 10, 15},
			},
		},
		{
			name:    "weeks only: no months section",
			entries: []ArchiveEntry{wk(w.Current), wk(w.History[0])},
			weeks: &want{
				titles:  []string{"week 2026-W46", "week 2026-W44"},
				hrefs:   []string{"weeks/2026-W46/index.html", "weeks/2026-W44/index.html"},
				figures: map[string][]string{"week 2026-W46": w46, "week 2026-W44": w44},
				chart:   []string{"2026-W44", "2026-W46"},
				pages:   []float64{5, 15},
			},
		},
		{
			name:    "one empty month: no weeks section",
			entries: []ArchiveEntry{{Metrics: &analysis.Metrics{Period: monthPeriod(2026, time.November)}, Dir: "2026-11"}},
			months: &want{
				titles:  []string{"month 2026-11"},
				hrefs:   []string{"2026-11/index.html"},
				figures: map[string][]string{"month 2026-11": w47},
				chart:   []string{"2026-11"},
				pages:   []float64{0},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := renderArchive(tc.entries, Options{})
			if err != nil {
				t.Fatal(err)
			}
			page := string(data)
			rows, charts := parseArchive(t, page)
			for _, sec := range []struct {
				id   string
				want *want
			}{{"weeks", tc.weeks}, {"months", tc.months}} {
				got, ok := rows[sec.id]
				if sec.want == nil {
					if ok || strings.Contains(page, `<section id="`+sec.id+`"`) {
						t.Errorf("section %s present, want none", sec.id)
					}
					continue
				}
				var titles, hrefs []string
				for _, r := range got {
					titles = append(titles, r.Title)
					hrefs = append(hrefs, r.Href)
					if len(r.Cells) != 8 {
						t.Errorf("%s: %d figures, want 8", r.Title, len(r.Cells))
					}
					if f, ok := sec.want.figures[r.Title]; ok {
						if diff := cmp.Diff(f, r.Cells); diff != "" {
							t.Errorf("%s figures (-want +got):\n%s", r.Title, diff)
						}
					}
				}
				if diff := cmp.Diff(sec.want.titles, titles); diff != "" {
					t.Errorf("%s rows (-want +got):\n%s", sec.id, diff)
				}
				if diff := cmp.Diff(sec.want.hrefs, hrefs); diff != "" {
					t.Errorf("%s links (-want +got):\n%s", sec.id, diff)
				}
				c := charts[sec.id]
				if len(c.XAxis) != 1 || len(c.Series) != 3 {
					t.Fatalf("%s chart: %d x axes, %d series; want 1 and 3", sec.id, len(c.XAxis), len(c.Series))
				}
				if diff := cmp.Diff(sec.want.chart, c.XAxis[0].Data); diff != "" {
					t.Errorf("%s chart categories (-want +got):\n%s", sec.id, diff)
				}
				// Business, off and sleep hours stack to the period's pages.
				heights := make([]float64, len(c.XAxis[0].Data))
				for _, s := range c.Series {
					for i, d := range s.Data {
						heights[i] += d.Value
					}
				}
				if diff := cmp.Diff(sec.want.pages, heights); diff != "" {
					t.Errorf("%s chart pages (-want +got):\n%s", sec.id, diff)
				}
			}
		})
	}
}

// TestArchiveTitle checks the page's title and subtitle: the first period
// by start, the last by end, and the span in the first period's zone.
func TestArchiveTitle(t *testing.T) {
	entries, opts := archiveFixture()
	data, err := renderArchive(entries, opts)
	if err != nil {
		t.Fatal(err)
	}
	// August 2026 starts first (1 Aug, UTC); W47 ends last, on Sunday 22
	// Nov 2026 in Berlin (16 Nov + 7 days, exclusive); shown in UTC, the
	// zone of the first period: Berlin's midnight is 23:00 UTC on the 22nd.
	for _, want := range []string{
		"<h1>On-call health: reports from 2026-08 to 2026-W47</h1>",
		"<p>4 weeks and 3 months · Sat 1 Aug 2026 – Sun 22 Nov 2026 (UTC)</p>",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	one := []ArchiveEntry{{Metrics: weekFixture().Current, Dir: "x"}}
	data, err = renderArchive(one, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<h1>On-call health: reports for 2026-W46</h1>"; !strings.Contains(string(data), want) {
		t.Errorf("one-period page lacks %q", want)
	}
}

func TestArchiveErrors(t *testing.T) {
	good := func() ArchiveEntry { return ArchiveEntry{Metrics: weekFixture().Current, Dir: "2026-W46"} }
	day := good()
	day.Metrics.Period.Kind = "day"
	tests := []struct {
		name    string
		entries []ArchiveEntry
		want    error
	}{
		{"no entries", nil, ErrNoMetrics},
		{"nil metrics", []ArchiveEntry{good(), {Dir: "2026-W47"}}, ErrNoMetrics},
		{"bad kind", []ArchiveEntry{good(), {Metrics: day.Metrics, Dir: "2026-D1"}}, ErrPeriodKind},
		{"empty kind", []ArchiveEntry{{Metrics: &analysis.Metrics{}, Dir: "x"}}, ErrPeriodKind},
		{"empty dir", []ArchiveEntry{{Metrics: good().Metrics}}, ErrArchiveDir},
		{"dot dir", []ArchiveEntry{{Metrics: good().Metrics, Dir: "./"}}, ErrArchiveDir},
		{"absolute dir", []ArchiveEntry{{Metrics: good().Metrics, Dir: "/tmp/x"}}, ErrArchiveDir},
		{"protocol-relative dir", []ArchiveEntry{{Metrics: good().Metrics, Dir: "//x.test"}}, ErrArchiveDir},
		{"parent dir", []ArchiveEntry{{Metrics: good().Metrics, Dir: "a/../../x"}}, ErrArchiveDir},
		{"url dir", []ArchiveEntry{{Metrics: good().Metrics, Dir: "javascript:alert(1)"}}, ErrArchiveDir},
		{"same dir twice", []ArchiveEntry{good(), {Metrics: weekFixture().History[0], Dir: "2026-W46/"}}, ErrArchiveDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "archive")
			_, err := WriteArchive(dir, tc.entries, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("archive dir written on error (stat: %v)", err)
			}
		})
	}
}

// TestArchiveEscapes: a Dir and a label holding markup stay text and a
// relative link.
func TestArchiveEscapes(t *testing.T) {
	m := *weekFixture().Current
	m.Period.Label = `<script>alert(1)</script>`
	data, err := renderArchive([]ArchiveEntry{{Metrics: &m, Dir: `"><img src=x onerror=alert(1)>`}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := stripAssets(string(data))
	for _, bad := range []string{"<script>alert", "<img", `src="x"`} {
		if strings.Contains(s, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	if !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("page lacks the escaped label")
	}
	if p := selfContainedProblems(string(data)); len(p) != 0 {
		t.Errorf("page not self-contained: %v", p)
	}
}
