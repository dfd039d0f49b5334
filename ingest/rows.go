package ingest

import (
	"strings"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// Rows as stored; one struct per table, instants in UTC.

type userRow struct{ ID, Name, Email, TimeZone string }
type teamMemberRow struct{ TeamID, UserID string }
type teamRow struct{ ID, Name string }
type serviceRow struct{ ID, Name, EscalationPolicyID, TeamID string }
type policyRow struct{ ID, Name, TeamID string }

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
}

type alertRow struct {
	ID, IncidentID, ServiceID, Status, Summary string
	CreatedAt, ResolvedAt                      time.Time
}

type logEntryRow struct {
	ID, Type              string
	CreatedAt             time.Time
	IncidentID, ServiceID string
	UserID                string
	AgentID, AgentType    string
	ChannelType           string
	NotificationType      string
}

type oncallRow struct {
	UserID, EscalationPolicyID string
	Level                      int64
	Start, End                 time.Time
}

var (
	userFields = []field[userRow]{
		strField("id", false, func(r *userRow) string { return r.ID }),
		strField("name", false, func(r *userRow) string { return r.Name }),
		strField("email", true, func(r *userRow) string { return r.Email }),
		strField("time_zone", true, func(r *userRow) string { return r.TimeZone }),
	}
	teamMemberFields = []field[teamMemberRow]{
		strField("team_id", false, func(r *teamMemberRow) string { return r.TeamID }),
		strField("user_id", false, func(r *teamMemberRow) string { return r.UserID }),
	}
	teamFields = []field[teamRow]{
		strField("id", false, func(r *teamRow) string { return r.ID }),
		strField("name", false, func(r *teamRow) string { return r.Name }),
	}
	serviceFields = []field[serviceRow]{
		strField("id", false, func(r *serviceRow) string { return r.ID }),
		strField("name", false, func(r *serviceRow) string { return r.Name }),
		strField("escalation_policy_id", true, func(r *serviceRow) string { return r.EscalationPolicyID }),
		strField("team_id", true, func(r *serviceRow) string { return r.TeamID }),
	}
	policyFields = []field[policyRow]{
		strField("id", false, func(r *policyRow) string { return r.ID }),
		strField("name", false, func(r *policyRow) string { return r.Name }),
		strField("team_id", true, func(r *policyRow) string { return r.TeamID }),
	}
	incidentFields = []field[incidentRow]{
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
	}
	alertFields = []field[alertRow]{
		strField("id", false, func(r *alertRow) string { return r.ID }),
		strField("incident_id", false, func(r *alertRow) string { return r.IncidentID }),
		strField("service_id", true, func(r *alertRow) string { return r.ServiceID }),
		strField("status", true, func(r *alertRow) string { return r.Status }),
		strField("summary", true, func(r *alertRow) string { return r.Summary }),
		timeField("created_at", func(r *alertRow) time.Time { return r.CreatedAt }),
		timeField("resolved_at", func(r *alertRow) time.Time { return r.ResolvedAt }),
	}
	logEntryFields = []field[logEntryRow]{
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
	}
	oncallFields = []field[oncallRow]{
		strField("user_id", false, func(r *oncallRow) string { return r.UserID }),
		strField("escalation_policy_id", false, func(r *oncallRow) string { return r.EscalationPolicyID }),
		intField("escalation_level", func(r *oncallRow) int64 { return r.Level }),
		timeField("start_at", func(r *oncallRow) time.Time { return r.Start }),
		timeField("end_at", func(r *oncallRow) time.Time { return r.End }),
	}
)

// parseTime reads PagerDuty's ISO 8601 instants; empty or malformed is the
// zero time (stored as NULL).
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func firstTeam(ts []pagerduty.APIObject) string {
	if len(ts) == 0 {
		return ""
	}
	return ts[0].ID
}

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
	}
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

func oncallFrom(o *pagerduty.OnCall) oncallRow {
	return oncallRow{
		UserID:             o.User.ID,
		EscalationPolicyID: o.EscalationPolicy.ID,
		Level:              int64(o.EscalationLevel),
		Start:              parseTime(o.Start),
		End:                parseTime(o.End),
	}
}
