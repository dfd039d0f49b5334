package pagerdutytest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxLimit is the largest page size; larger limits are clamped to it, as
// PagerDuty does. DefaultLimit is the page size without a limit parameter.
// MaxOffsetLimit caps offset+limit (error 2002 beyond it).
const (
	MaxLimit       = 100
	DefaultLimit   = 25
	MaxOffsetLimit = 10000
)

type paging struct {
	limit, offset int
	total         bool
}

func parsePaging(q url.Values) (paging, *apiError) {
	pg := paging{limit: DefaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pg, invalid("limit must be a non-negative integer")
		}
		if n > MaxLimit {
			n = MaxLimit
		}
		if n > 0 {
			pg.limit = n
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return pg, invalid("offset must be a non-negative integer")
		}
		pg.offset = n
	}
	switch q.Get("total") {
	case "", "false":
	case "true":
		pg.total = true
	default:
		return pg, invalid("total must be true or false")
	}
	if pg.offset+pg.limit > MaxOffsetLimit {
		return pg, &apiError{code: 2002, message: "Offset+limit exceeds maximum allowed value of 10000. Please use a more specific query or filter to reduce the number of results."}
	}
	return pg, nil
}

// list is a sequence of item indexes.
type list interface {
	Len() int
	At(i int) int
}

type span struct {
	lo, hi int
	desc   bool
}

func (s span) Len() int { return s.hi - s.lo }
func (s span) At(i int) int {
	if s.desc {
		return s.hi - 1 - i
	}
	return s.lo + i
}

type ints []int

func (s ints) Len() int     { return len(s) }
func (s ints) At(i int) int { return s[i] }

