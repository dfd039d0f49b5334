package pagerdutytest

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// snapshot is everything a sync would read from the fake, through
// go-pagerduty.
type snapshot struct {
	org       *Org
	users     map[string]pagerduty.User
	services  map[string]pagerduty.Service
	policies  map[string]pagerduty.EscalationPolicy
	teams     map[string]pagerduty.Team
	incidents []pagerduty.Incident
	alerts    map[string][]pagerduty.IncidentAlert
	logs      map[string][]pagerduty.LogEntry // per incident, oldest first
	oncalls   []pagerduty.OnCall
}

var (
	snapOnce sync.Once
	snap     *snapshot
	snapErr  error
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fullSync reads the small organisation the way the sync does, once per
// test binary.
func fullSync(t *testing.T) *snapshot {
	t.Helper()
	org := sharedSmall(t)
	snapOnce.Do(func() {
		srv := NewServer(org, Options{Token: testToken, Now: org.End})
		f := &fixture{org: org, srv: srv}
		f.ts = newHTTPTestServer(srv)
		defer f.ts.Close()
		snap, snapErr = readAll(f)
	})
	if snapErr != nil {
		t.Fatalf("full sync: %v", snapErr)
	}
	return snap
}

func readAll(f *fixture) (*snapshot, error) {
	c := f.client()
	ctx := context.Background()
	s := &snapshot{org: f.org, users: map[string]pagerduty.User{}, services: map[string]pagerduty.Service{},
		policies: map[string]pagerduty.EscalationPolicy{}, teams: map[string]pagerduty.Team{},
		alerts: map[string][]pagerduty.IncidentAlert{}, logs: map[string][]pagerduty.LogEntry{}}
	us, err := c.ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, u := range us.Users {
		s.users[u.ID] = u
	}
	ss, err := c.ListServicesWithContext(ctx, pagerduty.ListServiceOptions{Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, x := range ss.Services {
		s.services[x.ID] = x
	}
	ps, err := c.ListEscalationPoliciesWithContext(ctx, pagerduty.ListEscalationPoliciesOptions{Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, x := range ps.EscalationPolicies {
		s.policies[x.ID] = x
	}
	tm, err := c.ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, x := range tm.Teams {
		s.teams[x.ID] = x
	}
	for off := uint(0); ; off += 100 {
		r, err := c.ListIncidentsWithContext(ctx, pagerduty.ListIncidentsOptions{DateRange: "all", Limit: 100, Offset: off})
		if err != nil {
			return nil, err
		}
		s.incidents = append(s.incidents, r.Incidents...)
		if !r.More {
			break
		}
	}
	for _, in := range s.incidents {
		r, err := c.ListIncidentAlertsWithContext(ctx, in.ID, pagerduty.ListIncidentAlertsOptions{Limit: 100})
		if err != nil {
			return nil, err
		}
		s.alerts[in.ID] = r.Alerts
	}
	for w := f.org.Start(); w.Before(f.org.End()); w = w.Add(24 * time.Hour) {
		// Newest first within the day; reversed, entries of one second keep
		// the order in which they happened.
		var day []pagerduty.LogEntry
		for off := uint(0); ; off += 100 {
			r, err := c.ListLogEntriesWithContext(ctx, pagerduty.ListLogEntriesOptions{Since: iso(w), Until: iso(w.Add(24 * time.Hour)),
				Includes: []string{"channels"}, Limit: 100, Offset: off})
			if err != nil {
				return nil, err
			}
			day = append(day, r.LogEntries...)
			if !r.More {
				break
			}
		}
		for i := len(day) - 1; i >= 0; i-- {
			e := day[i]
			s.logs[e.Incident.ID] = append(s.logs[e.Incident.ID], e)
		}
	}
	for id, l := range s.logs {
		sort.SliceStable(l, func(i, j int) bool { return l[i].CreatedAt < l[j].CreatedAt })
		s.logs[id] = l
	}
	for off := uint(0); ; off += 100 {
		r, err := c.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{Since: iso(f.org.Start()), Until: iso(f.org.End()), Limit: 100, Offset: off})
		if err != nil {
			return nil, err
		}
		s.oncalls = append(s.oncalls, r.OnCalls...)
		if !r.More {
			break
		}
	}
	return s, nil
}

func (s *snapshot) userByName(t *testing.T, name string) pagerduty.User {
	t.Helper()
	for _, u := range s.users {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("no user %q", name)
	return pagerduty.User{}
}

func (s *snapshot) policyByName(t *testing.T, name string) pagerduty.EscalationPolicy {
	t.Helper()
	for _, p := range s.policies {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return pagerduty.EscalationPolicy{}
}

func (s *snapshot) segments(userID, policyID string, level uint) []pagerduty.OnCall {
	var out []pagerduty.OnCall
	for _, oc := range s.oncalls {
		if (userID == "" || oc.User.ID == userID) && (policyID == "" || oc.EscalationPolicy.ID == policyID) && (level == 0 || oc.EscalationLevel == level) {
			out = append(out, oc)
		}
	}
	return out
}

func TestPlantedTimeZones(t *testing.T) {
	s := fullSync(t)
	zones := map[string]int{}
	for _, u := range s.users {
		if _, err := time.LoadLocation(u.Timezone); err != nil {
			t.Errorf("user %s: zone %q: %v", u.Name, u.Timezone, err)
		}
		zones[u.Timezone]++
	}
	if len(zones) < 6 {
		t.Errorf("%d zones, want at least 6: %v", len(zones), zones)
	}
	for _, z := range []string{"Australia/Sydney", "Asia/Kolkata", "Europe/Berlin", "America/New_York"} {
		if zones[z] == 0 {
			t.Errorf("no responder in %s", z)
		}
	}
	if u := s.userByName(t, UnusualZoneUserName); u.Timezone != UnusualTimeZone {
		t.Errorf("%s lives in %q, want %s", u.Name, u.Timezone, UnusualTimeZone)
	}
}

func TestPlantedRotations(t *testing.T) {
	s := fullSync(t)
	// Follow the sun: all level-1 segments are 12 h from 07:00 or 19:00 UTC
	// (neither Berlin nor Sydney people are replaced by overrides there).
	fts := s.policyByName(t, FollowTheSunTeamName+" Escalation")
	segs := s.segments("", fts.ID, 1)
	if len(segs) < 100 { // 56 days x 2 shifts, plus the edges
		t.Errorf("follow the sun: %d level-1 segments", len(segs))
	}
	zonesSeen := map[string]bool{}
	for _, oc := range segs {
		st, en := ts(oc.Start), ts(oc.End)
		if en.Sub(st) != 12*time.Hour || (st.Hour() != 7 && st.Hour() != 19) || st.Minute() != 0 {
			t.Errorf("follow-the-sun segment %s-%s", oc.Start, oc.End)
		}
		u := s.users[oc.User.ID]
		zonesSeen[u.Timezone] = true
		if (st.Hour() == 7) != (u.Timezone == "Europe/Berlin") {
			t.Errorf("%s (%s) holds the %02d:00 UTC shift", u.Name, u.Timezone, st.Hour())
		}
	}
	if !zonesSeen["Europe/Berlin"] || !zonesSeen["Australia/Sydney"] {
		t.Errorf("follow the sun zones %v", zonesSeen)
	}
	// Weekly: Search & Discovery hands off Mondays 09:00 Asia/Kolkata
	// (03:30 UTC, no DST); weeks without an override last exactly 7 days.
	kol, _ := time.LoadLocation("Asia/Kolkata")
	search := s.policyByName(t, "Search & Discovery Escalation")
	weeks := 0
	for _, oc := range s.segments("", search.ID, 1) {
		st, en := ts(oc.Start), ts(oc.End)
		if en.Sub(st) == 7*24*time.Hour {
			weeks++
			if l := st.In(kol); l.Weekday() != time.Monday || l.Hour() != 9 {
				t.Errorf("weekly segment starts %v", l)
			}
		}
	}
	if weeks < 3 {
		t.Errorf("only %d whole weekly segments for Search & Discovery", weeks)
	}
	// Every policy has level 1 and level 2 on call throughout.
	for _, p := range s.policies {
		for _, lvl := range []uint{1, 2} {
			if len(s.segments("", p.ID, lvl)) == 0 {
				t.Errorf("policy %s has no level %d segments", p.Name, lvl)
			}
		}
	}
	// Night layer: NightOwlUserName holds 22:00-08:00 Denver every night.
	owl := s.userByName(t, NightOwlUserName)
	den, _ := time.LoadLocation(NightOwlTimeZone)
	nights := s.segments(owl.ID, s.policyByName(t, NightOwlTeamName+" Escalation").ID, 1)
	for _, oc := range nights {
		if st, en := ts(oc.Start).In(den), ts(oc.End).In(den); st.Hour() != 22 || en.Hour() != 8 {
			t.Errorf("night-owl segment %v-%v", st, en)
		}
	}
	// 56 days of history, plus the nights overlapping either edge.
	if len(nights) < 56 {
		t.Errorf("%d night segments, want at least 56", len(nights))
	}
}

func TestPlantedOverridesAndStretch(t *testing.T) {
	s := fullSync(t)
	ovs := s.org.Overrides()
	// Four weekly level-1 schedules with overrides (Platform, Payments,
	// Search, Identity; Legacy mirrors Platform's) over ~11 generated
	// weeks, a short override in OverrideShare = 15 % of them: ~6.6
	// expected, plus the stretch override.
	if len(ovs) < 3 {
		t.Fatalf("%d overrides", len(ovs))
	}
	inWindow := 0
	for _, ov := range ovs {
		if !ov.Start.Before(s.org.End()) || !ov.End.After(s.org.Start()) {
			continue
		}
		inWindow++
		// The override's user is on call over the whole override, on that
		// schedule; the override shows as a segment of its own (or joined
		// to the same user's adjacent segment).
		covered := false
		for _, oc := range s.oncalls {
			if oc.Schedule.ID == ov.ScheduleID && oc.User.ID == ov.UserID && !ts(oc.Start).After(ov.Start) && !ts(oc.End).Before(ov.End) {
				covered = true
			}
			if oc.Schedule.ID == ov.ScheduleID && oc.User.ID != ov.UserID && ts(oc.Start).Before(ov.End) && ts(oc.End).After(ov.Start) {
				t.Errorf("override %+v overlaps %s's segment %s-%s", ov, oc.User.ID, oc.Start, oc.End)
			}
		}
		if !covered {
			t.Errorf("override %+v not served as on-call time", ov)
		}
	}
	if inWindow < 2 { // 8 of the ~11 weeks are inside history: ~4.8 expected
		t.Errorf("%d overrides in the history window", inWindow)
	}
	// The stretch: one segment of 10 days (a week, Monday 09:00 New York to
	// Monday 09:00, plus a 3-day override), give or take a DST hour.
	u := s.userByName(t, StretchUserName)
	st, en := s.org.Stretch()
	if d := en.Sub(st); d < 10*24*time.Hour-time.Hour || d > 10*24*time.Hour+time.Hour {
		t.Fatalf("stretch %v-%v lasts %v", st, en, d)
	}
	found := false
	for _, oc := range s.segments(u.ID, "", 1) {
		if ts(oc.Start).Equal(st) && ts(oc.End).Equal(en) {
			found = true
		}
	}
	if !found {
		t.Errorf("no 10-day segment %v-%v for %s", st, en, u.Name)
	}
	// Org.Segments describes what /oncalls served.
	segs := s.org.Segments(s.org.Start(), s.org.End())
	if len(segs) != len(s.oncalls) {
		t.Fatalf("Segments: %d, served %d", len(segs), len(s.oncalls))
	}
	for i, sg := range segs {
		oc := s.oncalls[i]
		if sg.UserID != oc.User.ID || sg.EscalationPolicyID != oc.EscalationPolicy.ID || uint(sg.Level) != oc.EscalationLevel || iso(sg.Start) != oc.Start || iso(sg.End) != oc.End {
			t.Fatalf("segment %d: %+v, served %+v", i, sg, oc)
		}
	}
}

var (
	reUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	reHex  = regexp.MustCompile(`[0-9a-f]{8,}`)
	reIP   = regexp.MustCompile(`\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`)
	reNum  = regexp.MustCompile(`\d+`)
)

// normalize is metrics.md's title normalisation.
func normalize(title string) string {
	s := strings.ToLower(title)
	for _, re := range []*regexp.Regexp{reUUID, reHex, reIP, reNum} {
		s = re.ReplaceAllString(s, "#")
	}
	return strings.Join(strings.Fields(s), " ")
}

func TestPlantedNoise(t *testing.T) {
	s := fullSync(t)
	flapID, _ := s.org.ServiceID(FlappingServiceName)
	raw, sigs := map[string]bool{}, map[string]int{}
	transient := 0
	for _, in := range s.incidents {
		logs := s.logs[in.ID]
		acked := false
		for _, e := range logs {
			if e.Type == "acknowledge_log_entry" {
				acked = true
			}
		}
		for _, e := range logs {
			// Transient: resolved by a non-user agent within 300 s, never acknowledged.
			if e.Type == "resolve_log_entry" && e.Agent.Type != "user_reference" && !acked &&
				ts(e.CreatedAt).Sub(ts(in.CreatedAt)) <= 300*time.Second {
				transient++
				if e.Agent.Type != "integration_reference" || e.Channel.Type != "api" {
					t.Errorf("transient resolve by %s via %s", e.Agent.Type, e.Channel.Type)
				}
			}
		}
		if in.Service.ID == flapID && !strings.HasPrefix(in.Title, "Connection refused: ") { // storms hit any service
			raw[in.Title] = true
			sigs[normalize(in.Title)]++
		}
	}
	// Four templates: the titles collapse to four signatures, yet are
	// (almost) all different before normalising.
	// The flapping service's rate of 2 a day over 56 days, x0.8 for the
	// daily shape, gives ~90 incidents, all but a few titled apart.
	if len(sigs) != len(FlappingTitles) || len(raw) < 60 {
		t.Errorf("flapping: %d raw titles, signatures %v", len(raw), sigs)
	}
	// About 70 % of the flapping service's ~90 incidents (~60) and 12 % of
	// the rest (~1,700 incidents, most of them the overloaded team's: ~200)
	// are transient.
	if transient < 150 {
		t.Errorf("%d transient auto-resolved incidents", transient)
	}
}

func TestPlantedTitles(t *testing.T) {
	s := fullSync(t)
	seen := map[string]int{}
	for _, in := range s.incidents {
		seen[in.Title]++
		for _, a := range s.alerts[in.ID] {
			if a.Summary != in.Title {
				t.Fatalf("alert summary %q on incident %q", a.Summary, in.Title)
			}
		}
	}
	for _, n := range NastyTitles {
		if seen[n] == 0 || len(s.org.IncidentIDs(n)) != seen[n] {
			t.Errorf("nasty title %q served %d times, IncidentIDs has %d", n, seen[n], len(s.org.IncidentIDs(n)))
		}
	}
}

func TestPlantedOpenAndLate(t *testing.T) {
	s := fullSync(t)
	status := map[string]int{}
	byTitle := map[string]pagerduty.Incident{}
	neverAcked := 0
	for _, in := range s.incidents {
		status[in.Status]++
		byTitle[in.Title] = in
		acked := false
		for _, e := range s.logs[in.ID] {
			acked = acked || e.Type == "acknowledge_log_entry"
		}
		if !acked && in.Status == "resolved" {
			neverAcked++
		}
	}
	if status["triggered"] == 0 || status["acknowledged"] == 0 || neverAcked == 0 {
		t.Errorf("statuses %v, %d resolved without acknowledgement", status, neverAcked)
	}
	if in := byTitle[OpenTriggeredTitle]; in.Status != "triggered" || len(in.Acknowledgements) != 0 {
		t.Errorf("%q: %s", OpenTriggeredTitle, in.Status)
	}
	if in := byTitle[OpenAcknowledgedTitle]; in.Status != "acknowledged" || len(in.Acknowledgements) != 1 {
		t.Errorf("%q: %s", OpenAcknowledgedTitle, in.Status)
	}
	// Planted: resolved exactly 3 days after creation.
	if in := byTitle[LateResolvedTitle]; in.Status != "resolved" || ts(in.ResolvedAt).Sub(ts(in.CreatedAt)) != 72*time.Hour {
		t.Errorf("%q: %s %s -> %s", LateResolvedTitle, in.Status, in.CreatedAt, in.ResolvedAt)
	}
	// Open incidents created days before End.
	if d := s.org.End().Sub(ts(byTitle[OpenTriggeredTitle].CreatedAt)); d < 48*time.Hour {
		t.Errorf("open triggered incident only %v old", d)
	}
}

func TestPlantedLoad(t *testing.T) {
	s := fullSync(t)
	org := s.org
	teamOf := map[string]string{} // service -> team name
	locOf := map[string]*time.Location{}
	for _, sv := range org.Services() {
		for _, tm := range org.Teams() {
			if tm.ID == sv.TeamID {
				teamOf[sv.ID] = tm.Name
			}
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for id, name := range teamOf {
		if name == OverloadedTeamName {
			locOf[id] = berlin
		}
	}
	// Overloaded team: alerts per ISO week (Monday 00:00 UTC; history starts
	// on a Monday, 2026-09-21, and has 8 full weeks).
	weekly := map[int]int{}
	var business, night, weekday, weekend float64
	for _, in := range s.incidents {
		if teamOf[in.Service.ID] != OverloadedTeamName {
			continue
		}
		for _, a := range s.alerts[in.ID] {
			weekly[int(ts(a.CreatedAt).Sub(org.Start())/(7*24*time.Hour))]++
		}
		l := ts(in.CreatedAt).In(berlin)
		we := l.Weekday() == time.Saturday || l.Weekday() == time.Sunday
		if we {
			weekend++
		} else {
			weekday++
		}
		if !we && l.Hour() >= 8 && l.Hour() < 18 {
			business++
		} else if l.Hour() >= 22 || l.Hour() < 8 {
			night++
		}
	}
	// Rates of 16 + 13 incidents a day (x0.81 for the daily and weekly shape,
	// ~1.6 alerts each) give ~260 alerts a week before storms.
	for w, n := range weekly {
		if n < 200 {
			t.Errorf("overloaded team: %d alerts in week %d, want >= 200 every week", n, w)
		}
	}
	if len(weekly) != 8 {
		t.Errorf("alerts in %d weeks, want 8", len(weekly))
	}
	// Shape (rates 2.0 in business hours vs 0.12 at night): per hour, business
	// hours (50 weekday hours a week) must beat nights (70 h) by far; per day,
	// weekdays (mean factor 1.02) beat weekend days (0.30) by 1.8 at least.
	if business/50 < 3*night/70 {
		t.Errorf("business %v vs night %v incidents", business, night)
	}
	if weekday/5 < 1.8*weekend/2 {
		t.Errorf("weekday %v vs weekend %v incidents", weekday, weekend)
	}
	// Storms: each is at least 30 alerts on one service within 8 minutes.
	storms := org.Storms()
	// 0.12 a day on each of the two platform services (a third on
	// weekends) over 56 days: ~10 expected, plus 2 % a day elsewhere.
	if len(storms) < 5 {
		t.Fatalf("%d storms", len(storms))
	}
	for _, st := range storms {
		n := 0
		for _, in := range s.incidents {
			if in.Service.ID != st.ServiceID {
				continue
			}
			for _, a := range s.alerts[in.ID] {
				if at := ts(a.CreatedAt); !at.Before(st.Start) && !at.After(st.End) {
					n++
				}
			}
		}
		if st.Alerts < 30 || n < st.Alerts || st.End.Sub(st.Start) > 8*time.Minute {
			t.Errorf("storm %+v: %d alerts served in its window", st, n)
		}
	}
}

func TestPlantedNightOwl(t *testing.T) {
	s := fullSync(t)
	owl := s.userByName(t, NightOwlUserName)
	den, _ := time.LoadLocation(NightOwlTimeZone)
	woken := map[string]bool{} // local date of the night's start
	for _, l := range s.logs {
		for _, e := range l {
			if e.Type != "notify_log_entry" || e.User.ID != owl.ID {
				continue
			}
			n := e.Channel.Raw["notification"].(map[string]any)
			if n["type"] == "email_notification" {
				continue
			}
			lt := ts(e.CreatedAt).In(den)
			switch {
			case lt.Hour() >= 22:
				woken[lt.Format("2006-01-02")] = true
			case lt.Hour() < 8:
				woken[lt.AddDate(0, 0, -1).Format("2006-01-02")] = true
			}
		}
	}
	// 56 nights; the nightly job fails on about 85 % of them.
	if len(woken) < 40 {
		t.Errorf("%s woken on %d of 56 nights", owl.Name, len(woken))
	}
}

func TestPlantedEscalationAndRules(t *testing.T) {
	s := fullSync(t)
	rules := map[string][]Rule{}
	for _, u := range s.org.Users() {
		rules[u.ID] = u.Rules
	}
	escalations, level2Notified := 0, 0
	for _, in := range s.incidents {
		ep := s.policies[in.EscalationPolicy.ID]
		delay := time.Duration(ep.EscalationRules[0].Delay) * time.Minute
		created := ts(in.CreatedAt)
		var escAt time.Time
		escTo := ""
		var ackAt time.Time
		for _, e := range s.logs[in.ID] {
			switch e.Type {
			case "escalate_log_entry":
				escalations++
				escAt, escTo = ts(e.CreatedAt), e.Assignees[0].ID
				// Level 1 did not acknowledge within the policy's delay.
				if !escAt.Equal(created.Add(delay)) || (!ackAt.IsZero() && ackAt.Before(escAt)) {
					t.Errorf("incident %s escalated at %v (created %v, delay %v, ack %v)", in.ID, escAt, created, delay, ackAt)
				}
			case "acknowledge_log_entry":
				if ackAt.IsZero() {
					ackAt = ts(e.CreatedAt)
				}
			case "notify_log_entry":
				at := ts(e.CreatedAt)
				from := created
				if escTo == e.User.ID && !escAt.IsZero() && !at.Before(escAt) {
					from = escAt
					level2Notified++
				}
				// A notification fires at one of the user's rule delays after
				// the assignment (low urgency: e-mail at +0).
				off := int(at.Sub(from) / time.Second)
				ok := false
				for _, r := range rules[e.User.ID] {
					if r.DelaySeconds == off {
						ok = true
					}
				}
				if in.Urgency == "low" {
					ok = off == 0
				}
				if !ok {
					t.Errorf("incident %s: %s notified at +%d s, rules %v", in.ID, e.User.ID, off, rules[e.User.ID])
				}
				// Delayed rules stop once acknowledged.
				if off > 0 && !ackAt.IsZero() && !ackAt.After(at) {
					t.Errorf("incident %s: notified at %v after the acknowledgement at %v", in.ID, at, ackAt)
				}
			}
		}
	}
	// Level 1 misses the delay in 6 % of ordinary incidents (planted), plus
	// slow acknowledgements (lognormal, median 140 s) beyond 10-30 min and
	// the never-acknowledged ones: well over 100 of ~2,900 incidents.
	if escalations < 50 || level2Notified < 50 {
		t.Errorf("%d escalations, %d level-2 notifications", escalations, level2Notified)
	}
}

func TestConsistency(t *testing.T) {
	s := fullSync(t)
	for _, in := range s.incidents {
		created := ts(in.CreatedAt)
		logs := s.logs[in.ID]
		if len(logs) == 0 || logs[0].Type != "trigger_log_entry" || !ts(logs[0].CreatedAt).Equal(created) {
			t.Fatalf("incident %s: %d log entries, the first not its trigger at creation", in.ID, len(logs))
		}
		var escAt time.Time
		escTo := ""
		resolves := 0
		for _, e := range logs {
			at := ts(e.CreatedAt)
			if at.Before(created) {
				t.Errorf("incident %s: %s at %v before creation %v", in.ID, e.Type, at, created)
			}
			switch e.Type {
			case "escalate_log_entry":
				escAt, escTo = at, e.Assignees[0].ID
			case "resolve_log_entry":
				resolves++
				if in.ResolvedAt != e.CreatedAt {
					t.Errorf("incident %s: resolved_at %s, resolve entry %s", in.ID, in.ResolvedAt, e.CreatedAt)
				}
			case "notify_log_entry":
				level := uint(1)
				if e.User.ID == escTo && !at.Before(escAt) {
					level = 2
				}
				onCall := false
				for _, oc := range s.segments(e.User.ID, in.EscalationPolicy.ID, level) {
					if !ts(oc.Start).After(at) && ts(oc.End).After(at) {
						onCall = true
					}
				}
				if !onCall {
					t.Errorf("incident %s: %s notified at %v while not on call at level %d", in.ID, e.User.ID, at, level)
				}
			}
		}
		if (resolves == 1) != (in.Status == "resolved") || resolves > 1 {
			t.Errorf("incident %s: status %s with %d resolve entries", in.ID, in.Status, resolves)
		}
		alerts := s.alerts[in.ID]
		if len(alerts) == 0 || int(in.AlertCounts.All) != len(alerts) {
			t.Errorf("incident %s: %d alerts, alert_counts.all %d", in.ID, len(alerts), in.AlertCounts.All)
		}
		for _, a := range alerts {
			if a.Incident.ID != in.ID || ts(a.CreatedAt).Before(created) || a.Service.ID != in.Service.ID {
				t.Errorf("alert %s of incident %s: %+v", a.ID, in.ID, a)
			}
			if in.Status == "resolved" && ts(a.CreatedAt).After(ts(in.ResolvedAt)) {
				t.Errorf("alert %s after its incident's resolution", a.ID)
			}
		}
		team := ""
		if len(in.Teams) > 0 {
			team = in.Teams[0].ID
		}
		if sv := s.services[in.Service.ID]; (len(sv.Teams) > 0 && sv.Teams[0].ID != team) || (len(sv.Teams) == 0 && team != "") {
			t.Errorf("incident %s team %q, service teams %v", in.ID, team, sv.Teams)
		}
	}
}

// TestPlantedLevel2: who escalations reach. Every policy but the tied
// team's two and OverloadedTeamName's has the same manager at level 2 at
// any instant (one rotation of the four managers in the same phase), so in
// the 8 whole weeks of history each manager holds it 2 weeks (8 / 4);
// OverloadedTeamName's level 2 is the member who is its primary 3 weeks
// later (21 days after, handoffs at the same local hour); NoTeamServiceName's
// level 1 is OverloadedTeamName's primary, segment for segment.
func TestPlantedLevel2(t *testing.T) {
	org := sharedSmall(t)
	pols := map[string]EscalationPolicy{}
	for _, p := range org.EscalationPolicies() {
		pols[p.Name] = p
	}
	platform, legacy := pols[OverloadedTeamName+" Escalation"], pols["Legacy Escalation"]
	byPolicy := map[string]map[int][]Segment{}
	for _, s := range org.Segments(org.Start(), org.End()) {
		if byPolicy[s.EscalationPolicyID] == nil {
			byPolicy[s.EscalationPolicyID] = map[int][]Segment{}
		}
		byPolicy[s.EscalationPolicyID][s.Level] = append(byPolicy[s.EscalationPolicyID][s.Level], s)
	}
	// One instant a day at noon UTC: the level-2 user of each policy.
	weeks := map[string]map[string]bool{} // manager -> Monday of the weeks held (London)
	london, _ := time.LoadLocation("Europe/London")
	managers := map[string]bool{}
	for _, u := range org.Users() {
		switch u.Name {
		case "Katrin Vogel", "Samuel Adeyemi", "Meera Nair", "Ruth Abebe":
			managers[u.ID] = true
		}
	}
	at := func(segs []Segment, t time.Time) string {
		for _, s := range segs {
			if !t.Before(s.Start) && t.Before(s.End) {
				return s.UserID
			}
		}
		return ""
	}
	for d := 0; d < 56; d++ {
		noon := org.Start().AddDate(0, 0, d).Add(12 * time.Hour)
		var mgr string
		for name, p := range pols {
			if name == platform.Name || strings.HasPrefix(name, TiedTeamName) {
				continue
			}
			u := at(byPolicy[p.ID][2], noon)
			if !managers[u] {
				t.Fatalf("%s level 2 at %s: %q is not a manager", name, noon, u)
			}
			if mgr != "" && u != mgr {
				t.Fatalf("level 2 at %s: %s and %s on different policies", noon, mgr, u)
			}
			mgr = u
		}
		l := noon.In(london)
		monday := l.AddDate(0, 0, -((int(l.Weekday()) + 6) % 7)).Format("2006-01-02")
		if l.Weekday() == time.Monday && l.Hour() < 9 {
			monday = l.AddDate(0, 0, -7).Format("2006-01-02")
		}
		if weeks[mgr] == nil {
			weeks[mgr] = map[string]bool{}
		}
		weeks[mgr][monday] = true
		// The platform secondary is the primary of 21 days later (unless
		// an override holds that instant).
		later := noon.AddDate(0, 0, 21)
		overridden := false
		for _, ov := range org.Overrides() {
			overridden = overridden || (ov.ScheduleID == platform.ScheduleIDs[0] && !later.Before(ov.Start) && later.Before(ov.End))
		}
		if u, want := at(byPolicy[platform.ID][2], noon), at(byPolicy[platform.ID][1], later); u != want && !overridden && d < 30 {
			t.Errorf("day %d: platform secondary %s, primary 21 days later %s", d, u, want)
		}
		if a, b := at(byPolicy[legacy.ID][1], noon), at(byPolicy[platform.ID][1], noon); a != b {
			t.Errorf("legacy level 1 at %s: %s, platform primary %s", noon, a, b)
		}
	}
	if len(weeks) != 4 {
		t.Errorf("%d managers held level 2, want 4", len(weeks))
	}
	for m, ws := range weeks {
		// 56 days from Monday 21 Sep: 8 weeks of Monday noon UTC samples;
		// the first London week begins before history, so 2 or 3 partial
		// or whole weeks each.
		if len(ws) < 2 || len(ws) > 3 {
			t.Errorf("manager %s held level 2 in %d weeks, want 2 (8 weeks / 4 managers, 3 counting the edge)", m, len(ws))
		}
	}
}
