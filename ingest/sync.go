package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"golang.org/x/sync/errgroup"

	"github.com/oncall-health/oncall-health/queries"
)

// PageLimit is the page size of every list request: PagerDuty's maximum.
const PageLimit = 100

// OffsetCap is PagerDuty's cap on offset+limit; a query window holding more
// items is split in time.
const OffsetCap = 10000

// Options configure one Sync.
type Options struct {
	// Since and Until bound the first sync of a database (UTC). Zero Since
	// means 90 days before Until; zero Until means now.
	Since, Until time.Time
	// Full ignores the stored watermarks and pulls [Since, Until) again.
	Full bool
	// LookBack is how far before a watermark an incremental sync starts
	// again, to pick up incidents that changed later; 0 means 7 days.
	LookBack time.Duration
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
}

// window is a half-open time range [from, to) in UTC.
type window struct{ from, to time.Time }

// Sync pulls the account's history from PagerDuty through c into db, which
// must already be migrated. Every window of rows is written in one
// transaction together with its resource's watermark, so a sync killed at
// any moment resumes where it stopped and never duplicates a row.
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
	s := &syncer{conn: conn, c: c, o: o}
	start := time.Now()
	steps := []struct {
		name string
		run  func(ctx context.Context) (int, error)
	}{
		{"users", s.users},
		{"teams", s.teams},
		{"services", s.services},
		{"escalation_policies", s.policies},
		{"incidents", s.incidents},
		{"log_entries", s.logEntries},
		{"oncalls", s.oncalls},
	}
	stats := &Stats{}
	for _, st := range steps {
		r0, t0, began := c.Counters.Requests.Load(), c.Counters.Retries.Load(), time.Now()
		s.pmu.Lock()
		s.resource, s.items = st.name, 0
		s.pmu.Unlock()
		n, err := st.run(ctx)
		if err != nil {
			if ctx.Err() != nil {
				// go-pagerduty flattens errors to text; say Canceled plainly.
				return stats, fmt.Errorf("sync %s: %w", st.name, ctx.Err())
			}
			return stats, fmt.Errorf("sync %s: %w", st.name, c.classify(err))
		}
		rs := ResourceStats{
			Resource: st.name,
			Items:    n,
			Requests: c.Counters.Requests.Load() - r0,
			Retries:  c.Counters.Retries.Load() - t0,
			Elapsed:  time.Since(began),
		}
		stats.Resources = append(stats.Resources, rs)
		stats.Items += n
		if o.OnResource != nil {
			o.OnResource(rs)
		}
	}
	stats.Requests = c.Counters.Requests.Load()
	stats.Retries = c.Counters.Retries.Load()
	stats.Elapsed = time.Since(start)
	return stats, nil
}

type syncer struct {
	conn *sql.Conn
	c    *Client
	o    Options
	mu   sync.Mutex // serialises writes on conn

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
		Requests: s.c.Counters.Requests.Load(), Retries: s.c.Counters.Retries.Load(),
	})
}

// killPoint is called at the moments a crash must not lose or corrupt
// data: "before-commit" with a transaction's writes done but not committed,
// "after-commit" once it is (between one window and the next; a window's
// rows and its watermark commit together). It does nothing; the kill -9
// test's child process sets it to kill itself at a chosen call.
var killPoint = func(name string) {}

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

// upsert stages rows as view and runs the named upsert reading it, with
// args as the statement's parameters.
func upsert[R any](ctx context.Context, s *syncer, view string, fields []field[R], rows []R, query string, args ...any) error {
	if len(rows) == 0 {
		return nil
	}
	return stage(ctx, s.conn, view, fields, rows, func() error {
		return s.exec(ctx, query, args...)
	})
}

