package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// stopOn is a sync's stdout that cancels the sync when a line holding
// word is written.
type stopOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	word   string
	cancel func()
}

func (s *stopOn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	if strings.Contains(s.buf.String(), s.word) {
		s.cancel()
	}
	return n, err
}

// TestFirstSyncStoppedAfterTheWeek: a first sync of 21 days (26 Oct to
// Monday 16 Nov 2026, UTC), stopped as soon as it says the last complete
// week 2026-W46 is ready. That week reports; the week before, 2026-W45
// ([2 Nov, 9 Nov), whose incidents are needed from a day before, 1 Nov),
// is refused with exit 1 and one line naming what it lacks: the sync
// fetched the week's incidents from a day before it, 8 Nov, to 16 Nov,
// and nothing else yet (incidents come first). A second sync resumes, says
// W46 is ready at once and, once the month 2026-10 (cut at the history
// start: 26 Oct to 2 Nov) is in too, that it is; then W45 reports.
func TestFirstSyncStoppedAfterTheWeek(t *testing.T) {
	fastRetries(t)
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 3, End: relEnd, Days: 21})
	if err != nil {
		t.Fatal(err)
	}
	url := serveOrg(t, org, relToken, pagerdutytest.Faults{}, nil)
	t.Setenv("PAGERDUTY_TOKEN", relToken)
	db := filepath.Join(t.TempDir(), "pd.duckdb")
	syncArgs := []string{"sync", "--db", db, "--api-url", url, "--rate", "0",
		"--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339)}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &stopOn{word: "ready: 2026-W46", cancel: cancel}
	var errb bytes.Buffer
	if code := run(ctx, syncArgs, out, &errb); code != 1 {
		t.Fatalf("stopped sync: exit %d, want 1: %s", code, errb.String())
	}
	ready := "ready: 2026-W46 can be reported; the backfill goes on (Ctrl-C stops it, a later sync resumes it)\n"
	if got := out.buf.String(); strings.Count(got, "ready:") != 1 || !strings.Contains(got, ready) {
		t.Errorf("stopped sync's stdout %q, want the one line %q", got, ready)
	}

	if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", t.TempDir(), "--week", "2026-W46"); code != 0 {
		t.Fatalf("report of the ready week: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, nil, "report", "--db", db, "--out", t.TempDir(), "--week", "2026-W45")
	want := "oncall-health: report: 2026-W45 needs incidents from 2026-11-01 to 2026-11-09; synced so far 2026-11-08 to 2026-11-16 — run sync again to go on with the backfill\n"
	if code != 1 || stderr != want || stdout != "" {
		t.Errorf("report of a week not synced yet: exit %d, stdout %q, stderr\n%q\nwant exit 1, nothing on stdout, stderr\n%q", code, stdout, stderr, want)
	}

	code, stdout, stderr = runCmd(t, nil, syncArgs...)
	if code != 0 {
		t.Fatalf("resumed sync: exit %d: %s", code, stderr)
	}
	if w, m := strings.Index(stdout, "ready: 2026-W46 "), strings.Index(stdout, "ready: 2026-10 "); w < 0 || m < w || strings.Count(stdout, "ready:") != 2 {
		t.Errorf("resumed sync's stdout %q: want W46 ready first, then 2026-10 once", stdout)
	}
	if code, _, stderr := runCmd(t, nil, "report", "--db", db, "--out", t.TempDir(), "--week", "2026-W45"); code != 0 {
		t.Errorf("report of W45 after the backfill: exit %d: %s", code, stderr)
	}
	// A sync after the complete backfill has no targets to announce.
	if code, stdout, stderr := runCmd(t, nil, syncArgs...); code != 0 || strings.Contains(stdout, "ready:") {
		t.Errorf("incremental sync: exit %d, stdout %q: %s; want no ready line", code, stdout, stderr)
	}
}
