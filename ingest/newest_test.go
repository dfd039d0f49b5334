package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// windowLog records, in order, the windows of the three windowed lists
// the fake serves ("incidents 11-08..11-16", first pages only) and every
// page asked for, and the moments a target was announced.
type windowLog struct {
	mu      sync.Mutex
	windows []string
	pages   map[string]int
}

func (l *windowLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows = append(l.windows, s)
}

// serve records the list requests of next's windowed lists, then serves
// them.
func (l *windowLog) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		if path == "incidents" || path == "log_entries" || path == "oncalls" {
			q := r.URL.Query()
			since, err1 := time.Parse(time.RFC3339, q.Get("since"))
			until, err2 := time.Parse(time.RFC3339, q.Get("until"))
			if err1 != nil || err2 != nil {
				http.Error(w, "bad window", http.StatusBadRequest)
				return
			}
			win := fmt.Sprintf("%s %s..%s", path, since.UTC().Format("01-02"), until.UTC().Format("01-02"))
			l.mu.Lock()
			if l.pages == nil {
				l.pages = map[string]int{}
			}
			l.pages[win+" @"+q.Get("offset")]++
			if o := q.Get("offset"); o == "" || o == "0" {
				l.windows = append(l.windows, win)
			}
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// TestNewestFirstOrder: a first sync of the small organisation's 56 days
// (since 21 Sep 2026, until Monday 16 Nov, UTC) with the targets the
// command passes for that until (analysis.SyncTargets; written out here,
// ingest cannot import analysis):
//   - the last complete week 2026-W46, [9 Nov, 16 Nov): incidents and log
//     entries from a day before, [8 Nov, 16 Nov); on-calls from 28 days
//     before its end, [19 Oct, 16 Nov);
//   - the last complete month 2026-10: its rule weeks run from Monday
//     28 Sep to Monday 2 Nov, so incidents and log entries [27 Sep, 2 Nov),
//     on-calls from 28 days before the first rule week's end (5 Oct),
//     7 Sep, to 2 Nov: cut at since, [21 Sep, 2 Nov).
//
// The windows, in order: the week's three (one each, under 30 days), then
// W46 is announced; the month's incidents less the week, [27 Sep, 8 Nov)
// ∩ [27 Sep, 2 Nov), in 30-day windows cut back from its end,
// [3 Oct, 2 Nov) and [27 Sep, 3 Oct), the same for log entries, and the
// on-calls it lacks, [21 Sep, 19 Oct) (28 days, one window); 2026-10 is
// announced. Then the slices cut back from until, [17 Oct, 16 Nov) and
// [21 Sep, 17 Oct): what incidents and log entries still lack of each,
// [2 Nov, 8 Nov) and [21 Sep, 27 Sep); the on-calls lack nothing.
// Every page is asked for once, the windows of each list never overlap
// and together are [21 Sep, 16 Nov).
//
// Stopped right after W46 is announced (the context cancelled in
// OnReady) and run again, the second sync announces W46 at once and asks
// for exactly the windows the first did not: nothing covered is fetched
// again. Both end with the data of an uninterrupted sync.
func TestNewestFirstOrder(t *testing.T) {
	f := newFixture(t, 4)
	since, until := f.org.Start(), f.org.End()
	if !since.Equal(time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC)) || !until.Equal(testEnd) {
		t.Fatalf("organisation spans %s..%s; the derivation above assumes 2026-09-21..2026-11-16", since, until)
	}
	d := func(m, dd int) time.Time { return time.Date(2026, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	targets := []Target{
		{Label: "2026-W46", Needs: []Need{
			{Resource: "incidents", From: d(11, 8), To: d(11, 16)},
			{Resource: "log_entries", From: d(11, 8), To: d(11, 16)},
			{Resource: "oncalls", From: d(10, 19), To: d(11, 16)},
		}},
		{Label: "2026-10", Needs: []Need{
			{Resource: "incidents", From: d(9, 27), To: d(11, 2)},
			{Resource: "log_entries", From: d(9, 27), To: d(11, 2)},
			{Resource: "oncalls", From: d(9, 7), To: d(11, 2)},
		}},
	}
	week := []string{"incidents 11-08..11-16", "log_entries 11-08..11-16", "oncalls 10-19..11-16", "ready 2026-W46"}
	rest := []string{
		"incidents 10-03..11-02", "incidents 09-27..10-03",
		"log_entries 10-03..11-02", "log_entries 09-27..10-03",
		"oncalls 09-21..10-19", "ready 2026-10",
		"incidents 11-02..11-08", "log_entries 11-02..11-08",
		"incidents 09-21..09-27", "log_entries 09-21..09-27",
	}
	want := openDB(t, t.TempDir()+"/plain.duckdb")
	f.sync(t, want, f.client(ClientOptions{}), Options{Since: since, Until: until})
	wantDump := dump(t, want)

	// syncLogged runs a sync of path with the targets through a fresh
	// recorder; stop cancels it in the first OnReady.
	syncLogged := func(path string, stop bool) (*windowLog, error) {
		l := &windowLog{}
		hs := httptest.NewServer(l.serve(f.srv))
		defer hs.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := NewClient(testToken, ClientOptions{APIURL: hs.URL, RequestsPerMinute: -1})
		db := openDB(t, path)
		defer db.Close()
		_, err := Sync(ctx, db, c, Options{Since: since, Until: until, Targets: targets, OnReady: func(tg Target) {
			l.add("ready " + tg.Label)
			if stop {
				cancel()
			}
		}})
		return l, err
	}
	checkPages := func(t *testing.T, l *windowLog) {
		t.Helper()
		for p, n := range l.pages {
			if n != 1 {
				t.Errorf("page %s asked for %d times", p, n)
			}
		}
	}

	t.Run("uninterrupted", func(t *testing.T) {
		path := t.TempDir() + "/first.duckdb"
		l, err := syncLogged(path, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(append(append([]string{}, week...), rest...), l.windows); diff != "" {
			t.Errorf("windows in order (-want +got):\n%s", diff)
		}
		checkPages(t, l)
		db := openDB(t, path)
		if diff := cmp.Diff(wantDump, dump(t, db)); diff != "" {
			t.Errorf("data differs from a sync without targets (-want +got):\n%s", diff)
		}
		cov, err := ReadCoverage(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		whole := []Span{{since, until}}
		if diff := cmp.Diff(map[string][]Span{"incidents": whole, "log_entries": whole, "oncalls": whole}, cov.Ranges); diff != "" {
			t.Errorf("coverage (-want +got):\n%s", diff)
		}
	})

	t.Run("stopped after the week, resumed", func(t *testing.T) {
		path := t.TempDir() + "/stopped.duckdb"
		l, err := syncLogged(path, true)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped sync: %v, want context.Canceled", err)
		}
		if diff := cmp.Diff(week, l.windows); diff != "" {
			t.Errorf("windows before the stop (-want +got):\n%s", diff)
		}
		l2, err := syncLogged(path, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(append([]string{"ready 2026-W46"}, rest...), l2.windows); diff != "" {
			t.Errorf("windows of the resumed sync (-want +got):\n%s", diff)
		}
		for p := range l2.pages {
			if l.pages[p] > 0 {
				t.Errorf("page %s fetched again by the resumed sync", p)
			}
		}
		checkPages(t, l2)
		db := openDB(t, path)
		if diff := cmp.Diff(wantDump, dump(t, db)); diff != "" {
			t.Errorf("after the resume, data differs from an uninterrupted sync (-want +got):\n%s", diff)
		}
	})
}
