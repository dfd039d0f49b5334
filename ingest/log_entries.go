package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// log_entries: the account's global log entries, notification channels
// included; incremental by created_at, in windows of 30 days.

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
		rows: func(_ context.Context, _ *syncer, items []pagerduty.LogEntry, w window) ([]load, error) {
			rows := rowsOf(items, w, func(le *pagerduty.LogEntry, w window) (logEntryRow, bool) {
				row := logEntryFrom(le)
				return row, w.holds(row.CreatedAt)
			})
			return []load{logEntryTable.load(rows, w.from, w.to)}, nil
		},
	}
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
