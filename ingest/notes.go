package ingest

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"golang.org/x/sync/errgroup"

	"github.com/oncall-health/oncall-health/queries"
)

// noteRow is one row of incident_notes.
type noteRow struct {
	ID, IncidentID, UserID, UserName, Content string
	CreatedAt                                 time.Time
}

var noteFields = []field[noteRow]{
	strField("id", false, func(r *noteRow) string { return r.ID }),
	strField("incident_id", false, func(r *noteRow) string { return r.IncidentID }),
	strField("user_id", true, func(r *noteRow) string { return r.UserID }),
	strField("user_name", true, func(r *noteRow) string { return r.UserName }),
	strField("content", false, func(r *noteRow) string { return r.Content }),
	timeField("created_at", func(r *noteRow) time.Time { return r.CreatedAt }),
}

// notesStep fetches the notes of every incident that is open (triggered or
// acknowledged) once incidents are synced: one GET /incidents/{id}/notes per
// open incident, Options.Concurrency at a time. That is the incremental
// part: a resolved incident's notes are never fetched again (the handoff
// notes show the latest note of open incidents only), while an open one is
// asked again at every sync, as a note can be added at any time. Notes are
// stored by id (a re-fetched note replaces itself); it returns the notes
// received.
type notesStep struct{ c *Client }

func (notesStep) resourceName() string { return "incident_notes" }

func (n notesStep) sync(ctx context.Context, s *syncer) (int, error) {
	var open []string
	err := func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		rows, err := s.conn.QueryContext(ctx, queries.Get("notes-open-incidents"))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			open = append(open, id)
		}
		return rows.Err()
	}()
	if err != nil {
		return 0, fmt.Errorf("open incidents: %w", err)
	}
	var mu sync.Mutex
	var got []noteRow
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.o.Concurrency)
	for i, id := range open {
		g.Go(func() error {
			ns, err := n.c.incidentNotes(gctx, id)
			if err != nil {
				return fmt.Errorf("fetch notes of incident %s: %w", id, err)
			}
			mu.Lock()
			for _, n := range ns {
				got = append(got, noteRow{ID: n.ID, IncidentID: id, UserID: n.User.ID, UserName: n.User.Summary,
					Content: n.Content, CreatedAt: parseTime(n.CreatedAt)})
			}
			mu.Unlock()
			s.progress(len(ns), float64(i+1)/float64(len(open)))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	got = dedupe(got, func(r *noteRow) string { return r.ID })
	return len(got), s.tx(ctx, func() error {
		return upsert(ctx, s, "staged_incident_notes", noteFields, got, "upsert-incident-notes")
	})
}

// incidentNotes is GET /incidents/{id}/notes through the tolerant
// decoder (tolerant.go), so pacing, retries, auth and the item-by-item
// decoding are those of every other list: a note that cannot be decoded is
// skipped and counted, never fatal. (go-pagerduty's ListIncidentNotes
// decodes the whole envelope as a map of note lists, so any other field
// PagerDuty adds to the envelope breaks it.) PagerDuty does not page this
// list.
func (c *Client) incidentNotes(ctx context.Context, id string) ([]pagerduty.IncidentNote, error) {
	notes, _, err := list[pagerduty.IncidentNote](ctx, c.api, "/incidents/"+url.PathEscape(id)+"/notes", struct{}{}, "notes")
	return notes, err
}
