package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
)

// PageLimit is the page size of every list request: PagerDuty's maximum.
const PageLimit = 100

// OffsetCap is PagerDuty's cap on offset+limit; a query window holding more
// items is split in time.
const OffsetCap = 10000

// ErrOffsetCap means a list holds more items than PagerDuty's offset cap
// lets a client page through, and the sync cannot narrow it further (a
// time window of one second, or a list not bounded in time).
var ErrOffsetCap = errors.New("more items than PagerDuty's offset cap of 10,000 lets a client page through")

// window is a half-open time range [from, to) in UTC. The zero window
// stands for a list that is not bounded in time.
type window struct{ from, to time.Time }

// String is "from..to" in RFC 3339, as error messages name a window.
func (w window) String() string { return iso(w.from) + ".." + iso(w.to) }

// holds reports whether t lies in [from, to). PagerDuty reads until as
// exclusive; rows are checked again to guard against a fake or proxy that
// does not.
func (w window) holds(t time.Time) bool { return !t.Before(w.from) && t.Before(w.to) }

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

// query is what varies between the list requests of a resource.
type query struct {
	w      window // the time range of a time-bounded list
	parent string // the incident whose alerts are listed
	// statuses narrows the alerts of one incident to these statuses (the
	// filter that splits a list over the offset cap).
	statuses []string
	offset   uint // the first item of the page
	total    bool // ask PagerDuty for the number of items in the scope
}

// page is one list response.
type page[T any] struct {
	items []T
	more  bool
	total uint // items in the query's scope; 0 when not asked for or not sent
}

// listFunc fetches one page of a resource: the only part of a resource that
// calls PagerDuty.
type listFunc[T any] func(ctx context.Context, pd pagerDuty, q query) (page[T], error)

// resource is one PagerDuty list and how it is stored: its fetch, its rows
// and its incremental rule. The window splitting, paging and loading are
// written once, here, for every resource; each resource's file (users.go,
// incidents.go, ...) holds its definition, its rows and its tables.
type resource[T any] struct {
	// name names the resource in Stats, Progress and sync_state.
	name string
	// list fetches one page.
	list listFunc[T]
	// span, when set, makes the resource incremental: it is fetched from
	// its watermark (less Options.LookBack) to Options.Until in windows of
	// at most span, oldest first, and each window is committed together
	// with the watermark at its end. Zero: a whole list, fetched page by
	// page and written in one transaction, without a watermark.
	span time.Duration
	// rows turns the items of one window (the zero window for a whole
	// list) into the statements that store them. It runs before the
	// window's transaction opens, so it may make requests of its own
	// (incidents fetch their alerts).
	rows func(ctx context.Context, s *syncer, items []T, w window) ([]load, error)
}

// step is a resource as Sync runs it, whatever its item type.
type step interface {
	resourceName() string
	// sync fetches and stores the resource; it returns the items received.
	sync(ctx context.Context, s *syncer) (int, error)
}

func (r *resource[T]) resourceName() string { return r.name }

func (r *resource[T]) sync(ctx context.Context, s *syncer) (int, error) {
	if r.span == 0 {
		items, err := pagesFrom(ctx, s.pd, r.list, query{}, func(n int) { s.progress(n, -1) })
		if errors.Is(err, ErrOffsetCap) {
			// No filter splits these lists: keep what can be fetched, say so.
			s.warn(fmt.Sprintf("%s: PagerDuty lets a client page through %d items of a list only; the first %d were stored, the rest are missing", r.name, OffsetCap, len(items)))
			err = nil
		}
		if err != nil {
			return 0, err
		}
		return len(items), r.store(ctx, s, items, window{})
	}
	from, err := s.startFor(ctx, r.name)
	if err != nil {
		return 0, err
	}
	if s.from == nil {
		s.from = map[string]time.Time{}
	}
	s.from[r.name] = from
	return r.windows(ctx, s, from, s.o.Until, func(items []T, w window) error {
		return r.store(ctx, s, items, w)
	})
}

// store writes the rows of items in one transaction; for an incremental
// resource sync_meta 'dirty_from' comes down to w.from and the watermark
// moves to w.to in the same transaction, after the rows, so a sync killed at any moment resumes at a window boundary and
// never duplicates a row.
func (r *resource[T]) store(ctx context.Context, s *syncer, items []T, w window) error {
	loads, err := r.rows(ctx, s, items, w)
	if err != nil {
		return err
	}
	return s.tx(ctx, func() error {
		for _, l := range loads {
			if err := l(ctx, s); err != nil {
				return err
			}
		}
		if r.span == 0 {
			return nil
		}
		// The next derivation goes on from the earliest window written
		// since the last one (analysis.Derive).
		if err := s.exec(ctx, "sync-meta-dirty-from", w.from.UTC()); err != nil {
			return err
		}
		return s.setWatermark(ctx, r.name, w.to)
	})
}

