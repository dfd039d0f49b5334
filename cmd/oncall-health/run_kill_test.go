package main

import (
	"context"
	"crypto/x509"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/deliver"
	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/queries"
)

// TestRunChild is the child process of TestRunKill9: it runs `run` with
// the arguments in OH_RUN_ARGS (separated by \x1f), trusting the SMTP
// certificate in OH_RUN_CA. Run directly, it skips.
func TestRunChild(t *testing.T) {
	if os.Getenv("OH_RUN_CHILD") != "1" {
		t.Skip("helper process of TestRunKill9")
	}
	pem, err := os.ReadFile(os.Getenv("OH_RUN_CA"))
	if err != nil {
		os.Exit(3)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	clientTuning = ingest.ClientOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	deliverTuning.Retry = deliver.Retry{Attempts: 2, Backoff: time.Millisecond}
	deliverTuning.RootCAs = pool
	os.Exit(run(context.Background(), strings.Split(os.Getenv("OH_RUN_ARGS"), "\x1f"), os.Stdout, os.Stderr))
}

// afterPost returns a channel that fires d after posts() first exceeds
// before, or never when done fires first (done is passed on to the caller).
func afterPost(done chan error, posts func() int, before int, d time.Duration) <-chan time.Time {
	fire := make(chan time.Time, 1)
	go func() {
		for posts() <= before {
			select {
			case err := <-done:
				done <- err
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
		time.Sleep(d)
		fire <- time.Now()
	}()
	return fire
}

// startRunChild starts `run` of f up to until in a child process.
func startRunChild(t *testing.T, f *runFixture, until time.Time) (*exec.Cmd, chan error, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunChild$")
	cmd.Env = append(os.Environ(), "OH_RUN_CHILD=1", "OH_RUN_CA="+f.caFile, "OH_RUN_ARGS="+strings.Join(f.args(until), "\x1f"))
	for k, v := range f.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, done, out
}

// TestRunKill9 kills `run` with SIGKILL at random moments (during the sync,
// the reports, the index, the deliveries), each time running it again in
// a new process, first up to until1 and then, a week later, up to until2.
// In the end every due period is written, and none was written again after
// it was recorded; every message is delivered at least once, and the
// duplicates are at most one per kill: only a process that died between a
// channel accepting a message and recording it sends it again.
func TestRunKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped in -short mode")
	}
	const killsPerStage = 4
	// Time one uninterrupted first run on a fixture of its own.
	timing := newRunFixture(t, false)
	began := time.Now()
	_, done, out := startRunChild(t, timing, runUntil1)
	if err := <-done; err != nil {
		t.Fatalf("child run failed: %v: %s", err, out.String())
	}
	span := time.Since(began)

	f := newRunFixture(t, false)
	// Every Slack and webhook request waits 75 ms before it counts as
	// received and 75 ms more before it is answered, so that a kill in a
	// delivery may land before or after the message arrived.
	f.slack.SetDelay(75*time.Millisecond, 75*time.Millisecond)
	f.hook.SetDelay(75*time.Millisecond, 75*time.Millisecond)
	posts := func() int { return len(f.slack.Posts()) + len(f.hook.Posts()) }
	rng := rand.New(rand.NewPCG(20, 26))
	kills, finished := 0, 0
	firstSeen := map[string]time.Time{} // recorded period -> its index.html's mtime
	observe := func() {
		t.Helper()
		db, err := queries.Open(context.Background(), f.db)
		if err != nil {
			t.Fatalf("database after kill -9 does not open: %v", err)
		}
		defer db.Close()
		rows, err := db.Query(queries.Get("run-periods-written"))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var label, kind string
			if err := rows.Scan(&label, &kind); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(f.out, label, "index.html"))
			if err != nil {
				t.Errorf("%s is recorded as written but: %v", label, err)
				continue
			}
			if seen, ok := firstSeen[label]; !ok {
				firstSeen[label] = fi.ModTime()
			} else if !seen.Equal(fi.ModTime()) {
				t.Errorf("%s was written again after it was recorded", label)
			}
		}
	}
	deliveryKills := 0
	for _, until := range []time.Time{runUntil1, runUntil2} {
		for i, stageKills := 0, 0; ; i++ {
			before := posts()
			cmd, done, out := startRunChild(t, f, until)
			// The first two runs of a stage are killed in their deliveries:
			// up to 150 ms after the first message of the run arrived.
			// The others at a random moment of a first run's span.
			wait := time.After(time.Duration(rng.Int64N(int64(span))))
			if i < 2 {
				wait = afterPost(done, posts, before, time.Duration(rng.Int64N(int64(150*time.Millisecond))))
			}
			if stageKills == killsPerStage {
				if err := <-done; err != nil {
					t.Fatalf("last run up to %s failed: %v: %s", until.Format("2006-01-02"), err, out.String())
				}
				finished++
				observe()
				break
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("child run failed after %d kills: %v: %s", kills, err, out.String())
				}
				finished++
			case <-wait:
				cmd.Process.Kill()
				<-done
				kills++
				stageKills++
				if i < 2 {
					deliveryKills++
				}
			}
			observe()
		}
	}
	// Nothing is left to do.
	fastDelivery(t, f.smtp.CertPool())
	code, stdout, stderr := f.run(t, runUntil2)
	if code != 0 || !strings.HasSuffix(stdout, "; no period due; delivered 0 messages\n") {
		t.Errorf("run after the kills: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	observe()
	labels := []string{"2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-10"}
	if len(firstSeen) != len(labels) {
		t.Errorf("written periods %v, want %v", firstSeen, labels)
	}
	for _, l := range labels[:3] {
		want, _ := os.ReadFile(filepath.Join(timing.out, l, "metrics.json"))
		got, err := os.ReadFile(filepath.Join(f.out, l, "metrics.json"))
		if err != nil || string(got) != string(want) || len(want) == 0 {
			t.Errorf("metrics.json of %s differs from an uninterrupted run's (%v)", l, err)
		}
	}
	checkNoPartialFiles(t, f.out)
	index, _ := os.ReadFile(filepath.Join(f.out, "index.html"))
	for _, l := range labels {
		if !strings.Contains(string(index), `href="`+l+`/index.html"`) {
			t.Errorf("index.html does not link %s", l)
		}
	}
	// Every message at least once; a duplicate only per kill.
	got := f.received(t)
	distinct := map[string]int{}
	for _, m := range got {
		distinct[m]++
	}
	want := wantMessages("2026-W43", "2026-W44", "2026-10")
	for _, m := range want {
		if distinct[m] == 0 {
			t.Errorf("never delivered: %s", m)
		}
	}
	if len(distinct) != len(want) {
		t.Errorf("%d distinct messages, want %d: %v", len(distinct), len(want), distinct)
	}
	if dups := len(got) - len(distinct); dups > kills {
		t.Errorf("%d duplicate messages after %d kills; at most one per kill", dups, kills)
	}
	if deliveryKills < 3 {
		t.Errorf("only %d kills landed in deliveries; want 3 or more", deliveryKills)
	}
	t.Logf("killed %d times, %d in deliveries (%d runs finished, an uninterrupted first run takes %s); %d messages received, %d distinct",
		kills, deliveryKills, finished, span.Round(time.Millisecond), len(got), len(distinct))
}
