package analysis

import (
	"fmt"
	"testing"
	"time"
)

// plantOnCall plants the on-call rows of TestOnCall, week 2026-W45
// ([2026-11-02, 2026-11-09) UTC), escalation policies EP1 and EP2 of T1.
func plantOnCall(p *planter) {
	p.team("T1")
	p.policy("EP1", "T1")
	p.policy("EP2", "T1")
	for _, u := range []string{"U1", "U2", "U3", "U4", "U5"} {
		p.user(u, "UTC")
	}
	// U1, EP1 level 1: a segment, one touching it and one overlapping it
	// form one shift S1 = [11-02 00:00, 11-03 06:00) = 30 h.
	p.oncall("U1", "EP1", 1, "2026-11-02T00:00:00Z", "2026-11-02T12:00:00Z")
	p.oncall("U1", "EP1", 1, "2026-11-02T12:00:00Z", "2026-11-03T00:00:00Z")
	p.oncall("U1", "EP1", 1, "2026-11-02T18:00:00Z", "2026-11-03T06:00:00Z")
	// U1 level 2 for 24 h: on call (all levels), not level 1.
	p.oncall("U1", "EP1", 2, "2026-11-04T00:00:00Z", "2026-11-05T00:00:00Z")
	// U1 shift S2 = [11-06 00:00, 11-06 12:00).
	p.oncall("U1", "EP1", 1, "2026-11-06T00:00:00Z", "2026-11-06T12:00:00Z")
	// U2: shift S4 started in the previous week (2 h of it in this week),
	// shift S3 = [11-02 06:00, 11-02 18:00), not touching S4.
	p.oncall("U2", "EP1", 1, "2026-11-01T12:00:00Z", "2026-11-02T02:00:00Z")
	p.oncall("U2", "EP1", 1, "2026-11-02T06:00:00Z", "2026-11-02T18:00:00Z")
	// U3: on call only the week before: not a responder.
	p.oncall("U3", "EP1", 1, "2026-10-26T00:00:00Z", "2026-10-27T00:00:00Z")
	// U4: level 3 for 6 h: a responder with no level-1 time.
	p.oncall("U4", "EP1", 3, "2026-11-03T00:00:00Z", "2026-11-03T06:00:00Z")
	// U5: open-ended level 2 from 11-07 00:00; the last sync's watermark
	// (11-08 00:00) ends it: 24 h.
	p.oncall("U5", "EP1", 2, "2026-11-07T00:00:00Z", "")
	p.exec(`INSERT INTO sync_state (resource, watermark, updated_at) VALUES ('oncalls', $1, $1)`, ts("2026-11-08T00:00:00Z"))

	// J1 on EP1, J2 on EP2; both T1.
	p.incident("J1", "replication lag", "", "EP1", "T1", ts("2026-11-02T01:00:00Z"), "")
	p.incident("J2", "other policy", "", "EP2", "T1", ts("2026-11-06T01:00:00Z"), "")
	p.alert("A1", "J1", ts("2026-11-02T01:00:00Z")) // S1, S4 (previous week's)
	p.alert("A2", "J1", ts("2026-11-02T07:00:00Z")) // S1, S3
	p.alert("A3", "J1", ts("2026-11-03T05:59:59Z")) // S1 (its last second)
	p.alert("A4", "J1", ts("2026-11-03T06:00:00Z")) // S1 ends here: in no shift
	p.alert("A5", "J1", ts("2026-11-06T11:00:00Z")) // S2
	p.alert("A6", "J2", ts("2026-11-06T01:00:00Z")) // EP2: in no EP1 shift
	p.alert("A7", "J1", ts("2026-11-01T13:00:00Z")) // S4 (previous week)
}

