package ingest

import (
	"context"
	"time"
)

// The walk: how a sync orders the windows of the time-windowed resources
// (incidents, log entries, on-calls).
//
// Each resource lacks, of the history [start, Until), what its covered
// ranges do not hold; after a complete backfill its newest covered range
// counts Options.LookBack short (what changed late is fetched again, as an
// incremental sync always did), during one not (a resumed first sync
// fetches no covered range again). Those gaps are fetched newest first. When some resource lacks more
// than that newest part (a first sync, or one that a kill stopped during
// its backfill), the sync fetches first what the targets need (the last
// complete week, then the last complete month, as the command passes
// them), says so when each is in (Options.OnReady), and then walks the
// rest from Until back to the history start in slices of 30 days, every
// resource in each slice, so that the reportable history grows from the
// newest end. An incremental sync after a complete backfill has one gap
// per resource (its look-back to Until) and fetches it as it always did.

// windowed is an incremental resource as the walk runs it.
type windowed interface {
	step
	// fetch fetches and stores [w.from, w.to), committing window by window
	// (each with its coverage); it returns the items received.
	fetch(ctx context.Context, s *syncer, w window) (int, error)
	spanOf() time.Duration
}

// track is what a windowed resource has done so far in this sync.
type track struct {
	items             int
	requests, retries int64
	elapsed           time.Duration
	total, done       time.Duration // of its gaps at the start
}

// walk syncs rs (windowed resources) as the comment above says, targets
// first when there is a backfill to do.
func (s *syncer) walk(ctx context.Context, rs []windowed, targets []Target) error {
	cov, err := ReadCoverage(ctx, s.conn)
	if err != nil {
		return err
	}
	start, until := s.o.Since, s.o.Until
	if !s.o.Full && !cov.Start.IsZero() {
		start = cov.Start
	}
	s.start, s.cov, s.gaps = start, cov.Ranges, map[string][]Span{}
	if s.tracks == nil {
		s.tracks = map[string]*track{}
	}
	if s.from == nil {
		s.from = map[string]time.Time{}
	}
	// A backfill is to do when some resource lacks more than its newest
	// part: no range yet, or one not reaching back to the history start,
	// or several.
	backfill := false
	for _, r := range rs {
		have := cov.Ranges[r.resourceName()]
		if len(have) != 1 || have[0].From.After(start) {
			backfill = true
		}
	}
	for _, r := range rs {
		name := r.resourceName()
		gaps := []Span{{start, until}}
		if !s.o.Full {
			have := s.cov[name]
			if n := len(have); n > 0 && !backfill {
				// The newest range counts the look-back short. Not in a
				// backfill: every range it holds was fetched by the first
				// sync itself (resumed, it fetches no covered range
				// again); what changed since comes through the log
				// entries after the newest range (lateIncidents), and the
				// first incremental sync after the backfill looks back.
				have = append([]Span(nil), have...)
				if have[n-1].To = have[n-1].To.Add(-s.o.LookBack); !have[n-1].From.Before(have[n-1].To) {
					have = have[:n-1]
				}
			}
			gaps = subtract(Span{start, until}, have)
		}
		s.gaps[name] = gaps
		t := &track{}
		for _, g := range gaps {
			t.total += g.To.Sub(g.From)
		}
		s.tracks[name] = t
		// lateIncidents re-fetches the open incidents created before the
		// newest gap: those the sync does not fetch again.
		s.from[name] = until
		if n := len(gaps); n > 0 && gaps[n-1].To.Equal(until) {
			s.from[name] = gaps[n-1].From
		}
	}
	if backfill {
		s.targets, s.ready = targets, make([]bool, len(targets))
		s.checkReady()
		for _, t := range targets {
			for _, r := range rs {
				for _, n := range t.Needs {
					if n.Resource != r.resourceName() {
						continue
					}
					if err := s.fill(ctx, r, clip(Span{n.From.UTC(), n.To.UTC()}, start, until)); err != nil {
						return err
					}
				}
			}
		}
	}
	var slice time.Duration
	for _, r := range rs {
		slice = max(slice, r.spanOf())
	}
	for _, sl := range chunksBack(start, until, slice) {
		for _, r := range rs {
			if err := s.fill(ctx, r, Span{sl.from, sl.to}); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill fetches what r lacks of piece, newest part first.
func (s *syncer) fill(ctx context.Context, r windowed, piece Span) error {
	name := r.resourceName()
	parts := intersect(s.gaps[name], piece)
	if len(parts) == 0 {
		return nil
	}
	t := s.tracks[name]
	s.pmu.Lock()
	s.resource, s.items = name, t.items
	s.pmu.Unlock()
	for i := len(parts) - 1; i >= 0; i-- {
		r0, t0, began := s.requests(), s.retries(), time.Now()
		n, err := r.fetch(ctx, s, window{parts[i].From, parts[i].To})
		t.items += n
		t.requests += s.requests() - r0
		t.retries += s.retries() - t0
		t.elapsed += time.Since(began)
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *syncer) requests() int64 {
	if s.counters == nil {
		return 0
	}
	return s.counters.Requests.Load()
}

func (s *syncer) retries() int64 {
	if s.counters == nil {
		return 0
	}
	return s.counters.Retries.Load()
}

// share is the part of resource's gaps done, 0..1 (1 when it had none).
func (s *syncer) share(resource string) float64 {
	t := s.tracks[resource]
	if t == nil || t.total <= 0 {
		return 1
	}
	return min(1, float64(t.done)/float64(t.total))
}

// cover adds w to resource's covered ranges in the database, inside the
// window's transaction, and moves its watermark to their newest end; it
// returns the ranges for covered to keep once the transaction commits.
func (s *syncer) cover(ctx context.Context, resource string, w window) ([]Span, error) {
	spans := addSpan(s.cov[resource], Span{w.from, w.to})
	if err := s.exec(ctx, "sync-coverage-delete", resource); err != nil {
		return nil, err
	}
	for _, sp := range spans {
		if err := s.exec(ctx, "sync-coverage-insert", resource, sp.From, sp.To); err != nil {
			return nil, err
		}
	}
	return spans, s.setWatermark(ctx, resource, spans[len(spans)-1].To)
}

// covered records that w of resource committed with spans its ranges, and
// says which targets are now in.
func (s *syncer) covered(resource string, w window, spans []Span) {
	if s.cov == nil {
		s.cov = map[string][]Span{}
	}
	s.cov[resource] = spans
	var gaps []Span
	for _, g := range s.gaps[resource] {
		gaps = append(gaps, subtract(g, []Span{{w.from, w.to}})...)
	}
	if t := s.tracks[resource]; t != nil {
		for _, g := range intersect(s.gaps[resource], Span{w.from, w.to}) {
			t.done += g.To.Sub(g.From)
		}
	}
	if s.gaps != nil {
		s.gaps[resource] = gaps
	}
	s.checkReady()
}

// checkReady calls Options.OnReady for each target whose needs are all
// covered now, once.
func (s *syncer) checkReady() {
	if len(s.targets) == 0 {
		return
	}
	c := &Coverage{Ranges: s.cov, Start: s.start, Until: s.o.Until}
	for i, t := range s.targets {
		if s.ready[i] || c.Check(t) != nil {
			continue
		}
		s.ready[i] = true
		if s.o.OnReady != nil {
			s.o.OnReady(t)
		}
	}
}