// pages calls fetch with offsets 0, 100, ... until the API says there is no
// more. fetch returns whether more pages follow.
func pages(ctx context.Context, fetch func(offset uint) (more bool, err error)) error {
	for offset := uint(0); ; offset += PageLimit {
		if err := ctx.Err(); err != nil {
			return err
		}
		more, err := fetch(offset)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// pagesOf is pages for a whole-list resource, reporting progress per page.
func (s *syncer) pagesOf(ctx context.Context, fetch func(offset uint) (n int, more bool, err error)) error {
	return pages(ctx, func(off uint) (bool, error) {
		n, more, err := fetch(off)
		if err == nil {
			s.progress(n, -1)
		}
		return more, err
	})
}

func (s *syncer) users(ctx context.Context) (int, error) {
	var users []userRow
	var members []teamMemberRow
	err := s.pagesOf(ctx, func(off uint) (int, bool, error) {
		r, err := s.c.PD.ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Limit: PageLimit, Offset: off})
		if err != nil {
			return 0, false, fmt.Errorf("fetch users: %w", err)
		}
		for _, u := range r.Users {
			users = append(users, userRow{ID: u.ID, Name: u.Name, Email: u.Email, TimeZone: u.Timezone})
			for _, t := range u.Teams {
				members = append(members, teamMemberRow{TeamID: t.ID, UserID: u.ID})
			}
		}
		return len(r.Users), r.More, nil
	})
	if err != nil {
		return 0, err
	}
	users = dedupe(users, func(r *userRow) string { return r.ID })
	members = dedupe(members, func(r *teamMemberRow) string { return r.TeamID + "\x00" + r.UserID })
	return len(users), s.tx(ctx, func() error {
		if err := upsert(ctx, s, "staged_users", userFields, users, "upsert-users"); err != nil {
			return err
		}
		if len(members) == 0 {
			return s.exec(ctx, "clear-team-members")
		}
		if err := upsert(ctx, s, "staged_team_members", teamMemberFields, members, "copy-team-members"); err != nil {
			return err
		}
		if err := s.exec(ctx, "delete-gone-team-members"); err != nil {
			return err
		}
		return s.exec(ctx, "insert-team-members")
	})
}

func (s *syncer) teams(ctx context.Context) (int, error) {
	var rows []teamRow
	err := s.pagesOf(ctx, func(off uint) (int, bool, error) {
		r, err := s.c.PD.ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{Limit: PageLimit, Offset: off})
		if err != nil {
			return 0, false, fmt.Errorf("fetch teams: %w", err)
		}
		for _, t := range r.Teams {
			rows = append(rows, teamRow{ID: t.ID, Name: t.Name})
		}
		return len(r.Teams), r.More, nil
	})
	if err != nil {
		return 0, err
	}
	rows = dedupe(rows, func(r *teamRow) string { return r.ID })
	return len(rows), s.tx(ctx, func() error {
		return upsert(ctx, s, "staged_teams", teamFields, rows, "upsert-teams")
	})
}

func (s *syncer) services(ctx context.Context) (int, error) {
	var rows []serviceRow
	err := s.pagesOf(ctx, func(off uint) (int, bool, error) {
		r, err := s.c.PD.ListServicesWithContext(ctx, pagerduty.ListServiceOptions{Limit: PageLimit, Offset: off})
		if err != nil {
			return 0, false, fmt.Errorf("fetch services: %w", err)
		}
		for _, sv := range r.Services {
			row := serviceRow{ID: sv.ID, Name: sv.Name, EscalationPolicyID: sv.EscalationPolicy.ID}
			if len(sv.Teams) > 0 {
				row.TeamID = sv.Teams[0].ID
			}
			rows = append(rows, row)
		}
		return len(r.Services), r.More, nil
	})
	if err != nil {
		return 0, err
	}
	rows = dedupe(rows, func(r *serviceRow) string { return r.ID })
	return len(rows), s.tx(ctx, func() error {
		return upsert(ctx, s, "staged_services", serviceFields, rows, "upsert-services")
	})
}

func (s *syncer) policies(ctx context.Context) (int, error) {
	var rows []policyRow
	err := s.pagesOf(ctx, func(off uint) (int, bool, error) {
		r, err := s.c.PD.ListEscalationPoliciesWithContext(ctx, pagerduty.ListEscalationPoliciesOptions{Limit: PageLimit, Offset: off})
		if err != nil {
			return 0, false, fmt.Errorf("fetch escalation policies: %w", err)
		}
		for _, p := range r.EscalationPolicies {
			row := policyRow{ID: p.ID, Name: p.Name}
			if len(p.Teams) > 0 {
				row.TeamID = p.Teams[0].ID
			}
			rows = append(rows, row)
		}
		return len(r.EscalationPolicies), r.More, nil
	})
	if err != nil {
		return 0, err
	}
	rows = dedupe(rows, func(r *policyRow) string { return r.ID })
	return len(rows), s.tx(ctx, func() error {
		return upsert(ctx, s, "staged_escalation_policies", policyFields, rows, "upsert-escalation-policies")
	})
}

