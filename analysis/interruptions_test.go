package analysis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHourClass plants one page per case for a user in the given zone and
// checks the hour class it lands in. Each instant is chosen so that a wrong
// UTC offset (DST not applied, or applied the wrong way, or a whole-hour
// Kolkata offset) would land in another class.
func TestHourClass(t *testing.T) {
	cases := []struct {
		name  string
		zone  string
		at    string // UTC instant of the page
		week  string
		class string
		dow   int // local ISO weekday index, 0 = Monday
		hour  int // local hour
	}{
		// New York fell back on Sun 2026-11-01 02:00 EDT -> 01:00 EST (UTC-5).
		// 12:30Z on Mon 2026-11-02 is 07:30 EST: sleep. With EDT (UTC-4) it
		// would be 08:30, business.
		{"new york after fall back 07:30 is sleep", "America/New_York", "2026-11-02T12:30:00Z", "2026-W45", "sleep", 0, 7},
		// 22:00:00 EST Mon 2026-11-02 = 03:00Z Tue: sleep (half-open ranges).
		{"new york exactly 22:00 is sleep", "America/New_York", "2026-11-03T03:00:00Z", "2026-W45", "sleep", 0, 22},
		// 21:59:59 EST the same Monday: off (weekday evening).
		{"new york 21:59:59 is off", "America/New_York", "2026-11-03T02:59:59Z", "2026-W45", "off", 0, 21},
		// 08:00:00 EST Mon 2026-11-02 = 13:00Z: business.
		{"new york exactly 08:00 weekday is business", "America/New_York", "2026-11-02T13:00:00Z", "2026-W45", "business", 0, 8},
		// 17:59:59 EST: still business; 18:00:00 EST (23:00Z): off.
		{"new york 18:00 is off", "America/New_York", "2026-11-02T23:00:00Z", "2026-W45", "off", 0, 18},
		// New York sprang forward on Sun 2026-03-08 02:00 EST -> 03:00 EDT.
		// 12:30Z on Mon 2026-03-09 is 08:30 EDT: business; with EST it would
		// be 07:30, sleep.
		{"new york after spring forward 08:30 is business", "America/New_York", "2026-03-09T12:30:00Z", "2026-W11", "business", 0, 8},
		// Sydney left DST on Sun 2026-04-05 03:00 AEDT -> 02:00 AEST (UTC+10).
		// 21:30Z Sun = Mon 2026-04-06 07:30 AEST: sleep; with +11 it would
		// be 08:30, business. The instant is in UTC week W14, local Monday.
		{"sydney after DST end 07:30 is sleep", "Australia/Sydney", "2026-04-05T21:30:00Z", "2026-W14", "sleep", 0, 7},
		// Sydney entered DST on Sun 2026-10-04 02:00 AEST -> 03:00 AEDT (+11).
		// 21:30Z Sun = Mon 2026-10-05 08:30 AEDT: business; +10 gives 07:30.
		{"sydney after DST start 08:30 is business", "Australia/Sydney", "2026-10-04T21:30:00Z", "2026-W40", "business", 0, 8},
		// Kolkata is UTC+5:30. 02:30Z Tue 2026-11-03 = 08:00 IST: business;
		// with +5 it would be 07:30, sleep.
		{"kolkata half hour 08:00 is business", "Asia/Kolkata", "2026-11-03T02:30:00Z", "2026-W45", "business", 1, 8},
		// 12:30Z = 18:00 IST: off; with +5 it would be 17:30, business.
		{"kolkata half hour 18:00 is off", "Asia/Kolkata", "2026-11-03T12:30:00Z", "2026-W45", "off", 1, 18},
		// Sat 2026-11-07 10:00 UTC: weekend daytime is off.
		{"saturday 10:00 is off", "UTC", "2026-11-07T10:00:00Z", "2026-W45", "off", 5, 10},
		// Sun 2026-11-08 07:59:59 UTC: sleep (every day).
		{"sunday 07:59:59 is sleep", "UTC", "2026-11-08T07:59:59Z", "2026-W45", "sleep", 6, 7},
		// No time zone: taken in UTC. 08:00Z Mon: business (in New York it
		// would be 03:00, sleep).
		{"no zone falls back to UTC", "", "2026-11-02T08:00:00Z", "2026-W45", "business", 0, 8},
		// Unknown zone: UTC. 07:59Z Monday: sleep.
		{"unknown zone falls back to UTC", "Mars/Olympus_Mons", "2026-11-02T07:59:00Z", "2026-W45", "sleep", 0, 7},
	}
	// One database: each case has its own user and incident.
	p := newPlanter(t)
	for i, c := range cases {
		u, inc := fmt.Sprintf("U%02d", i), fmt.Sprintf("I%02d", i)
		p.user(u, c.zone)
		p.incident(inc, "disk full", "S1", "EP1", fmt.Sprintf("T%02d", i), ts(c.at), "")
		p.notify(u, inc, ts(c.at), "phone")
	}
	computed := map[string]*Metrics{}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ok := computed[c.week]
			if !ok {
				m = p.compute(c.week)
				computed[c.week] = m
			}
			u, team := fmt.Sprintf("U%02d", i), fmt.Sprintf("T%02d", i)
			r := responderByID(t, m, u)
			want := Interruptions{Total: 1}
			switch c.class {
			case "business":
				want.Business = 1
			case "off":
				want.Off = 1
			case "sleep":
				want.Sleep = 1
			}
			if r.Interruptions != want {
				t.Errorf("interruptions = %+v, want %+v", r.Interruptions, want)
			}
			wantWarn := c.zone == "" || strings.Contains(c.zone, "Mars")
			warned := false
			for _, w := range m.Warnings {
				if strings.Contains(w, "user "+u+" ") {
					warned = true
				}
			}
			if warned != wantWarn {
				t.Errorf("warnings = %q, want one for %s: %v", m.Warnings, u, wantWarn)
			}
			wantZone := c.zone
			if wantWarn {
				wantZone = "UTC"
			}
			if r.TimeZone != wantZone {
				t.Errorf("time_zone = %q, want %q", r.TimeZone, wantZone)
			}
			hm, err := InterruptionHeatmap(context.Background(), p.db, m.Period, DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			if hm[team] == nil || hm[team][c.dow][c.hour] != 1 {
				t.Errorf("heatmap of %s: cell [%d][%d] not 1: %v", team, c.dow, c.hour, hm[team])
			}
			if hm[""][c.dow][c.hour] < 1 {
				t.Errorf("org heatmap cell [%d][%d] = 0", c.dow, c.hour)
			}
		})
	}
}

