package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runCmd runs the program with args and returns exit code, stdout, stderr.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestHelp: the usage text is printed when asked for, with exit 0:
// the program's on stdout, a command's flags on stderr.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		code, stdout, stderr := runCmd(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") || stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", args, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runCmd(t, nil, "sync", "-h")
	if code != 0 || stdout != "" || !strings.Contains(stderr, "-since DATE") {
		t.Errorf("sync -h: exit %d, stdout %q, stderr %q; want 0 and sync's flags on stderr", code, stdout, stderr)
	}
}

// monthDir finds the demo's month directory (its name depends on today).
func monthDir(t *testing.T, out string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(out, "20[0-9][0-9]-[01][0-9]"))
	if len(m) != 1 {
		t.Fatalf("want one month directory in the demo output, found %v", m)
	}
	return filepath.Base(m[0])
}

// srcHref finds every src= and href= value in an HTML file.
var srcHref = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']?([^"'\s>]*)`)

// TestDemo runs the whole pipeline: synthetic organisation → fake API on
// loopback → sync → reports.
func TestDemo(t *testing.T) {
	// The demo's history ends at today's midnight; fixed here at Monday
	// 2026-11-16, so the last complete week is 2026-W46 (9 to 15 November)
	// and the month 2026-10.
	old := demoNow
	demoNow = func() time.Time { return time.Date(2026, 11, 16, 13, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { demoNow = old })
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, nil, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	for _, f := range []string{"index.html", "metrics.json", "summary.md", "noisy-alerts.html", "oncall-health.duckdb",
		monthDir(t, out) + "/leadership.html", "export/incidents.parquet", "export/interruptions.parquet",
		"handoff.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("demo did not write %s: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "report tables derived in") {
		t.Errorf("demo did not derive the report tables after its sync:\n%s", stdout)
	}
	if !strings.Contains(stdout, filepath.Join(out, "index.html")) {
		t.Errorf("demo output does not say where the report is:\n%s", stdout)
	}
	var m struct {
		SchemaVersion int `json:"schema_version"`
		Period        struct{ Kind, Label string }
		Org           struct{ Incidents int }
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	// The demo reports the last complete week of a 245-day history with
	// incidents every day: schema 1, the week 2026-W46, and as many
	// incidents as the synced database holds created in it (UTC).
	if m.SchemaVersion != 1 || m.Period.Kind != "week" || m.Period.Label != "2026-W46" {
		t.Errorf("metrics.json = %+v, want schema 1, the week 2026-W46", m)
	}
	db, err := sql.Open("duckdb", filepath.Join(out, "oncall-health.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	err = db.QueryRow(`SELECT count(*) FROM incidents WHERE created_at >= $1 AND created_at < $2`,
		time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)).Scan(&stored)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if stored == 0 || m.Org.Incidents != stored {
		t.Errorf("metrics.json counts %d incidents in 2026-W46; the database holds %d created in it", m.Org.Incidents, stored)
	}
	html := 0
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		html++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range srcHref.FindAllStringSubmatch(string(b), -1) {
			if v := strings.ToLower(m[1]); strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "//") {
				t.Errorf("%s loads %q from the network", filepath.Base(path), m[1])
			}
		}
		return nil
	})
	if html < 2 {
		t.Errorf("demo wrote %d HTML files, want an index and reports", html)
	}
}
