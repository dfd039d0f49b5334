package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"golang.org/x/sync/errgroup"
)

// alerts: the alerts of one incident, a whole list per incident fetched
// with its incident's window (incidents.go) when they may have changed.

type alertRow struct {
	ID, IncidentID, ServiceID, Status, Summary string
	CreatedAt, ResolvedAt                      time.Time
}

var alertTable = &table[alertRow]{
	view: "staged_alerts", write: "upsert-alerts",
	key: func(r *alertRow) string { return r.ID },
	fields: []field[alertRow]{
		strField("id", false, func(r *alertRow) string { return r.ID }),
		strField("incident_id", false, func(r *alertRow) string { return r.IncidentID }),
		strField("service_id", true, func(r *alertRow) string { return r.ServiceID }),
		strField("status", true, func(r *alertRow) string { return r.Status }),
		strField("summary", true, func(r *alertRow) string { return r.Summary }),
		timeField("created_at", func(r *alertRow) time.Time { return r.CreatedAt }),
		timeField("resolved_at", func(r *alertRow) time.Time { return r.ResolvedAt }),
	},
}

func alertFrom(incidentID string, a *pagerduty.IncidentAlert) alertRow {
	return alertRow{
		ID:         a.ID,
		IncidentID: incidentID,
		ServiceID:  a.Service.ID,
		Status:     a.Status,
		Summary:    a.Summary,
		CreatedAt:  parseTime(a.CreatedAt),
	}
}

// listAlerts fetches one page of the alerts of incident q.parent.
func listAlerts(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.IncidentAlert], error) {
	r, err := pd.ListIncidentAlertsWithContext(ctx, q.parent, pagerduty.ListIncidentAlertsOptions{
		Limit: PageLimit, Offset: q.offset, Total: q.total, Statuses: q.statuses})
	if err != nil {
		return page[pagerduty.IncidentAlert]{}, fmt.Errorf("fetch alerts of incident %s: %w", q.parent, err)
	}
	return page[pagerduty.IncidentAlert]{items: r.Alerts, more: r.More, total: r.Total}, nil
}

// fetchAlerts gets the alerts of the incidents whose alerts may have
// changed since they were stored: a different alert_counts.all (when
// PagerDuty sends it; without it they are always fetched) or a different
// incident status (alerts resolve with their incident). Requests run with
// bounded concurrency. stored is updated to what the window will hold.
// The rows come sorted by id.
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
			alerts, err := s.alertsOf(gctx, id)
			if err != nil {
				return err
			}
			mu.Lock()
			for i := range alerts {
				out = append(out, alertFrom(id, &alerts[i]))
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, stale, nil
}

// alertsOf fetches the alerts of incident id. An incident with more alerts
// than the offset cap lets a client page through (its first page says how
// many) is fetched as its triggered and its resolved alerts, each a list of
// its own; a part still over the cap is stored as far as it can be fetched,
// with a warning.
func (s *syncer) alertsOf(ctx context.Context, id string) ([]pagerduty.IncidentAlert, error) {
	first, err := listAlerts(ctx, s.pd, query{parent: id, total: true})
	if err != nil || !first.more {
		return first.items, err
	}
	if first.total <= OffsetCap {
		rest, err := pagesFrom(ctx, s.pd, listAlerts, query{parent: id, offset: PageLimit}, nil)
		if !errors.Is(err, ErrOffsetCap) { // no total sent and over the cap: split below
			return append(first.items, rest...), err
		}
	}
	var out []pagerduty.IncidentAlert
	for _, st := range []string{"triggered", "resolved"} {
		part, err := pagesFrom(ctx, s.pd, listAlerts, query{parent: id, statuses: []string{st}}, nil)
		if errors.Is(err, ErrOffsetCap) {
			s.warn(fmt.Sprintf("alerts of incident %s: more %s alerts than PagerDuty's offset cap of %d lets a client page through; the first %d were stored", id, st, OffsetCap, len(part)))
			err = nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
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
