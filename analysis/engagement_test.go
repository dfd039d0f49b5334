package analysis

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// escalate plants an escalate log entry with channel type channel
// ("timeout" for an escalation by timeout, "website" for a manual one).
func (p *planter) escalate(incident string, at time.Time, channel string) {
	p.n++
	p.exec(`INSERT INTO log_entries (id, type, created_at, incident_id, agent_type, channel_type)
		VALUES ($1, 'escalate', $2, $3, 'service_reference', $4)`, fmt.Sprintf("LE%06d", p.n), at, incident, channel)
}

// snooze plants a snooze log entry by user.
func (p *planter) snooze(incident, user string, at time.Time) {
	p.n++
	p.exec(`INSERT INTO log_entries (id, type, created_at, incident_id, agent_id, agent_type, channel_type)
		VALUES ($1, 'snooze', $2, $3, $4, 'user_reference', 'website')`, fmt.Sprintf("LE%06d", p.n), at, incident, user)
}

// plantEngagement plants the cases of docs/metrics.md "Engagement and
// escalation"; every figure the tests assert is derived beside its rows.
// Team T1 (policy EP1, service S1) and T2 (EP2, S2); the last sync is
// 2026-11-08 00:00Z. Report zone UTC, default hours (business 08-18
// Monday to Friday, sleep 22-08).
func plantEngagement(t *testing.T) *planter {
	p := newPlanter(t)
	p.team("T1")
	p.team("T2")
	p.policy("EP1", "T1")
	p.policy("EP2", "T2")
	p.service("S1", "T1", "EP1")
	p.service("S2", "T2", "EP2")
	p.user("U1", "America/New_York")
	for _, u := range []string{"U2", "U3", "U4", "U5"} {
		p.user(u, "UTC")
	}
	p.synced(ts("2026-11-08T00:00:00Z"))
	inc := func(id, svc, created, resolved string) {
		team, ep := "T1", "EP1"
		if svc == "S2" {
			team, ep = "T2", "EP2"
		}
		p.incident(id, "Incident "+id, svc, ep, team, ts(created), resolved)
		if resolved != "" {
			p.resolve(id, ts(resolved), "user_reference")
		}
	}

	// Week 2026-W44 (10-26 to 11-02 UTC). New York leaves DST on Sunday
	// 2026-11-01 at 02:00 EDT (06:00Z), back to 01:00 EST.
	// D1: U1 paged 01:45 EDT (05:45Z), acknowledges at 01:50 EDT (05:50Z),
	// resolved at 04:10 EST (09:10Z): 3 h 20 min = 12,000 s engaged (the
	// clock shows 2 h 20 min; the hour 01:00-02:00 is lived twice), all in
	// sleep hours. Responder MTTA 300 s.
	inc("D1", "S1", "2026-11-01T05:45:00Z", "2026-11-01T09:10:00Z")
	p.notify("U1", "D1", ts("2026-11-01T05:45:00Z"), "phone")
	p.ackBy("D1", "U1", ts("2026-11-01T05:50:00Z"))
	// D2: paged 01:52 EDT (05:52Z), acknowledged 01:55 EDT (05:55Z),
	// resolved 08:30 EST (13:30Z); it runs in parallel with D1, so U1's
	// union is 05:50Z-13:30Z = 27,600 s: sleep to 08:00 EST (13:00Z),
	// 25,800 s, then off (Sunday) 1,800 s. (Taken at the EDT offset of
	// its start, 08:00 would be 12:00Z: sleep 22,200, off 5,400.)
	// Responder MTTA 180 s.
	inc("D2", "S1", "2026-11-01T05:52:00Z", "2026-11-01T13:30:00Z")
	p.notify("U1", "D2", ts("2026-11-01T05:52:00Z"), "phone")
	p.ackBy("D2", "U1", ts("2026-11-01T05:55:00Z"))

	// Week 2026-W45 (11-02 to 11-09 UTC).
	// Parallel incidents, U2 (UTC), Tuesday 11-03: P1 (T1) acknowledged
	// 10:00Z, resolved 12:00Z; P2 (T2) acknowledged 11:00Z, resolved
	// 13:00Z. Union 10:00-13:00Z = 10,800 s business (P1 + P2 would be
	// 14,400). Team T1: 7,200; team T2: 7,200.
	inc("P1", "S1", "2026-11-03T09:58:00Z", "2026-11-03T12:00:00Z")
	p.notify("U2", "P1", ts("2026-11-03T09:58:00Z"), "phone")
	p.ackBy("P1", "U2", ts("2026-11-03T10:00:00Z")) // MTTA 120 s
	inc("P2", "S2", "2026-11-03T10:59:00Z", "2026-11-03T13:00:00Z")
	p.notify("U2", "P2", ts("2026-11-03T10:59:00Z"), "phone")
	p.ackBy("P2", "U2", ts("2026-11-03T11:00:00Z")) // MTTA 60 s
	// P3 (T1): acknowledged Wednesday 11-04 00:00Z and still open at the
	// last sync (11-08): cut at 24 h, the whole of Wednesday: sleep 00-08
	// and 22-24 (36,000 s), business 08-18 (36,000 s), off 18-22
	// (14,400 s).
	inc("P3", "S1", "2026-11-03T23:59:00Z", "")
	p.notify("U2", "P3", ts("2026-11-03T23:59:00Z"), "phone")
	p.ackBy("P3", "U2", ts("2026-11-04T00:00:00Z")) // MTTA 60 s
	// U2: 97,200 s = business 46,800 + off 14,400 + sleep 36,000; after
	// hours 50,400 s = 14 h. MTTA over 120, 60, 60: mean 80, p50 60, p90
	// 60 + 0.8 * (120 - 60) = 108 (linear, position 0.9 * 2 = 1.8).

	// M1 (T1), Thursday 11-05, acknowledged by two people, with a timeout
	// escalation then a manual one, and a snooze. Created 09:00Z; U3 paged
	// 09:00Z, acknowledges 09:04Z (and again 09:30Z: the first counts);
	// escalated by timeout 09:10Z, U4 paged 09:10Z, acknowledges 09:25Z;
	// snoozed by U3 09:06Z; escalated manually 09:40Z; resolved 10:00Z.
	// Responder MTTA: U3 240 s, U4 900 s. Time to mobilize: 09:00 to the
	// first acknowledgement of the last of them (U4, 09:25) = 1,500 s.
	// Engaged (business): U3 09:04-10:00 = 3,360 s, U4 09:25-10:00 =
	// 2,100 s.
	inc("M1", "S1", "2026-11-05T09:00:00Z", "2026-11-05T10:00:00Z")
	p.notify("U3", "M1", ts("2026-11-05T09:00:00Z"), "phone")
	p.ackBy("M1", "U3", ts("2026-11-05T09:04:00Z"))
	p.snooze("M1", "U3", ts("2026-11-05T09:06:00Z"))
	p.escalate("M1", ts("2026-11-05T09:10:00Z"), "timeout")
	p.notify("U4", "M1", ts("2026-11-05T09:10:00Z"), "phone")
	p.ackBy("M1", "U4", ts("2026-11-05T09:25:00Z"))
	p.ackBy("M1", "U3", ts("2026-11-05T09:30:00Z"))
	p.escalate("M1", ts("2026-11-05T09:40:00Z"), "website")
	// U3 is on call at level 1 on EP1 all Thursday: the shift holds both
	// escalations.
	p.oncall("U3", "EP1", 1, "2026-11-05T00:00:00Z", "2026-11-06T00:00:00Z")

	// H1 (T1), Friday 11-06, U5 (UTC) acknowledges 17:30Z, resolved
	// 22:30Z: business 17:30-18:00 (1,800 s), off 18-22 (14,400 s), sleep
	// 22:00-22:30 (1,800 s). After hours 16,200 s = 4.5 h.
	inc("H1", "S1", "2026-11-06T17:29:00Z", "2026-11-06T22:30:00Z")
	p.notify("U5", "H1", ts("2026-11-06T17:29:00Z"), "phone")
	p.ackBy("H1", "U5", ts("2026-11-06T17:30:00Z"))
	return p
}

