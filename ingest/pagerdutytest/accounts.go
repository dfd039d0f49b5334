package pagerdutytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Shapes are what real PagerDuty accounts send beyond the synthetic
// organisation's tidy data (issue 14). Each one rewrites the JSON the fake
// renders, so the organisation (and its load) is the same with or without
// them; the zero value presents none.
type Shapes struct {
	// NoTeams, 402 or 403, makes /teams answer that status with
	// {"error":{"code":2014,"message":"Required abilities are unavailable"}}
	// (a plan without the teams ability), and every user, service,
	// escalation policy, incident and log entry carry "teams": [].
	NoTeams int
	// NoAnalytics, 402 or 403, makes every Analytics API call answer that
	// status with {"error":{"code":2014,"message":"Required abilities are
	// unavailable"}}: an account whose plan lacks Analytics (or a token
	// without its scope).
	NoAnalytics int
	// PermanentOncall makes /oncalls return, on the first page of every
	// query it matches, one permanent on-call: PermanentManager (the first
	// "Engineering Manager" of the organisation) named directly at level
	// PermanentLevel of the escalation policy of their first team, with
	// start, end and schedule null.
	PermanentOncall bool
	// Merged marks every resolved incident whose incident_number is a
	// multiple of MergeEvery as merged into the incident before it:
	// resolve_reason {"type":"merge_resolve_reason","incident":{...}}.
	Merged bool
	// SecondTeam gives every service and escalation policy that has a team,
	// and every incident whose incident_number is a multiple of
	// SecondTeamEvery and that has a team, a second team: the
	// organisation's first team, or its second when the first is already
	// the object's.
	SecondTeam bool
	// DeletedUser, a user's name, leaves that user out of /users (and so of
	// every team's members); on-calls and notifications still name them.
	DeletedUser string
	// NoTimeZone, a user's name, sends that user's time_zone as null.
	NoTimeZone string
	// BadItems breaks the log entries and incidents whose id Corrupt
	// reports: a log entry's channel type becomes a number (go-pagerduty's
	// Channel.UnmarshalJSON refuses it), an incident's incident_number a
	// string. The responses then do not match the OpenAPI description, on
	// purpose.
	BadItems bool
	// LateResolve resolves one incident late: the incident numbered
	// LateResolve.Number is served triggered (its own acknowledge and
	// resolve log entries left out) until the fake's clock reaches
	// LateResolve.At, and from then on resolved at At, with one
	// resolve_log_entry at At in /log_entries (by the integration API).
	LateResolve LateResolve
	// ManyAlerts gives the incident numbered ManyAlerts.Number
	// ManyAlerts.Alerts alerts of its own instead of the organisation's:
	// alerts 0, 2, 4, ... resolved, the others triggered, one second apart
	// from its creation (alert_counts follow). With more than 10,000 the
	// list cannot be paged through whole (the offset cap), only by status.
	ManyAlerts ManyAlerts
}

// ManyAlerts is Shapes.ManyAlerts; the zero Number is off.
type ManyAlerts struct{ Number, Alerts int }

// manyAlerts answers /incidents/{id}/alerts for Shapes.ManyAlerts, with
// PagerDuty's paging, offset cap and statuses[] filter.
func (s *Server) manyAlerts(r *http.Request) (int, []byte) {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return http.StatusBadRequest, err.body()
	}
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	ma := s.opts.Shapes.ManyAlerts
	i := ma.Number - 1
	if i >= len(o.incidents) {
		return http.StatusNotFound, notFoundBody
	}
	statuses := arrayParam(q, "statuses")
	status := func(a int) string {
		if a%2 == 0 {
			return "resolved"
		}
		return "triggered"
	}
	l := filtered(span{0, ma.Alerts, false}, func(a int) bool { return len(statuses) == 0 || contains(statuses, status(a)) })
	incID := o.incID.encode(uint64(i))
	inc := &o.incidents[i]
	return http.StatusOK, page("alerts", l, pg, func(b []byte, a int) []byte {
		id := "PMANY" + strconv.Itoa(a)
		b = append(b, `{"id":`...)
		b = appendStr(b, id)
		b = append(b, `,"type":"alert","summary":"Alert flood","self":`...)
		b = appendStr(b, apiBase+"/incidents/"+incID+"/alerts/"+id)
		b = append(b, `,"html_url":`...)
		b = appendStr(b, htmlBase+"/alerts/"+id)
		b = append(b, `,"created_at":`...)
		b = appendTime(b, inc.created+int64(a), time.UTC)
		b = append(b, `,"status":"`+status(a)+`","alert_key":"flood","service":`...)
		b = o.serviceRef(b, int(inc.service))
		b = append(b, `,"incident":`...)
		b = o.incidentRef(b, i)
		b = append(b, `,"suppressed":false,"severity":"critical","integration":`...)
		b = o.integrationRef(b, int(inc.service), false)
		return append(b, `,"body":{"type":"alert_body","contexts":[],"details":{}}}`...)
	})
}

