package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncall-health/oncall-health/reports"
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
			// A range writes metrics.json compact, a single period indented:
			// the same JSON, byte for byte once both are compacted.
			var cg, cw bytes.Buffer
			if err := json.Compact(&cg, got); err != nil {
				t.Fatal(err)
			}
			if err := json.Compact(&cw, want); err != nil {
				t.Fatal(err)
			}
			if cg.String() != cw.String() {
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

// TestReportAssets: a range run writes the chart library and styles once,
// under <out>/assets/, and every page loads them from there by a relative
// path that reaches it (../assets/ from a period's directory, assets/ from
// the range's index), carrying neither itself; --self-contained writes no
// assets directory and every page with charts inlines ECharts.
func TestReportAssets(t *testing.T) {
	db, _ := syncedDB(t)
	out := t.TempDir()
	if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", out,
		"--weeks", "2026-W45..2026-W46", "--months", "2026-11"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lib := filepath.Join(out, reports.AssetsDir, reports.EChartsFile)
	fi, err := os.Stat(lib)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{reports.EChartsLicenseFile, reports.EChartsNoticeFile, reports.StyleFile} {
		if _, err := os.Stat(filepath.Join(out, reports.AssetsDir, f)); err != nil {
			t.Error(err)
		}
	}
	var copies, pages int
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Name() == reports.EChartsFile {
			copies++
		}
		if !strings.HasSuffix(path, ".html") {
			return nil
		}
		pages++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		rel, _ := filepath.Rel(out, filepath.Dir(path))
		up := ""
		if rel != "." {
			up = "../"
		}
		if !strings.Contains(s, `<link rel="stylesheet" href="`+up+`assets/style.css">`) {
			t.Errorf("%s does not load %sassets/style.css", path, up)
		}
		if strings.Contains(s, "data-chart=") && !strings.Contains(s, `<script src="`+up+`assets/`+reports.EChartsFile+`">`) {
			t.Errorf("%s has charts but does not load %sassets/%s", path, up, reports.EChartsFile)
		}
		if int64(len(b)) > fi.Size()/4 {
			t.Errorf("%s is %d bytes: the library seems inline", path, len(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2 weeks of 5 teams' reports + noisy + index, 1 month of 3 pages, and
	// the range's index: at least 10 pages, one library.
	if copies != 1 || pages < 10 {
		t.Errorf("%d copies of the library for %d pages, want 1 for at least 10", copies, pages)
	}

	single := t.TempDir()
	if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", single, "--week", "2026-W46", "--self-contained"); code != 0 {
		t.Fatalf("self-contained exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(single, reports.AssetsDir)); !os.IsNotExist(err) {
		t.Errorf("--self-contained wrote %s (err %v)", reports.AssetsDir, err)
	}
	idx, err := os.ReadFile(filepath.Join(single, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// A self-contained page carries the library gzip-compressed and
	// base64-encoded (reports' loader): at least that many bytes, and no
	// reference to a file.
	libBytes, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(libBytes)
	zw.Close()
	carried := base64.StdEncoding.EncodedLen(z.Len())
	if len(idx) < carried || strings.Contains(string(idx), "<script src") || strings.Contains(string(idx), "<link") {
		t.Errorf("--self-contained index.html (%d bytes) does not carry the %d-byte library (%d bytes compressed and encoded)", len(idx), fi.Size(), carried)
	}
}