func TestOnCall(t *testing.T) {
	p := newPlanter(t)
	plantOnCall(p)
	m := p.compute("2026-W45")

	cases := []struct {
		user       string
		onCall, l1 float64
	}{
		// U1: 30 h + 24 h (level 2) + 12 h = 66 h; level 1: 30 h + 12 h = 42 h.
		{"U1", 66 * 3600, 42 * 3600},
		// U2: 2 h of S4 inside the week + 12 h of S3.
		{"U2", 14 * 3600, 14 * 3600},
		{"U4", 6 * 3600, 0},
		{"U5", 24 * 3600, 0},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			r := responderByID(t, m, c.user)
			if r.OnCallSeconds != c.onCall || r.OnCallSecondsLevel1 != c.l1 {
				t.Errorf("on call = %v / level 1 %v, want %v / %v", r.OnCallSeconds, r.OnCallSecondsLevel1, c.onCall, c.l1)
			}
			// No pages: 0 incidents per 12 h of on-call time (not null: there is on-call time).
			if !eqPtr(r.IncidentsPer12hOnCall, f64(0)) {
				t.Errorf("incidents_per_12h_on_call = %s, want 0", fmtPtr(r.IncidentsPer12hOnCall))
			}
		})
	}
	if len(m.Responders) != 4 {
		t.Errorf("responders = %d, want 4 (U3 was on call only the week before)", len(m.Responders))
	}

	tm := teamByID(t, m, "T1")
	// Shifts starting in the week: S1 (A1 A2 A3 = 3), S3 (A2 = 1), S2 (A5 = 1).
	// mean 5/3, p50 1, max 3. S4 started the week before.
	if tm.AlertsPerShift.Shifts != 3 || !eqPtr(tm.AlertsPerShift.Mean, f64(5.0/3)) || !eqPtr(tm.AlertsPerShift.P50, f64(1)) ||
		tm.AlertsPerShift.Max == nil || *tm.AlertsPerShift.Max != 3 {
		t.Errorf("alerts_per_shift = %d %s %s %v", tm.AlertsPerShift.Shifts, fmtPtr(tm.AlertsPerShift.Mean), fmtPtr(tm.AlertsPerShift.P50), tm.AlertsPerShift.Max)
	}
	// Busiest: S1 (3), then the 1-alert shifts by start: S3 (11-02 06:00), S2 (11-06).
	want := []Shift{
		{"U1", "Name U1", "EP1", ts("2026-11-02T00:00:00Z"), ts("2026-11-03T06:00:00Z"), 3, Escalations{}},
		{"U2", "Name U2", "EP1", ts("2026-11-02T06:00:00Z"), ts("2026-11-02T18:00:00Z"), 1, Escalations{}},
		{"U1", "Name U1", "EP1", ts("2026-11-06T00:00:00Z"), ts("2026-11-06T12:00:00Z"), 1, Escalations{}},
	}
	if len(tm.BusiestShifts) != len(want) {
		t.Fatalf("busiest shifts = %+v", tm.BusiestShifts)
	}
	for i := range want {
		g := tm.BusiestShifts[i]
		if g.UserID != want[i].UserID || !g.Start.Equal(want[i].Start) || !g.End.Equal(want[i].End) || g.Alerts != want[i].Alerts ||
			g.UserName != want[i].UserName || g.EscalationPolicyID != want[i].EscalationPolicyID {
			t.Errorf("busiest[%d] = %+v, want %+v", i, g, want[i])
		}
	}
	// Team alerts in the week: A1..A6 = 6 (A7 is the week before). Level-1
	// union on T1's policies: [11-01 12:00, 11-03 06:00) clipped to
	// [11-02 00:00, 11-03 06:00) = 30 h, plus [11-06 00:00, 12:00) = 12 h:
	// 42 h = 3.5 twelve-hour units; 6 / 3.5.
	if tm.Alerts != 6 || !eqPtr(tm.AlertsPer12hOnCall, f64(6/3.5)) {
		t.Errorf("alerts = %d, alerts_per_12h_on_call = %s, want 6, %v", tm.Alerts, fmtPtr(tm.AlertsPer12hOnCall), 6/3.5)
	}
	if len(tm.Flags) != 0 {
		t.Errorf("flags = %v, want none at 6 < 200 alerts", tm.Flags)
	}

	// alert_load: 6 alerts reach a threshold of 6, not one of 7.
	for _, c := range []struct {
		threshold int
		flagged   bool
	}{{6, true}, {7, false}} {
		cfg := DefaultConfig()
		cfg.AlertLoad = c.threshold
		tm := teamByID(t, p.computeCfg("2026-W45", cfg), "T1")
		if got := len(tm.Flags) == 1 && tm.Flags[0] == "alert_load"; got != c.flagged {
			t.Errorf("alert_load %d: flags = %v", c.threshold, tm.Flags)
		}
	}
	// A month flags when one whole ISO week overlapping it reaches the
	// threshold: November 2026 overlaps W45 (6 alerts).
	cfg := DefaultConfig()
	cfg.AlertLoad = 6
	if tm := teamByID(t, p.computeCfg("2026-11", cfg), "T1"); len(tm.Flags) != 1 {
		t.Errorf("month flags = %v, want alert_load", tm.Flags)
	}
}

// TestShiftTeamUnassigned: on an account with teams (T1), a shift on a
// policy without team belongs to "unassigned".
func TestShiftTeamUnassigned(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EPX", "")
	p.user("U1", "UTC")
	p.oncall("U1", "EPX", 1, "2026-11-02T00:00:00Z", "2026-11-02T12:00:00Z")
	m := p.compute("2026-W45")
	tm := teamByID(t, m, unassignedTeam)
	// One shift of 12 h, no alerts: mean 0, p50 0, max 0; 0 alerts per 12 h.
	if tm.AlertsPerShift.Shifts != 1 || !eqPtr(tm.AlertsPerShift.Mean, f64(0)) || !eqPtr(tm.AlertsPer12hOnCall, f64(0)) {
		t.Errorf("unassigned team = %+v", tm)
	}
}

