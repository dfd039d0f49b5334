package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/queries"
)

// fakePD is a pagerDuty of function fields: a test sets the calls it
// expects; a call whose field is nil fails.
type fakePD struct {
	ListUsersFunc              func(context.Context, pagerduty.ListUsersOptions) (*pagerduty.ListUsersResponse, error)
	ListTeamsFunc              func(context.Context, pagerduty.ListTeamOptions) (*pagerduty.ListTeamResponse, error)
	ListServicesFunc           func(context.Context, pagerduty.ListServiceOptions) (*pagerduty.ListServiceResponse, error)
	ListEscalationPoliciesFunc func(context.Context, pagerduty.ListEscalationPoliciesOptions) (*pagerduty.ListEscalationPoliciesResponse, error)
	ListIncidentsFunc          func(context.Context, pagerduty.ListIncidentsOptions) (*pagerduty.ListIncidentsResponse, error)
	ListIncidentAlertsFunc     func(context.Context, string, pagerduty.ListIncidentAlertsOptions) (*pagerduty.ListAlertsResponse, error)
	ListLogEntriesFunc         func(context.Context, pagerduty.ListLogEntriesOptions) (*pagerduty.ListLogEntryResponse, error)
	ListOnCallsFunc            func(context.Context, pagerduty.ListOnCallOptions) (*pagerduty.ListOnCallsResponse, error)
	GetIncidentFunc            func(context.Context, string) (*pagerduty.Incident, error)
}

func (f *fakePD) GetIncidentWithContext(ctx context.Context, id string) (*pagerduty.Incident, error) {
	if f.GetIncidentFunc == nil {
		return nil, errUnexpected
	}
	return f.GetIncidentFunc(ctx, id)
}

var errUnexpected = errors.New("fakePD: unexpected call")

func (f *fakePD) ListUsersWithContext(ctx context.Context, o pagerduty.ListUsersOptions) (*pagerduty.ListUsersResponse, error) {
	if f.ListUsersFunc == nil {
		return nil, errUnexpected
	}
	return f.ListUsersFunc(ctx, o)
}

func (f *fakePD) ListTeamsWithContext(ctx context.Context, o pagerduty.ListTeamOptions) (*pagerduty.ListTeamResponse, error) {
	if f.ListTeamsFunc == nil {
		return nil, errUnexpected
	}
	return f.ListTeamsFunc(ctx, o)
}

func (f *fakePD) ListServicesWithContext(ctx context.Context, o pagerduty.ListServiceOptions) (*pagerduty.ListServiceResponse, error) {
	if f.ListServicesFunc == nil {
		return nil, errUnexpected
	}
	return f.ListServicesFunc(ctx, o)
}

func (f *fakePD) ListEscalationPoliciesWithContext(ctx context.Context, o pagerduty.ListEscalationPoliciesOptions) (*pagerduty.ListEscalationPoliciesResponse, error) {
	if f.ListEscalationPoliciesFunc == nil {
		return nil, errUnexpected
	}
	return f.ListEscalationPoliciesFunc(ctx, o)
}

func (f *fakePD) ListIncidentsWithContext(ctx context.Context, o pagerduty.ListIncidentsOptions) (*pagerduty.ListIncidentsResponse, error) {
	if f.ListIncidentsFunc == nil {
		return nil, errUnexpected
	}
	return f.ListIncidentsFunc(ctx, o)
}

func (f *fakePD) ListIncidentAlertsWithContext(ctx context.Context, id string, o pagerduty.ListIncidentAlertsOptions) (*pagerduty.ListAlertsResponse, error) {
	if f.ListIncidentAlertsFunc == nil {
		return nil, errUnexpected
	}
	return f.ListIncidentAlertsFunc(ctx, id, o)
}

func (f *fakePD) ListLogEntriesWithContext(ctx context.Context, o pagerduty.ListLogEntriesOptions) (*pagerduty.ListLogEntryResponse, error) {
	if f.ListLogEntriesFunc == nil {
		return nil, errUnexpected
	}
	return f.ListLogEntriesFunc(ctx, o)
}