// startFor returns where resource's sync starts: Since for a first or full
// sync, else the stored watermark less the look-back.
func (s *syncer) startFor(ctx context.Context, resource string) (time.Time, error) {
	if s.o.Full {
		return s.o.Since, nil
	}
	var wm time.Time
	err := s.conn.QueryRowContext(ctx, queries.Get("sync-state-get"), resource).Scan(&wm)
	if errors.Is(err, sql.ErrNoRows) {
		return s.o.Since, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read watermark of %s: %w", resource, err)
	}
	return wm.UTC().Add(-s.o.LookBack), nil
}

func (s *syncer) setWatermark(ctx context.Context, resource string, t time.Time) error {
	return s.exec(ctx, "sync-state-set", resource, t.UTC(), s.o.Now().UTC())
}

// chunks cuts [from, to) into windows of at most size.
func chunks(from, to time.Time, size time.Duration) []window {
	var out []window
	for t := from; t.Before(to); t = t.Add(size) {
		end := t.Add(size)
		if end.After(to) {
			end = to
		}
		out = append(out, window{t, end})
	}
	return out
}

// windowed fetches [from, to) window by window, oldest first. count asks
// for the first page of a window with total=true and returns the total;
// when a window holds more than the offset cap allows it is halved until it
// fits. Each fitting window is fetched in full by fetch and written, with
// the watermark at its end, by save.
func windowed[T any](ctx context.Context, s *syncer, from, to time.Time, maxSpan time.Duration,
	fetch func(w window, offset uint, withTotal bool) (items []T, more bool, total uint, err error),
	save func(items []T, w window) error) (int, error) {
	n := 0
	span := to.Sub(from).Seconds()
	done := func(t time.Time) float64 {
		if span <= 0 {
			return 1
		}
		return t.Sub(from).Seconds() / span
	}
	var do func(w window) error
	do = func(w window) error {
		first, more, total, err := fetch(w, 0, true)
		if err != nil {
			return err
		}
		s.progress(len(first), done(w.from))
		if more && total > OffsetCap && w.to.Sub(w.from) > time.Second {
			mid := w.from.Add(w.to.Sub(w.from) / 2).Truncate(time.Second)
			if !mid.After(w.from) {
				mid = w.from.Add(time.Second)
			}
			if err := do(window{w.from, mid}); err != nil {
				return err
			}
			return do(window{mid, w.to})
		}
		items := first
		if more && total > 0 {
			// The total is known: fetch the remaining pages concurrently.
			rest, err := parallelPages(ctx, s.o.Concurrency, total, func(off uint) ([]T, error) {
				page, _, _, err := fetch(w, off, false)
				if err == nil {
					s.progress(len(page), done(w.from))
				}
				return page, err
			})
			if err != nil {
				return err
			}
			items = append(items, rest...)
			more = false
		}
		for off := uint(PageLimit); more; off += PageLimit {
			if err := ctx.Err(); err != nil {
				return err
			}
			var page []T
			page, more, _, err = fetch(w, off, false)
			if err != nil {
				return err
			}
			s.progress(len(page), done(w.from))
			items = append(items, page...)
		}
		n += len(items)
		return save(items, w)
	}
	for _, w := range chunks(from, to, maxSpan) {
		if err := do(w); err != nil {
			return n, err
		}
	}
	return n, nil
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *syncer) incidents(ctx context.Context) (int, error) {
	from, err := s.startFor(ctx, "incidents")
	if err != nil {
		return 0, err
	}
	stored, err := s.alertCounts(ctx)
	if err != nil {
		return 0, err
	}
	return windowed(ctx, s, from, s.o.Until, 30*24*time.Hour,
		func(w window, off uint, total bool) ([]pagerduty.Incident, bool, uint, error) {
			r, err := s.c.PD.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{
				Limit: PageLimit, Offset: off, Total: total,
				Since: iso(w.from), Until: iso(w.to), TimeZone: "UTC",
			})
			if err != nil {
				return nil, false, 0, fmt.Errorf("fetch incidents %s..%s: %w", iso(w.from), iso(w.to), err)
			}
			return r.Incidents, r.More, r.Total, nil
		},
		func(items []pagerduty.Incident, w window) error {
			rows := make([]incidentRow, 0, len(items))
			for i := range items {
				row := incidentFrom(&items[i])
				// PagerDuty reads until as exclusive; guard against a fake or
				// proxy that does not.
				if row.CreatedAt.Before(w.from) || !row.CreatedAt.Before(w.to) {
					continue
				}
				rows = append(rows, row)
			}
			rows = dedupe(rows, func(r *incidentRow) string { return r.ID })
			alerts, stale, err := s.fetchAlerts(ctx, items, stored)
			if err != nil {
				return err
			}
			return s.tx(ctx, func() error {
				for _, id := range stale {
					if err := s.exec(ctx, "delete-alert", id); err != nil {
						return err
					}
				}
				if err := upsert(ctx, s, "staged_incidents", incidentFields, rows, "upsert-incidents"); err != nil {
					return err
				}
				if err := upsert(ctx, s, "staged_alerts", alertFields, alerts, "upsert-alerts"); err != nil {
					return err
				}
				return s.setWatermark(ctx, "incidents", w.to)
			})
		})
}

