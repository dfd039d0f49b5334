package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

const testToken = "test-token-4c1d"

// The fixed end of the test organisation's history.
var testEnd = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// TestMain lets the kill -9 test run a sync in a child process of this
// test binary: with OH_SYNC_CHILD set it syncs and exits.
func TestMain(m *testing.M) {
	if os.Getenv("OH_SYNC_CHILD") == "1" {
		os.Exit(childSync())
	}
	os.Exit(m.Run())
}

// childLookBack is the look-back of the kill -9 test's syncs: about a
// second, so a resume starts where the last committed watermark says and a
// window lost by a kill stays lost (the default 7 days would fetch most of
// a 10-day history again and hide it).
const childLookBack = time.Second

// childSync is the sync of a child process. It says "opened" on stdout once
// it holds the database. With OH_KILL_AT=NAME:N it kills itself (SIGKILL)
// at the N-th call of killPoint(NAME); with OH_COUNT_COMMITS=1 it prints
// the number of commits it made to stdout on success.
func childSync() int {
	ctx := context.Background()
	db, err := queries.Open(ctx, os.Getenv("OH_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	fmt.Println("opened")
	commits := 0
	name, nth, _ := strings.Cut(os.Getenv("OH_KILL_AT"), ":")
	var at int
	fmt.Sscan(nth, &at)
	hits := 0
	killPoint = func(p string) {
		if p == "after-commit" {
			commits++
		}
		if p == name {
			if hits++; hits == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal arrives
			}
		}
	}
	since, _ := time.Parse(time.RFC3339, os.Getenv("OH_SINCE"))
	c := NewClient(testToken, ClientOptions{APIURL: os.Getenv("OH_URL"), RequestsPerMinute: -1})
	if _, err := Sync(ctx, db, c, Options{Since: since, Until: testEnd, LookBack: childLookBack}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("OH_COUNT_COMMITS") == "1" {
		fmt.Println("commits", commits)
	}
	return 0
}

type fixture struct {
	org *pagerdutytest.Org
	srv *pagerdutytest.Server
	url string
}

func newFixture(t testing.TB, seed int64) *fixture {
	t.Helper()
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: seed, End: testEnd})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	srv := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: testToken})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &fixture{org: org, srv: srv, url: hs.URL}
}

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := queries.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (f *fixture) client(o ClientOptions) *Client {
	o.APIURL = f.url
	if o.RequestsPerMinute == 0 {
		o.RequestsPerMinute = -1
	}
	if o.MinBackoff == 0 {
		o.MinBackoff, o.MaxBackoff = time.Millisecond, 10*time.Millisecond
	}
	return NewClient(testToken, o)
}

func (f *fixture) sync(t testing.TB, db *sql.DB, c *Client, o Options) *Stats {
	t.Helper()
	if o.Since.IsZero() {
		o.Since = f.org.Start()
	}
	if o.Until.IsZero() {
		o.Until = f.org.End()
	}
	st, err := Sync(context.Background(), db, c, o)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return st
}

