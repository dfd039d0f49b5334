package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportRange checks the range mode against single reports: each
// period of `report --weeks A..B --months C..D` lands in its own directory
// with the metrics.json that `report --week`/`--month` writes for it alone
// (the range computes each period once and reuses it as history of later
// ones; reuse must not change a figure), and index.html links every period.
func TestReportRange(t *testing.T) {
	db, _ := syncedDB(t)
	out := t.TempDir()
	// relWeek is 2026-W46 (9 to 15 November 2026): the three weeks up to it
	// and the two months October and November 2026, five periods.
	code, stdout, stderr := runCmd(t, nil, "report", "--db", db, "--out", out,
		"--weeks", "2026-W44..2026-W46", "--months", "2026-10..2026-11")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "for 5 periods (2026-W44 to 2026-11)") {
		t.Errorf("stdout %q does not name the 5 periods", stdout)
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, label string }{
		{"--week", "2026-W44"}, {"--week", "2026-W45"}, {"--week", "2026-W46"},
		{"--month", "2026-10"}, {"--month", "2026-11"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(out, tc.label, "metrics.json"))
			if err != nil {
				t.Fatal(err)
			}
			single := t.TempDir()
			if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", single, tc.flag, tc.label); code != 0 {
				t.Fatalf("single report exit %d: %s", code, stderr)
			}
			want, err := os.ReadFile(filepath.Join(single, "metrics.json"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("metrics.json of %s in the range differs from the single report's", tc.label)
			}
			// Every page of the period links up to the range's index.
			pages, _ := filepath.Glob(filepath.Join(out, tc.label, "*.html"))
			if len(pages) == 0 {
				t.Fatalf("no HTML pages in %s", tc.label)
			}
			for _, page := range pages {
				b, err := os.ReadFile(page)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), `<a href="../index.html">↑ All periods</a>`) {
					t.Errorf("%s does not link ../index.html", page)
				}
			}
			if !strings.Contains(string(index), `href="`+tc.label+`/index.html"`) {
				t.Errorf("index.html does not link %s/index.html", tc.label)
			}
		})
	}
}