// storedAlerts is what the database holds of an incident's alerts: how
// many, and the incident's status when they were fetched.
type storedAlerts struct {
	n      int
	status string
}

// alertCounts reads how many alerts are stored per incident, with the
// incident's stored status.
func (s *syncer) alertCounts(ctx context.Context) (map[string]storedAlerts, error) {
	rows, err := s.conn.QueryContext(ctx, queries.Get("alert-counts"))
	if err != nil {
		return nil, fmt.Errorf("read alert counts: %w", err)
	}
	defer rows.Close()
	out := map[string]storedAlerts{}
	for rows.Next() {
		var id, status string
		var n int
		if err := rows.Scan(&id, &status, &n); err != nil {
			return nil, err
		}
		out[id] = storedAlerts{n: n, status: status}
	}
	return out, rows.Err()
}

// fetchAlerts gets the alerts of the incidents whose alerts may have
// changed since they were stored: a different alert_counts.all (when
// PagerDuty sends it; without it they are always fetched) or a different
// incident status (alerts resolve with their incident). Requests run with
// bounded concurrency. stored is updated to what the window will hold.
//
// It also returns the ids of synthetic alerts that the fetched ones replace.
func (s *syncer) fetchAlerts(ctx context.Context, incs []pagerduty.Incident, stored map[string]storedAlerts) (rows []alertRow, stale []string, err error) {
	var todo []string
	var out []alertRow
	for i := range incs {
		in := &incs[i]
		n := int(in.AlertCounts.All)
		was, known := stored[in.ID]
		switch {
		case n == 1 && !s.o.FetchAllAlerts:
			// Re-made each time at no cost, so its status follows the incident's.
			out = append(out, syntheticAlert(in))
			stored[in.ID] = storedAlerts{n: 1, status: in.Status}
			continue
		case known && n > 0 && was.n == n && was.status == in.Status:
			continue // nothing new
		}
		if known && was.n == 1 {
			stale = append(stale, syntheticID(in.ID))
		}
		todo = append(todo, in.ID)
		stored[in.ID] = storedAlerts{n: n, status: in.Status}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.o.Concurrency)
	for _, id := range todo {
		g.Go(func() error {
			var rows []alertRow
			err := pages(gctx, func(off uint) (bool, error) {
				r, err := s.c.PD.ListIncidentAlertsWithContext(gctx, id, pagerduty.ListIncidentAlertsOptions{Limit: PageLimit, Offset: off})
				if err != nil {
					return false, fmt.Errorf("fetch alerts of incident %s: %w", id, err)
				}
				for i := range r.Alerts {
					rows = append(rows, alertFrom(id, &r.Alerts[i]))
				}
				return r.More, nil
			})
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, rows...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return dedupe(out, func(r *alertRow) string { return r.ID }), stale, nil
}

// fetchLogEntries returns the page fetcher of global /log_entries, with
// notification channels included.
func (s *syncer) fetchLogEntries(ctx context.Context) func(w window, off uint, withTotal bool) ([]pagerduty.LogEntry, bool, uint, error) {
	return func(w window, off uint, withTotal bool) ([]pagerduty.LogEntry, bool, uint, error) {
		r, err := s.c.PD.ListLogEntriesWithContext(ctx, pagerduty.ListLogEntriesOptions{
			Limit: PageLimit, Offset: off, Total: withTotal,
			Since: iso(w.from), Until: iso(w.to), TimeZone: "UTC",
			Includes: []string{"channels"},
		})
		if err != nil {
			return nil, false, 0, fmt.Errorf("fetch log entries %s..%s: %w", iso(w.from), iso(w.to), err)
		}
		return r.LogEntries, r.More, r.Total, nil
	}
}

// syntheticID is the id of the alert stored for an incident with one alert
// that was not fetched.
func syntheticID(incidentID string) string { return incidentID + "#alert" }

func syntheticAlert(in *pagerduty.Incident) alertRow {
	status := "triggered"
	if in.Status == "resolved" {
		status = "resolved"
	}
	return alertRow{
		ID: syntheticID(in.ID), IncidentID: in.ID, ServiceID: in.Service.ID, Status: status,
		Summary: in.Title, CreatedAt: parseTime(in.CreatedAt),
	}
}

func (s *syncer) logEntries(ctx context.Context) (int, error) {
	from, err := s.startFor(ctx, "log_entries")
	if err != nil {
		return 0, err
	}
	return windowed(ctx, s, from, s.o.Until, 30*24*time.Hour, s.fetchLogEntries(ctx),
		func(items []pagerduty.LogEntry, w window) error {
			rows := make([]logEntryRow, 0, len(items))
			for i := range items {
				row := logEntryFrom(&items[i])
				if row.CreatedAt.Before(w.from) || !row.CreatedAt.Before(w.to) {
					continue
				}
				rows = append(rows, row)
			}
			rows = dedupe(rows, func(r *logEntryRow) string { return r.ID })
			return s.tx(ctx, func() error {
				if err := upsert(ctx, s, "staged_log_entries", logEntryFields, rows, "upsert-log-entries", w.from, w.to); err != nil {
					return err
				}
				return s.setWatermark(ctx, "log_entries", w.to)
			})
		})
}

func (s *syncer) oncalls(ctx context.Context) (int, error) {
	from, err := s.startFor(ctx, "oncalls")
	if err != nil {
		return 0, err
	}
	return windowed(ctx, s, from, s.o.Until, 30*24*time.Hour,
		func(w window, off uint, total bool) ([]pagerduty.OnCall, bool, uint, error) {
			r, err := s.c.PD.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{
				Limit: PageLimit, Offset: off, Total: total,
				Since: iso(w.from), Until: iso(w.to), TimeZone: "UTC",
			})
			if err != nil {
				return nil, false, 0, fmt.Errorf("fetch on-calls %s..%s: %w", iso(w.from), iso(w.to), err)
			}
			return r.OnCalls, r.More, r.Total, nil
		},
		func(items []pagerduty.OnCall, w window) error {
			rows := make([]oncallRow, 0, len(items))
			for i := range items {
				row := oncallFrom(&items[i])
				if row.UserID == "" || row.EscalationPolicyID == "" || row.Start.IsZero() {
					continue // an on-call without a start cannot be placed in time
				}
				rows = append(rows, row)
			}
			rows = dedupe(rows, func(r *oncallRow) string {
				return r.UserID + "\x00" + r.EscalationPolicyID + "\x00" + fmt.Sprint(r.Level) + "\x00" + r.Start.String()
			})
			return s.tx(ctx, func() error {
				if err := upsert(ctx, s, "staged_oncalls", oncallFields, rows, "upsert-oncalls"); err != nil {
					return err
				}
				return s.setWatermark(ctx, "oncalls", w.to)
			})
		})
}

// parallelPages fetches offsets 100, 200, ... below total with at most
// limit (>= 1; Sync sets Options.Concurrency) requests in flight and returns the pages' items in offset order.
func parallelPages[T any](ctx context.Context, limit int, total uint, fetch func(off uint) ([]T, error)) ([]T, error) {
	n := int((total + PageLimit - 1) / PageLimit)
	if n <= 1 {
		return nil, nil
	}
	pages := make([][]T, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := 1; i < n; i++ {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			page, err := fetch(uint(i) * PageLimit)
			pages[i] = page
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []T
	for _, p := range pages[1:] {
		out = append(out, p...)
	}
	return out, nil
}

// dedupe keeps the last row of each key, in first-seen order.
func dedupe[R any](rows []R, key func(*R) string) []R {
	idx := make(map[string]int, len(rows))
	out := rows[:0]
	for i := range rows {
		k := key(&rows[i])
		if j, ok := idx[k]; ok {
			out[j] = rows[i]
			continue
		}
		idx[k] = len(out)
		out = append(out, rows[i])
	}
	return out
}
