package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/internal/golden"
)

// stripAssets replaces the inlined stylesheet and the two fixed scripts by
// short placeholders, leaving the document's own structure and text.
func stripAssets(s string) string {
	s = strings.Replace(s, "<style>"+styleCSS+"</style>", "<style>/* assets/style.css */</style>", 1)
	s = strings.Replace(s, "<script>"+echartsLoaderJS()+"</script>", "<script>/* assets/loader.js with assets/echarts/echarts-5.4.3-custom.min.js (ECharts 5.4.3) */</script>", 1)
	s = strings.Replace(s, "<script>"+initJS+"</script>", "<script>/* assets/init.js */</script>", 1)
	return s
}

func writeFixture(t *testing.T, in Input) (string, []string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out") // Write creates it
	names, err := Write(dir, in)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, names
}

// TestWriteFiles checks the set of files per period kind, their mode, that
// no temporary file is left, and the self-containment of each HTML file.
func TestWriteFiles(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		// Two teams in the week fixture, PDB0001 and PPAY001, in metrics order.
		{"week", weekFixture(), []string{"team-PDB0001.html", "team-PPAY001.html", "noisy-alerts.html", "index.html", "summary.md"}},
		{"month", monthFixture(), []string{"leadership.html", "noisy-alerts.html", "index.html", "summary.md"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, names := writeFixture(t, tc.in)
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Fatalf("files (-want +got):\n%s", diff)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(tc.want) {
				t.Errorf("dir holds %d entries, want %d (a temp file left?)", len(entries), len(tc.want))
			}
			for _, name := range names {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
				}
				if !strings.HasSuffix(name, ".html") {
					continue
				}
				b, _ := os.ReadFile(filepath.Join(dir, name))
				for _, p := range selfContainedProblems(string(b)) {
					t.Errorf("%s: %s", name, p)
				}
			}
		})
	}
}

var remoteRef = regexp.MustCompile(`(?i)\b(src|href|action|srcset|poster|data)\s*=\s*["']?\s*(https?:|//)`)

// selfContainedProblems lists why an HTML report is not self-contained: a
// remote reference, a missing CSP, an external script or stylesheet, or
// ECharts inlined other than once per page with charts.
func selfContainedProblems(s string) []string {
	var out []string
	if loc := remoteRef.FindStringIndex(s); loc != nil {
		out = append(out, fmt.Sprintf("remote reference %q", s[loc[0]:loc[1]]))
	}
	if !strings.Contains(s, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-`) {
		out = append(out, "CSP meta tag missing or not default-src 'none' first")
	}
	if strings.Contains(s, "<script src") || strings.Contains(s, "<link") {
		out = append(out, "external script or link element")
	}
	blocks := strings.Count(s, `<script type="application/json" data-chart=`)
	libs := strings.Count(s, echartsLoaderJS())
	// ECharts is inlined once in a page with charts, never twice, and not
	// at all in a page without.
	if blocks > 0 && libs != 1 || blocks == 0 && libs != 0 {
		out = append(out, fmt.Sprintf("ECharts inlined %d times for %d charts", libs, blocks))
	}
	// Every <script> is a chart data block or one of the two hashed scripts.
	if scripts := strings.Count(s, "<script"); blocks > 0 && scripts != blocks+2 || blocks == 0 && scripts != 0 {
		out = append(out, fmt.Sprintf("%d script elements for %d charts", scripts, blocks))
	}
	return out
}

// TestSelfContainedProblems shows the check above fails on broken pages.
func TestSelfContainedProblems(t *testing.T) {
	files, err := Render(weekFixture())
	if err != nil {
		t.Fatal(err)
	}
	good := string(files[0].Data)
	if p := selfContainedProblems(good); len(p) != 0 {
		t.Fatalf("good page flagged: %v", p)
	}
	tests := []struct{ name, page, want string }{
		{"remote img", strings.Replace(good, "<main>", `<main><img src="https://x.test/a.png">`, 1), "remote reference"},
		{"protocol-relative", strings.Replace(good, "<main>", `<main><a href=//x.test/>x</a>`, 1), "remote reference"},
		{"no csp", strings.Replace(good, `http-equiv="Content-Security-Policy"`, `name="x"`, 1), "CSP meta"},
		{"external script", strings.Replace(good, "<main>", `<main><script src="a.js"></script>`, 1), "external script"},
		{"echarts twice", strings.Replace(good, "</body>", "<script>"+echartsLoaderJS()+"</script></body>", 1), "ECharts inlined 2 times"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(selfContainedProblems(tc.page), "; "); !strings.Contains(got, tc.want) {
				t.Errorf("problems %q lack %q", got, tc.want)
			}
		})
	}
}

