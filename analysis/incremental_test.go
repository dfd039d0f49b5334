package analysis

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

// incrFixture is one database synced from the fake PagerDuty step by step,
// derived after each sync as `oncall-health sync` does.
type incrFixture struct {
	t     *testing.T
	db    *sql.DB
	url   string
	org   *pagerdutytest.Org
	mu    sync.Mutex
	now   time.Time // the fake's clock
	since time.Time
}

const incrToken = "incr-token"

// newIncrFixture serves org with shapes sh (the fake's clock set by sync)
// and opens a migrated database.
func newIncrFixture(t *testing.T, org *pagerdutytest.Org, sh pagerdutytest.Shapes) *incrFixture {
	t.Helper()
	f := &incrFixture{t: t, org: org, now: org.Start(), since: org.Start()}
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: incrToken, Shapes: sh,
		Now: func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }}))
	t.Cleanup(hs.Close)
	f.url = hs.URL
	db, err := queries.Open(context.Background(), filepath.Join(t.TempDir(), "incr.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	return f
}

// sync syncs up to until (the fake's clock moved there) with the given
// look-back, then derives; it returns what the derivation did.
func (f *incrFixture) sync(until time.Time, lookBack time.Duration) *Derivation {
	f.t.Helper()
	f.mu.Lock()
	f.now = until
	f.mu.Unlock()
	c := ingest.NewClient(incrToken, ingest.ClientOptions{APIURL: f.url, RequestsPerMinute: -1})
	ctx := context.Background()
	if _, err := ingest.Sync(ctx, f.db, c, ingest.Options{Since: f.since, Until: until, LookBack: lookBack,
		Now: func() time.Time { return until }}); err != nil {
		f.t.Fatalf("sync to %s: %v", until, err)
	}
	d, err := DeriveWith(ctx, f.db, DefaultConfig(), DeriveOptions{})
	if err != nil {
		f.t.Fatalf("derive after the sync to %s: %v", until, err)
	}
	return d
}

// derivedTableNames lists every a_* table of the database: the declared
// ones and any a new statement adds without declaring it.
func derivedTableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var names []string
	err := eachRow(context.Background(), db, "list derived tables", `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'main' AND table_name LIKE 'a\_%' ESCAPE '\' ORDER BY table_name`, nil,
		func(r *sql.Rows) error {
			var n string
			if err := r.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// checkEqualsFull copies every a_* table as the incremental derivation left
// it, derives everything, and compares each table with its copy both ways
// (EXCEPT ALL: same rows, same multiplicities). The incremental tables are
// then put back, so that the next sync derives incrementally on top of an
// incremental derivation, as in real use. It returns the tables compared.
func (f *incrFixture) checkEqualsFull(label string) []string {
	t := f.t
	t.Helper()
	ctx := context.Background()
	names := derivedTableNames(t, f.db)
	mustExec := func(q string) {
		t.Helper()
		if _, err := f.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Table names come from information_schema and are a_[a-z0-9_]+; the
	// statements are the test's own, never sent by the program.
	mustExec(`CREATE SCHEMA IF NOT EXISTS snap`)
	for _, n := range names {
		mustExec(fmt.Sprintf(`CREATE OR REPLACE TABLE snap.%s AS SELECT * FROM main.%s`, n, n))
	}
	d, err := DeriveWith(ctx, f.db, DefaultConfig(), DeriveOptions{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Incremental {
		t.Fatalf("%s: DeriveOptions.Full derived incrementally", label)
	}
	for _, n := range names {
		for _, dir := range [][2]string{{"snap", "main"}, {"main", "snap"}} {
			var cnt int
			var sample sql.NullString
			q := fmt.Sprintf(`WITH d AS (SELECT * FROM %s.%s EXCEPT ALL SELECT * FROM %s.%s)
				SELECT count(*), (SELECT CAST(d AS VARCHAR) FROM d LIMIT 1) FROM d`, dir[0], n, dir[1], n)
			if err := f.db.QueryRowContext(ctx, q).Scan(&cnt, &sample); err != nil {
				t.Fatalf("%s: compare %s: %v", label, n, err)
			}
			if cnt > 0 {
				what := "the incremental derivation has"
				if dir[0] == "main" {
					what = "the full derivation has"
				}
				t.Errorf("%s: %s: %s %d rows the other lacks, e.g. %s", label, n, what, cnt, sample.String)
			}
		}
	}
	for _, n := range names {
		mustExec(fmt.Sprintf(`CREATE OR REPLACE TABLE main.%s AS SELECT * FROM snap.%s`, n, n))
	}
	return names
}

func (f *incrFixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestIncrementalEqualsFull: a database synced in steps and derived
// incrementally after each incremental sync holds, table for table, what
// a full derivation of it holds. The second sync's look-back puts its
// bound (the watermark less the look-back) one second after the start of
// a notification island of more than 60 s, so the island and the on-call
// stretches across it are cut by it; the third sync's bound cuts the
// repeat window of a repeat after it. One incident is resolved late
// (LateResolve: created 10 days before the end, resolved after the third
// sync's bound, beyond any incidents window), and a permanent on-call
// changes with every sync.
func TestIncrementalEqualsFull(t *testing.T) {
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 5, Days: 21})
	if err != nil {
		t.Fatal(err)
	}
	end := org.End()
	late := lateIncidentNumber(t, org, end.AddDate(0, 0, -10))
	lateAt := end.Add(-2 * time.Hour)
	f := newIncrFixture(t, org, pagerdutytest.Shapes{PermanentOncall: true, Merged: true,
		LateResolve: pagerdutytest.LateResolve{Number: late, At: lateAt}})

	u1 := end.AddDate(0, 0, -4)
	d := f.sync(u1, time.Hour)
	if d.Incremental || d.Why != "no complete derivation before" {
		t.Fatalf("first sync: incremental %v (%s), want a full derivation", d.Incremental, d.Why)
	}
	// The bound of the second sync: 1 s after the start of the last island
	// (before u1 less 1 h) that spans more than 60 s. Its look-back reaches
	// back there.
	var islandStart time.Time
	if err := f.db.QueryRow(`SELECT max(min_at) FROM (
			SELECT user_id, island, min("at") AS min_at, max("at") AS max_at FROM a_notify GROUP BY ALL)
		WHERE max_at > min_at + INTERVAL 60 SECOND AND max_at < $1`, u1.Add(-time.Hour)).Scan(&islandStart); err != nil {
		t.Fatalf("no island over 60 s in the data: %v", err)
	}
	bound := islandStart.Add(time.Second)
	d = f.sync(end.AddDate(0, 0, -2), u1.Sub(bound))
	if !d.Incremental || !d.From.Equal(bound) {
		t.Fatalf("second sync: incremental %v from %s (%s), want incremental from %s", d.Incremental, d.From, d.Why, bound)
	}
	// What the second derivation redid reaches before its bound: the island
	// cut by it, and incidents after it that repeat one before it.
	if n := f.count(`SELECT count(*) FROM analysis_notify_from WHERE from_at < $1`, bound); n == 0 {
		t.Error("second sync: no user's notifications derived from before the bound (the island it cuts)")
	}
	if n := f.count(`SELECT count(*) FROM a_incidents b WHERE b.repeat AND b.created_at >= $1
		AND EXISTS (SELECT 1 FROM a_incidents a WHERE a.signature = b.signature AND a.created_at < $1
		            AND a.created_at >= b.created_at - INTERVAL 24 HOUR)`, bound); n == 0 {
		t.Error("second sync: no repeat after the bound counts an incident before it")
	}
	if n := f.count(`SELECT count(*) FROM a_segments WHERE start_at < $1 AND end_at > $1 AND NOT permanent`, bound); n == 0 {
		t.Error("second sync: no on-call segment across the bound")
	}
	tables := f.checkEqualsFull("second sync")

	// Third sync: past LateResolve.At. Its bound is 1 s after an incident
	// e of the last 36 h before u2 that a repeat b after it counts (the
	// nearest earlier one of b's signature): b's repeat window then holds
	// no incident at or after the bound but b, so b is a repeat (2 earlier
	// ones by default) only if the derivation reads back before the bound.
	// The late incident (10 days old) is far outside the incidents window
	// and changes through its resolve log entry.
	u2 := end.AddDate(0, 0, -2)
	var e time.Time
	if err := f.db.QueryRow(`SELECT max(e_at) FROM (
			SELECT b.id, max(a.created_at) AS e_at FROM a_incidents b JOIN a_incidents a
			  ON a.signature = b.signature AND a.created_at < b.created_at
			 AND a.created_at >= b.created_at - INTERVAL 24 HOUR
			WHERE b.repeat AND b.created_at >= $1 AND b.created_at < $2 GROUP BY b.id)`,
		u2.Add(-36*time.Hour), u2.Add(-time.Hour)).Scan(&e); err != nil {
		t.Fatalf("no repeat in the 36 h before %s: %v", u2, err)
	}
	bound3 := e.Add(time.Second)
	d = f.sync(end, u2.Sub(bound3))
	if !d.Incremental || !d.From.Equal(bound3) {
		t.Fatalf("third sync: incremental %v from %s (%s), want incremental from %s", d.Incremental, d.From, d.Why, bound3)
	}
	if n := f.count(`SELECT count(*) FROM a_incidents b WHERE b.repeat AND b.created_at >= $1
		AND (SELECT count(*) FROM a_incidents a WHERE a.signature = b.signature AND a.created_at >= $1
		     AND a.created_at < b.created_at AND a.created_at >= b.created_at - INTERVAL 24 HOUR) < 2`, bound3); n == 0 {
		t.Error("third sync: no repeat after the bound needs the incidents before it")
	}
	if n := f.count(`SELECT count(*) FROM analysis_dirty_incidents WHERE late`); n == 0 {
		t.Error("third sync: no late incident derived again")
	}
	if n := f.count(`SELECT count(*) FROM a_incidents WHERE resolved_at = $1 AND created_at < $2`, lateAt, d.From); n != 1 {
		t.Errorf("third sync: %d late-resolved incidents resolved at %s, want 1", n, lateAt)
	}
	f.checkEqualsFull("third sync")

	// Every derived table was compared, the declared ones among them.
	declared := map[string]bool{}
	for _, dt := range derivedTables {
		for _, n := range dt.tables {
			declared[n] = true
		}
	}
	for n := range declared {
		if !strings.Contains(","+strings.Join(tables, ",")+",", ","+n+",") {
			t.Errorf("declared table %s was not compared", n)
		}
	}
}

// lateIncidentNumber is the number of the first incident created at or
// after at.
func lateIncidentNumber(t *testing.T, org *pagerdutytest.Org, at time.Time) int {
	t.Helper()
	f := &incrFixture{t: t}
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: incrToken, Now: org.End}))
	defer hs.Close()
	db, err := queries.Open(context.Background(), filepath.Join(t.TempDir(), "probe.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f.db = db
	c := ingest.NewClient(incrToken, ingest.ClientOptions{APIURL: hs.URL, RequestsPerMinute: -1})
	if _, err := ingest.Sync(context.Background(), db, c, ingest.Options{Since: at, Until: at.Add(24 * time.Hour),
		Now: func() time.Time { return at.Add(24 * time.Hour) }}); err != nil {
		t.Fatal(err)
	}
	return f.count(`SELECT incident_number FROM incidents WHERE status = 'resolved' ORDER BY created_at LIMIT 1`)
}

// TestIncrementalProperty: over several seeds, a sequence of incremental
// syncs at random instants with random look-backs (from 1 minute to 2
// days), each derived incrementally, ends with the tables a full
// derivation gives.
func TestIncrementalProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs the fake several times")
	}
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: seed, Days: 14})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(seed))
			f := newIncrFixture(t, org, pagerdutytest.Shapes{PermanentOncall: seed%2 == 1})
			until := org.End().AddDate(0, 0, -5)
			f.sync(until, time.Hour)
			for step := 1; step <= 3; step++ {
				until = until.Add(time.Duration(1+rng.Intn(36*60)) * time.Minute)
				lookBack := time.Duration(1+rng.Intn(48*60)) * time.Minute
				d := f.sync(until, lookBack)
				label := fmt.Sprintf("step %d (until %s, look-back %s)", step, until.Format(time.RFC3339), lookBack)
				if !d.Incremental {
					t.Fatalf("%s: not incremental (%s)", label, d.Why)
				}
				f.checkEqualsFull(label)
			}
		})
	}
}

// TestDeclaredReach: a step with a reach reads analysis_bounds (it derives
// part of its table); a step without one rebuilds its tables whole.
func TestDeclaredReach(t *testing.T) {
	for _, d := range derivedTables {
		sqlText := queries.Get(d.step)
		bounded := strings.Contains(sqlText, "analysis_bounds")
		switch {
		case d.reach == reachAll && bounded:
			t.Errorf("%s reads analysis_bounds but declares no reach", d.step)
		case d.reach != reachAll && d.reach != reachFullOnly && !bounded:
			t.Errorf("%s declares a reach but does not read analysis_bounds", d.step)
		case d.reach == reachAll || d.reach == reachFullOnly:
			for _, n := range d.tables {
				if !strings.Contains(sqlText, "CREATE OR REPLACE TABLE "+n+" AS") {
					t.Errorf("%s (reach all) does not rebuild %s", d.step, n)
				}
			}
		}
	}
}