func tableCounts(t testing.TB, db *sql.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(queries.Get("table-counts"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

// dataTables are compared row by row between databases; sync_state is not
// (its updated_at is the wall clock).
var dataTables = []string{"users", "teams", "team_members", "services", "escalation_policies",
	"incidents", "alerts", "log_entries", "oncalls"}

// dump returns every row of every data table as text, in a stable order.
func dump(t testing.TB, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range dataTables {
		// table names come from the constant list above, not from input.
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY ALL")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprint(vals...))
		}
		rows.Close()
	}
	return out
}

func wantCounts(org *pagerdutytest.Org) map[string]int {
	c := org.Counts()
	want := map[string]int{}
	for _, k := range []string{"users", "teams", "services", "escalation_policies", "incidents", "alerts", "log_entries", "oncalls"} {
		want[k] = c[k]
	}
	return want
}

func TestSyncRoundTrip(t *testing.T) {
	f := newFixture(t, 1)
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	st := f.sync(t, db, f.client(ClientOptions{}), Options{})
	got := tableCounts(t, db)
	delete(got, "team_members")
	// Every item the fake serves is stored exactly once.
	if d := cmp.Diff(wantCounts(f.org), got); d != "" {
		t.Errorf("row counts differ from what the fake serves (-want +got):\n%s", d)
	}
	if st.Requests == 0 || st.Items == 0 {
		t.Errorf("stats = %+v, want requests and items counted", st)
	}
	// Notifications are notify log entries with a channel type: the fake serves
	// the same notifications on /notifications.
	var notifies int
	if err := db.QueryRow(`SELECT count(*) FROM log_entries WHERE type = 'notify' AND notification_type IS NOT NULL`).Scan(&notifies); err != nil {
		t.Fatal(err)
	}
	if want := f.org.Counts()["notifications"]; notifies != want {
		t.Errorf("notify entries with a channel = %d, want %d (the fake's notifications)", notifies, want)
	}
}

func TestSyncIdempotent(t *testing.T) {
	f := newFixture(t, 2)
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	f.sync(t, db, f.client(ClientOptions{}), Options{})
	first := dump(t, db)
	// A full re-run fetches everything again and must change nothing.
	f.sync(t, db, f.client(ClientOptions{}), Options{Full: true})
	if d := cmp.Diff(first, dump(t, db)); d != "" {
		t.Errorf("a second full sync changed the data (-first +second):\n%s", d)
	}
}

func TestSyncSplitsWindowsAtOffsetCap(t *testing.T) {
	f := newFixture(t, 3)
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	// One window over the whole history holds more log entries than the
	// 10,000 offset cap lets a client page through, so it must be split.
	n := f.org.Counts()["log_entries"]
	if n <= OffsetCap {
		t.Fatalf("small org has %d log entries, want more than %d to exercise the cap", n, OffsetCap)
	}
	c := f.client(ClientOptions{})
	s := &syncer{pd: c.PD, counters: c.Counters, o: Options{Since: f.org.Start(), Until: f.org.End(), Now: time.Now, Concurrency: 4}}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s.conn = conn
	span := f.org.End().Sub(f.org.Start()) + time.Hour
	got := 0
	r := logEntriesResource()
	r.span = span
	_, err = r.windows(context.Background(), s, f.org.Start(), f.org.End(),
		func(items []pagerduty.LogEntry, w window) error { got += len(items); return nil })
	if err != nil {
		t.Fatalf("windowed fetch: %v", err)
	}
	if got != n {
		t.Errorf("fetched %d log entries, want %d", got, n)
	}
	// Paging n items needs at least ceil(n/100) requests; splitting costs a
	// few more first pages, not a multiple.
	min := int64((n + PageLimit - 1) / PageLimit)
	if req := c.Counters.Requests.Load(); req < min || req > min*105/100+10 {
		t.Errorf("requests = %d, want between %d and %d", req, min, min*105/100+10)
	}
}

func TestSyncWithFaults(t *testing.T) {
	// Three weeks of history: several hundred requests, so that a 10 % rate
	// injects dozens of faults of every kind.
	clean := newFixture(t, 4)
	since := clean.org.End().AddDate(0, 0, -21)
	want := openDB(t, t.TempDir()+"/clean.duckdb")
	clean.sync(t, want, clean.client(ClientOptions{}), Options{Since: since})

	f := newFixture(t, 4)
	// A slow response takes 2 s, far over the client's 300 ms timeout per
	// attempt: every slow fault is a timeout that must be retried.
	f.srv.SetFaults(pagerdutytest.Faults{Seed: 7, Rate: 0.1, RetryAfter: time.Second, SlowDelay: 2 * time.Second,
		Kinds: []pagerdutytest.FaultKind{"429", "500", "502", "503", "slow", "cut"}})
	abandoned := countAbandoned(t, f)
	db := openDB(t, t.TempDir()+"/faulty.duckdb")
	c := f.client(ClientOptions{Timeout: 300 * time.Millisecond})
	f.sync(t, db, c, Options{Since: since})
	// One request in ten fails; every failure is retried, so the database
	// ends the same as a clean sync's.
	if c.Counters.Retries.Load() == 0 {
		t.Errorf("no retries counted with a 10%% fault rate")
	}
	// About one fault in six is slow; with hundreds of requests some must
	// have been abandoned by the client's timeout, or timeouts went untested.
	if n := abandoned.Load(); n == 0 {
		t.Errorf("no request was abandoned by the client timeout; the timeout path was not exercised")
	} else {
		t.Logf("%d requests timed out and were retried; %d retries in all", n, c.Counters.Retries.Load())
	}
	if d := cmp.Diff(dump(t, want), dump(t, db)); d != "" {
		t.Errorf("faulty sync differs from clean sync (-clean +faulty):\n%s", d)
	}
}

// countAbandoned points f at a new server that counts the requests whose
// client went away (a timeout) before the fake answered.
func countAbandoned(t *testing.T, f *fixture) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.srv.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			n.Add(1)
		}
	}))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return &n
}