// TestInterruptionMerge checks the anchored 60-second rule per user, across
// incidents, and that email never counts. All pages are on Monday
// 2026-11-02 from 12:00Z (business hours in UTC).
func TestInterruptionMerge(t *testing.T) {
	p := newPlanter(t)
	t0 := ts("2026-11-02T12:00:00Z")
	sec := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, id := range []string{"I1", "I2", "I3", "I4"} {
		p.incident(id, "cpu high", "S1", "EP1", "T1", t0, "")
	}
	for _, u := range []string{"UA", "UB", "UC", "UD", "UE", "UF", "UG"} {
		p.user(u, "UTC")
	}
	// UA: +0 s, +50 s (another incident), +100 s: the window is anchored at
	// +0, so +100 starts a second interruption (chained it would be one).
	p.notify("UA", "I1", sec(0), "phone")
	p.notify("UA", "I2", sec(50), "sms")
	p.notify("UA", "I3", sec(100), "push")
	// UB: exactly 60 s apart joins: one.
	p.notify("UB", "I1", sec(0), "phone")
	p.notify("UB", "I1", sec(60), "phone")
	// UC: 61 s apart: two.
	p.notify("UC", "I1", sec(0), "phone")
	p.notify("UC", "I1", sec(61), "sms")
	// UD: email only: no interruption, not a responder.
	p.notify("UD", "I1", sec(0), "email")
	p.notify("UD", "I1", sec(100), "email")
	// UE: email at +0 does not anchor; phone +30 anchors, sms +80 (50 s
	// later) joins: one.
	p.notify("UE", "I1", sec(0), "email")
	p.notify("UE", "I1", sec(30), "phone")
	p.notify("UE", "I2", sec(80), "sms")
	// UF: every 40 s: anchors at +0 and +80 and +160 (each > 60 s after the
	// previous anchor; +40 and +120 join): three.
	for i, s := range []int{0, 40, 80, 120, 160} {
		p.notify("UF", []string{"I1", "I2", "I3", "I4", "I1"}[i], sec(s), "push")
	}
	// UG: two incidents paging at the same instant: one.
	p.notify("UG", "I1", sec(0), "phone")
	p.notify("UG", "I2", sec(0), "sms")

	m := p.compute("2026-W45")
	cases := []struct {
		user      string
		total     int
		incidents int // distinct incidents of the interruptions' first notifications
	}{
		{"UA", 2, 2}, // I1 (+0) and I3 (+100); I2 merged into I1's page
		{"UB", 1, 1},
		{"UC", 2, 1}, // both on I1
		{"UE", 1, 1},
		{"UF", 3, 2}, // anchors on I1 (+0), I3 (+80), I1 (+160): I1 and I3
		{"UG", 1, 1}, // the earlier log entry (I1) names the incident
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			r := responderByID(t, m, c.user)
			if r.Interruptions.Total != c.total || r.Interruptions.Business != c.total {
				t.Errorf("interruptions = %+v, want %d business", r.Interruptions, c.total)
			}
			if r.Incidents != c.incidents {
				t.Errorf("incidents = %d, want %d", r.Incidents, c.incidents)
			}
			// Not on call: no ratio.
			if r.IncidentsPer12hOnCall != nil {
				t.Errorf("incidents_per_12h_on_call = %v, want null", *r.IncidentsPer12hOnCall)
			}
		})
	}
	for _, r := range m.Responders {
		if r.ID == "UD" {
			t.Errorf("UD got only emails and is no responder: %+v", r)
		}
	}
	// Org: 2+1+2+1+3+1 = 10 interruptions, all business.
	if m.Org.Interruptions != (Interruptions{Total: 10, Business: 10}) {
		t.Errorf("org interruptions = %+v, want 10 business", m.Org.Interruptions)
	}
	// After-hours share: 0 of 10.
	if !eqPtr(m.Org.AfterHoursShare, f64(0)) {
		t.Errorf("after_hours_share = %s, want 0", fmtPtr(m.Org.AfterHoursShare))
	}
}