func TestEngagedTime(t *testing.T) {
	p := plantEngagement(t)
	w44 := p.compute("2026-W44")
	w45 := p.compute("2026-W45")
	cases := []struct {
		name string
		got  EngagedSeconds
		want EngagedSeconds
	}{
		// D1 alone 12,000 s (sleep); with D2, 05:50Z-13:30Z.
		{"U1 across the DST change", responderByID(t, w44, "U1").EngagedSeconds, EngagedSeconds{27600, 0, 1800, 25800}},
		{"U2 parallel and cut at 24 h", responderByID(t, w45, "U2").EngagedSeconds, EngagedSeconds{97200, 46800, 14400, 36000}},
		{"U3 first acknowledgement", responderByID(t, w45, "U3").EngagedSeconds, EngagedSeconds{3360, 3360, 0, 0}},
		{"U4 second responder", responderByID(t, w45, "U4").EngagedSeconds, EngagedSeconds{2100, 2100, 0, 0}},
		{"U5 across hour classes", responderByID(t, w45, "U5").EngagedSeconds, EngagedSeconds{18000, 1800, 14400, 1800}},
		// Org: the sum of the responders' unions: 97,200 + 3,360 + 2,100
		// + 18,000 = 120,660; business 46,800 + 3,360 + 2,100 + 1,800 =
		// 54,060; off 14,400 + 14,400 = 28,800; sleep 36,000 + 1,800 =
		// 37,800.
		{"org W45", w45.Org.EngagedSeconds, EngagedSeconds{120660, 54060, 28800, 37800}},
		// T1: U2's union on T1's incidents only (P1 7,200 business + P3
		// 86,400) = 93,600, plus U3, U4, U5: 117,060; business 7,200 +
		// 36,000 + 3,360 + 2,100 + 1,800 = 50,460.
		{"team T1 W45", teamByID(t, w45, "T1").EngagedSeconds, EngagedSeconds{117060, 50460, 28800, 37800}},
		// T2: P2 alone, 11:00-13:00 business. T1 + T2 = 124,260, 3,600
		// more than the org: U2's hour 11-12 worked both teams' incidents.
		{"team T2 W45", teamByID(t, w45, "T2").EngagedSeconds, EngagedSeconds{7200, 7200, 0, 0}},
		{"org W44", w44.Org.EngagedSeconds, EngagedSeconds{27600, 0, 1800, 25800}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, w := c.got, c.want
			if math.Abs(g.Total-w.Total) > 1e-6 || math.Abs(g.Business-w.Business) > 1e-6 ||
				math.Abs(g.Off-w.Off) > 1e-6 || math.Abs(g.Sleep-w.Sleep) > 1e-6 {
				t.Errorf("engaged_seconds = %+v, want %+v", g, w)
			}
		})
	}
	// November (UTC) holds D1 and D2 (11-01) and all of W45's:
	// 27,600 + 120,660 = 148,260.
	if got := p.compute("2026-11").Org.EngagedSeconds.Total; math.Abs(got-148260) > 1e-6 {
		t.Errorf("November engaged total = %v, want 148260", got)
	}
}