func (f *fakePD) ListOnCallsWithContext(ctx context.Context, o pagerduty.ListOnCallOptions) (*pagerduty.ListOnCallsResponse, error) {
	if f.ListOnCallsFunc == nil {
		return nil, errUnexpected
	}
	return f.ListOnCallsFunc(ctx, o)
}

// plantedLogs serves log entries created at the planted instants (in the
// order given) from a ListLogEntriesFunc, and records every request as
// req(since, until, offset, total) in calls. Like PagerDuty it refuses
// offset+limit over the cap, sends total only when asked, and reads until
// as exclusive. fail, when set, may refuse a request.
type plantedLogs struct {
	at    []time.Time
	fail  func(o pagerduty.ListLogEntriesOptions) error
	mu    sync.Mutex
	calls []string
}

func (p *plantedLogs) list(_ context.Context, o pagerduty.ListLogEntriesOptions) (*pagerduty.ListLogEntryResponse, error) {
	since, _ := time.Parse(time.RFC3339, o.Since)
	until, _ := time.Parse(time.RFC3339, o.Until)
	p.mu.Lock()
	p.calls = append(p.calls, req(since, until, o.Offset, o.Total))
	p.mu.Unlock()
	if p.fail != nil {
		if err := p.fail(o); err != nil {
			return nil, err
		}
	}
	if o.Offset+o.Limit > OffsetCap {
		return nil, fmt.Errorf("HTTP 400: offset+limit exceeds 10000")
	}
	var in []int // indexes of the planted entries in [since, until)
	for i, t := range p.at {
		if !t.Before(since) && t.Before(until) {
			in = append(in, i)
		}
	}
	r := &pagerduty.ListLogEntryResponse{}
	lo, hi := min(int(o.Offset), len(in)), min(int(o.Offset+o.Limit), len(in))
	for _, i := range in[lo:hi] {
		r.LogEntries = append(r.LogEntries, pagerduty.LogEntry{CommonLogEntryField: pagerduty.CommonLogEntryField{
			APIObject: pagerduty.APIObject{ID: fmt.Sprintf("L%05d", i), Type: "trigger_log_entry"},
			CreatedAt: iso(p.at[i]),
		}})
	}
	r.More = hi < len(in)
	if o.Total {
		r.Total = uint(len(in))
	}
	return r, nil
}

// req is how plantedLogs records a request.
func req(since, until time.Time, offset uint, total bool) string {
	s := fmt.Sprintf("%s..%s @%d", iso(since), iso(until), offset)
	if total {
		s += " total"
	}
	return s
}

// window0 is where the windowing cases' instants start.
var window0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sec is window0 plus n seconds.
func sec(n int) time.Time { return window0.Add(time.Duration(n) * time.Second) }

// repeat is n copies of t.
func repeat(t time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t
	}
	return out
}

// pagesOf is the request sequence of one fitting window holding n > 0
// items: the first page with the total, then offsets 100, 200, ... below n
// (one request in flight at a time, so in offset order).
func pagesOf(from, to time.Time, n int) []string {
	out := []string{req(from, to, 0, true)}
	for off := PageLimit; off < n; off += PageLimit {
		out = append(out, req(from, to, uint(off), false))
	}
	return out
}

