package pagerdutytest

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"sort"
	"time"
)

// The Analytics API (POST /analytics/metrics/incidents/all,
// /analytics/metrics/incidents/teams and /analytics/metrics/responders/all)
// computed from the organisation by PagerDuty's published definitions, as of
// End, so that a crosscheck sees what PagerDuty would say of the history a
// sync stored. The answers follow the organisation, not the Shapes (a
// merged incident is a resolved incident here, so it is in MTTR, as in
// PagerDuty), except Shapes.NoAnalytics, which refuses every call.
//
// Definitions, each over the incidents created in [start, end) of the
// request (and, with team_ids, whose service's team is one of them; an
// incident without a team then matches none):
//
//   - total_incident_count: those incidents.
//   - mean_seconds_to_first_ack / mean_seconds_to_resolve: over those
//     acknowledged / resolved before End, rounded to whole seconds; left out
//     when there is none.
//   - interruptions: per user, phone, SMS and push notifications in time order
//     across all incidents, a new interruption more than 60 s after the first
//     of the current one; an interruption belongs to the incident of its
//     first notification and counts when that incident is one of those. Hour
//     class in the user's zone: sleep 22:00-08:00, business 08:00-18:00
//     Monday to Friday, off the rest.
//   - total_engaged_seconds: for each incident and each user who acknowledged
//     it, from that user's first acknowledgement to the resolution (End while
//     open), summed (parallel incidents count each).
//   - total_escalation_count: escalate entries on those incidents;
//     total_incidents_timeout_escalated: those incidents escalated by timeout
//     (every escalation of the organisation is a timeout).
//   - Responders: total_incident_count is the incidents assigned to the user
//     (the trigger's level-1 assignee or an escalation's new assignee);
//     mean_time_to_acknowledge_seconds from the user's first assignment on an
//     incident to their first acknowledgement of it; on-call seconds are the
//     union of the user's segments clipped to [start, end): all levels, level
//     1, and levels 2 and up each on their own (so time at level 1 and 2 at
//     once counts in both).

// analyticsRequest is the body of the three endpoints (AnalyticsModel and
// AnalyticsResponderFilter of the OpenAPI description).
type analyticsRequest struct {
	Filters struct {
		CreatedAtStart string   `json:"created_at_start,omitempty"`
		CreatedAtEnd   string   `json:"created_at_end,omitempty"`
		DateRangeStart string   `json:"date_range_start,omitempty"`
		DateRangeEnd   string   `json:"date_range_end,omitempty"`
		Urgency        string   `json:"urgency,omitempty"`
		TeamIDs        []string `json:"team_ids,omitempty"`
		ResponderIDs   []string `json:"responder_ids,omitempty"`
	} `json:"filters"`
	TimeZone      string `json:"time_zone,omitempty"`
	AggregateUnit string `json:"aggregate_unit,omitempty"`
}

// analyticsQuery is a parsed request.
type analyticsQuery struct {
	req        analyticsRequest
	start, end int64
}

// parseAnalytics reads the request body; responders says which pair of
// date filters it must carry.
func parseAnalytics(r *http.Request, responders bool) (analyticsQuery, *apiError) {
	var q analyticsQuery
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return q, invalid("could not read the request body")
	}
	if err := json.Unmarshal(b, &q.req); err != nil {
		return q, invalid("request body is not a JSON object of filters: " + err.Error())
	}
	if q.req.AggregateUnit != "" {
		return q, invalid("aggregate_unit is not supported by this fake")
	}
	f := q.req.Filters
	from, to, names := f.CreatedAtStart, f.CreatedAtEnd, "created_at_start and created_at_end"
	if responders {
		from, to, names = f.DateRangeStart, f.DateRangeEnd, "date_range_start and date_range_end"
	}
	loc := time.UTC
	if q.req.TimeZone != "" {
		if loc, err = time.LoadLocation(q.req.TimeZone); err != nil {
			return q, invalid("time_zone " + q.req.TimeZone + " is not a tzdata zone")
		}
	}
	s, ok1 := parseTime(from, loc)
	e, ok2 := parseTime(to, loc)
	if !ok1 || !ok2 {
		return q, invalid(names + " are required ISO 8601 date-times")
	}
	if !s.Before(e) || e.Sub(s) > 366*24*time.Hour {
		return q, invalid("the date range must be positive and at most one year")
	}
	if u := f.Urgency; u != "" && u != "high" && u != "low" {
		return q, invalid("urgency must be high or low")
	}
	q.start, q.end = s.Unix(), e.Unix()
	return q, nil
}

