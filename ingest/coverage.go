package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/queries"
)

// Coverage: what a database holds of each time-windowed resource
// (incidents, log_entries, oncalls), as disjoint covered ranges
// (sync_coverage, migration 10). A first sync walks from the newest window
// to the oldest, so a sync stopped half way holds the recent part of the
// history; Coverage.Check says whether a period's data is all in.

// Span is the half-open time range [From, To) in UTC.
type Span struct{ From, To time.Time }

// Need is a range of one resource ("incidents", "log_entries" or
// "oncalls") that a report reads.
type Need struct {
	Resource string
	From, To time.Time
}

// Target is a report period whose data a first sync fetches before the
// rest of the backfill: Label names it (2026-W46), Needs are what its
// metrics read (analysis.Period.Needs).
type Target struct {
	Label string
	Needs []Need
}

// ErrIncomplete means the database does not hold yet all the data a period
// needs: a sync stopped before its backfill reached the period.
var ErrIncomplete = errors.New("data not synced yet")

// IncompleteError names the first range of a period that is not synced:
// Resource's Need, and what the database holds of that resource (Have).
type IncompleteError struct {
	Label    string
	Resource string
	Need     Span
	Have     []Span
}

// resourceWords names a resource in messages.
var resourceWords = map[string]string{"incidents": "incidents", "log_entries": "log entries", "oncalls": "on-calls"}

func (e *IncompleteError) Error() string {
	have := "nothing yet"
	if len(e.Have) > 0 {
		parts := make([]string, len(e.Have))
		for i, h := range e.Have {
			parts[i] = dateText(h.From) + " to " + dateText(h.To)
		}
		have = strings.Join(parts, " and ")
	}
	what := resourceWords[e.Resource]
	if what == "" {
		what = e.Resource
	}
	return fmt.Sprintf("%s needs %s from %s to %s; synced so far %s — run sync again to go on with the backfill",
		e.Label, what, dateText(e.Need.From), dateText(e.Need.To), have)
}

// Is makes errors.Is(err, ErrIncomplete) hold.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// dateText is t as a date when it is midnight UTC, else with minutes (UTC).
func dateText(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// Coverage is what a database holds of each time-windowed resource.
type Coverage struct {
	// Ranges are the covered ranges of each resource, oldest first,
	// disjoint and not touching.
	Ranges map[string][]Span
	// Start is where the synced history starts (the first sync's --since,
	// or an earlier --full sync's); zero when never synced.
	Start time.Time
	// Until is the latest --until a sync aimed at; zero when never synced.
	Until time.Time
}

// querier is a *sql.DB or *sql.Conn.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ReadCoverage reads what db holds of each windowed resource.
func ReadCoverage(ctx context.Context, db querier) (*Coverage, error) {
	c := &Coverage{Ranges: map[string][]Span{}}
	rows, err := db.QueryContext(ctx, queries.Get("sync-coverage"))
	if err != nil {
		return nil, fmt.Errorf("read sync coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		var s Span
		if err := rows.Scan(&r, &s.From, &s.To); err != nil {
			return nil, fmt.Errorf("read sync coverage: %w", err)
		}
		c.Ranges[r] = addSpan(c.Ranges[r], Span{s.From.UTC(), s.To.UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sync coverage: %w", err)
	}
	for key, t := range map[string]*time.Time{"history_start": &c.Start, "sync_until": &c.Until} {
		err := db.QueryRowContext(ctx, queries.Get("sync-meta-get"), key).Scan(t)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("read sync_meta %s: %w", key, err)
		}
		*t = t.UTC()
	}
	return c, nil
}

// Check returns nil when c holds every need of t, else an
// *IncompleteError naming the first need missing. A need counts within
// the synced history only, [Start, Until): data before the first sync's
// --since was never asked for, data after the last sync cannot be there
// yet; neither is missing (a report of such a period stays possible, as
// it always was).
func (c *Coverage) Check(t Target) error {
	for _, n := range t.Needs {
		need := clip(Span{n.From.UTC(), n.To.UTC()}, c.Start, c.Until)
		if !need.From.Before(need.To) {
			continue
		}
		if !covers(c.Ranges[n.Resource], need) {
			return &IncompleteError{Label: t.Label, Resource: n.Resource, Need: need, Have: c.Ranges[n.Resource]}
		}
	}
	return nil
}

// clip is s within [from, to); a zero bound does not clip.
func clip(s Span, from, to time.Time) Span {
	if !from.IsZero() && s.From.Before(from) {
		s.From = from
	}
	if !to.IsZero() && s.To.After(to) {
		s.To = to
	}
	return s
}

// covers reports whether one of spans holds all of need.
func covers(spans []Span, need Span) bool {
	for _, s := range spans {
		if !s.From.After(need.From) && !s.To.Before(need.To) {
			return true
		}
	}
	return false
}

// addSpan is spans with w added: sorted oldest first, overlapping and
// touching ranges merged. spans is not modified.
func addSpan(spans []Span, w Span) []Span {
	if !w.From.Before(w.To) {
		return spans
	}
	all := append(append(make([]Span, 0, len(spans)+1), spans...), w)
	sort.Slice(all, func(i, j int) bool { return all[i].From.Before(all[j].From) })
	out := all[:1]
	for _, s := range all[1:] {
		last := &out[len(out)-1]
		if s.From.After(last.To) {
			out = append(out, s)
			continue
		}
		if s.To.After(last.To) {
			last.To = s.To
		}
	}
	return out
}

// subtract is what of target spans do not cover: sorted oldest first.
// spans must be sorted and disjoint (as addSpan leaves them).
func subtract(target Span, spans []Span) []Span {
	var out []Span
	from := target.From
	for _, s := range spans {
		if !s.To.After(from) || !s.From.Before(target.To) {
			continue
		}
		if s.From.After(from) {
			out = append(out, Span{from, s.From})
		}
		from = s.To
	}
	if from.Before(target.To) {
		out = append(out, Span{from, target.To})
	}
	return out
}

// intersect is the parts of spans (sorted, disjoint) inside w, oldest first.
func intersect(spans []Span, w Span) []Span {
	var out []Span
	for _, s := range spans {
		c := clip(s, w.From, w.To)
		if c.From.Before(c.To) {
			out = append(out, c)
		}
	}
	return out
}