func TestWindowsAtOffsetCap(t *testing.T) {
	type saved struct {
		w     string
		items int
	}
	for _, c := range []struct {
		name     string
		from, to time.Time
		at       []time.Time
		want     []string // the requests, in order
		saved    []saved
		wantErr  error
	}{
		{
			// 10,000 items: offsets 0..9,900 reach offset+limit = 10,000,
			// which the cap allows. One window, 1 + 99 = 100 requests.
			name: "total at the cap is one window",
			from: sec(0), to: sec(2), at: repeat(sec(0), 10000),
			want:  pagesOf(sec(0), sec(2), 10000),
			saved: []saved{{window{sec(0), sec(2)}.String(), 10000}},
		},
		{
			// [0 s, 4 s) holds 12,000 > 10,000: its first page only tells the
			// total. Halved at 2 s: [0, 2) holds the 6,000 at 0 s, [2, 4) the
			// 6,000 at 2 s; each is 1 + 59 requests. 1 + 60 + 60 = 121.
			name: "over the cap is halved",
			from: sec(0), to: sec(4), at: append(repeat(sec(0), 6000), repeat(sec(2), 6000)...),
			want: append(append([]string{req(sec(0), sec(4), 0, true)},
				pagesOf(sec(0), sec(2), 6000)...), pagesOf(sec(2), sec(4), 6000)...),
			saved: []saved{{window{sec(0), sec(2)}.String(), 6000}, {window{sec(2), sec(4)}.String(), 6000}},
		},
		{
			// [0 s, 3 s) with 12,000: the middle, 1.5 s, is cut to the whole
			// second 1 s: [0, 1) holds the 6,000 at 0 s, [1, 3) the 6,000 at 2 s.
			name: "halved at a whole second",
			from: sec(0), to: sec(3), at: append(repeat(sec(0), 6000), repeat(sec(2), 6000)...),
			want: append(append([]string{req(sec(0), sec(3), 0, true)},
				pagesOf(sec(0), sec(1), 6000)...), pagesOf(sec(1), sec(3), 6000)...),
			saved: []saved{{window{sec(0), sec(1)}.String(), 6000}, {window{sec(1), sec(3)}.String(), 6000}},
		},
		{
			// 10,001 items in the second 0 s: [0, 2) is halved to [0, 1),
			// which still holds 10,001 and cannot be halved: two requests,
			// then ErrOffsetCap, nothing saved.
			name: "one second over the cap is an error",
			from: sec(0), to: sec(2), at: repeat(sec(0), 10001),
			want:    []string{req(sec(0), sec(2), 0, true), req(sec(0), sec(1), 0, true)},
			wantErr: ErrOffsetCap,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &plantedLogs{at: c.at}
			s := &syncer{pd: &fakePD{ListLogEntriesFunc: p.list}, o: Options{Concurrency: 1}}
			r := logEntriesResource()
			var got []saved
			n, err := r.windows(context.Background(), s, c.from, c.to, func(items []pagerduty.LogEntry, w window) error {
				got = append(got, saved{w.String(), len(items)})
				return nil
			})
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if d := cmp.Diff(c.want, p.calls); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.saved, got, cmp.AllowUnexported(saved{})); d != "" {
				t.Errorf("saved windows (-want +got):\n%s", d)
			}
			wantN := 0
			for _, sv := range c.saved {
				wantN += sv.items
			}
			if n != wantN {
				t.Errorf("items = %d, want %d", n, wantN)
			}
		})
	}
}

// day is midnight UTC of a day of 2026.
func day(month time.Month, d int) time.Time { return time.Date(2026, month, d, 0, 0, 0, 0, time.UTC) }

// syncerOn is a syncer of o on a new migrated database, calling pd.
func syncerOn(t *testing.T, pd pagerDuty, o Options) (*syncer, *sql.DB) {
	t.Helper()
	db := openDB(t, t.TempDir()+"/pd.duckdb")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	o.Now, o.Concurrency = time.Now, 1
	return &syncer{conn: conn, pd: pd, o: o}, db
}

func watermark(t *testing.T, s *syncer, resource string) time.Time {
	t.Helper()
	var wm time.Time
	if err := s.conn.QueryRowContext(context.Background(), queries.Get("sync-state-get"), resource).Scan(&wm); err != nil {
		t.Fatalf("watermark of %s: %v", resource, err)
	}
	return wm.UTC()
}