func TestEscalationsAndSnoozes(t *testing.T) {
	p := plantEngagement(t)
	m := p.compute("2026-W45")
	// M1: one escalation by timeout (09:10Z), one manual (09:40Z), one
	// snooze, all on T1's incident.
	want := Escalations{Timeout: 1, Manual: 1}
	if m.Org.Escalations != want || m.Org.Snoozes != 1 {
		t.Errorf("org escalations %+v snoozes %d, want %+v and 1", m.Org.Escalations, m.Org.Snoozes, want)
	}
	t1, t2 := teamByID(t, m, "T1"), teamByID(t, m, "T2")
	if t1.Escalations != want || t1.Snoozes != 1 || t2.Escalations != (Escalations{}) || t2.Snoozes != 0 {
		t.Errorf("T1 %+v/%d, T2 %+v/%d", t1.Escalations, t1.Snoozes, t2.Escalations, t2.Snoozes)
	}
	// The shift U3 holds on EP1 on Thursday holds both.
	if len(t1.BusiestShifts) != 1 || t1.BusiestShifts[0].Escalations != want {
		t.Errorf("T1 busiest shifts %+v, want one with %+v", t1.BusiestShifts, want)
	}
	// The noisy audit: M1's signature has both; the others none.
	for _, a := range m.NoisyAlerts {
		w := Escalations{}
		if a.Signature == "S1|incident m#" {
			w = want
		}
		if a.Escalations != w {
			t.Errorf("noisy %s escalations %+v, want %+v", a.Signature, a.Escalations, w)
		}
	}
	// W44 has none.
	if w44 := p.compute("2026-W44"); w44.Org.Escalations != (Escalations{}) || w44.Org.Snoozes != 0 {
		t.Errorf("W44 escalations %+v snoozes %d, want none", w44.Org.Escalations, w44.Org.Snoozes)
	}
}

func TestResponderMTTAAndMobilize(t *testing.T) {
	p := plantEngagement(t)
	m := p.compute("2026-W45")
	cases := []struct {
		id   string
		want Durations
	}{
		{"U2", Durations{Count: 3, Mean: f64(80), P50: f64(60), P90: f64(108)}},
		{"U3", Durations{Count: 1, Mean: f64(240), P50: f64(240), P90: f64(240)}},
		{"U4", Durations{Count: 1, Mean: f64(900), P50: f64(900), P90: f64(900)}},
		{"U5", Durations{Count: 1, Mean: f64(60), P50: f64(60), P90: f64(60)}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			g := responderByID(t, m, c.id).MTTA
			if g.Count != c.want.Count || !eqPtr(g.Mean, c.want.Mean) || !eqPtr(g.P50, c.want.P50) || !eqPtr(g.P90, c.want.P90) {
				t.Errorf("mtta = %d %s %s %s, want %+v", g.Count, fmtPtr(g.Mean), fmtPtr(g.P50), fmtPtr(g.P90), c.want)
			}
		})
	}
	// U1 in W44: D1 300 s, D2 180 s: mean 240.
	if g := responderByID(t, p.compute("2026-W44"), "U1").MTTA; g.Count != 2 || !eqPtr(g.Mean, f64(240)) {
		t.Errorf("U1 W44 mtta %+v, want 2, mean 240 s", g)
	}
	// Time to mobilize: M1 only (the others have one acknowledging user):
	// 1,500 s, in the org and T1; T2 none.
	one := Durations{Count: 1, Mean: f64(1500), P50: f64(1500), P90: f64(1500)}
	for name, g := range map[string]Durations{"org": m.Org.TimeToMobilize, "T1": teamByID(t, m, "T1").TimeToMobilize} {
		if g.Count != 1 || !eqPtr(g.Mean, one.Mean) || !eqPtr(g.P50, one.P50) || !eqPtr(g.P90, one.P90) {
			t.Errorf("%s time_to_mobilize %d %s, want 1 of 1500", name, g.Count, fmtPtr(g.Mean))
		}
	}
	if g := teamByID(t, m, "T2").TimeToMobilize; g.Count != 0 || g.Mean != nil {
		t.Errorf("T2 time_to_mobilize %+v, want none", g)
	}
}

