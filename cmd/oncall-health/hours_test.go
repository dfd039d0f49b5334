package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/oncall-health/oncall-health/reports"
)

// writeConfig writes a YAML config into a temporary file and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// reportFiles reads every HTML page and summary.md under dir, keyed by
// path relative to dir.
func reportFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".md") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// defaultHourTexts are the ways the reports word the default hours
// (sleep 22:00–08:00, off 18:00–22:00 on weekdays, 08:00–22:00 on weekend
// days), old and new; none may appear when the configuration moves sleep.
// Bare "22:00" is not among them: a busiest shift may start at 22:00.
var defaultHourTexts = []string{"22:00–08:00", "22–08", "between 22:00 and 08:00", "18:00–22:00", "08:00–22:00", "18–22", "10 pm"}

// heatRowRE finds one row of a heat-map table: its 24 hour cells' classes.
var heatRowRE = regexp.MustCompile(`<tr><th>Mon</th>((?:<td class="[^"]*">\d*</td>){24})`)
var heatCellRE = regexp.MustCompile(`<td class="([^"]*)">`)

// TestReportHoursFromConfig runs `report` with sleep moved to 23:00–07:00
// (business stays 08:00–18:00) over a week and a month in range mode, so
// that every kind of page is written: team reports, leadership summary,
// noisy-alert audit, the indexes of each period and of the range, and
// summary.md. Every page must state the configured hours and none the
// defaults. Derivation of the expected wording, by the classification of
// analysis (sleep wins, business Monday to Friday only): sleep
// 23:00–07:00; business 08:00–18:00; off on weekdays 07:00–08:00 and
// 18:00–23:00, on weekend days 07:00–23:00. The heat map shades the hours
// 23 and 00..06 (eight of 24), so hour 07 and hour 22 are not shaded.
func TestReportHoursFromConfig(t *testing.T) {
	db, org := syncedDB(t)
	cfg := writeConfig(t, "hours:\n  sleep_start: \"23:00\"\n  sleep_end: \"07:00\"\n")
	out := t.TempDir()
	code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", out, "--config", cfg,
		"--weeks", relWeek+".."+relWeek, "--months", "2026-11..2026-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files := reportFiles(t, out)
	// The range index; per period index, noisy-alerts and summary.md; the
	// week one page per team (and one for "unassigned" incidents), the
	// month the leadership page.
	want := []string{reports.IndexFile, filepath.Join("2026-11", reports.LeadershipFile)}
	for _, dir := range []string{relWeek, "2026-11"} {
		for _, f := range []string{reports.IndexFile, reports.NoisyFile, reports.SummaryFile} {
			want = append(want, filepath.Join(dir, f))
		}
	}
	for _, tm := range org.Teams() {
		want = append(want, filepath.Join(relWeek, reports.TeamFile(tm.ID)))
	}
	for _, f := range want {
		if _, ok := files[f]; !ok {
			t.Errorf("report %s not written (written: %v)", f, keys(files))
		}
	}
	const describe = "business 08:00–18:00 Mon–Fri, sleep 23:00–07:00 every day, off 07:00–08:00, 18:00–23:00 Mon–Fri and 07:00–23:00 Sat–Sun"
	shadedPages := 0
	for name, text := range files {
		t.Run(name, func(t *testing.T) {
			for _, bad := range defaultHourTexts {
				if strings.Contains(text, bad) {
					t.Errorf("names the default hours %q", bad)
				}
			}
			switch {
			case strings.HasSuffix(name, ".md"):
				if !strings.Contains(text, "pages in sleep hours (23:00–07:00)") && !strings.Contains(text, "page in sleep hours (23:00–07:00)") {
					t.Errorf("summary.md does not name the sleep hours 23:00–07:00:\n%s", text)
				}
			case strings.Contains(name, "team-"):
				for _, want := range []string{
					"Hour classes of this team, in each person&#39;s own time zone: " + describe + ".",
					"Shaded hours 23:00–07:00 are sleep hours.",
					`title="Pages in sleep hours (23:00–07:00 local time)"`,
				} {
					if !strings.Contains(text, want) {
						t.Errorf("does not say %q", want)
					}
				}
				// A team without pages (the Status Page team) has no heat
				// map to shade; every other team page is checked.
				if !strings.Contains(text, "No heat map data for this team.") {
					checkShading(t, text)
					shadedPages++
				}
			default:
				if want := "Hour classes use each person&#39;s own time zone: " + describe + "."; !strings.Contains(text, want) {
					t.Errorf("footer does not say %q", want)
				}
			}
			if strings.HasSuffix(name, reports.LeadershipFile) && !strings.Contains(text, `title="Pages in sleep hours (23:00–07:00) in the paged person&#39;s time zone"`) {
				t.Error("the sleep-hour KPI does not name 23:00–07:00")
			}
		})
	}
	if shadedPages == 0 {
		t.Error("no team page has a heat map to check")
	}
	// The week's organisation index has the org heat map, shaded the same.
	if idx := files[filepath.Join(relWeek, reports.IndexFile)]; strings.Contains(idx, `<table class="heat">`) {
		checkShading(t, idx)
	}
}