func TestSyncRespectsRateLimit(t *testing.T) {
	f := newFixture(t, 5)
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	const perMinute = 3000 // 50 requests a second
	c := f.client(ClientOptions{RequestsPerMinute: perMinute})
	began := time.Now()
	// The last week only: a few hundred requests, enough to measure.
	st := f.sync(t, db, c, Options{Since: f.org.End().AddDate(0, 0, -7)})
	elapsed := time.Since(began).Seconds()
	rate := float64(st.Requests-1) / elapsed // the first request needs no wait
	// The limiter spaces requests 20 ms apart; measured over the whole sync
	// the rate may not exceed 50/s (1 % slack for clock granularity).
	if rate > perMinute/60.0*1.01 {
		t.Errorf("%d requests in %.2fs = %.1f/s, over the limit of %.1f/s", st.Requests, elapsed, rate, perMinute/60.0)
	}
	t.Logf("%d requests in %.2fs = %.1f/s", st.Requests, elapsed, rate)
}

func TestSyncIncremental(t *testing.T) {
	f := newFixture(t, 6)
	// Planted: the organisation's last incident (numbers run 1..N in
	// creation order) is served triggered until 12 h after the first
	// sync's end, then resolved then: the incremental sync of the day
	// after must see it resolved, whatever the generator's own incidents
	// do (most resolve within the hour, so whether any is still open at
	// the end is the seed's luck).
	lastNumber := f.org.Counts()["incidents"]
	lateAt := testEnd.Add(12 * time.Hour)
	// The shape replaces the incident's own acknowledge and resolve log
	// entries by one resolve entry: count them on the plain fake.
	replaced := countEntries(t, f.url, f.org.IncidentID(lastNumber), "acknowledge_log_entry", "resolve_log_entry")
	// The fake's clock is the organisation's end (moved on by Append).
	srv := pagerdutytest.NewServer(f.org, pagerdutytest.Options{Token: testToken, Now: f.org.End,
		Shapes: pagerdutytest.Shapes{LateResolve: pagerdutytest.LateResolve{Number: lastNumber, At: lateAt}}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f.srv, f.url = srv, hs.URL
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	first := f.sync(t, db, f.client(ClientOptions{}), Options{})
	lateID := f.org.IncidentID(lastNumber)
	var lateStatus string
	if err := db.QueryRow(`SELECT status FROM incidents WHERE id = $1`, lateID).Scan(&lateStatus); err != nil || lateStatus == "resolved" {
		t.Fatalf("planted late incident %s after the first sync: status %q, %v; want it open", lateID, lateStatus, err)
	}

	// What was still open at the first sync's end.
	var openBefore int
	if err := db.QueryRow(`SELECT count(*) FROM incidents WHERE status <> 'resolved'`).Scan(&openBefore); err != nil {
		t.Fatal(err)
	}

	f.srv.Append(1)
	c := f.client(ClientOptions{})
	second := f.sync(t, db, c, Options{Until: f.org.End()})
	want := wantCounts(f.org)
	want["log_entries"] += 1 - replaced
	if d := cmp.Diff(want, withoutMembers(tableCounts(t, db))); d != "" {
		t.Errorf("after one more day, row counts differ from the fake (-want +got):\n%s", d)
	}
	// The second sync looks back 7 days plus the new day, of a 56-day
	// history: it must need far fewer requests than the first.
	if second.Requests*3 > first.Requests {
		t.Errorf("incremental sync made %d requests, first sync %d; want under a third", second.Requests, first.Requests)
	}
	t.Logf("first sync %d requests, incremental %d", first.Requests, second.Requests)

	// Incidents resolved after the first sync are resolved in the database:
	// compare with a fresh full sync of the extended history.
	fresh := openDB(t, t.TempDir()+"/fresh.duckdb")
	f.sync(t, fresh, f.client(ClientOptions{}), Options{Until: f.org.End()})
	if d := cmp.Diff(dump(t, fresh), dump(t, db)); d != "" {
		t.Errorf("incremental result differs from a fresh sync (-fresh +incremental):\n%s", d)
	}
	var openAfter int
	if err := db.QueryRow(`SELECT count(*) FROM incidents WHERE status <> 'resolved' AND created_at < $1`, testEnd).Scan(&openAfter); err != nil {
		t.Fatal(err)
	}
	// The planted one was open before and is resolved now: one fewer at least.
	if openAfter >= openBefore {
		t.Errorf("open incidents from before the first end: %d then %d; want some resolved late", openBefore, openAfter)
	}
	var resolvedAt time.Time
	if err := db.QueryRow(`SELECT status, resolved_at FROM incidents WHERE id = $1`, lateID).Scan(&lateStatus, &resolvedAt); err != nil ||
		lateStatus != "resolved" || !resolvedAt.Equal(lateAt) {
		t.Errorf("planted late incident after the incremental sync: %q at %v, %v; want resolved at %v", lateStatus, resolvedAt, err, lateAt)
	}
}

// countEntries counts the log entries of incident id of the given types
// that the fake at url serves.
func countEntries(t *testing.T, url, id string, types ...string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/incidents/"+id+"/log_entries?limit=100", nil)
	req.Header.Set("Authorization", "Token token="+testToken)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		LogEntries []struct {
			Type string `json:"type"`
		} `json:"log_entries"`
		More bool `json:"more"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.More {
		t.Fatalf("log entries of %s: %d %v (more %v)", id, resp.StatusCode, err, body.More)
	}
	n := 0
	for _, e := range body.LogEntries {
		if slices.Contains(types, e.Type) {
			n++
		}
	}
	return n
}

func withoutMembers(m map[string]int) map[string]int {
	delete(m, "team_members")
	return m
}

// TestSyncKill9Resume kills real sync processes with SIGKILL and resumes
// each time in a new process; every sync runs with a look-back of a second,
// so a resume trusts the stored watermarks and a lost window shows. Two
// phases, each ending in an uninterrupted resume that must equal an
// uninterrupted sync table by table:
//   - deterministic: the child kills itself at a chosen commit, before
//     (inside the transaction) or after it, walking through every commit
//     of a sync: between resources, between windows, and between a
//     window's data and its watermark if they were ever committed apart;
//   - random: 20 kills at random moments, so kills also land in requests,
//     in the middle of writes and at process start.
func TestSyncKill9Resume(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped in -short mode")
	}
	f := newFixture(t, 8)
	// Ten days of history keep each child sync short (a second or so).
	since := f.org.End().AddDate(0, 0, -10)
	want := openDB(t, t.TempDir()+"/clean.duckdb")
	f.sync(t, want, f.client(ClientOptions{}), Options{Since: since, LookBack: childLookBack})
	wantDump := dump(t, want)
	resumeAndCompare := func(path, phase string, since time.Time, wantDump map[string][]string) {
		t.Helper()
		c := startChild(t, f, path, since, "")
		if err := <-c.done; err != nil {
			t.Fatalf("%s: final resume failed: %v: %s", phase, err, c.stderr.String())
		}
		db := openDB(t, path)
		if d := cmp.Diff(wantDump, dump(t, db)); d != "" {
			t.Errorf("%s: after the kills and a resume, data differs from an uninterrupted sync (-want +got):\n%s", phase, d)
		}
		db.Close()
	}

	// How many commits an uninterrupted child makes, and how long it takes.
	began := time.Now()
	timing := startChild(t, f, t.TempDir()+"/timing.duckdb", since, "", "OH_COUNT_COMMITS=1")
	if err := <-timing.done; err != nil {
		t.Fatalf("child sync failed: %v: %s", err, timing.stderr.String())
	}
	span := time.Since(began)
	commits := 0
	fmt.Sscanf(timing.stdout.String(), "commits %d", &commits)
	// The sync commits users, teams, services and escalation policies once
	// each, then every 30-day window of incidents, log entries and on-calls
	// with its watermark: ten days are one window each, 4 + 3 commits.
	const dims = 4
	// (Fewer means the resources no longer come first and the walk below
	// would not start at the windows; more is possible, as a window's
	// rows and its watermark could be committed apart, and the walk is
	// there to find out.)
	if commits < dims+3 {
		t.Fatalf("an uninterrupted sync of 10 days made %d commits, want at least %d (%d resources and 3 windows); the sync's commits changed, update this test", commits, dims+3, dims)
	}

	t.Run("deterministic", func(t *testing.T) {
		// 31 days: two windows (30 days and 1) of each windowed resource.
		since := f.org.End().AddDate(0, 0, -31)
		want := openDB(t, t.TempDir()+"/clean31.duckdb")
		f.sync(t, want, f.client(ClientOptions{}), Options{Since: since, LookBack: childLookBack})
		wantDump := dump(t, want)
		count := startChild(t, f, t.TempDir()+"/count.duckdb", since, "", "OH_COUNT_COMMITS=1")
		if err := <-count.done; err != nil {
			t.Fatalf("child sync failed: %v: %s", err, count.stderr.String())
		}
		n := 0
		fmt.Sscanf(count.stdout.String(), "commits %d", &n)
		if n < dims+6 {
			t.Fatalf("an uninterrupted sync of 31 days made %d commits, want at least %d", n, dims+6)
		}
		// A sync from scratch killed at each commit after the resources'
		// (right after it: between windows, or between a window's rows and
		// its watermark were they ever committed apart), and inside every
		// other transaction before it commits; each resumed and compared.
		var points []string
		for k := dims + 1; k <= n; k++ {
			points = append(points, fmt.Sprintf("after-commit:%d", k))
			if k%2 == 0 {
				points = append(points, fmt.Sprintf("before-commit:%d", k))
			}
		}
		for _, point := range points {
			path := t.TempDir() + "/walked.duckdb"
			c := startChild(t, f, path, since, point)
			err := <-c.done
			if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child killed at %s was not killed there: %v: %s", point, err, c.stderr.String())
			}
			killState(t, path)
			resumeAndCompare(path, "killed at "+point, since, wantDump)
		}
		t.Logf("%d kills at chosen points of a %d-commit sync", len(points), n)
	})

	t.Run("random", func(t *testing.T) {
		const wantKills = 20
		// Slow every request a little so the child is mid-sync when killed.
		f.srv.SetFaults(pagerdutytest.Faults{Seed: 1, Rate: 1, Kinds: []pagerdutytest.FaultKind{"slow"}, SlowDelay: 3 * time.Millisecond})
		rng := rand.New(rand.NewPCG(8, 8))
		path := t.TempDir() + "/killed.duckdb"
		kills, finished, dbs := 0, 0, 1
		states := map[string]int{} // row counts seen after a kill -> how often
		for i := 0; kills < wantKills; i++ {
			if i >= 4*wantKills {
				t.Fatalf("only %d kills in %d runs: the child finishes before the kill too often", kills, i)
			}
			c := startChild(t, f, path, since, "")
			// Kills are drawn uniformly over three quarters of an
			// uninterrupted sync (a resumed sync has less to do).
			select {
			case err := <-c.done:
				if err != nil {
					t.Fatalf("child sync %d failed after %d kills: %v: %s", i, kills, err, c.stderr.String())
				}
				// A resume finished: it must equal the clean sync. The
				// next kills start over on a new database.
				finished++
				f.srv.SetFaults(pagerdutytest.Faults{})
				resumeAndCompare(path, fmt.Sprintf("random, database %d", dbs), since, wantDump)
				f.srv.SetFaults(pagerdutytest.Faults{Seed: 1, Rate: 1, Kinds: []pagerdutytest.FaultKind{"slow"}, SlowDelay: 3 * time.Millisecond})
				path = fmt.Sprintf("%s/killed-%d.duckdb", t.TempDir(), i)
				dbs++
			case <-time.After(time.Duration(rng.Int64N(int64(span) * 3 / 4))):
				c.cmd.Process.Kill() // SIGKILL: no clean-up runs
				<-c.done
				kills++
				states[killState(t, path)]++
			}
		}
		f.srv.SetFaults(pagerdutytest.Faults{})
		resumeAndCompare(path, "random", since, wantDump)
		t.Logf("killed %d times (%d child syncs finished uninterrupted, an uninterrupted one takes %s); %d distinct states after a kill",
			kills, finished, span.Round(time.Millisecond), len(states))
	})
}

// killState opens the database a killed child left (which must open: a kill
// never leaves it unreadable) and returns its row counts as text.
func killState(t *testing.T, path string) string {
	t.Helper()
	db, err := queries.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("database after kill -9 does not open: %v", err)
	}
	defer db.Close()
	c := tableCounts(t, db)
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, c[k])
	}
	return b.String()
}

// child is a sync running in a child process of the test binary.
type child struct {
	cmd    *exec.Cmd
	done   chan error       // the exit, once stdout is read
	opened chan struct{}    // closed when the child says it holds the database
	stderr *strings.Builder // read after done
	stdout *strings.Builder // the lines after "opened", read after done
}

// startChild starts a sync of f in a child process into path, killed at
// killAt (NAME:N, see childSync) unless empty; env adds variables.
func startChild(t *testing.T, f *fixture, path string, since time.Time, killAt string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OH_SYNC_CHILD=1", "OH_DB="+path, "OH_URL="+f.url,
		"OH_SINCE="+since.Format(time.RFC3339), "OH_KILL_AT="+killAt)
	cmd.Env = append(cmd.Env, env...)
	c := &child{cmd: cmd, done: make(chan error, 1), opened: make(chan struct{}), stderr: &strings.Builder{}, stdout: &strings.Builder{}}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "opened" {
				close(c.opened)
				continue
			}
			c.stdout.WriteString(sc.Text() + "\n")
		}
		c.done <- cmd.Wait()
	}()
	return c
}

// TestSecondSyncRefused: while one process syncs into a database, a second
// one cannot open it and is told why.
func TestSecondSyncRefused(t *testing.T) {
	f := newFixture(t, 9)
	f.srv.SetFaults(pagerdutytest.Faults{Seed: 1, Rate: 1, Kinds: []pagerdutytest.FaultKind{"slow"}, SlowDelay: 20 * time.Millisecond})
	path := t.TempDir() + "/busy.duckdb"
	c := startChild(t, f, path, f.org.Start(), "")
	defer func() { c.cmd.Process.Kill(); <-c.done }()
	select {
	case <-c.opened:
	case err := <-c.done:
		t.Fatalf("the child sync ended (%v, %s) before a second open was tried", err, c.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the child never said it had opened the database")
	}
	// The child holds the database (it says so once queries.Open returned)
	// and syncs for seconds: each of its requests takes 20 ms.
	db, err := queries.Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("a second process opened the database while a sync held it")
	}
	if !errors.Is(err, queries.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

// TestSyncCancelResume: Ctrl-C (a cancelled context) stops a sync between
// requests with context.Canceled; the next sync completes it exactly.
func TestSyncCancelResume(t *testing.T) {
	f := newFixture(t, 10)
	since := f.org.End().AddDate(0, 0, -21)
	want := openDB(t, t.TempDir()+"/clean.duckdb")
	f.sync(t, want, f.client(ClientOptions{}), Options{Since: since})

	db := openDB(t, t.TempDir()+"/cancelled.duckdb")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{Since: since, Until: f.org.End(), OnProgress: func(p Progress) {
		// Stop in the middle of the log entries, after some windows were saved.
		if p.Resource == "log_entries" && p.Items >= 2000 {
			cancel()
		}
	}}
	_, err := Sync(ctx, db, f.client(ClientOptions{}), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled sync: err = %v, want context.Canceled", err)
	}
	f.sync(t, db, f.client(ClientOptions{}), Options{Since: since})
	if d := cmp.Diff(dump(t, want), dump(t, db)); d != "" {
		t.Errorf("cancelled then resumed sync differs from a clean one (-clean +resumed):\n%s", d)
	}
}