// TestBusiestShiftsTopFive: seven 1-hour level-1 shifts on Monday
// 2026-11-02, shift k (k = 0..6, starting at k:00, a gap of an hour after
// each so none touch) gets k alerts; the five busiest are k = 6, 5, 4, 3, 2.
func TestBusiestShiftsTopFive(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.user("U1", "UTC")
	p.incident("J1", "x", "", "EP1", "T1", ts("2026-11-02T00:00:00Z"), "")
	base := ts("2026-11-02T00:00:00Z")
	n := 0
	for k := 0; k < 7; k++ {
		start := base.Add(time.Duration(2*k) * time.Hour)
		p.oncall("U1", "EP1", 1, start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
		for a := 0; a < k; a++ {
			n++
			p.alert(fmt.Sprintf("A%02d", n), "J1", start.Add(time.Duration(a)*time.Minute))
		}
	}
	tm := teamByID(t, p.compute("2026-W45"), "T1")
	var got []int
	for _, s := range tm.BusiestShifts {
		got = append(got, s.Alerts)
	}
	if fmt.Sprint(got) != "[6 5 4 3 2]" {
		t.Errorf("busiest shift alerts = %v, want [6 5 4 3 2]", got)
	}
	// 7 shifts, 0+1+...+6 = 21 alerts: mean 3, p50 3 (the middle of 0..6), max 6.
	if tm.AlertsPerShift.Shifts != 7 || !eqPtr(tm.AlertsPerShift.Mean, f64(3)) || !eqPtr(tm.AlertsPerShift.P50, f64(3)) || *tm.AlertsPerShift.Max != 6 {
		t.Errorf("alerts_per_shift = %+v", tm.AlertsPerShift)
	}
}

// TestTiedSegments: responder TS is on call through two escalation policies
// fed by the same 12-hour schedule: level 1 of EP1 and level 2 of EP2, both
// 00:00-12:00 UTC every day for the 8 weeks 2026-09-14 .. 2026-11-09 (a
// Monday to a Monday). Every pair of segments ties on start and end; the
// unions used to join some day's stretch with the next day's.
func TestTiedSegments(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.team("T2")
	p.policy("EP1", "T1")
	p.policy("EP2", "T2")
	p.user("TS", "UTC")
	first := ts("2026-09-14T00:00:00Z")
	for d := range 56 {
		start := first.AddDate(0, 0, d)
		s, e := start.Format(time.RFC3339), start.Add(12*time.Hour).Format(time.RFC3339)
		p.oncall("TS", "EP1", 1, s, e)
		p.oncall("TS", "EP2", 2, s, e)
	}
	m := p.compute("2026-W45") // [2026-11-02, 2026-11-09)
	r := responderByID(t, m, "TS")
	// The week holds 7 days of 12 h, counted once though two segments
	// cover each: 7 * 12 h = 302,400 s, all of it on level 1 (EP1).
	if r.OnCallSeconds != 7*12*3600 || r.OnCallSecondsLevel1 != 7*12*3600 {
		t.Errorf("on call = %v / level 1 %v, want 302400 / 302400", r.OnCallSeconds, r.OnCallSecondsLevel1)
	}
	// 28-day window [10-12, 11-09): 28 stretches of 12 h = 336 h of 672 h:
	// on_call_share_28d = 0.5 exactly, > 0.25 (elevated) and not > 0.50
	// (high). The longest stretch is 12 h = 0.5 days, far under 7.
	checkRisk(t, r, "elevated", []Reason{{"on_call_share_28d", 0.5, 0.25, "elevated"}})

	// Level-1 shifts of T1 starting in the week: one per day, 7, each 12 h.
	if tm := teamByID(t, m, "T1"); tm.AlertsPerShift.Shifts != 7 {
		t.Errorf("T1 shifts = %d, want 7", tm.AlertsPerShift.Shifts)
	}
	// The union tables themselves: 56 stretches of exactly 12 h each.
	for _, table := range []string{"a_user_oncall", "a_user_oncall_l1"} {
		var n, bad int
		if err := p.db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE end_at - start_at <> INTERVAL 12 HOUR) FROM `+table+` WHERE user_id = 'TS'`).Scan(&n, &bad); err != nil {
			t.Fatal(err)
		}
		if n != 56 || bad != 0 {
			t.Errorf("%s: %d stretches (%d not 12 h), want 56 of 12 h", table, n, bad)
		}
	}
	// The month: November 2026 holds [11-01, 11-09) of the segments: 8
	// days of 12 h = 345,600 s.
	mo := responderByID(t, p.compute("2026-11"), "TS")
	if mo.OnCallSeconds != 8*12*3600 {
		t.Errorf("November on call = %v, want 345600", mo.OnCallSeconds)
	}
}
