package pagerdutytest

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The fake renders JSON by appending to byte slices: the large organisation
// is served without materialising response structs.

const (
	apiBase  = "https://api.pagerduty.com"
	htmlBase = "https://oncall-health-demo.pagerduty.com"
)

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string, escaping like encoding/json
// (including <, > and &).
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime appends the instant t (Unix seconds) as a quoted ISO 8601 string
// in loc (UTC renders with "Z").
func appendTime(b []byte, t int64, loc *time.Location) []byte {
	b = append(b, '"')
	b = time.Unix(t, 0).In(loc).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

func appendKey(b []byte, k string) []byte {
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendRef appends a reference object.
func appendRef(b []byte, id, typ, summary, selfPath, htmlPath string) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"type":`...)
	b = appendStr(b, typ)
	b = append(b, `,"summary":`...)
	b = appendStr(b, summary)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+selfPath)
	b = append(b, `,"html_url":`...)
	if htmlPath == "" {
		b = append(b, "null"...)
	} else {
		b = appendStr(b, htmlBase+htmlPath)
	}
	return append(b, '}')
}

func (o *Org) userRef(b []byte, u int) []byte {
	us := &o.users[u]
	return appendRef(b, us.id, "user_reference", us.name, "/users/"+us.id, "/users/"+us.id)
}

func (o *Org) teamRef(b []byte, t int) []byte {
	tm := &o.teams[t]
	return appendRef(b, tm.id, "team_reference", tm.name, "/teams/"+tm.id, "/teams/"+tm.id)
}

func (o *Org) serviceRef(b []byte, s int) []byte {
	sv := &o.services[s]
	return appendRef(b, sv.id, "service_reference", sv.name, "/services/"+sv.id, "/service-directory/"+sv.id)
}

func (o *Org) policyRef(b []byte, p int) []byte {
	ep := &o.policies[p]
	return appendRef(b, ep.id, "escalation_policy_reference", ep.name, "/escalation_policies/"+ep.id, "/escalation_policies/"+ep.id)
}

func (o *Org) scheduleRef(b []byte, s int) []byte {
	sc := &o.scheds[s]
	return appendRef(b, sc.id, "schedule_reference", sc.name, "/schedules/"+sc.id, "/schedules/"+sc.id)
}

// integrationRef references service s's Events API integration; as a log
// entry agent its type is "integration_reference" (agentType true).
func (o *Org) integrationRef(b []byte, s int, agentType bool) []byte {
	sv := &o.services[s]
	typ := "events_api_v2_inbound_integration_reference"
	if agentType {
		typ = "integration_reference"
	}
	return appendRef(b, sv.integrationID, typ, "Events API v2",
		"/services/"+sv.id+"/integrations/"+sv.integrationID, "/services/"+sv.id+"/integrations/"+sv.integrationID)
}

func (o *Org) incidentRef(b []byte, i int) []byte {
	id := o.incID.encode(uint64(i))
	return appendRef(b, id, "incident_reference", o.incidentSummary(i), "/incidents/"+id, "/incidents/"+id)
}

func (o *Org) incidentSummary(i int) string {
	return "[#" + strconv.Itoa(i+1) + "] " + o.titles[o.incidents[i].title]
}

func (o *Org) teamRefs(b []byte, teams []int) []byte {
	b = append(b, '[')
	for k, t := range teams {
		if k > 0 {
			b = append(b, ',')
		}
		b = o.teamRef(b, t)
	}
	return append(b, ']')
}

func (o *Org) serviceTeams(s int) []int {
	if t := o.services[s].team; t >= 0 {
		return []int{t}
	}
	return nil
}

var orgCreated = time.Date(2021, 3, 1, 9, 30, 0, 0, time.UTC).Unix()

func (o *Org) renderUser(b []byte, u int) []byte {
	us := &o.users[u]
	b = append(b, `{"id":`...)
	b = appendStr(b, us.id)
	b = append(b, `,"type":"user","summary":`...)
	b = appendStr(b, us.name)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/users/"+us.id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/users/"+us.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, us.name)
	b = append(b, `,"email":`...)
	b = appendStr(b, us.email)
	b = append(b, `,"time_zone":`...)
	b = appendStr(b, us.tz)
	b = append(b, `,"color":`...)
	b = appendStr(b, us.color)
	role := "user"
	if us.title == "Engineering Manager" {
		role = "admin"
	}
	b = append(b, `,"role":"`+role+`","avatar_url":"https://secure.gravatar.com/avatar/0?d=mm&s=80","description":null,"invitation_sent":false,"created_via_sso":false,"job_title":`...)
	b = appendStr(b, us.title)
	b = append(b, `,"teams":`...)
	b = o.teamRefs(b, us.teams)
	b = append(b, `,"contact_methods":[`...)
	seen := [5]bool{}
	seen[chEmail] = true // everyone has an e-mail contact method
	for _, r := range us.rules {
		seen[r.ch] = true
	}
	first := true
	for ch := chPush; ch <= chEmail; ch++ {
		if !seen[ch] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		id := o.shortID(kContact, u*8+int(ch))
		typ := map[uint8]string{chPush: "push_notification_contact_method_reference", chSMS: "sms_contact_method_reference",
			chPhone: "phone_contact_method_reference", chEmail: "email_contact_method_reference"}[ch]
		b = appendRef(b, id, typ, map[uint8]string{chPush: "Mobile app", chSMS: "Mobile", chPhone: "Mobile", chEmail: "Work"}[ch],
			"/users/"+us.id+"/contact_methods/"+id, "")
	}
	b = append(b, `],"notification_rules":[`...)
	for k, r := range us.rules {
		if k > 0 {
			b = append(b, ',')
		}
		id := o.shortID(kRule, u*16+k)
		b = appendRef(b, id, "assignment_notification_rule_reference",
			fmt.Sprintf("%d minutes: channel %s", r.delay/60, channelNames[r.ch]), "/users/"+us.id+"/notification_rules/"+id, "")
	}
	return append(b, "]}"...)
}

func (o *Org) renderTeam(b []byte, t int) []byte {
	tm := &o.teams[t]
	b = append(b, `{"id":`...)
	b = appendStr(b, tm.id)
	b = append(b, `,"type":"team","summary":`...)
	b = appendStr(b, tm.name)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/teams/"+tm.id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/teams/"+tm.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, tm.name)
	b = append(b, `,"description":`...)
	b = appendStr(b, tm.desc)
	b = append(b, `,"default_role":"manager","parent":null}`...)
	return b
}

func (o *Org) renderService(b []byte, s int, loc *time.Location) []byte {
	sv := &o.services[s]
	b = append(b, `{"id":`...)
	b = appendStr(b, sv.id)
	b = append(b, `,"type":"service","summary":`...)
	b = appendStr(b, sv.name)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/services/"+sv.id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/service-directory/"+sv.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, sv.name)
	b = append(b, `,"description":`...)
	b = appendStr(b, sv.desc)
	b = append(b, `,"auto_resolve_timeout":`...)
	b = strconv.AppendInt(b, int64(sv.autoResolve), 10)
	b = append(b, `,"acknowledgement_timeout":1800,"created_at":`...)
	b = appendTime(b, orgCreated+int64(s)*86400, loc)
	b = append(b, `,"status":"active","alert_creation":"create_alerts_and_incidents","escalation_policy":`...)
	b = o.policyRef(b, sv.ep)
	b = append(b, `,"teams":`...)
	b = o.teamRefs(b, o.serviceTeams(s))
	b = append(b, `,"integrations":[`...)
	b = o.integrationRef(b, s, false)
	b = append(b, `],"incident_urgency_rule":{"type":"constant","urgency":"high"},"scheduled_actions":[],"addons":[]}`...)
	return b
}

func (o *Org) renderPolicy(b []byte, p int) []byte {
	ep := &o.policies[p]
	b = append(b, `{"id":`...)
	b = appendStr(b, ep.id)
	b = append(b, `,"type":"escalation_policy","summary":`...)
	b = appendStr(b, ep.name)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/escalation_policies/"+ep.id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/escalation_policies/"+ep.id)
	b = append(b, `,"name":`...)
	b = appendStr(b, ep.name)
	b = append(b, `,"description":"","num_loops":0,"on_call_handoff_notifications":"if_has_services","escalation_rules":[`...)
	for lvl := 0; lvl < 2; lvl++ {
		if lvl > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendStr(b, o.shortID(kRule, 1<<23|p*2+lvl))
		b = append(b, `,"escalation_delay_in_minutes":`...)
		b = strconv.AppendInt(b, int64(ep.delay/60), 10)
		b = append(b, `,"targets":[`...)
		b = o.scheduleRef(b, ep.sched[lvl])
		b = append(b, "]}"...)
	}
	b = append(b, `],"services":[`...)
	first := true
	for s := range o.services {
		if o.services[s].ep != p {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = o.serviceRef(b, s)
	}
	b = append(b, `],"teams":`...)
	var teams []int
	if ep.team >= 0 {
		teams = []int{ep.team}
	}
	b = o.teamRefs(b, teams)
	return append(b, '}')
}

// incState is an incident as of End.
type incState struct {
	status                    string
	ackAt, resolveAt, updated int64
	ackBy                     int
	resolve                   *logEntry
	assignee                  int
	assignedAt                int64
}

func (o *Org) incidentState(i int) incState {
	inc := &o.incidents[i]
	st := incState{status: "triggered", ackBy: -1, assignee: -1, updated: inc.created}
	for k := 0; k < int(inc.nLogs); k++ {
		e := &o.logs[int(inc.firstLog)+k]
		if e.at >= o.end {
			break
		}
		if e.at > st.updated {
			st.updated = e.at
		}
		switch e.kind {
		case leTrigger, leEscalate:
			st.assignee, st.assignedAt = int(e.user), e.at
		case leAck:
			if st.ackAt == 0 {
				st.ackAt = e.at
			}
			st.ackBy = int(e.user)
			st.status = "acknowledged"
		case leResolve:
			st.resolveAt = e.at
			st.resolve = e
			st.status = "resolved"
		}
	}
	return st
}

func (o *Org) renderIncident(b []byte, i int, loc *time.Location) []byte {
	inc := &o.incidents[i]
	st := o.incidentState(i)
	id := o.incID.encode(uint64(i))
	title := o.titles[inc.title]
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"type":"incident","summary":`...)
	b = appendStr(b, o.incidentSummary(i))
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/incidents/"+id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/incidents/"+id)
	b = append(b, `,"incident_number":`...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	b = append(b, `,"title":`...)
	b = appendStr(b, title)
	b = append(b, `,"description":`...)
	b = appendStr(b, title)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, inc.created, loc)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, st.updated, loc)
	b = append(b, `,"status":"`...)
	b = append(b, st.status...)
	b = append(b, `","incident_key":"`...)
	k := splitmix(uint64(o.cfg.Seed) ^ uint64(i)*0x9E37)
	b = strconv.AppendUint(b, k, 16)
	b = append(b, `","service":`...)
	b = o.serviceRef(b, int(inc.service))
	b = append(b, `,"assignments":[`...)
	if st.status != "resolved" && st.assignee >= 0 {
		b = append(b, `{"at":`...)
		b = appendTime(b, st.assignedAt, loc)
		b = append(b, `,"assignee":`...)
		b = o.userRef(b, st.assignee)
		b = append(b, '}')
	}
	b = append(b, `],"assigned_via":"escalation_policy","last_status_change_at":`...)
	switch st.status {
	case "resolved":
		b = appendTime(b, st.resolveAt, loc)
	case "acknowledged":
		b = appendTime(b, st.ackAt, loc)
	default:
		b = appendTime(b, inc.created, loc)
	}
	b = append(b, `,"last_status_change_by":`...)
	switch {
	case st.status == "resolved" && st.resolve.sub == agUser:
		b = o.userRef(b, int(st.resolve.user))
	case st.status == "acknowledged":
		b = o.userRef(b, st.ackBy)
	default:
		b = o.serviceRef(b, int(inc.service))
	}
	b = append(b, `,"resolved_at":`...)
	if st.status == "resolved" {
		b = appendTime(b, st.resolveAt, loc)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"first_trigger_log_entry":`...)
	lid := o.logID.encode(uint64(i)<<8 | 0)
	b = appendRef(b, lid, "trigger_log_entry_reference", "Triggered through the API", "/log_entries/"+lid+"?incident_id="+id, "/incidents/"+id+"/log_entries/"+lid)
	n := o.visibleAlerts(i)
	res := 0
	if st.status == "resolved" {
		res = n
	}
	b = append(b, `,"alert_counts":{"all":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"triggered":`...)
	b = strconv.AppendInt(b, int64(n-res), 10)
	b = append(b, `,"resolved":`...)
	b = strconv.AppendInt(b, int64(res), 10)
	b = append(b, `},"is_mergeable":true,"escalation_policy":`...)
	b = o.policyRef(b, o.services[inc.service].ep)
	b = append(b, `,"teams":`...)
	b = o.teamRefs(b, o.serviceTeams(int(inc.service)))
	b = append(b, `,"pending_actions":[],"acknowledgements":[`...)
	if st.status == "acknowledged" {
		b = append(b, `{"at":`...)
		b = appendTime(b, st.ackAt, loc)
		b = append(b, `,"acknowledger":`...)
		b = o.userRef(b, st.ackBy)
		b = append(b, '}')
	}
	b = append(b, `],"incidents_responders":[],"responder_requests":[],"urgency":"`...)
	if inc.urgency == 1 {
		b = append(b, "low"...)
	} else {
		b = append(b, "high"...)
	}
	return append(b, `"}`...)
}

var severities = [...]string{"info", "warning", "error", "critical"}

func (o *Org) renderAlert(b []byte, a int, resolved bool, loc *time.Location) []byte {
	al := &o.alerts[a]
	id := o.alertID.encode(uint64(a))
	incID := o.incID.encode(uint64(al.inc))
	inc := &o.incidents[al.inc]
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"type":"alert","summary":`...)
	b = appendStr(b, o.titles[al.title])
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/incidents/"+incID+"/alerts/"+id)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/alerts/"+id)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, al.at, loc)
	if resolved {
		b = append(b, `,"status":"resolved"`...)
	} else {
		b = append(b, `,"status":"triggered"`...)
	}
	b = append(b, `,"alert_key":"`...)
	b = strconv.AppendUint(b, splitmix(uint64(o.cfg.Seed)^uint64(a)*0x51ED), 16)
	b = append(b, `","service":`...)
	b = o.serviceRef(b, int(inc.service))
	b = append(b, `,"incident":`...)
	b = o.incidentRef(b, int(al.inc))
	b = append(b, `,"suppressed":false,"severity":"`...)
	b = append(b, severities[al.severity]...)
	b = append(b, `","integration":`...)
	b = o.integrationRef(b, int(inc.service), false)
	b = append(b, `,"body":{"type":"alert_body","contexts":[],"details":{"source":`...)
	b = appendStr(b, o.services[inc.service].name+".prod.internal")
	b = append(b, `,"summary":`...)
	b = appendStr(b, o.titles[al.title])
	return append(b, `}}}`...)
}

var notifTypes = [...]string{"", "push_notification", "sms_notification", "phone_notification", "email_notification"}
var notifWords = [...]string{"", "push notification", "SMS", "phone", "email"}

func (o *Org) logKey(l int) uint64 {
	e := &o.logs[l]
	return uint64(e.inc)<<8 | uint64(e.seq)
}

func (o *Org) notifAddress(e *logEntry) string {
	u := &o.users[e.user]
	switch e.sub {
	case chSMS, chPhone:
		return u.phone
	case chEmail:
		return u.email
	}
	return ""
}

// renderNotification renders the notification of notify entry l.
func (o *Org) renderNotification(b []byte, l int, loc *time.Location, withUser bool) []byte {
	e := &o.logs[l]
	b = append(b, `{"id":`...)
	b = appendStr(b, o.notifID.encode(o.logKey(l)))
	b = append(b, `,"type":"`...)
	b = append(b, notifTypes[e.sub]...)
	b = append(b, `","started_at":`...)
	b = appendTime(b, e.at, loc)
	if a := o.notifAddress(e); a != "" {
		b = append(b, `,"address":`...)
		b = appendStr(b, a)
	}
	if withUser {
		b = append(b, `,"user":`...)
		b = o.userRef(b, int(e.user))
	}
	return append(b, `,"status":"success"}`...)
}

func (o *Org) renderLogEntry(b []byte, l int, channels bool, loc *time.Location) []byte {
	e := &o.logs[l]
	inc := &o.incidents[e.inc]
	svc := int(inc.service)
	id := o.logID.encode(o.logKey(l))
	incID := o.incID.encode(uint64(e.inc))
	var typ, summary string
	switch e.kind {
	case leTrigger:
		typ, summary = "trigger_log_entry", "Triggered through the API."
	case leNotify:
		typ, summary = "notify_log_entry", "Notified "+o.users[e.user].name+" by "+notifWords[e.sub]+"."
	case leAck:
		typ, summary = "acknowledge_log_entry", "Acknowledged by "+o.users[e.user].name+"."
	case leEscalate:
		typ, summary = "escalate_log_entry", "Escalated to level 2 by timeout."
		if e.sub == escManual {
			typ, summary = "escalate_log_entry", "Escalated to level 2 by "+o.users[o.logs[inc.firstLog].user].name+"."
		}
	case leSnooze:
		typ, summary = "snooze_log_entry", "Snoozed by "+o.users[e.user].name+"."
	case leResolve:
		switch e.sub {
		case agUser:
			typ, summary = "resolve_log_entry", "Resolved by "+o.users[e.user].name+"."
		case agServiceTimeout:
			typ, summary = "resolve_log_entry", "Resolved by timeout."
		default:
			typ, summary = "resolve_log_entry", "Resolved through the integration API."
		}
	case leAnnotate:
		typ, summary = "annotate_log_entry", "Note added by "+o.users[e.user].name+"."
	}
	b = append(b, `{"id":`...)
	b = appendStr(b, id)
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	b = append(b, `","summary":`...)
	b = appendStr(b, summary)
	b = append(b, `,"self":`...)
	b = appendStr(b, apiBase+"/log_entries/"+id+"?incident_id="+incID)
	b = append(b, `,"html_url":`...)
	b = appendStr(b, htmlBase+"/incidents/"+incID+"/log_entries/"+id)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, e.at, loc)
	b = append(b, `,"agent":`...)
	userAgent := e.kind == leAck || e.kind == leAnnotate || e.kind == leSnooze || (e.kind == leResolve && e.sub == agUser)
	switch {
	case userAgent:
		b = o.userRef(b, int(e.user))
	case e.kind == leEscalate && e.sub == escManual:
		// a manual escalation's agent is the level-1 assignee (the trigger's)
		b = o.userRef(b, int(o.logs[inc.firstLog].user))
	case e.kind == leResolve && e.sub == agIntegrationAPI:
		b = o.integrationRef(b, svc, true)
	default:
		b = o.serviceRef(b, svc)
	}
	b = append(b, `,"channel":`...)
	switch e.kind {
	case leTrigger:
		b = append(b, `{"type":"api"`...)
		if channels {
			b = append(b, `,"summary":`...)
			b = appendStr(b, o.titles[inc.title])
			b = append(b, `,"description":`...)
			b = appendStr(b, o.titles[inc.title])
			b = append(b, `,"service_key":`...)
			b = appendStr(b, o.services[svc].integrationID)
		}
		b = append(b, '}')
	case leNotify:
		b = append(b, `{"type":"auto"`...)
		if channels {
			b = append(b, `,"notification":`...)
			b = o.renderNotification(b, l, loc, false)
		}
		b = append(b, '}')
	case leAck:
		if e.sub == 1 {
			b = append(b, `{"type":"mobile"}`...)
		} else {
			b = append(b, `{"type":"website"}`...)
		}
	case leEscalate:
		if e.sub == escManual {
			b = append(b, `{"type":"website"}`...)
		} else {
			b = append(b, `{"type":"timeout"}`...)
		}
	case leSnooze:
		b = append(b, `{"type":"website"}`...)
	case leResolve:
		switch e.sub {
		case agUser:
			b = append(b, `{"type":"website"}`...)
		case agIntegrationAPI:
			b = append(b, `{"type":"api"}`...)
		case agServiceAuto:
			b = append(b, `{"type":"auto"}`...)
		default:
			b = append(b, `{"type":"timeout"}`...)
		}
	case leAnnotate:
		b = append(b, `{"type":"note"`...)
		if channels {
			b = append(b, `,"summary":"Looking into it, see runbook."`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"service":`...)
	b = o.serviceRef(b, svc)
	b = append(b, `,"incident":`...)
	b = o.incidentRef(b, int(e.inc))
	b = append(b, `,"teams":`...)
	b = o.teamRefs(b, o.serviceTeams(svc))
	b = append(b, `,"contexts":[]`...)
	switch e.kind {
	case leNotify:
		b = append(b, `,"user":`...)
		b = o.userRef(b, int(e.user))
	case leEscalate:
		b = append(b, `,"assignees":[`...)
		b = o.userRef(b, int(e.user))
		b = append(b, ']')
	case leAck:
		b = append(b, `,"acknowledgement_timeout":1800`...)
	case leTrigger:
		b = append(b, `,"event_details":{"description":`...)
		b = appendStr(b, o.titles[inc.title])
		b = append(b, '}')
	case leAnnotate:
		b = append(b, `,"note":"Looking into it, see runbook."`...)
	}
	return append(b, '}')
}

func (o *Org) renderOncall(b []byte, r segRef, loc *time.Location) []byte {
	sc := &o.scheds[r.sched]
	s := sc.segs[r.i]
	b = append(b, `{"escalation_policy":`...)
	b = o.policyRef(b, sc.ep)
	b = append(b, `,"escalation_level":`...)
	b = strconv.AppendInt(b, int64(sc.level), 10)
	b = append(b, `,"schedule":`...)
	b = o.scheduleRef(b, int(r.sched))
	b = append(b, `,"user":`...)
	b = o.userRef(b, int(s.user))
	b = append(b, `,"start":`...)
	b = appendTime(b, s.start, loc)
	b = append(b, `,"end":`...)
	b = appendTime(b, s.end, loc)
	return append(b, '}')
}