func storedLogIDs(t *testing.T, s *syncer) []string {
	t.Helper()
	rows, err := s.conn.QueryContext(context.Background(), `SELECT id FROM log_entries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// coverage is what the database holds of resource (sync_coverage).
func coverage(t *testing.T, s *syncer, resource string) []Span {
	t.Helper()
	c, err := ReadCoverage(context.Background(), s.conn)
	if err != nil {
		t.Fatal(err)
	}
	return c.Ranges[resource]
}

// plantCoverage stores what an earlier sync left: the history start and
// the covered ranges of log entries (their watermark at the newest end).
func plantCoverage(t *testing.T, s *syncer, start time.Time, have []Span) {
	t.Helper()
	ctx := context.Background()
	if err := s.exec(ctx, "sync-meta-history-start", start); err != nil {
		t.Fatal(err)
	}
	for _, h := range have {
		if err := s.exec(ctx, "sync-coverage-insert", "log_entries", h.From, h.To); err != nil {
			t.Fatal(err)
		}
	}
	if len(have) > 0 {
		if err := s.setWatermark(ctx, "log_entries", have[len(have)-1].To); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWalkOrder: the windows a sync asks for, in order. Since 1 Jan, Until
// 1 Mar, windows of 30 days cut back from Until: [30 Jan, 1 Mar) and
// [1 Jan, 30 Jan) (1 Mar less 30 days is 30 Jan). Nothing is planted: one
// request per window. "ready" marks the moment OnReady was called.
func TestWalkOrder(t *testing.T) {
	lb := 7 * 24 * time.Hour
	// The target needs log entries of [15 Feb, 22 Feb) (a week).
	week := Target{Label: "2026-W07", Needs: []Need{{Resource: "log_entries", From: day(2, 15), To: day(2, 22)}}}
	whole := []string{req(day(1, 30), day(3, 1), 0, true), req(day(1, 1), day(1, 30), 0, true)}
	for _, c := range []struct {
		name    string
		have    []Span // covered before the sync; nil: a first sync
		full    bool
		targets []Target
		want    []string
	}{
		{name: "first sync walks from until back to since", want: whole},
		{
			// A complete history up to 20 Feb: the 7-day look-back, 13 Feb
			// to Until, as an incremental sync always did.
			name: "incremental after a complete backfill", have: []Span{{day(1, 1), day(2, 20)}},
			want: []string{req(day(2, 13), day(3, 1), 0, true)},
		},
		{name: "full ignores what is held", have: []Span{{day(1, 1), day(2, 20)}}, full: true, want: whole},
		{
			// A first sync killed after 10 Feb to 1 Mar: no look-back in
			// a backfill (nothing covered is fetched again); the rest of
			// the slice [30 Jan, 1 Mar), [30 Jan, 10 Feb), then
			// [1 Jan, 30 Jan).
			name: "a stopped backfill resumes newest first", have: []Span{{day(2, 10), day(3, 1)}},
			want: []string{req(day(1, 30), day(2, 10), 0, true), req(day(1, 1), day(1, 30), 0, true)},
		},
		{
			// The target's week first, ready at once; then what the first
			// slice lacks, newest first: [22 Feb, 1 Mar), [30 Jan, 15 Feb).
			name: "a first sync fetches the target first", targets: []Target{week},
			want: []string{req(day(2, 15), day(2, 22), 0, true), "ready 2026-W07",
				req(day(2, 22), day(3, 1), 0, true), req(day(1, 30), day(2, 15), 0, true), req(day(1, 1), day(1, 30), 0, true)},
		},
		{
			// Nothing to backfill: targets change nothing, nor is a
			// week announced.
			name: "an incremental sync ignores targets", have: []Span{{day(1, 1), day(2, 20)}}, targets: []Target{week},
			want: []string{req(day(2, 13), day(3, 1), 0, true)},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &plantedLogs{}
			o := Options{Since: day(1, 1), Until: day(3, 1), LookBack: lb, Full: c.full}
			o.OnReady = func(t Target) {
				p.mu.Lock()
				defer p.mu.Unlock()
				p.calls = append(p.calls, "ready "+t.Label)
			}
			s, _ := syncerOn(t, &fakePD{ListLogEntriesFunc: p.list}, o)
			ctx := context.Background()
			if c.have != nil {
				plantCoverage(t, s, day(1, 1), c.have)
			}
			if err := s.walk(ctx, []windowed{logEntriesResource()}, c.targets); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, p.calls); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
			if d := cmp.Diff([]Span{{day(1, 1), day(3, 1)}}, coverage(t, s, "log_entries")); d != "" {
				t.Errorf("coverage after the sync (-want +got):\n%s", d)
			}
			if wm := watermark(t, s, "log_entries"); !wm.Equal(day(3, 1)) {
				t.Errorf("watermark %s, want until %s", iso(wm), iso(day(3, 1)))
			}
		})
	}
}

func TestWindowCommittedWithCoverage(t *testing.T) {
	// Since 1 Jan, Until 31 Mar: windows, newest first, [1 Mar, 31 Mar),
	// [30 Jan, 1 Mar), [1 Jan, 30 Jan), one planted entry in each
	// (L00002 on 10 Mar, L00001 on 10 Feb, L00000 on 10 Jan).
	o := Options{Since: day(1, 1), Until: day(3, 31), LookBack: 24 * time.Hour}
	at := []time.Time{day(1, 10), day(2, 10), day(3, 10)}
	ctx := context.Background()

	t.Run("a failed fetch keeps the windows before it", func(t *testing.T) {
		p := &plantedLogs{at: at, fail: func(o pagerduty.ListLogEntriesOptions) error {
			if o.Since == iso(day(1, 1)) {
				return errors.New("HTTP 500")
			}
			return nil
		}}
		s, _ := syncerOn(t, &fakePD{ListLogEntriesFunc: p.list}, o)
		if _, err := logEntriesResource().sync(ctx, s); err == nil {
			t.Fatal("sync succeeded, want the third window's error")
		}
		// The two newer windows were committed, each with its coverage.
		if d := cmp.Diff([]string{"L00001", "L00002"}, storedLogIDs(t, s)); d != "" {
			t.Errorf("stored (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]Span{{day(1, 30), day(3, 31)}}, coverage(t, s, "log_entries")); d != "" {
			t.Errorf("coverage (-want +got):\n%s", d)
		}
		if wm := watermark(t, s, "log_entries"); !wm.Equal(day(3, 31)) {
			t.Errorf("watermark %s, want %s", iso(wm), iso(day(3, 31)))
		}
	})

	t.Run("a failed write takes back its rows and coverage", func(t *testing.T) {
		p := &plantedLogs{at: at}
		s, _ := syncerOn(t, &fakePD{ListLogEntriesFunc: p.list}, o)
		r := logEntriesResource()
		rows := r.rows
		// The second window's last statement fails after its rows were
		// written: the transaction takes back the rows and the coverage.
		r.rows = func(ctx context.Context, s *syncer, items []pagerduty.LogEntry, w window) ([]load, error) {
			loads, err := rows(ctx, s, items, w)
			if w.from.Equal(day(1, 30)) {
				loads = append(loads, func(context.Context, *syncer) error { return errors.New("disk full") })
			}
			return loads, err
		}
		if _, err := r.sync(ctx, s); err == nil {
			t.Fatal("sync succeeded, want the second window's write error")
		}
		if d := cmp.Diff([]string{"L00002"}, storedLogIDs(t, s)); d != "" {
			t.Errorf("stored after the failed write (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]Span{{day(3, 1), day(3, 31)}}, coverage(t, s, "log_entries")); d != "" {
			t.Errorf("coverage after the failed write (-want +got):\n%s", d)
		}

		// Resumed: it lacks [1 Jan, 1 Mar), and a backfill does not look
		// back: the slice [30 Jan, 1 Mar), then [1 Jan, 30 Jan); one
		// request each (one entry each, far under a page).
		p.calls = nil
		if _, err := logEntriesResource().sync(ctx, s); err != nil {
			t.Fatal(err)
		}
		want := []string{req(day(1, 30), day(3, 1), 0, true), req(day(1, 1), day(1, 30), 0, true)}
		if d := cmp.Diff(want, p.calls); d != "" {
			t.Errorf("resumed requests (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"L00000", "L00001", "L00002"}, storedLogIDs(t, s)); d != "" {
			t.Errorf("stored after the resume (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]Span{{day(1, 1), day(3, 31)}}, coverage(t, s, "log_entries")); d != "" {
			t.Errorf("coverage after the resume (-want +got):\n%s", d)
		}
		if wm := watermark(t, s, "log_entries"); !wm.Equal(day(3, 31)) {
			t.Errorf("watermark %s, want %s", iso(wm), iso(day(3, 31)))
		}
	})
}
