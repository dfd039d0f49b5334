package analysis

import (
	"fmt"
	"testing"
	"time"
)

// pages plants n phone pages for user, 2 minutes apart from start (so each
// is its own interruption), each on its own incident id prefix-i.
func (p *planter) pages(user, prefix string, start time.Time, n int) {
	for i := 0; i < n; i++ {
		p.notify(user, fmt.Sprintf("%s%d", prefix, i), start.Add(time.Duration(i)*2*time.Minute), "phone")
	}
}

// TestBurnoutWeek: week 2026-W45 = [2026-11-02, 2026-11-09) UTC.
func TestBurnoutWeek(t *testing.T) {
	p := newPlanter(t)
	for _, u := range []string{"B1", "B2", "B3", "B4", "B5", "B6", "B7"} {
		p.user(u, "UTC")
	}
	p.policy("EP1", "")
	// B1: 5 sleep pages (Tue 02:00 UTC): sleep_interruptions high (>= 5).
	p.pages("B1", "B1-", ts("2026-11-03T02:00:00Z"), 5)
	// B2: 2 sleep pages (Tue 03:00) + 8 off pages (Tue 19:00): sleep
	// elevated (>= 2), after-hours 10: elevated (>= 10).
	p.pages("B2", "B2s-", ts("2026-11-03T03:00:00Z"), 2)
	p.pages("B2", "B2o-", ts("2026-11-03T19:00:00Z"), 8)
	// B3: on call 2026-10-20 .. 11-06 (17 days, one stretch): stretch 17 d
	// >= 14: high; 28-day window [10-12, 11-09) holds 17 d: 17/28 > 0.5:
	// high. 96 h on call in the week, no incidents: 0 per 12 h: none.
	p.oncall("B3", "EP1", 1, "2026-10-20T00:00:00Z", "2026-11-06T00:00:00Z")
	// B4: two touching segments 11-02 00:00 .. 11-09 12:00 = 7.5 d, one
	// stretch: > 7: elevated. 28-day share: 7 d / 28 = 0.25, not > 0.25.
	p.oncall("B4", "EP1", 1, "2026-11-02T00:00:00Z", "2026-11-05T12:00:00Z")
	p.oncall("B4", "EP1", 2, "2026-11-05T12:00:00Z", "2026-11-09T12:00:00Z")
	// B5: exactly 12 h on call and 3 pages on 3 incidents (business
	// hours): 3 per 12 h > 2: elevated.
	p.oncall("B5", "EP1", 1, "2026-11-03T00:00:00Z", "2026-11-03T12:00:00Z")
	p.pages("B5", "B5-", ts("2026-11-03T09:00:00Z"), 3)
	// B6: 11 h 59 min on call, 10 pages: the per-12 h rule needs 12 h: none.
	p.oncall("B6", "EP1", 1, "2026-11-03T00:00:00Z", "2026-11-03T11:59:00Z")
	p.pages("B6", "B6-", ts("2026-11-03T09:00:00Z"), 10)
	// B7: 25 business pages (Wed 09:00 .. 09:48): interruptions elevated.
	p.pages("B7", "B7-", ts("2026-11-04T09:00:00Z"), 25)

	m := p.compute("2026-W45")
	cases := []struct {
		user    string
		risk    string
		reasons []Reason
	}{
		{"B1", "high", []Reason{{"sleep_interruptions", 5, 5, "high"}}},
		{"B2", "elevated", []Reason{{"sleep_interruptions", 2, 2, "elevated"}, {"after_hours_interruptions", 10, 10, "elevated"}}},
		{"B3", "high", []Reason{{"on_call_share_28d", 17.0 / 28, 0.5, "high"}, {"longest_on_call_stretch_days", 17, 14, "high"}}},
		{"B4", "elevated", []Reason{{"longest_on_call_stretch_days", 7.5, 7, "elevated"}}},
		{"B5", "elevated", []Reason{{"incidents_per_12h_on_call", 3, 2, "elevated"}}},
		{"B6", "none", nil},
		{"B7", "elevated", []Reason{{"interruptions", 25, 25, "elevated"}}},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			r := responderByID(t, m, c.user)
			checkRisk(t, r, c.risk, c.reasons)
		})
	}
	// B5's responder ratio: 3 incidents / (12 h / 12 h) = 3.
	if r := responderByID(t, m, "B5"); !eqPtr(r.IncidentsPer12hOnCall, f64(3)) {
		t.Errorf("B5 incidents_per_12h_on_call = %s, want 3", fmtPtr(r.IncidentsPer12hOnCall))
	}
}

func checkRisk(t *testing.T, r Responder, risk string, reasons []Reason) {
	t.Helper()
	if r.Risk != risk {
		t.Errorf("risk = %s, want %s (reasons %+v)", r.Risk, risk, r.Reasons)
	}
	if r.Reasons == nil {
		t.Errorf("reasons is nil, want a list")
	}
	if len(r.Reasons) != len(reasons) {
		t.Fatalf("reasons = %+v, want %+v", r.Reasons, reasons)
	}
	for i, w := range reasons {
		g := r.Reasons[i]
		if g.Rule != w.Rule || g.Level != w.Level || g.Threshold != w.Threshold || g.Value-w.Value > 1e-9 || w.Value-g.Value > 1e-9 {
			t.Errorf("reason %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestBurnoutMonth: November 2026 (UTC) overlaps the whole ISO weeks W44
// (Oct 26 - Nov 2) through W49 (Nov 30 - Dec 7); each responder takes its
// worst week, ties to the earliest.
func TestBurnoutMonth(t *testing.T) {
	p := newPlanter(t)
	p.user("M1", "UTC")
	p.user("M2", "UTC")
	// M1: 2 sleep pages in W44 (Tue Oct 27, before the month but in a week
	// overlapping it): elevated; 5 in W46 (Tue Nov 10): high. Worst: W46.
	p.pages("M1", "a", ts("2026-10-27T02:00:00Z"), 2)
	p.pages("M1", "b", ts("2026-11-10T02:00:00Z"), 5)
	// M2: 2 sleep pages in W44 and 3 in W47 (Tue Nov 17): both elevated;
	// the earliest (W44, value 2) wins.
	p.pages("M2", "c", ts("2026-10-27T02:00:00Z"), 2)
	p.pages("M2", "d", ts("2026-11-17T02:00:00Z"), 3)
	m := p.compute("2026-11")
	checkRisk(t, responderByID(t, m, "M1"), "high", []Reason{{"sleep_interruptions", 5, 5, "high"}})
	checkRisk(t, responderByID(t, m, "M2"), "elevated", []Reason{{"sleep_interruptions", 2, 2, "elevated"}})
	// Interruptions of the month itself: M1 5 (the W44 pages are in October).
	if r := responderByID(t, m, "M1"); r.Interruptions.Total != 5 || r.Interruptions.Sleep != 5 {
		t.Errorf("M1 month interruptions = %+v, want 5 sleep", r.Interruptions)
	}
}
