package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/oncall-health/oncall-health/queries"
)

// incidents: incremental by created_at, in windows of 30 days; each window
// is stored with the alerts of its incidents (alerts.go) and every team of
// each incident (incident_teams; the first also in incidents.team_id). A
// window whose incidents carry no team at all leaves incident_teams as is.

type incidentRow struct {
	ID                 string
	Number             int64
	Title, Status      string
	Urgency, ServiceID string
	EscalationPolicyID string
	TeamID             string
	CreatedAt          time.Time
	ResolvedAt         time.Time
	UpdatedAt          time.Time
	ResolveReason      string // resolve_reason.type, e.g. merge_resolve_reason
}

var incidentTable = &table[incidentRow]{
	view: "staged_incidents", write: "upsert-incidents",
	key: func(r *incidentRow) string { return r.ID },
	fields: []field[incidentRow]{
		strField("id", false, func(r *incidentRow) string { return r.ID }),
		intField("incident_number", func(r *incidentRow) int64 { return r.Number }),
		strField("title", false, func(r *incidentRow) string { return r.Title }),
		strField("status", false, func(r *incidentRow) string { return r.Status }),
		strField("urgency", true, func(r *incidentRow) string { return r.Urgency }),
		strField("service_id", true, func(r *incidentRow) string { return r.ServiceID }),
		strField("escalation_policy_id", true, func(r *incidentRow) string { return r.EscalationPolicyID }),
		strField("team_id", true, func(r *incidentRow) string { return r.TeamID }),
		timeField("created_at", func(r *incidentRow) time.Time { return r.CreatedAt }),
		timeField("resolved_at", func(r *incidentRow) time.Time { return r.ResolvedAt }),
		timeField("updated_at", func(r *incidentRow) time.Time { return r.UpdatedAt }),
		strField("resolve_reason", true, func(r *incidentRow) string { return r.ResolveReason }),
	},
}

// incidentTeamTable holds every team of each incident.
var incidentTeamTable = memberTable("incident", "incident_id")

func incidentFrom(in *pagerduty.Incident) incidentRow {
	return incidentRow{
		ID:                 in.ID,
		Number:             int64(in.IncidentNumber),
		Title:              in.Title,
		Status:             in.Status,
		Urgency:            in.Urgency,
		ServiceID:          in.Service.ID,
		EscalationPolicyID: in.EscalationPolicy.ID,
		TeamID:             firstTeam(in.Teams),
		CreatedAt:          parseTime(in.CreatedAt),
		ResolvedAt:         parseTime(in.ResolvedAt),
		UpdatedAt:          parseTime(in.UpdatedAt),
		ResolveReason:      in.ResolveReason.Type,
	}
}

// incidentsResource is made for each sync: it holds what alerts are stored
// per incident, read before the first window is stored and kept up to date
// window by window.
func incidentsResource() *resource[pagerduty.Incident] {
	var stored map[string]storedAlerts
	return &resource[pagerduty.Incident]{
		name: "incidents",
		span: 30 * 24 * time.Hour,
		list: func(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.Incident], error) {
			r, err := pd.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{
				Limit: PageLimit, Offset: q.offset, Total: q.total,
				Since: iso(q.w.from), Until: iso(q.w.to), TimeZone: "UTC",
			})
			if err != nil {
				return page[pagerduty.Incident]{}, fmt.Errorf("fetch incidents %s: %w", q.w, err)
			}
			return page[pagerduty.Incident]{items: r.Incidents, more: r.More, total: r.Total}, nil
		},
		rows: func(ctx context.Context, s *syncer, items []pagerduty.Incident, w window) ([]load, error) {
			if stored == nil {
				var err error
				if stored, err = s.alertCounts(ctx); err != nil {
					return nil, err
				}
			}
			rows := rowsOf(items, w, func(in *pagerduty.Incident, w window) (incidentRow, bool) {
				row := incidentFrom(in)
				return row, w.holds(row.CreatedAt)
			})
			var teams []memberRow
			for i := range items {
				if w.holds(parseTime(items[i].CreatedAt)) {
					ts := items[i].Teams
					teams = membersOf(teams, items[i].ID, len(ts), func(k int) string { return ts[k].ID })
				}
			}
			alerts, stale, err := s.fetchAlerts(ctx, items, stored)
			if err != nil {
				return nil, err
			}
			loads := make([]load, 0, len(stale)+2)
			for _, id := range stale {
				loads = append(loads, statement("delete-alert", id))
			}
			return append(loads, incidentTable.load(rows), incidentTeamTable.load(teams), alertTable.load(alerts)), nil
		},
	}
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
