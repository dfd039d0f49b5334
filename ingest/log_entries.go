package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/oncall-health/oncall-health/queries"
)

// log_entries: the account's global log entries, notification channels
// included; incremental by created_at, in windows of 30 days. Acknowledge
// and resolve entries of incidents older than the incidents window bring
// those incidents up to date (lateIncidents).

type logEntryRow struct {
	ID, Type              string
	CreatedAt             time.Time
	IncidentID, ServiceID string
	UserID                string
	AgentID, AgentType    string
	ChannelType           string
	NotificationType      string
}

// logEntryTable's upsert-log-entries reads the window [from, to) as $1, $2.
var logEntryTable = &table[logEntryRow]{
	view: "staged_log_entries", write: "upsert-log-entries",
	key: func(r *logEntryRow) string { return r.ID },
	fields: []field[logEntryRow]{
		strField("id", false, func(r *logEntryRow) string { return r.ID }),
		strField("type", false, func(r *logEntryRow) string { return r.Type }),
		timeField("created_at", func(r *logEntryRow) time.Time { return r.CreatedAt }),
		strField("incident_id", true, func(r *logEntryRow) string { return r.IncidentID }),
		strField("service_id", true, func(r *logEntryRow) string { return r.ServiceID }),
		strField("user_id", true, func(r *logEntryRow) string { return r.UserID }),
		strField("agent_id", true, func(r *logEntryRow) string { return r.AgentID }),
		strField("agent_type", true, func(r *logEntryRow) string { return r.AgentType }),
		strField("channel_type", true, func(r *logEntryRow) string { return r.ChannelType }),
		strField("notification_type", true, func(r *logEntryRow) string { return r.NotificationType }),
	},
}

func logEntriesResource() *resource[pagerduty.LogEntry] {
	return &resource[pagerduty.LogEntry]{
		name: "log_entries",
		span: 30 * 24 * time.Hour,
		list: listLogEntries,
		rows: func(ctx context.Context, s *syncer, items []pagerduty.LogEntry, w window) ([]load, error) {
			rows := rowsOf(items, w, func(le *pagerduty.LogEntry, w window) (logEntryRow, bool) {
				row := logEntryFrom(le)
				return row, w.holds(row.CreatedAt)
			})
			late, err := s.lateIncidents(ctx, rows)
			if err != nil {
				return nil, err
			}
			return append([]load{logEntryTable.load(rows, w.from, w.to)}, late...), nil
		},
	}
}

// lateIncidents are the loads that bring up to date the stored incidents
// that rows acknowledge or resolve but that this sync's incidents window
// did not cover: an incident acknowledged or resolved long after it was
// created (beyond the look-back) changes only in its log entries, which
// are fetched by their own time. Each such incident still open in the
// database is fetched again (GET /incidents/{id}) and stored with its teams
// and alerts.
func (s *syncer) lateIncidents(ctx context.Context, rows []logEntryRow) ([]load, error) {
	incFrom, ok := s.from["incidents"]
	if !ok {
		return nil, nil
	}
	changed := map[string]bool{}
	for _, r := range rows {
		if (r.Type == "acknowledge" || r.Type == "resolve") && r.IncidentID != "" {
			changed[r.IncidentID] = true
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	q, err := s.conn.QueryContext(ctx, queries.Get("open-incidents-before"), incFrom)
	if err != nil {
		return nil, fmt.Errorf("read open incidents: %w", err)
	}
	var ids []string
	for q.Next() {
		var id string
		if err := q.Scan(&id); err != nil {
			q.Close()
			return nil, err
		}
		if changed[id] {
			ids = append(ids, id)
		}
	}
	q.Close()
	if err := q.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	var incs []pagerduty.Incident
	for _, id := range ids {
		in, err := s.pd.GetIncidentWithContext(ctx, id)
		if errors.Is(err, errUndecodable) {
			continue // counted; the stored row stays as it was
		}
		if err != nil {
			return nil, fmt.Errorf("fetch incident %s: %w", id, err)
		}
		incs = append(incs, *in)
	}
	stored, err := s.alertCounts(ctx)
	if err != nil {
		return nil, err
	}
	var inRows []incidentRow
	var teams []memberRow
	for i := range incs {
		inRows = append(inRows, incidentFrom(&incs[i]))
		ts := incs[i].Teams
		teams = membersOf(teams, incs[i].ID, len(ts), func(k int) string { return ts[k].ID })
	}
	alerts, stale, err := s.fetchAlerts(ctx, incs, stored)
	if err != nil {
		return nil, err
	}
	var loads []load
	for _, id := range stale {
		loads = append(loads, statement("delete-alert", id))
	}
	return append(loads, incidentTable.load(inRows), incidentTeamTable.load(teams), alertTable.load(alerts)), nil
}

// listLogEntries fetches one page of global /log_entries in q's window,
// with notification channels included.
func listLogEntries(ctx context.Context, pd pagerDuty, q query) (page[pagerduty.LogEntry], error) {
	r, err := pd.ListLogEntriesWithContext(ctx, pagerduty.ListLogEntriesOptions{
		Limit: PageLimit, Offset: q.offset, Total: q.total,
		Since: iso(q.w.from), Until: iso(q.w.to), TimeZone: "UTC",
		Includes: []string{"channels"},
	})
	if err != nil {
		return page[pagerduty.LogEntry]{}, fmt.Errorf("fetch log entries %s: %w", q.w, err)
	}
	return page[pagerduty.LogEntry]{items: r.LogEntries, more: r.More, total: r.Total}, nil
}

// logEntryFrom keeps what the metrics need of a log entry. The notified
// user of a notify entry is the top-level "user"; its channel type comes
// from channel.notification.type when the request included channels.
func logEntryFrom(le *pagerduty.LogEntry) logEntryRow {
	r := logEntryRow{
		ID:          le.ID,
		Type:        strings.TrimSuffix(le.Type, "_log_entry"),
		CreatedAt:   parseTime(le.CreatedAt),
		IncidentID:  le.Incident.ID,
		ServiceID:   le.Service.ID,
		UserID:      le.User.ID,
		AgentID:     le.Agent.ID,
		AgentType:   le.Agent.Type,
		ChannelType: le.Channel.Type,
	}
	if r.Type == "notify" {
		r.NotificationType = notificationType(le.Channel)
	}
	return r
}

// notificationType normalises a notify entry's channel to phone, sms, push
// or email ("" when unknown). PagerDuty writes phone_notification,
// sms_notification, ... and older payloads phone, sms, ...
func notificationType(c pagerduty.Channel) string {
	t := ""
	if n, ok := c.Raw["notification"].(map[string]any); ok {
		t, _ = n["type"].(string)
	}
	if t == "" {
		t = c.Type
	}
	t = strings.TrimSuffix(t, "_notification")
	switch t {
	case "phone", "sms", "push", "email":
		return t
	}
	return ""
}