// TestGolden compares each report, with the inlined assets cut out, and
// summary.md with testdata/<kind>/<file>.golden. Run with -update to rewrite.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
	}{{"week", weekFixture()}, {"month", monthFixture()}, {"week-hidden", hidden(weekFixture())}, {"month-hidden", hidden(monthFixture())}, {"week-first", firstWeek()}} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Render(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if strings.HasSuffix(tc.name, "-hidden") && f.Name != SummaryFile && f.Name != LeadershipFile && f.Name != IndexFile {
					continue // names are hidden in these only
				}
				got := stripAssets(string(f.Data))
				golden.Check(t, filepath.Join("testdata", tc.name, f.Name+".golden"), []byte(got))
			}
		})
	}
}

func hidden(in Input) Input {
	in.Options.HideNames = true
	return in
}

// firstWeek is the week fixture with no history, no heat maps and no
// service attribution: every comparison is "—".
func firstWeek() Input {
	in := weekFixture()
	in.History = nil
	in.Heatmaps = nil
	in.Services = nil
	return in
}

func TestRenderErrors(t *testing.T) {
	bad := weekFixture()
	bad.Current.Period.Kind = "day"
	tests := []struct {
		name string
		in   Input
		want error
	}{
		{"no metrics", Input{}, ErrNoMetrics},
		{"unknown kind", bad, ErrPeriodKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Write(t.TempDir(), tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestWriteReplaces checks that a second Write replaces the files of the
// first in place (rename over the old file), still with mode 0600.
func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, weekFixture()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# On-call health, week 2026-W46") {
		t.Errorf("summary.md not replaced: %q", b[:20])
	}
	fi, _ := os.Stat(filepath.Join(dir, SummaryFile))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

var mdRawLT = regexp.MustCompile(`(^|[^\\])<.{0,20}`)

var dataBlock = regexp.MustCompile(`(?s)<script type="application/json" data-chart="[^"]*">(.*?)</script>`)

// TestXSS renders reports whose PagerDuty strings are attack payloads and
// checks they stay text: no payload appears unescaped in the HTML, no link
// takes a javascript: URL, every chart data block is valid JSON that ends
// where it should, and summary.md escapes Markdown/HTML.
func TestXSS(t *testing.T) {
	for _, kind := range []string{"week", "month"} {
		t.Run(kind, func(t *testing.T) {
			files, err := Render(xssFixture(kind))
			if err != nil {
				t.Fatal(err)
			}
			sawPayload := false
			for _, f := range files {
				s := string(f.Data)
				if f.Name == SummaryFile {
					// Every '<' from a payload is backslash-escaped.
					if m := mdRawLT.FindString(s); m != "" {
						t.Errorf("summary.md holds an unescaped '<': %q", m)
					}
					if !strings.Contains(s, `\<script\>alert(1)\</script\>`) {
						t.Errorf("summary.md lacks the escaped payload")
					}
					continue
				}
				s = stripAssets(s) // ECharts' own code holds "<img" in a string
				for _, bad := range []string{"<script>alert", "<img", "<svg", "<script>window", `href="javascript:`, "href='javascript:", `src="x"`} {
					if strings.Contains(s, bad) {
						t.Errorf("%s holds %q", f.Name, bad)
					}
				}
				if strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") {
					sawPayload = true
				}
				for _, m := range dataBlock.FindAllStringSubmatch(s, -1) {
					var v map[string]any
					if err := json.Unmarshal([]byte(m[1]), &v); err != nil {
						t.Errorf("%s: chart data block is not JSON: %v", f.Name, err)
					}
					if strings.Contains(m[1], "<") {
						t.Errorf("%s: '<' unescaped in a chart data block", f.Name)
					}
				}
				// Only the fixed <script> elements exist: data blocks and the
				// two asset scripts.
				blocks := len(dataBlock.FindAllString(s, -1))
				if n := strings.Count(s, "<script"); blocks > 0 && n != blocks+2 || blocks == 0 && n != 0 {
					t.Errorf("%s: %d <script elements for %d chart blocks: a payload opened one", f.Name, n, blocks)
				}
			}
			if !sawPayload {
				t.Errorf("no page shows the escaped payload: the fixture does not reach the pages")
			}
		})
	}
}

// TestXSSChartData checks that payload titles reach the chart options
// intact (so the JSON escaping, not data loss, keeps them harmless).
func TestXSSChartData(t *testing.T) {
	files, err := Render(xssFixture("week"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name != NoisyFile {
			continue
		}
		found := false
		for _, m := range dataBlock.FindAllStringSubmatch(string(f.Data), -1) {
			var v map[string]any
			if err := json.Unmarshal([]byte(m[1]), &v); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			// The noisy chart's categories are "#rank title" cut to 48
			// runes; titles are payload pairs, several of which start
			// with a tag that survives the cut.
			if strings.Contains(b.String(), "<script>") || strings.Contains(b.String(), "</script>") {
				found = true
			}
		}
		if !found {
			t.Errorf("no chart category holds the </script> payload")
		}
	}
}

func TestTeamFile(t *testing.T) {
	tests := []struct{ id, want string }{
		{"PABC123", "team-PABC123.html"},
		{"unassigned", "team-unassigned.html"},
		{"../etc/passwd", "team-___etc_passwd.html"}, // '.', '/' replaced
		{"javascript:x", "team-javascript_x.html"},   // ':' replaced
		{"", "team-_.html"},                          // never empty
		{"Ünïcode", "team-_n_code.html"},             // non-ASCII letters replaced
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := TeamFile(tc.id); got != tc.want {
				t.Errorf("TeamFile(%q) = %q, want %q", tc.id, got, tc.want)
			}
		})
	}
}

// TestTeamFileCollision: two ids that sanitise alike get distinct files.
func TestTeamFileCollision(t *testing.T) {
	in := weekFixture()
	in.Current.Teams[0].ID = "a:b"
	in.Current.Teams[1].ID = "a/b"
	files, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	// Both become team-a_b.html; the second gets the suffix -2.
	if files[0].Name != "team-a_b.html" || files[1].Name != "team-a_b-2.html" {
		t.Errorf("names %q, %q", files[0].Name, files[1].Name)
	}
}

var _ = analysis.SchemaVersion

// TestTeamSourceNote: on an account without teams (period.team_source
// escalation_policies) every HTML page says that teams are escalation
// policies; on one with teams no page does.
func TestTeamSourceNote(t *testing.T) {
	const note = "each escalation policy stands in as a team"
	for _, c := range []struct {
		source string
		want   bool
	}{{"escalation_policies", true}, {"teams", false}} {
		t.Run(c.source, func(t *testing.T) {
			in := weekFixture()
			in.Current.Period.TeamSource = c.source
			dir, names := writeFixture(t, in)
			pages := 0
			for _, n := range names {
				if !strings.HasSuffix(n, ".html") {
					continue
				}
				pages++
				b, err := os.ReadFile(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.Contains(string(b), note); got != c.want {
					t.Errorf("%s: says %q: %v, want %v", n, note, got, c.want)
				}
			}
			if pages == 0 {
				t.Fatal("no HTML page written")
			}
		})
	}
}