// incidentFacts is what the analytics read of one incident, as of End.
type incidentFacts struct {
	i                   int
	team                int // -1: none
	created             int64
	ackAt, resolveAt    int64 // 0: not yet
	autoResolved        bool
	escalations         int
	assignments         int // the trigger's assignment and each escalation's (the organisation reassigns nothing)
	notifications       int
	firstAck            map[int]int64 // user -> their first acknowledgement
	firstAssigned       map[int]int64 // user -> their first assignment
	notified            map[int]int   // user -> notifications
	escalatedFromLevel1 int           // the trigger's assignee when the incident escalated, else -1
}

// facts reads incident i's visible log entries.
func (o *Org) facts(i int) incidentFacts {
	inc := &o.incidents[i]
	f := incidentFacts{i: i, team: o.services[inc.service].team, created: inc.created,
		firstAck: map[int]int64{}, firstAssigned: map[int]int64{}, notified: map[int]int{}, escalatedFromLevel1: -1}
	l1 := -1
	for k := 0; k < int(inc.nLogs); k++ {
		e := &o.logs[int(inc.firstLog)+k]
		if e.at >= o.end {
			break
		}
		u := int(e.user)
		switch e.kind {
		case leTrigger, leEscalate:
			if e.kind == leTrigger {
				l1 = u
			} else {
				f.escalations++
				f.escalatedFromLevel1 = l1
			}
			if u < 0 {
				break // nobody on call to assign
			}
			f.assignments++
			if _, ok := f.firstAssigned[u]; !ok {
				f.firstAssigned[u] = e.at
			}
		case leNotify:
			f.notifications++
			f.notified[u]++
		case leAck:
			if f.ackAt == 0 {
				f.ackAt = e.at
			}
			if _, ok := f.firstAck[u]; !ok {
				f.firstAck[u] = e.at
			}
		case leResolve:
			if f.resolveAt == 0 {
				f.resolveAt, f.autoResolved = e.at, e.sub != agUser
			}
		}
	}
	return f
}

// engagedUntil is when engagement on f ends: its resolution, or End.
func (o *Org) engagedUntil(f *incidentFacts) int64 {
	if f.resolveAt > 0 {
		return f.resolveAt
	}
	return o.end
}

// analyticsIncidents returns the facts of the incidents q selects.
func (o *Org) analyticsIncidents(q analyticsQuery) []incidentFacts {
	var teams map[string]bool
	if len(q.req.Filters.TeamIDs) > 0 {
		teams = map[string]bool{}
		for _, id := range q.req.Filters.TeamIDs {
			teams[id] = true
		}
	}
	var out []incidentFacts
	n := o.visibleIncidents()
	for i := o.incidentsFrom(q.start); i < n && o.incidents[i].created < q.end; i++ {
		inc := &o.incidents[i]
		if u := q.req.Filters.Urgency; (u == "high" && inc.urgency != 0) || (u == "low" && inc.urgency != 1) {
			continue
		}
		t := o.services[inc.service].team
		if teams != nil && (t < 0 || !teams[o.teams[t].id]) {
			continue
		}
		out = append(out, o.facts(i))
	}
	return out
}

// interruption is one unique interruption: its user, the incident of its
// first notification and its hour class (0 business, 1 off, 2 sleep).
type interruption struct {
	user, inc, class int
}

// interruptions groups every visible phone, SMS and push notification into
// interruptions (PagerDuty's 60 s anchored window per user).
func (o *Org) interruptions() []interruption {
	anchor := map[int]int64{}
	var out []interruption
	for _, l := range o.notifs {
		e := &o.logs[l]
		if e.at >= o.end {
			break
		}
		if e.sub != chPush && e.sub != chSMS && e.sub != chPhone {
			continue
		}
		u := int(e.user)
		if a, ok := anchor[u]; ok && e.at-a <= 60 {
			continue
		}
		anchor[u] = e.at
		out = append(out, interruption{user: u, inc: int(e.inc), class: hourClass(time.Unix(e.at, 0).In(o.users[u].loc))})
	}
	return out
}