// LateResolve is Shapes.LateResolve; the zero Number is off.
type LateResolve struct {
	Number int
	At     time.Time
}

// MergeEvery and SecondTeamEvery select the incidents Shapes.Merged and
// Shapes.SecondTeam change; PermanentLevel is the escalation level of the
// permanent on-call.
const (
	MergeEvery      = 10
	SecondTeamEvery = 5
	PermanentLevel  = 3
)

// Corrupt reports whether Shapes.BadItems breaks the item with this id:
// about one in 50, by a hash of the id.
func Corrupt(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%50 == 0
}

func (sh Shapes) on() bool {
	return sh.NoTeams != 0 || sh.PermanentOncall || sh.Merged || sh.SecondTeam || sh.DeletedUser != "" ||
		sh.NoTimeZone != "" || sh.BadItems || sh.LateResolve.Number > 0 || sh.ManyAlerts.Number > 0
}

// PermanentManager returns the user Shapes.PermanentOncall serves as a
// permanent on-call and the escalation policy they are named in.
func (o *Org) PermanentManager() (userID, policyID string) {
	u, p := o.permanentManager()
	if u < 0 || p < 0 {
		return "", ""
	}
	return o.users[u].id, o.policies[p].id
}

func (o *Org) permanentManager() (user, pol int) {
	for u := range o.users {
		if o.users[u].title != "Engineering Manager" || len(o.users[u].teams) == 0 {
			continue
		}
		for p := range o.policies {
			if o.policies[p].team == o.users[u].teams[0] {
				return u, p
			}
		}
	}
	return -1, -1
}

// noAnalyticsError is the Analytics API on an account without it.
func (sh Shapes) noAnalyticsError() *apiError {
	return &apiError{status: sh.NoAnalytics, code: 2014, message: "Required abilities are unavailable"}
}

// noTeamsError is /teams on an account without the teams ability.
func (sh Shapes) noTeamsError() *apiError {
	return &apiError{status: sh.NoTeams, code: 2014, message: "Required abilities are unavailable"}
}