// windows fetches [from, to) window by window, oldest first: chunks of at
// most r.span, each asked for its total with its first page. A window
// holding more than the offset cap lets a client page through is halved
// (at a whole second) until it fits; a window of one second still over the
// cap is ErrOffsetCap. Each fitting window is fetched in full and handed to
// save, in time order. It returns the items of the fitting windows.
func (r *resource[T]) windows(ctx context.Context, s *syncer, from, to time.Time, save func(items []T, w window) error) (int, error) {
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
		q := query{w: w, total: true}
		first, err := r.list(ctx, s.pd, q)
		if err != nil {
			return err
		}
		s.progress(len(first.items), done(w.from))
		if first.more && first.total > OffsetCap {
			if w.to.Sub(w.from) <= time.Second {
				return fmt.Errorf("fetch %s %s: %d items in one second: %w", r.name, w, first.total, ErrOffsetCap)
			}
			mid := w.from.Add(w.to.Sub(w.from) / 2).Truncate(time.Second)
			if !mid.After(w.from) {
				mid = w.from.Add(time.Second)
			}
			if err := do(window{w.from, mid}); err != nil {
				return err
			}
			return do(window{mid, w.to})
		}
		items, err := r.rest(ctx, s, q, first, func(k int) { s.progress(k, done(w.from)) })
		if err != nil {
			return err
		}
		n += len(items)
		return save(items, w)
	}
	for _, w := range chunks(from, to, r.span) {
		if err := do(w); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rest completes first, the page at offset 0 of q's scope, with the pages
// after it: concurrently when PagerDuty sent the total, else one after
// another until it says there is no more. onPage gets each page's count.
func (r *resource[T]) rest(ctx context.Context, s *syncer, q query, first page[T], onPage func(n int)) ([]T, error) {
	items := first.items
	if !first.more {
		return items, nil
	}
	q.total = false
	var more []T
	var err error
	if first.total > 0 {
		more, err = parallelPages(ctx, s.o.Concurrency, first.total, func(off uint) ([]T, error) {
			q := q
			q.offset = off
			p, err := r.list(ctx, s.pd, q)
			if err == nil {
				onPage(len(p.items))
			}
			return p.items, err
		})
	} else {
		q.offset = PageLimit
		more, err = pagesFrom(ctx, s.pd, r.list, q, onPage)
	}
	if err != nil {
		return nil, err
	}
	return append(items, more...), nil
}

// pagesFrom fetches the pages of q's scope from q.offset on, one after
// another, until PagerDuty says there is no more; onPage, when set, gets
// each page's count. A scope that goes on past the offset cap is
// ErrOffsetCap before the request PagerDuty would refuse, returned with
// the items fetched until then.
func pagesFrom[T any](ctx context.Context, pd pagerDuty, list listFunc[T], q query, onPage func(n int)) ([]T, error) {
	var items []T
	for ; ; q.offset += PageLimit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if q.offset+PageLimit > OffsetCap {
			return items, fmt.Errorf("page at offset %d: %w", q.offset, ErrOffsetCap)
		}
		p, err := list(ctx, pd, q)
		if err != nil {
			return nil, err
		}
		if onPage != nil {
			onPage(len(p.items))
		}
		items = append(items, p.items...)
		if !p.more {
			return items, nil
		}
	}
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

// load is one statement of a window's transaction.
type load func(ctx context.Context, s *syncer) error

// statement is the load that runs the named statement with args.
func statement(name string, args ...any) load {
	return func(ctx context.Context, s *syncer) error { return s.exec(ctx, name, args...) }
}

// table is a table the sync writes through Arrow staging: the columns of
// its rows, the view they are staged as, the named statement that writes
// them from the view, and a row's identity.
type table[R any] struct {
	view   string
	fields []field[R]
	write  string
	// then are named statements run after write, while the view is
	// still staged, without parameters (membership tables copy the view in
	// write, then delete their gone rows and insert).
	then []string
	key  func(*R) string
}

// load is the load that stages rows (the last of each key kept) and runs
// t's write statement with args as its parameters, then t.then; no rows,
// no statement.
func (t *table[R]) load(rows []R, args ...any) load {
	rows = dedupe(rows, t.key)
	return func(ctx context.Context, s *syncer) error {
		if len(rows) == 0 {
			return nil
		}
		return stage(ctx, s.conn, t.view, t.fields, rows, func() error {
			if err := s.exec(ctx, t.write, args...); err != nil {
				return err
			}
			for _, q := range t.then {
				if err := s.exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// into is the rows rule of a resource stored in one table: each item
// converted by from (which may leave it out), written by t.
func into[T, R any](t *table[R], from func(item *T, w window) (R, bool)) func(context.Context, *syncer, []T, window) ([]load, error) {
	return func(_ context.Context, _ *syncer, items []T, w window) ([]load, error) {
		return []load{t.load(rowsOf(items, w, from))}, nil
	}
}

// rowsOf converts items with from, leaving out those it refuses.
func rowsOf[T, R any](items []T, w window, from func(item *T, w window) (R, bool)) []R {
	rows := make([]R, 0, len(items))
	for i := range items {
		if row, ok := from(&items[i], w); ok {
			rows = append(rows, row)
		}
	}
	return rows
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
