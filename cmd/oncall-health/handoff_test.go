package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandoffCommand: notes for every policy of a synced database, and the
// exit status of each failure (one line on stderr).
func TestHandoffCommand(t *testing.T) {
	db, org := syncedDB(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, nil, "handoff", "--db", db, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, filepath.Join(out, "handoff.html")) {
		t.Errorf("stdout %q does not say where the notes are", stdout)
	}
	// One note (md and html) per escalation policy of the organisation:
	// every policy of the synthetic org has level-1 shifts.
	for _, p := range org.EscalationPolicies() {
		for _, ext := range []string{"md", "html"} {
			if _, err := os.Stat(filepath.Join(out, "handoff-"+p.ID+"."+ext)); err != nil {
				t.Errorf("no note for %s: %v", p.ID, err)
			}
		}
	}
	pol := org.EscalationPolicies()[0].ID
	one := t.TempDir()
	if code, _, stderr := runCmd(t, nil, "handoff", "--db", db, "--out", one, "--policy", pol, "--at", "2026-11-10"); code != 0 {
		t.Fatalf("--policy --at: exit %d: %s", code, stderr)
	}
	md, err := os.ReadFile(filepath.Join(one, "handoff-"+pol+".md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## Still open at the handoff") || !strings.Contains(string(md), "2026-11-0") {
		t.Errorf("note at --at 2026-11-10:\n%s", md)
	}
	for _, tc := range []struct {
		name string
		args []string
		want int
		says string
	}{
		{"unknown policy", []string{"--policy", "PNOPE"}, 2, `unknown escalation policy "PNOPE"`},
		{"bad at", []string{"--at", "tomorrow"}, 2, `--at "tomorrow"`},
		{"not synced", []string{"--at", "2030-01-01"}, 1, "the last sync reached 2026-11-16T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, nil, append([]string{"handoff", "--db", db, "--out", t.TempDir()}, tc.args...)...)
			if code != tc.want || !strings.Contains(stderr, tc.says) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line saying %q", code, stderr, tc.want, tc.says)
			}
		})
	}
}