// shape rewrites the body of a successful answer to pattern (a route of
// routes) with the shapes that are on.
func (s *Server) shape(pattern string, r *http.Request, body []byte) []byte {
	sh := s.opts.Shapes
	var doc map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&doc) != nil {
		return body
	}
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	ref := func(b []byte) any {
		var v any
		_ = json.Unmarshal(b, &v)
		return v
	}
	items := func(key string) []any {
		if one, ok := doc[key].(map[string]any); ok {
			return []any{one}
		}
		l, _ := doc[key].([]any)
		return l
	}
	number := func(it map[string]any) int {
		n, _ := strconv.Atoi(string(asNumber(it["incident_number"])))
		return n
	}
	secondTeam := func(it map[string]any) {
		ts, _ := it["teams"].([]any)
		if len(ts) == 0 || len(o.teams) < 2 {
			return
		}
		first, _ := ts[0].(map[string]any)
		t := 0
		if first != nil && first["id"] == o.teams[0].id {
			t = 1
		}
		it["teams"] = append(ts, ref(o.teamRef(nil, t)))
	}
	var keep []any
	switch pattern {
	case "GET /users":
		for _, x := range items("users") {
			it := x.(map[string]any)
			if sh.DeletedUser != "" && it["name"] == sh.DeletedUser {
				continue
			}
			if sh.NoTimeZone != "" && it["name"] == sh.NoTimeZone {
				it["time_zone"] = nil
			}
			keep = append(keep, it)
		}
		if keep == nil {
			keep = []any{}
		}
		doc["users"] = keep
	case "GET /services", "GET /escalation_policies":
		if sh.SecondTeam {
			key := "services"
			if pattern == "GET /escalation_policies" {
				key = "escalation_policies"
			}
			for _, x := range items(key) {
				secondTeam(x.(map[string]any))
			}
		}
	case "GET /incidents", "GET /incidents/{id}":
		key := "incidents"
		if pattern == "GET /incidents/{id}" {
			key = "incident"
		}
		for _, x := range items(key) {
			it := x.(map[string]any)
			n := number(it)
			if sh.Merged && n > 1 && n%MergeEvery == 0 && it["status"] == "resolved" {
				it["resolve_reason"] = map[string]any{"type": "merge_resolve_reason", "incident": ref(o.incidentRef(nil, n-2))}
			}
			if sh.SecondTeam && n%SecondTeamEvery == 0 {
				secondTeam(it)
			}
			if sh.ManyAlerts.Number > 0 && n == sh.ManyAlerts.Number {
				k := sh.ManyAlerts.Alerts
				it["alert_counts"] = map[string]any{"all": k, "triggered": k / 2, "resolved": k - k/2}
			}
			if ln := sh.LateResolve.Number; ln > 0 && n == ln {
				if s.now().Before(sh.LateResolve.At) {
					it["status"], it["resolved_at"] = "triggered", nil
				} else {
					it["status"], it["resolved_at"] = "resolved", sh.LateResolve.At.UTC().Format(time.RFC3339)
				}
			}
			if sh.BadItems && Corrupt(asString(it["id"])) {
				it["incident_number"] = "#" + strconv.Itoa(n)
			}
		}
	case "GET /log_entries", "GET /incidents/{id}/log_entries":
		if sh.BadItems {
			for _, x := range items("log_entries") {
				it := x.(map[string]any)
				if Corrupt(asString(it["id"])) {
					it["channel"] = map[string]any{"type": 7}
				}
			}
		}
		if n := sh.LateResolve.Number; n > 0 && n <= len(o.incidents) {
			id := o.incID.encode(uint64(n - 1))
			var kept []any
			for _, x := range items("log_entries") {
				it := x.(map[string]any)
				inc, _ := it["incident"].(map[string]any)
				if t := it["type"]; inc != nil && inc["id"] == id && (t == "acknowledge_log_entry" || t == "resolve_log_entry") {
					continue
				}
				kept = append(kept, it)
			}
			if kept == nil {
				kept = []any{}
			}
			if e := s.lateResolveEntry(r.URL.Query(), pattern, r.PathValue("id")); e != nil {
				kept = append([]any{e}, kept...) // newest first
			}
			doc["log_entries"] = kept
		}
	case "GET /oncalls":
		if sh.PermanentOncall {
			if e := s.permanentEntry(r.URL.Query()); e != nil {
				doc["oncalls"] = append(items("oncalls"), e)
			}
		}
	}
	if sh.NoTeams != 0 {
		for _, key := range []string{"users", "services", "escalation_policies", "incidents", "incident", "log_entries"} {
			for _, x := range items(key) {
				if it, ok := x.(map[string]any); ok {
					if _, has := it["teams"]; has {
						it["teams"] = []any{}
					}
				}
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// lateResolveEntry is the resolve entry of Shapes.LateResolve when the
// fake's clock has reached it and q asks for the first page of a range
// holding it, else nil.
func (s *Server) lateResolveEntry(q url.Values, pattern, incID string) any {
	o := s.org
	lr := s.opts.Shapes.LateResolve
	i := lr.Number - 1
	id := o.incID.encode(uint64(i))
	if s.now().Before(lr.At) || (pattern == "GET /incidents/{id}/log_entries" && incID != id) {
		return nil
	}
	if off := q.Get("offset"); off != "" && off != "0" {
		return nil
	}
	loc, err := parseZone(q)
	if err != nil {
		return nil
	}
	since, hasSince, _ := timeParam(q, "since", loc)
	until, hasUntil, _ := timeParam(q, "until", loc)
	if (hasSince && lr.At.Before(since)) || (hasUntil && !lr.At.Before(until)) {
		return nil
	}
	b := []byte(`{"id":`)
	b = appendStr(b, "RLATE"+id)
	b = append(b, `,"type":"resolve_log_entry","summary":"Resolved through the integration API.","created_at":`...)
	b = appendStr(b, lr.At.UTC().Format(time.RFC3339))
	b = append(b, `,"agent":`...)
	b = o.integrationRef(b, int(o.incidents[i].service), true)
	b = append(b, `,"channel":{"type":"api"},"service":`...)
	b = o.serviceRef(b, int(o.incidents[i].service))
	b = append(b, `,"incident":`...)
	b = o.incidentRef(b, i)
	b = append(b, `,"teams":[],"contexts":[],"event_details":{}}`...)
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

// permanentEntry is the permanent on-call of Shapes.PermanentOncall when
// q asks for its first page and its filters match it, else nil.
func (s *Server) permanentEntry(q url.Values) any {
	o := s.org
	u, p := o.permanentManager()
	if u < 0 || p < 0 {
		return nil
	}
	if off := q.Get("offset"); off != "" && off != "0" {
		return nil
	}
	users, eps := arrayParam(q, "user_ids"), arrayParam(q, "escalation_policy_ids")
	if (len(users) > 0 && !contains(users, o.users[u].id)) || (len(eps) > 0 && !contains(eps, o.policies[p].id)) ||
		len(arrayParam(q, "schedule_ids")) > 0 {
		return nil
	}
	b := []byte(`{"escalation_policy":`)
	b = o.policyRef(b, p)
	b = append(b, `,"escalation_level":`...)
	b = strconv.AppendInt(b, PermanentLevel, 10)
	b = append(b, `,"schedule":null,"user":`...)
	b = o.userRef(b, u)
	b = append(b, `,"start":null,"end":null}`...)
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func asNumber(v any) json.Number {
	n, _ := v.(json.Number)
	return n
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// ShapeNames are the names ParseShapes reads, in the order of Shapes.
var ShapeNames = []string{"no-teams", "no-teams-403", "no-analytics", "no-analytics-403", "permanent-oncall", "merged", "second-team", "deleted-user", "no-time-zone", "bad-items", "many-alerts"}

// ParseShapes reads a comma-separated list of ShapeNames (the fake-api
// command's --shapes): "no-teams" is NoTeams 402 ("no-teams-403": 403),
// "no-analytics" NoAnalytics 402 ("no-analytics-403": 403),
// "deleted-user" deletes NightOwlUserName and "no-time-zone" nulls
// StretchUserName's zone, "many-alerts" gives incident 1 10,050 alerts;
// "all" is every shape but bad-items, many-alerts, no-teams-403 and the
// no-analytics ones. Empty
// is none.
func ParseShapes(list string) (Shapes, error) {
	var sh Shapes
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "":
		case "all":
			sh.NoTeams, sh.PermanentOncall, sh.Merged, sh.SecondTeam = http.StatusPaymentRequired, true, true, true
			sh.DeletedUser, sh.NoTimeZone = NightOwlUserName, StretchUserName
		case "no-teams":
			sh.NoTeams = http.StatusPaymentRequired
		case "no-teams-403":
			sh.NoTeams = http.StatusForbidden
		case "no-analytics":
			sh.NoAnalytics = http.StatusPaymentRequired
		case "no-analytics-403":
			sh.NoAnalytics = http.StatusForbidden
		case "permanent-oncall":
			sh.PermanentOncall = true
		case "merged":
			sh.Merged = true
		case "second-team":
			sh.SecondTeam = true
		case "deleted-user":
			sh.DeletedUser = NightOwlUserName
		case "no-time-zone":
			sh.NoTimeZone = StretchUserName
		case "bad-items":
			sh.BadItems = true
		case "many-alerts":
			sh.ManyAlerts = ManyAlerts{Number: 1, Alerts: 10050}
		default:
			return Shapes{}, fmt.Errorf("shape %q: want a comma-separated list of %s or all: %w", name, strings.Join(ShapeNames, ", "), ErrBadConfig)
		}
	}
	return sh, nil
}