// hourClass is PagerDuty's class of a local instant: 0 business (08:00-18:00
// Monday to Friday), 1 off, 2 sleep (22:00-08:00).
func hourClass(t time.Time) int {
	h := t.Hour()
	switch {
	case h >= 22 || h < 8:
		return 2
	case t.Weekday() != time.Saturday && t.Weekday() != time.Sunday && h < 18:
		return 0
	}
	return 1
}

// meanOf is the rounded mean of xs, or nil without any.
func meanOf(xs []int64) *int64 {
	if len(xs) == 0 {
		return nil
	}
	var s int64
	for _, x := range xs {
		s += x
	}
	m := int64(math.Round(float64(s) / float64(len(xs))))
	return &m
}

// incidentMetrics is one item of the incident endpoints' data
// (AnalyticsIncidentMetrics); nil means the key is left out.
type incidentMetrics struct {
	TeamID                         string  `json:"team_id,omitempty"`
	TeamName                       string  `json:"team_name,omitempty"`
	MeanAssignmentCount            *int64  `json:"mean_assignment_count,omitempty"`
	MeanEngagedSeconds             *int64  `json:"mean_engaged_seconds,omitempty"`
	MeanEngagedUserCount           *int64  `json:"mean_engaged_user_count,omitempty"`
	MeanSecondsToFirstAck          *int64  `json:"mean_seconds_to_first_ack,omitempty"`
	MeanSecondsToResolve           *int64  `json:"mean_seconds_to_resolve,omitempty"`
	TotalBusinessHourInterruptions int     `json:"total_business_hour_interruptions"`
	TotalEngagedSeconds            int64   `json:"total_engaged_seconds"`
	TotalEscalationCount           int     `json:"total_escalation_count"`
	TotalIncidentCount             int     `json:"total_incident_count"`
	TotalIncidentsAcknowledged     int     `json:"total_incidents_acknowledged"`
	TotalIncidentsAutoResolved     int     `json:"total_incidents_auto_resolved"`
	TotalIncidentsManualEscalated  int     `json:"total_incidents_manual_escalated"`
	TotalIncidentsReassigned       int     `json:"total_incidents_reassigned"`
	TotalIncidentsTimeoutEscalated int     `json:"total_incidents_timeout_escalated"`
	TotalInterruptions             int     `json:"total_interruptions"`
	TotalNotifications             int     `json:"total_notifications"`
	TotalOffHourInterruptions      int     `json:"total_off_hour_interruptions"`
	TotalSleepHourInterruptions    int     `json:"total_sleep_hour_interruptions"`
	TotalSnoozedSeconds            int     `json:"total_snoozed_seconds"`
	UpTimePct                      float64 `json:"up_time_pct,omitempty"`
}

// aggregate computes the incident metrics of fs; ints are the
// interruptions of the organisation.
func (o *Org) aggregate(fs []incidentFacts, ints []interruption) incidentMetrics {
	var m incidentMetrics
	in := map[int]bool{}
	var acks, resolves, engaged []int64
	assignments, engagers := 0, 0
	for k := range fs {
		f := &fs[k]
		in[f.i] = true
		m.TotalIncidentCount++
		m.TotalEscalationCount += f.escalations
		m.TotalNotifications += f.notifications
		assignments += f.assignments
		if f.escalations > 0 {
			m.TotalIncidentsTimeoutEscalated++
		}
		if f.ackAt > 0 {
			m.TotalIncidentsAcknowledged++
			acks = append(acks, f.ackAt-f.created)
		}
		if f.resolveAt > 0 {
			resolves = append(resolves, f.resolveAt-f.created)
			if f.autoResolved {
				m.TotalIncidentsAutoResolved++
			}
		}
		for _, at := range f.firstAck {
			d := o.engagedUntil(f) - at
			engaged = append(engaged, d)
			m.TotalEngagedSeconds += d
		}
		engagers += len(f.firstAck)
	}
	for _, it := range ints {
		if !in[it.inc] {
			continue
		}
		m.TotalInterruptions++
		switch it.class {
		case 0:
			m.TotalBusinessHourInterruptions++
		case 1:
			m.TotalOffHourInterruptions++
		default:
			m.TotalSleepHourInterruptions++
		}
	}
	m.MeanSecondsToFirstAck, m.MeanSecondsToResolve, m.MeanEngagedSeconds = meanOf(acks), meanOf(resolves), meanOf(engaged)
	if n := int64(len(fs)); n > 0 {
		a := int64(math.Round(float64(assignments) / float64(n)))
		e := int64(math.Round(float64(engagers) / float64(n)))
		m.MeanAssignmentCount, m.MeanEngagedUserCount = &a, &e
	}
	return m
}