func filtered(l list, keep func(int) bool) ints {
	out := ints{}
	for i := 0; i < l.Len(); i++ {
		if x := l.At(i); keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// page renders one page of l under key with PagerDuty's paging fields.
func page(key string, l list, pg paging, item func(b []byte, x int) []byte) []byte {
	n := l.Len()
	items := min(max(n-pg.offset, 0), pg.limit)
	b := make([]byte, 0, 512+items*2560) // most items render in under 2.5 kB
	b = append(b, `{"`...)
	b = append(b, key...)
	b = append(b, `":[`...)
	end := pg.offset + pg.limit
	if end > n {
		end = n
	}
	for i := pg.offset; i < end; i++ {
		if i > pg.offset {
			b = append(b, ',')
		}
		b = item(b, l.At(i))
	}
	b = append(b, `],"limit":`...)
	b = strconv.AppendInt(b, int64(pg.limit), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(pg.offset), 10)
	b = append(b, `,"more":`...)
	b = strconv.AppendBool(b, pg.offset+pg.limit < n)
	b = append(b, `,"total":`...)
	if pg.total {
		b = strconv.AppendInt(b, int64(n), 10)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// arrayParam returns the values of name[] (or name).
func arrayParam(q url.Values, name string) []string {
	v := append([]string(nil), q[name+"[]"]...)
	v = append(v, q[name]...)
	var out []string
	for _, x := range v {
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func parseZone(q url.Values) (*time.Location, *apiError) {
	tz := q.Get("time_zone")
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return nil, invalid("time_zone is not a valid time zone")
	}
	return loc, nil
}

var zonedLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.999999999Z0700"}
var localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"}

// parseTime reads an ISO 8601 instant; without an offset it is read in loc.
func parseTime(v string, loc *time.Location) (time.Time, bool) {
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// rangeQuery is what the time-bounded list endpoints read first: paging,
// the time zone, and since/until with whether each was given.
type rangeQuery struct {
	pg                 paging
	loc                *time.Location
	since, until       time.Time
	hasSince, hasUntil bool
}

func parseRange(q url.Values) (rangeQuery, *apiError) {
	var r rangeQuery
	var err *apiError
	if r.pg, err = parsePaging(q); err != nil {
		return r, err
	}
	if r.loc, err = parseZone(q); err != nil {
		return r, err
	}
	if r.since, r.hasSince, err = timeParam(q, "since", r.loc); err != nil {
		return r, err
	}
	r.until, r.hasUntil, err = timeParam(q, "until", r.loc)
	return r, err
}

func timeParam(q url.Values, name string, loc *time.Location) (time.Time, bool, *apiError) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	t, ok := parseTime(v, loc)
	if !ok {
		return time.Time{}, false, invalid(name + " is not a valid ISO 8601 date-time")
	}
	return t, true, nil
}

func matchQuery(query string, fields ...string) bool {
	if query == "" {
		return true
	}
	query = strings.ToLower(query)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), query) {
			return true
		}
	}
	return false
}

func (s *Server) listUsers(q url.Values) ([]byte, *apiError) {
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	teams := arrayParam(q, "team_ids")
	l := filtered(span{0, len(o.users), false}, func(u int) bool {
		us := &o.users[u]
		if !matchQuery(q.Get("query"), us.name, us.email) {
			return false
		}
		if len(teams) == 0 {
			return true
		}
		for _, t := range us.teams {
			if contains(teams, o.teams[t].id) {
				return true
			}
		}
		return false
	})
	return page("users", l, pg, o.renderUser), nil
}

func (s *Server) listTeams(q url.Values) ([]byte, *apiError) {
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	l := filtered(span{0, len(o.teams), false}, func(t int) bool { return matchQuery(q.Get("query"), o.teams[t].name) })
	return page("teams", l, pg, o.renderTeam), nil
}

func (s *Server) listServices(q url.Values) ([]byte, *apiError) {
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	loc, err := parseZone(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	teams := arrayParam(q, "team_ids")
	l := filtered(span{0, len(o.services), false}, func(i int) bool {
		sv := &o.services[i]
		return matchQuery(q.Get("query"), sv.name) && (len(teams) == 0 || (sv.team >= 0 && contains(teams, o.teams[sv.team].id)))
	})
	return page("services", l, pg, func(b []byte, i int) []byte { return o.renderService(b, i, loc) }), nil
}

func (s *Server) listPolicies(q url.Values) ([]byte, *apiError) {
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	teams := arrayParam(q, "team_ids")
	l := filtered(span{0, len(o.policies), false}, func(i int) bool {
		p := &o.policies[i]
		return matchQuery(q.Get("query"), p.name) && (len(teams) == 0 || (p.team >= 0 && contains(teams, o.teams[p.team].id)))
	})
	return page("escalation_policies", l, pg, o.renderPolicy), nil
}

// incidentWindow applies /incidents' since/until rules and returns the
// created_at window [since, until) in Unix seconds.
func (s *Server) incidentWindow(q url.Values, loc *time.Location) (int64, int64, *apiError) {
	switch q.Get("date_range") {
	case "all":
		return -1 << 62, 1 << 62, nil
	case "":
	default:
		return 0, 0, invalid("date_range must be all")
	}
	since, hasSince, err := timeParam(q, "since", loc)
	if err != nil {
		return 0, 0, err
	}
	until, hasUntil, err := timeParam(q, "until", loc)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case hasSince && hasUntil:
	case hasSince:
		until = since.AddDate(0, 1, 0)
	case hasUntil:
		since = until.AddDate(0, -1, 0)
	default:
		until = s.now()
		since = until.AddDate(0, -1, 0)
	}
	if until.Before(since) {
		return 0, 0, invalid("until must not be before since")
	}
	if until.After(since.AddDate(0, 6, 0)) {
		return 0, 0, invalid("The date range cannot exceed 6 months")
	}
	return since.Unix(), until.Unix(), nil
}

func (o *Org) incidentsFrom(t int64) int {
	return sort.Search(len(o.incidents), func(i int) bool { return o.incidents[i].created >= t })
}

func (s *Server) listIncidents(q url.Values) ([]byte, *apiError) {
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	loc, err := parseZone(q)
	if err != nil {
		return nil, err
	}
	since, until, err := s.incidentWindow(q, loc)
	if err != nil {
		return nil, err
	}
	o := s.org
	sp := span{lo: o.incidentsFrom(since), hi: o.incidentsFrom(min(until, o.end))}
	if sp.hi < sp.lo {
		sp.hi = sp.lo
	}
	switch q.Get("sort_by") {
	case "", "created_at", "created_at:asc", "incident_number", "incident_number:asc":
	case "created_at:desc", "incident_number:desc":
		sp.desc = true
	default:
		return nil, invalid("sort_by is not supported")
	}
	var l list = sp
	statuses := arrayParam(q, "statuses")
	for _, st := range statuses {
		if st != "triggered" && st != "acknowledged" && st != "resolved" {
			return nil, invalid("statuses must be triggered, acknowledged or resolved")
		}
	}
	svcs, teams, urg := arrayParam(q, "service_ids"), arrayParam(q, "team_ids"), arrayParam(q, "urgencies")
	if len(statuses)+len(svcs)+len(teams)+len(urg) > 0 {
		l = filtered(sp, func(i int) bool {
			inc := &o.incidents[i]
			sv := &o.services[inc.service]
			if len(svcs) > 0 && !contains(svcs, sv.id) {
				return false
			}
			if len(teams) > 0 && (sv.team < 0 || !contains(teams, o.teams[sv.team].id)) {
				return false
			}
			if len(urg) > 0 && !contains(urg, []string{"high", "low"}[inc.urgency]) {
				return false
			}
			return len(statuses) == 0 || contains(statuses, o.incidentState(i).status)
		})
	}
	return page("incidents", l, pg, func(b []byte, i int) []byte { return o.renderIncident(b, i, loc) }), nil
}

func (s *Server) incidentByID(id string) (int, *apiError) {
	o := s.org
	k, ok := o.incID.decode(id)
	if !ok || k >= uint64(o.visibleIncidents()) {
		return 0, &apiError{status: http.StatusNotFound, code: 2100, message: "Not Found"}
	}
	return int(k), nil
}

func (s *Server) getIncident(q url.Values, id string) ([]byte, *apiError) {
	i, err := s.incidentByID(id)
	if err != nil {
		return nil, err
	}
	loc, err := parseZone(q)
	if err != nil {
		return nil, err
	}
	b := []byte(`{"incident":`)
	b = s.org.renderIncident(b, i, loc)
	return append(b, '}'), nil
}

func (s *Server) listAlerts(q url.Values, id string) ([]byte, *apiError) {
	i, err := s.incidentByID(id)
	if err != nil {
		return nil, err
	}
	pg, err := parsePaging(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	inc := &o.incidents[i]
	resolved := o.incidentState(i).status == "resolved"
	statuses := arrayParam(q, "statuses")
	l := filtered(span{int(inc.firstAlert), int(inc.firstAlert) + int(inc.nAlerts), false}, func(a int) bool {
		if o.alerts[a].at >= o.end {
			return false
		}
		st := "triggered"
		if resolved {
			st = "resolved"
		}
		return len(statuses) == 0 || contains(statuses, st)
	})
	return page("alerts", l, pg, func(b []byte, a int) []byte { return o.renderAlert(b, a, resolved, time.UTC) }), nil
}

func includes(q url.Values, what string) bool { return contains(arrayParam(q, "include"), what) }

func (s *Server) listIncidentLogs(q url.Values, id string) ([]byte, *apiError) {
	i, err := s.incidentByID(id)
	if err != nil {
		return nil, err
	}
	r, err := parseRange(q)
	if err != nil {
		return nil, err
	}
	pg, loc, since, hasSince, until, hasUntil := r.pg, r.loc, r.since, r.hasSince, r.until, r.hasUntil
	o := s.org
	inc := &o.incidents[i]
	l := filtered(span{int(inc.firstLog), int(inc.firstLog) + int(inc.nLogs), true}, func(x int) bool {
		at := o.logs[x].at
		return at < o.end && (!hasSince || at >= since.Unix()) && (!hasUntil || at < until.Unix())
	})
	ch := includes(q, "channels")
	return page("log_entries", l, pg, func(b []byte, x int) []byte { return o.renderLogEntry(b, x, ch, loc) }), nil
}

// logSpan returns the positions in byTime of the log entries in [since, until).
func (o *Org) logSpan(since, until int64) span {
	at := func(t int64) int {
		return sort.Search(len(o.byTime), func(i int) bool { return o.logs[o.byTime[i]].at >= t })
	}
	lo, hi := at(since), at(min(until, o.end))
	if hi < lo {
		hi = lo
	}
	return span{lo: lo, hi: hi}
}

func (s *Server) listLogEntries(q url.Values) ([]byte, *apiError) {
	r, err := parseRange(q)
	if err != nil {
		return nil, err
	}
	pg, loc, since, hasSince, until, hasUntil := r.pg, r.loc, r.since, r.hasSince, r.until, r.hasUntil
	if !hasUntil {
		until = s.now()
	}
	if hasSince && until.Before(since) {
		return nil, invalid("until must not be before since")
	}
	o := s.org
	lo := int64(-1 << 62)
	if hasSince {
		lo = since.Unix()
	}
	sp := o.logSpan(lo, until.Unix())
	sp.desc = true
	var l list = sp
	if teams := arrayParam(q, "team_ids"); len(teams) > 0 {
		l = filtered(sp, func(p int) bool {
			t := o.services[o.incidents[o.logs[o.byTime[p]].inc].service].team
			return t >= 0 && contains(teams, o.teams[t].id)
		})
	}
	ch := includes(q, "channels")
	return page("log_entries", l, pg, func(b []byte, p int) []byte { return o.renderLogEntry(b, int(o.byTime[p]), ch, loc) }), nil
}

func (s *Server) listNotifications(q url.Values) ([]byte, *apiError) {
	r, err := parseRange(q)
	if err != nil {
		return nil, err
	}
	pg, loc, since, hasSince, until, hasUntil := r.pg, r.loc, r.since, r.hasSince, r.until, r.hasUntil
	if !hasSince || !hasUntil {
		return nil, invalid("since and until are required")
	}
	if until.Before(since) {
		return nil, invalid("until must not be before since")
	}
	if !until.Before(since.AddDate(0, 3, 0)) {
		return nil, invalid("The date range must be less than 3 months")
	}
	o := s.org
	at := func(t int64) int {
		return sort.Search(len(o.notifs), func(i int) bool { return o.logs[o.notifs[i]].at >= t })
	}
	sp := span{lo: at(since.Unix()), hi: at(min(until.Unix(), o.end))}
	if sp.hi < sp.lo {
		sp.hi = sp.lo
	}
	var l list = sp
	if f := q.Get("filter"); f != "" {
		if !contains(notifTypes[1:], f) {
			return nil, invalid("filter must be one of sms_notification, email_notification, phone_notification, push_notification")
		}
		l = filtered(sp, func(p int) bool { return notifTypes[o.logs[o.notifs[p]].sub] == f })
	}
	return page("notifications", l, pg, func(b []byte, p int) []byte { return o.renderNotification(b, int(o.notifs[p]), loc, true) }), nil
}

func (s *Server) listOncalls(q url.Values) ([]byte, *apiError) {
	r, err := parseRange(q)
	if err != nil {
		return nil, err
	}
	pg, loc, since, hasSince, until, hasUntil := r.pg, r.loc, r.since, r.hasSince, r.until, r.hasUntil
	now := s.now()
	if !hasSince {
		since = now
	}
	if !hasUntil {
		until = now
	}
	if until.Before(since) {
		return nil, invalid("until cannot be before since")
	}
	o := s.org
	users, eps, scheds := arrayParam(q, "user_ids"), arrayParam(q, "escalation_policy_ids"), arrayParam(q, "schedule_ids")
	segs := o.segmentsIn(since.Unix(), until.Unix(), func(sc *schedule, sg seg) bool {
		return (len(users) == 0 || contains(users, o.users[sg.user].id)) &&
			(len(eps) == 0 || contains(eps, o.policies[sc.ep].id)) &&
			(len(scheds) == 0 || contains(scheds, sc.id))
	})
	if q.Get("earliest") == "true" {
		seen := map[[3]int]bool{}
		var keep []segRef
		for _, r := range segs {
			sc := &o.scheds[r.sched]
			k := [3]int{int(sc.segs[r.i].user), sc.ep, sc.level}
			if !seen[k] {
				seen[k] = true
				keep = append(keep, r)
			}
		}
		segs = keep
	}
	l := make(ints, len(segs))
	for i := range l {
		l[i] = i
	}
	return page("oncalls", l, pg, func(b []byte, i int) []byte { return o.renderOncall(b, segs[i], loc) }), nil
}
