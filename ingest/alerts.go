package ingest

import (
	"context"
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
	r, err := pd.ListIncidentAlertsWithContext(ctx, q.parent, pagerduty.ListIncidentAlertsOptions{Limit: PageLimit, Offset: q.offset})
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
			alerts, err := pagesFrom(gctx, s.pd, listAlerts, query{parent: id}, nil)
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