// analyticsAnswer is the envelope of every analytics answer: the data and
// the request's filters and time zone echoed.
func analyticsAnswer(q analyticsQuery, data any) ([]byte, *apiError) {
	zone := q.req.TimeZone
	if zone == "" {
		zone = "Etc/UTC"
	}
	b, err := json.Marshal(struct {
		Data     any    `json:"data"`
		Filters  any    `json:"filters"`
		TimeZone string `json:"time_zone"`
	}{data, q.req.Filters, zone})
	if err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, message: err.Error()}
	}
	return b, nil
}

// analyticsIncidentsAll answers POST /analytics/metrics/incidents/all: one
// aggregate of every incident selected.
func (s *Server) analyticsIncidentsAll(r *http.Request) ([]byte, *apiError) {
	q, err := parseAnalytics(r, false)
	if err != nil {
		return nil, err
	}
	o := s.org
	m := o.aggregate(o.analyticsIncidents(q), o.interruptions())
	return analyticsAnswer(q, []incidentMetrics{m})
}

// analyticsIncidentsTeams answers POST /analytics/metrics/incidents/teams:
// one aggregate per team with incidents, in team order; incidents without
// a team are in none.
func (s *Server) analyticsIncidentsTeams(r *http.Request) ([]byte, *apiError) {
	q, err := parseAnalytics(r, false)
	if err != nil {
		return nil, err
	}
	o := s.org
	byTeam := map[int][]incidentFacts{}
	for _, f := range o.analyticsIncidents(q) {
		if f.team >= 0 {
			byTeam[f.team] = append(byTeam[f.team], f)
		}
	}
	ints := o.interruptions()
	data := []incidentMetrics{}
	for t := range o.teams {
		if len(byTeam[t]) == 0 {
			continue
		}
		m := o.aggregate(byTeam[t], ints)
		m.TeamID, m.TeamName, m.UpTimePct = o.teams[t].id, o.teams[t].name, 100
		data = append(data, m)
	}
	return analyticsAnswer(q, data)
}

// responderMetrics is one item of /analytics/metrics/responders/all
// (AnalyticsResponderMetrics).
type responderMetrics struct {
	ResponderID                        string `json:"responder_id"`
	ResponderName                      string `json:"responder_name"`
	MeanEngagedSeconds                 *int64 `json:"mean_engaged_seconds,omitempty"`
	MeanTimeToAcknowledgeSeconds       *int64 `json:"mean_time_to_acknowledge_seconds,omitempty"`
	TotalBusinessHourInterruptions     int    `json:"total_business_hour_interruptions"`
	TotalEngagedSeconds                int64  `json:"total_engaged_seconds"`
	TotalIncidentCount                 int    `json:"total_incident_count"`
	TotalIncidentsAcknowledged         int    `json:"total_incidents_acknowledged"`
	TotalIncidentsManualEscalatedFrom  int    `json:"total_incidents_manual_escalated_from"`
	TotalIncidentsManualEscalatedTo    int    `json:"total_incidents_manual_escalated_to"`
	TotalIncidentsReassignedFrom       int    `json:"total_incidents_reassigned_from"`
	TotalIncidentsReassignedTo         int    `json:"total_incidents_reassigned_to"`
	TotalIncidentsTimeoutEscalatedFrom int    `json:"total_incidents_timeout_escalated_from"`
	TotalIncidentsTimeoutEscalatedTo   int    `json:"total_incidents_timeout_escalated_to"`
	TotalInterruptions                 int    `json:"total_interruptions"`
	TotalNotifications                 int    `json:"total_notifications"`
	TotalOffHourInterruptions          int    `json:"total_off_hour_interruptions"`
	TotalSecondsOnCall                 int64  `json:"total_seconds_on_call"`
	TotalSecondsOnCallLevel1           int64  `json:"total_seconds_on_call_level_1"`
	TotalSecondsOnCallLevel2Plus       int64  `json:"total_seconds_on_call_level_2_plus"`
	TotalSleepHourInterruptions        int    `json:"total_sleep_hour_interruptions"`

	acks, engaged []int64
}

