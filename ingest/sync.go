package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oncall-health/oncall-health/queries"
)

// Options configure one Sync.
type Options struct {
	// Since and Until bound the first sync of a database (UTC). Zero Since
	// means 90 days before Until; zero Until means now.
	Since, Until time.Time
	// Full ignores what the database holds and pulls [Since, Until) again
	// (newest window first, without Targets).
	Full bool
	// LookBack is how much of the newest synced part an incremental sync
	// fetches again, to pick up incidents that changed later; 0 means 7
	// days.
	LookBack time.Duration
	// Targets are the periods (the last complete week, then month) whose
	// Needs a sync with a backfill to do fetches before the rest of it
	// (walk.go); an incremental sync after a complete backfill ignores
	// them. OnReady, when set, is called once per target when all its
	// needs are in the database, committed (report can write it), in a
	// sync with a backfill to do.
	Targets []Target
	OnReady func(Target)
	// Concurrency bounds the requests in flight for per-incident alerts;
	// 0 means 4.
	Concurrency int
	// FetchAllAlerts fetches the alerts of every incident. By default an
	// incident whose alert_counts.all is 1 is not asked for its alerts: its
	// one alert is stored as a synthetic row (id "<incident id>#alert",
	// created with the incident, summary = title), which is all the metrics
	// read of it, and saves one request per such incident.
	FetchAllAlerts bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnResource, when set, is called after each resource finishes.
	OnResource func(ResourceStats)
	// OnProgress, when set, is called after every page received.
	OnProgress func(Progress)
}

// Progress is a snapshot of a running sync, for a progress display.
type Progress struct {
	Resource string
	Items    int     // items of this resource received so far
	Done     float64 // share of this resource's time range done, 0..1; -1 when unknown
	Requests int64   // HTTP attempts of the whole sync so far
	Retries  int64
}

// ResourceStats is what one resource's sync fetched.
type ResourceStats struct {
	Resource string
	Items    int           // items received, duplicates across pages included
	Requests int64         // HTTP attempts for this resource, retries included
	Retries  int64         // attempts that were retries
	Elapsed  time.Duration // wall time
}

// Stats summarise a Sync.
type Stats struct {
	Resources []ResourceStats
	Items     int
	Requests  int64
	Retries   int64
	Elapsed   time.Duration
	// Notes are facts about the account worth one line each (an account
	// without teams).
	Notes []string
	// Skipped counts the items PagerDuty sent that could not be decoded
	// (each skipped alone, the rest of its page kept); Warnings has a line
	// per list that had some.
	Skipped int
	// Warnings are problems with the data that did not stop the sync, one
	// line each (items that could not be decoded, per resource).
	Warnings []string
}