// checkShading checks the shaded hours of the first heat-map row: 00..06
// and 23 (sleep 23:00–07:00), nothing else.
func checkShading(t *testing.T, page string) {
	t.Helper()
	m := heatRowRE.FindStringSubmatch(page)
	if m == nil {
		t.Error("no heat-map row for Monday")
		return
	}
	cells := heatCellRE.FindAllStringSubmatch(m[1], -1)
	for h, c := range cells {
		shaded := strings.HasPrefix(c[1], "s")
		if want := h < 7 || h == 23; shaded != want {
			t.Errorf("heat map hour %02d shaded %v, want %v", h, shaded, want)
		}
	}
}

// TestReportTeamHours gives one team hours of its own: its team report
// states them, another team's report the defaults, and the leadership page
// says that hours differ by team and names the team's.
func TestReportTeamHours(t *testing.T) {
	db, org := syncedDB(t)
	teams := org.Teams()
	if len(teams) < 2 {
		t.Fatalf("the small org has %d teams, want at least 2", len(teams))
	}
	own, other := teams[0], teams[1]
	cfg := writeConfig(t, "team_hours:\n  "+own.ID+": {sleep_start: \"00:00\", sleep_end: \"06:00\", business_start: \"09:00\"}\n")
	out := t.TempDir()
	code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", out, "--config", cfg,
		"--weeks", relWeek+".."+relWeek, "--months", "2026-11..2026-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files := reportFiles(t, out)
	// The team's: sleep 00:00–06:00, business 09:00–18:00; off on weekdays
	// 06:00–09:00 and 18:00–24:00, on weekend days 06:00–24:00.
	ownHours := "business 09:00–18:00 Mon–Fri, sleep 00:00–06:00 every day, off 06:00–09:00, 18:00–24:00 Mon–Fri and 06:00–24:00 Sat–Sun"
	defHours := "business 08:00–18:00 Mon–Fri, sleep 22:00–08:00 every day, off 18:00–22:00 Mon–Fri and 08:00–22:00 Sat–Sun"
	tests := []struct{ file, want string }{
		{filepath.Join(relWeek, reports.TeamFile(own.ID)), "Hour classes of this team, in each person&#39;s own time zone: " + ownHours + "."},
		{filepath.Join(relWeek, reports.TeamFile(own.ID)), "Shaded hours 00:00–06:00 are sleep hours."},
		{filepath.Join(relWeek, reports.TeamFile(other.ID)), "Hour classes of this team, in each person&#39;s own time zone: " + defHours + "."},
		{filepath.Join("2026-11", reports.LeadershipFile), "Hour classes differ by team. Default: " + defHours + ". Own hours: " + own.Name + ": " + ownHours + "."},
		{filepath.Join("2026-11", reports.LeadershipFile), "Pages in sleep hours (22:00–08:00; own hours: " + own.Name + " 00:00–06:00)"},
		{reports.IndexFile, "Teams with hours of their own: " + own.Name + ": " + ownHours + "."},
	}
	for _, tc := range tests {
		if !strings.Contains(files[tc.file], tc.want) {
			t.Errorf("%s does not say %q", tc.file, tc.want)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