// unionSeconds is the length of the union of half-open intervals, clipped
// to [lo, hi).
func unionSeconds(iv [][2]int64, lo, hi int64) int64 {
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	var total, curS, curE int64
	open := false
	for _, x := range iv {
		s, e := max(x[0], lo), min(x[1], hi)
		if s >= e {
			continue
		}
		if open && s <= curE {
			curE = max(curE, e)
			continue
		}
		if open {
			total += curE - curS
		}
		curS, curE, open = s, e, true
	}
	if open {
		total += curE - curS
	}
	return total
}

// analyticsResponders answers POST /analytics/metrics/responders/all: one
// row per user with an assigned incident, an interruption or on-call time
// in the range, in /users order.
func (s *Server) analyticsResponders(r *http.Request) ([]byte, *apiError) {
	q, err := parseAnalytics(r, true)
	if err != nil {
		return nil, err
	}
	o := s.org
	rows := make([]responderMetrics, len(o.users))
	in := map[int]bool{}
	for _, f := range o.analyticsIncidents(q) {
		in[f.i] = true
		for u := range f.firstAssigned {
			rows[u].TotalIncidentCount++
		}
		if f.escalations > 0 {
			if f.escalatedFromLevel1 >= 0 {
				rows[f.escalatedFromLevel1].TotalIncidentsTimeoutEscalatedFrom++
			}
			for u := range f.firstAssigned {
				if u != f.escalatedFromLevel1 {
					rows[u].TotalIncidentsTimeoutEscalatedTo++
				}
			}
		}
		for u, n := range f.notified {
			rows[u].TotalNotifications += n
		}
		for u, at := range f.firstAck {
			row := &rows[u]
			row.TotalIncidentsAcknowledged++
			from, ok := f.firstAssigned[u]
			if !ok {
				from = f.created
			}
			row.acks = append(row.acks, at-from)
			d := o.engagedUntil(&f) - at
			row.engaged = append(row.engaged, d)
			row.TotalEngagedSeconds += d
		}
	}
	for _, it := range o.interruptions() {
		if !in[it.inc] {
			continue
		}
		row := &rows[it.user]
		row.TotalInterruptions++
		switch it.class {
		case 0:
			row.TotalBusinessHourInterruptions++
		case 1:
			row.TotalOffHourInterruptions++
		default:
			row.TotalSleepHourInterruptions++
		}
	}
	all, l1, l2 := map[int][][2]int64{}, map[int][][2]int64{}, map[int][][2]int64{}
	for _, ref := range o.segmentsIn(q.start, q.end, nil) {
		sc := &o.scheds[ref.sched]
		sg := sc.segs[ref.i]
		u, iv := int(sg.user), [2]int64{sg.start, sg.end}
		all[u] = append(all[u], iv)
		if sc.level == 1 {
			l1[u] = append(l1[u], iv)
		} else {
			l2[u] = append(l2[u], iv)
		}
	}
	var keep map[string]bool
	if ids := q.req.Filters.ResponderIDs; len(ids) > 0 {
		keep = map[string]bool{}
		for _, id := range ids {
			keep[id] = true
		}
	}
	data := []responderMetrics{}
	for u := range rows {
		row := &rows[u]
		row.TotalSecondsOnCall = unionSeconds(all[u], q.start, q.end)
		row.TotalSecondsOnCallLevel1 = unionSeconds(l1[u], q.start, q.end)
		row.TotalSecondsOnCallLevel2Plus = unionSeconds(l2[u], q.start, q.end)
		if row.TotalIncidentCount == 0 && row.TotalInterruptions == 0 && row.TotalSecondsOnCall == 0 {
			continue
		}
		if keep != nil && !keep[o.users[u].id] {
			continue
		}
		row.ResponderID, row.ResponderName = o.users[u].id, o.users[u].name
		row.MeanTimeToAcknowledgeSeconds, row.MeanEngagedSeconds = meanOf(row.acks), meanOf(row.engaged)
		data = append(data, *row)
	}
	return analyticsAnswer(q, data)
}