func TestAfterHoursEngagedRule(t *testing.T) {
	p := plantEngagement(t)
	reason := func(m *Metrics, id string) *Reason {
		for _, rs := range responderByID(t, m, id).Reasons {
			if rs.Rule == "after_hours_engaged_hours" {
				return &rs
			}
		}
		return nil
	}
	w45, w44 := p.compute("2026-W45"), p.compute("2026-W44")
	cases := []struct {
		name      string
		m         *Metrics
		id        string
		value     float64 // hours
		threshold float64
		level     string // "" = the rule does not fire
	}{
		// U2: off 14,400 + sleep 36,000 = 14 h >= 8: high.
		{"U2 high", w45, "U2", 14, 8, RiskHigh},
		// U5: 16,200 s = 4.5 h >= 4: elevated.
		{"U5 elevated", w45, "U5", 4.5, 4, RiskElevated},
		// U1 in W44: 25,800 + 1,800 = 27,600 s = 7.667 h: elevated.
		{"U1 elevated across DST", w44, "U1", 27600.0 / 3600, 4, RiskElevated},
		// U3: business only.
		{"U3 none", w45, "U3", 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := reason(c.m, c.id)
			if c.level == "" {
				if rs != nil {
					t.Errorf("fired: %+v", rs)
				}
				return
			}
			if rs == nil || math.Abs(rs.Value-c.value) > 1e-9 || rs.Threshold != c.threshold || rs.Level != c.level {
				t.Errorf("reason %+v, want value %v threshold %v level %s", rs, c.value, c.threshold, c.level)
			}
			if r := responderByID(t, c.m, c.id); RiskRank(r.Risk) < RiskRank(c.level) {
				t.Errorf("risk %s below %s", r.Risk, c.level)
			}
		})
	}
	// Configurable: elevated at 5 h leaves U5 (4.5 h) without it.
	cfg := DefaultConfig()
	cfg.Burnout.AfterHoursEngagedHours = Threshold{Elevated: 5, High: 20}
	if rs := reason(p.computeCfg("2026-W45", cfg), "U5"); rs != nil {
		t.Errorf("U5 with elevated 5 h: fired %+v", rs)
	}
	if rs := reason(p.computeCfg("2026-W45", cfg), "U2"); rs == nil || rs.Level != RiskElevated || rs.Threshold != 5 {
		t.Errorf("U2 with 5/20 h: %+v, want elevated at 5", rs)
	}
}

// TestEngagedClippedToPeriod: a period holds the part of the union inside
// it. U6 (UTC) acknowledges at Sunday 2026-11-08 23:00Z, resolved Monday
// 01:00Z: W45 holds 23:00-24:00 (3,600 s, sleep), W46 00:00-01:00
// (3,600 s, sleep).
func TestEngagedClippedToPeriod(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.service("S1", "T1", "EP1")
	p.user("U6", "UTC")
	p.incident("C1", "Crossing", "S1", "EP1", "T1", ts("2026-11-08T22:59:00Z"), "2026-11-09T01:00:00Z")
	p.resolve("C1", ts("2026-11-09T01:00:00Z"), "user_reference")
	p.notify("U6", "C1", ts("2026-11-08T22:59:00Z"), "phone")
	p.notify("U6", "C1", ts("2026-11-09T00:30:00Z"), "phone") // listed in W46 too
	p.ackBy("C1", "U6", ts("2026-11-08T23:00:00Z"))
	want := EngagedSeconds{3600, 0, 0, 3600}
	for _, w := range []string{"2026-W45", "2026-W46"} {
		m := p.compute(w)
		if g := responderByID(t, m, "U6").EngagedSeconds; g != want || m.Org.EngagedSeconds != want {
			t.Errorf("%s: U6 %+v org %+v, want %+v", w, g, m.Org.EngagedSeconds, want)
		}
	}
}