// Sync pulls the account's history from PagerDuty through c into db, which
// must already be migrated: the whole lists first (users, teams, services,
// escalation policies), then the time-windowed ones (incidents with their
// alerts, log entries, on-calls) newest window first (walk.go), then the
// notes of open incidents. Every window of rows is written in one
// transaction together with its resource's coverage (sync_coverage) and
// watermark, so a sync killed at any moment resumes with what it lacks and
// never duplicates a row.
func Sync(ctx context.Context, db *sql.DB, c *Client, o Options) (*Stats, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Until.IsZero() {
		o.Until = o.Now()
	}
	o.Until = o.Until.UTC().Truncate(time.Second)
	if o.Since.IsZero() {
		o.Since = o.Until.AddDate(0, 0, -90)
	}
	o.Since = o.Since.UTC().Truncate(time.Second)
	if !o.Since.Before(o.Until) {
		return nil, fmt.Errorf("sync: since %s is not before until %s", o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	if o.LookBack == 0 {
		o.LookBack = 7 * 24 * time.Hour
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	defer conn.Close()
	s := &syncer{conn: conn, pd: c.api, counters: c.Counters, o: o}
	start := time.Now()
	dims := []step{usersResource(), teamsResource(), servicesResource(), escalationPoliciesResource()}
	timed := []windowed{incidentsResource(), logEntriesResource(), oncallsResource()}
	stats := &Stats{}
	// The synced range starts at the first sync's Since (a --full sync's
	// when earlier); an incremental sync's default Since says nothing.
	var synced int
	if err := conn.QueryRowContext(ctx, queries.Get("sync-state-count")).Scan(&synced); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	if synced == 0 || o.Full {
		if err := s.exec(ctx, "sync-meta-history-start", o.Since); err != nil {
			return nil, fmt.Errorf("sync: %w", err)
		}
	}
	if err := s.exec(ctx, "sync-meta-until", o.Until); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	failed := func(name string, err error) error {
		if ctx.Err() != nil {
			// go-pagerduty flattens errors to text; say Canceled plainly.
			return fmt.Errorf("sync %s: %w", name, ctx.Err())
		}
		return fmt.Errorf("sync %s: %w", name, c.classify(err))
	}
	done := func(rs ResourceStats) {
		stats.Resources = append(stats.Resources, rs)
		stats.Items += rs.Items
		if o.OnResource != nil {
			o.OnResource(rs)
		}
	}
	one := func(st step) error {
		name := st.resourceName()
		r0, t0, began := c.Counters.Requests.Load(), c.Counters.Retries.Load(), time.Now()
		s.pmu.Lock()
		s.resource, s.items = name, 0
		s.pmu.Unlock()
		n, err := st.sync(ctx, s)
		var noTeams *TeamsUnavailableError
		switch {
		case errors.As(err, &noTeams):
			stats.Notes = append(stats.Notes, noTeams.Error())
			err = s.exec(ctx, "sync-meta-set", "teams_unavailable", o.Now().UTC())
		case err == nil && name == "teams":
			err = s.exec(ctx, "sync-meta-delete", "teams_unavailable")
		}
		if err != nil {
			return failed(name, err)
		}
		done(ResourceStats{
			Resource: name,
			Items:    n,
			Requests: c.Counters.Requests.Load() - r0,
			Retries:  c.Counters.Retries.Load() - t0,
			Elapsed:  time.Since(began),
		})
		return nil
	}
	for _, st := range dims {
		if err := one(st); err != nil {
			return stats, err
		}
	}
	if err := s.walk(ctx, timed, o.Targets); err != nil {
		return stats, failed(s.resource, err)
	}
	for _, r := range timed {
		t := s.tracks[r.resourceName()]
		done(ResourceStats{Resource: r.resourceName(), Items: t.items, Requests: t.requests, Retries: t.retries, Elapsed: t.elapsed})
	}
	// Notes last: the incidents still open once every window is in.
	if err := one(notesStep{c}); err != nil {
		return stats, err
	}
	stats.Skipped = c.api.skipped.total()
	stats.Warnings = append(stats.Warnings, s.warnings...)
	stats.Warnings = append(stats.Warnings, c.api.skipped.warnings()...)
	stats.Requests = c.Counters.Requests.Load()
	stats.Retries = c.Counters.Retries.Load()
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// syncer is one running Sync: the connection it writes on, the PagerDuty
// calls it makes and its progress.
type syncer struct {
	conn     *sql.Conn
	pd       pagerDuty
	counters *Counters // read for Progress only
	o        Options
	mu       sync.Mutex // serialises writes on conn
	// from is where each incremental resource's newest gap starts in this
	// sync (set by the walk; lateIncidents reads the incidents').
	from map[string]time.Time
	// The walk (walk.go): the history start, each resource's covered
	// ranges, what it still lacks of [start, Until), what it did, and the
	// targets with which of them were announced.
	start   time.Time
	cov     map[string][]Span
	gaps    map[string][]Span
	tracks  map[string]*track
	targets []Target
	ready   []bool

	wmu      sync.Mutex // guards warnings
	warnings []string   // problems that did not stop the sync, for Stats.Warnings

	pmu      sync.Mutex // guards resource and items: pages arrive concurrently
	resource string     // the resource being synced, for progress
	items    int        // its items so far
}

// progress reports items more received of the current resource, done being
// the share of its range finished (-1 when unknown).
func (s *syncer) progress(items int, done float64) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	s.items += items
	if s.o.OnProgress == nil {
		return
	}
	s.o.OnProgress(Progress{
		Resource: s.resource, Items: s.items, Done: done,
		Requests: s.counters.Requests.Load(), Retries: s.counters.Retries.Load(),
	})
}

// killPoint is called at the moments a crash must not lose or corrupt
// data: "before-commit" with a transaction's writes done but not committed,
// "after-commit" once it is (between one window and the next; a window's
// rows and its watermark commit together). It does nothing; the kill -9
// test's child process sets it to kill itself at a chosen call.
var killPoint = func(name string) {}

// warn records a problem that does not stop the sync (Stats.Warnings).
func (s *syncer) warn(msg string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.warnings = append(s.warnings, msg)
}

// tx runs fn inside one transaction on the sync's connection.
func (s *syncer) tx(ctx context.Context, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_, _ = s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	killPoint("before-commit")
	if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = s.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	killPoint("after-commit")
	return nil
}

func (s *syncer) exec(ctx context.Context, name string, args ...any) error {
	if _, err := s.conn.ExecContext(ctx, queries.Get(name), args...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (s *syncer) setWatermark(ctx context.Context, resource string, t time.Time) error {
	return s.exec(ctx, "sync-state-set", resource, t.UTC(), s.o.Now().UTC())
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }
