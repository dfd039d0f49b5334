package analysis

import (
	"context"
	"math"
	"strings"
	"testing"
)

// hoursFor derives p's tables with cfg and returns the on-call hours of
// the week or month label (in cfg's report zone).
func hoursFor(t *testing.T, p *planter, label string, cfg Config) *HoursReport {
	t.Helper()
	ctx := context.Background()
	if _, err := Derive(ctx, p.db, cfg); err != nil {
		t.Fatal(err)
	}
	c, err := NewComputer(ctx, p.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	per, err := ParseMonth(label, cfg.Location())
	if strings.Contains(label, "W") {
		per, err = ParseWeek(label, cfg.Location())
	}
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.OnCallHours(ctx, per)
	if err != nil {
		t.Fatalf("OnCallHours(%s): %v", label, err)
	}
	return h
}

func hoursOf(t *testing.T, h *HoursReport, id string) ResponderHours {
	t.Helper()
	for _, r := range h.Responders {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no responder %s in %+v", id, h.Responders)
	return ResponderHours{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func sameHours(a, b KindHours) bool {
	return near(a.Business, b.Business) && near(a.Weeknight, b.Weeknight) && near(a.Weekend, b.Weekend) && near(a.Holiday, b.Holiday)
}

// TestOnCallHoursDST: a shift across the end of summer time in Berlin
// (Sunday 2026-10-25, 03:00 CEST becomes 02:00 CET at 01:00Z).
func TestOnCallHoursDST(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.user("D", "Europe/Berlin")
	p.member("T1", "D")
	// Saturday 20:00 CEST (18:00Z) to Monday 08:00 CET (07:00Z): 37 real hours.
	p.oncall("D", "EP1", 1, "2026-10-24T18:00:00Z", "2026-10-26T07:00:00Z")
	h := hoursFor(t, p, "2026-10", DefaultConfig())
	r := hoursOf(t, h, "D")
	// Local: Saturday 20:00-24:00 = 4 h; Sunday is a 25-hour day, all on
	// call = 25 h; weekend 29 h. Monday 00:00-08:00 CET = 8 h, before
	// business hours: weeknight. (A fixed +2 offset would say 28 h / 9 h.)
	want := KindHours{Weekend: 29, Weeknight: 8}
	if !sameHours(r.Level1, want) || !sameHours(r.Hours, want) || !sameHours(r.Level2, KindHours{}) {
		t.Errorf("hours = %+v (level 1 %+v, level 2 %+v), want %+v all level 1", r.Hours, r.Level1, r.Level2, want)
	}
	// Weekend days with on-call time: Saturday and Sunday.
	if r.WeekendDays != 2 || r.Holidays != 0 {
		t.Errorf("weekend days %d, holidays %d; want 2, 0", r.WeekendDays, r.Holidays)
	}
	// Nights (22:00-08:00): Saturday's (20:00Z to 07:00Z, 11 real hours,
	// all on call) and Sunday's (21:00Z to 07:00Z, 10 h, all on call).
	if r.Nights != 2 {
		t.Errorf("nights = %d, want 2", r.Nights)
	}
	// No calendar configured: none in use.
	if len(h.Calendars) != 0 {
		t.Errorf("calendars = %v, want none", h.Calendars)
	}
}

// TestOnCallHoursHolidays: a shift across midnight into Christmas, and a
// calendar per user, per team and by default, with an extra day.
func TestOnCallHoursHolidays(t *testing.T) {
	p := newPlanter(t)
	p.team("T2")
	p.policy("EP1", "T2")
	p.user("H", "America/New_York")
	p.user("G", "UTC")
	p.user("K", "UTC")
	p.user("E", "UTC")
	p.member("T2", "H")
	p.member("T2", "G")
	cfg := DefaultConfig()
	cfg.Holidays = Holidays{Default: "GB", Teams: map[string]string{"T2": "DE"}, Users: map[string]string{"H": "us"}, Extra: []string{"2026-12-31"}}
	// H (calendar US, its own; its team's DE loses): Thursday 24 Dec 18:00
	// EST (23:00Z) to Friday 25 Dec 18:00 EST.
	p.oncall("H", "EP1", 1, "2026-12-24T23:00:00Z", "2026-12-25T23:00:00Z")
	// H, G (team T2: DE) and K (default GB) on Monday 28 Dec, 00:00Z to
	// 24:00Z. GB observes Boxing Day (Saturday 26th) on Monday 28th; DE
	// and US do not. H's local Monday starts at 05:00Z.
	p.oncall("G", "EP1", 1, "2026-12-28T00:00:00Z", "2026-12-29T00:00:00Z")
	p.oncall("K", "EP1", 1, "2026-12-28T00:00:00Z", "2026-12-29T00:00:00Z")
	// E (default GB): Thursday 31 Dec 00:00Z-12:00Z, an extra day.
	p.oncall("E", "EP1", 1, "2026-12-31T00:00:00Z", "2026-12-31T12:00:00Z")
	h := hoursFor(t, p, "2026-12", cfg)
	cases := []struct {
		id, cal        string
		want           KindHours
		holidays, days int
	}{
		// Thursday 18:00-24:00 EST: 6 h weeknight; Friday 00:00-18:00 is
		// Christmas: 18 h holiday (over business 08:00-18:00).
		{"H", "US", KindHours{Weeknight: 6, Holiday: 18}, 1, 0},
		// Monday 28th, not a DE holiday: 08:00-18:00 business, 14 h weeknight.
		{"G", "DE", KindHours{Business: 10, Weeknight: 14}, 0, 0},
		// Monday 28th, GB's Boxing Day observed: 24 h holiday.
		{"K", "GB", KindHours{Holiday: 24}, 1, 0},
		// 31 Dec from holidays.extra: 12 h holiday.
		{"E", "GB", KindHours{Holiday: 12}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			r := hoursOf(t, h, c.id)
			if r.Calendar != c.cal {
				t.Errorf("calendar %q, want %q", r.Calendar, c.cal)
			}
			if !sameHours(r.Hours, c.want) {
				t.Errorf("hours %+v, want %+v", r.Hours, c.want)
			}
			if r.Holidays != c.holidays || r.WeekendDays != c.days {
				t.Errorf("holidays %d, weekend days %d; want %d, %d", r.Holidays, r.WeekendDays, c.holidays, c.days)
			}
		})
	}
	if got := strings.Join(h.Calendars, ","); got != "DE,GB,US,extra" {
		t.Errorf("calendars = %s, want DE,GB,US,extra", got)
	}
}

// plantRotation plants week 2026-W46 ([2026-11-09, 2026-11-16) UTC): a
// Kolkata and a Los Angeles responder on one 12 h rotation, overlapping
// level-1 and level-2 segments, a permanent on-call, and pages.
func plantRotation(p *planter) {
	p.team("T1")
	p.policy("EP1", "T1")
	p.policy("EP2", "T1")
	p.user("KOL", "Asia/Kolkata")        // UTC+5:30
	p.user("LAX", "America/Los_Angeles") // PST, UTC-8, in November
	p.user("O", "UTC")
	p.user("P", "UTC")
	for _, u := range []string{"KOL", "LAX", "O", "P"} {
		p.member("T1", u)
	}
	// The rotation hands over at 02:30Z and 14:30Z.
	p.oncall("LAX", "EP1", 1, "2026-11-13T14:30:00Z", "2026-11-14T02:30:00Z") // Fri 06:30-18:30 PST
	p.oncall("KOL", "EP1", 1, "2026-11-14T02:30:00Z", "2026-11-14T14:30:00Z") // Sat 08:00-20:00 IST
	p.oncall("LAX", "EP1", 1, "2026-11-14T14:30:00Z", "2026-11-15T02:30:00Z") // Sat 06:30-18:30 PST
	p.oncall("KOL", "EP1", 1, "2026-11-15T14:30:00Z", "2026-11-16T02:30:00Z") // Sun 20:00-Mon 08:00 IST
	// O: level 1 on EP1 Monday 00:00-12:00Z, the same on EP2 (a duplicate
	// that counts once), level 2 on EP2 06:00Z to Tuesday 00:00Z.
	p.oncall("O", "EP1", 1, "2026-11-09T00:00:00Z", "2026-11-09T12:00:00Z")
	p.oncall("O", "EP2", 1, "2026-11-09T00:00:00Z", "2026-11-09T12:00:00Z")
	p.oncall("O", "EP2", 2, "2026-11-09T06:00:00Z", "2026-11-10T00:00:00Z")
	// P: named in EP1's level 3 (a permanent on-call) over the synced
	// range, Wednesday 11-11 00:00Z to the last sync, Saturday 00:00Z.
	p.exec(`INSERT INTO permanent_oncalls (user_id, escalation_policy_id, escalation_level, last_seen_at) VALUES ('P', 'EP1', 3, $1)`, ts("2026-11-20T00:00:00Z"))
	p.exec(`INSERT INTO sync_meta (key, value_at) VALUES ('history_start', $1)`, ts("2026-11-11T00:00:00Z"))
	p.exec(`INSERT INTO sync_state (resource, watermark, updated_at) VALUES ('oncalls', $1, $1)`, ts("2026-11-14T00:00:00Z"))
	// O's pages: 03:00Z (sleep hours, weeknight) and 10:00Z (business).
	p.incident("J1", "disk full", "", "EP1", "T1", ts("2026-11-09T03:00:00Z"), "")
	p.notify("O", "J1", ts("2026-11-09T03:00:00Z"), "phone")
	p.notify("O", "J1", ts("2026-11-09T10:00:00Z"), "sms")
}

func TestOnCallHoursRotation(t *testing.T) {
	p := newPlanter(t)
	plantRotation(p)
	cfg := DefaultConfig()
	cfg.Pay = &Pay{Currency: "EUR", Rates: PayRates{
		Weeknight: LevelRates{Level1: 2, Level2: 1},
		Weekend:   LevelRates{Level1: 5, Level2: 2},
	}, PerPage: 3, PerSleepPage: 7, DailyCap: 50}
	h := hoursFor(t, p, "2026-W46", cfg)
	cases := []struct {
		id         string
		l1, l2     KindHours
		nights     int
		wkendDays  int
		pages      KindCounts
		sleepPages int
		amount     float64
		capped     int
	}{
		// KOL: Saturday 08:00-20:00 IST = 12 h weekend; Sunday 20:00 IST
		// (14:30Z) to the week's end (Monday 00:00Z = 05:30 IST): Sunday
		// 4 h weekend, Monday 5.5 h weeknight. Its Sunday night (22:00 IST
		// = 16:30Z to 08:00 IST = 02:30Z) is all on call and starts in the
		// week. Pay: Saturday 12 x 5 = 60, capped at 50; Sunday 4 x 5 =
		// 20; Monday 5.5 x 2 = 11; 81 with one capped day.
		{"KOL", KindHours{Weekend: 16, Weeknight: 5.5}, KindHours{}, 1, 2, KindCounts{}, 0, 81, 1},
		// LAX: Friday 06:30-18:30 PST: business 08:00-18:00 = 10 h,
		// weeknight 1.5 h + 0.5 h; Saturday 06:30-18:30 PST = 12 h
		// weekend. Pay: Friday 2 x 2 = 4; Saturday 12 x 5 = 60, capped
		// at 50; 54.
		{"LAX", KindHours{Business: 10, Weeknight: 2, Weekend: 12}, KindHours{}, 0, 1, KindCounts{}, 0, 54, 1},
		// O: union Monday 00:00-24:00; level 1 00:00-12:00 (08:00-12:00
		// business, 8 h weeknight), level 2 only 12:00-24:00 (12:00-18:00
		// business, 6 h weeknight). Its one night with half on call,
		// Sunday 22:00-Monday 08:00, starts in the week before; Monday's
		// has 2 h of 10. Pages: 03:00 weeknight (sleep), 10:00 business.
		// Pay: 8 x 2 + 6 x 1 + 2 pages x 3 + 1 sleep page x 7 = 35.
		{"O", KindHours{Business: 4, Weeknight: 8}, KindHours{Business: 6, Weeknight: 6}, 0, 0, KindCounts{Business: 1, Weeknight: 1}, 1, 35, 0},
		// P: permanent at level 3, Wednesday 00:00Z to Saturday 00:00Z:
		// three weekdays of 10 h business and 14 h weeknight. Nights:
		// Tuesday's (8 of 10 h), Wednesday's and Thursday's; Friday's has
		// 2 h. Pay: 42 h x 1 = 42.
		{"P", KindHours{}, KindHours{Business: 30, Weeknight: 42}, 3, 0, KindCounts{}, 0, 42, 0},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			r := hoursOf(t, h, c.id)
			if !sameHours(r.Level1, c.l1) || !sameHours(r.Level2, c.l2) {
				t.Errorf("level 1 %+v, level 2 %+v; want %+v, %+v", r.Level1, r.Level2, c.l1, c.l2)
			}
			all := c.l1
			all.add(c.l2)
			if !sameHours(r.Hours, all) {
				t.Errorf("hours %+v, want %+v", r.Hours, all)
			}
			if r.Nights != c.nights || r.WeekendDays != c.wkendDays {
				t.Errorf("nights %d, weekend days %d; want %d, %d", r.Nights, r.WeekendDays, c.nights, c.wkendDays)
			}
			if r.Pages != c.pages || r.SleepPages != c.sleepPages {
				t.Errorf("pages %+v (sleep %d), want %+v (sleep %d)", r.Pages, r.SleepPages, c.pages, c.sleepPages)
			}
			var row *PayRow
			for i := range h.Pay.Responders {
				if h.Pay.Responders[i].UserID == c.id {
					row = &h.Pay.Responders[i]
				}
			}
			if row == nil || !near(row.Amount, c.amount) || row.CappedDays != c.capped {
				t.Errorf("pay %+v, want amount %v with %d capped days", row, c.amount, c.capped)
			}
		})
	}
	// 81 + 54 + 35 + 42
	if !near(h.Pay.Total, 212) {
		t.Errorf("pay total %v, want 212", h.Pay.Total)
	}
}

// TestOnCallHoursNoPay: without pay in the config the hours are there and
// pay is nil.
func TestOnCallHoursNoPay(t *testing.T) {
	p := newPlanter(t)
	plantRotation(p)
	h := hoursFor(t, p, "2026-W46", DefaultConfig())
	if h.Pay != nil {
		t.Errorf("pay = %+v, want nil", h.Pay)
	}
	// O as in TestOnCallHoursRotation.
	if r := hoursOf(t, h, "O"); !sameHours(r.Hours, KindHours{Business: 10, Weeknight: 14}) {
		t.Errorf("O hours %+v", r.Hours)
	}
}

// TestFairness: team F of A, B, C on call in 2026-W46 and M, a member
// never on call; all UTC.
func TestFairness(t *testing.T) {
	p := newPlanter(t)
	p.team("F")
	p.policy("EPF", "F")
	for _, u := range []string{"A", "B", "C", "M"} {
		p.user(u, "UTC")
		p.member("F", u)
	}
	// A: the nights of Monday, Tuesday and Wednesday, 22:00-08:00 (30 h
	// weeknight, 3 nights); B: Thursday's (10 h, 1 night); C: Friday
	// 09:00-17:00 (8 h business, no night).
	p.oncall("A", "EPF", 1, "2026-11-09T22:00:00Z", "2026-11-10T08:00:00Z")
	p.oncall("A", "EPF", 1, "2026-11-10T22:00:00Z", "2026-11-11T08:00:00Z")
	p.oncall("A", "EPF", 1, "2026-11-11T22:00:00Z", "2026-11-12T08:00:00Z")
	p.oncall("B", "EPF", 1, "2026-11-12T22:00:00Z", "2026-11-13T08:00:00Z")
	p.oncall("C", "EPF", 1, "2026-11-13T09:00:00Z", "2026-11-13T17:00:00Z")
	h := hoursFor(t, p, "2026-W46", DefaultConfig())
	if len(h.Fairness) != 1 {
		t.Fatalf("fairness = %+v, want team F", h.Fairness)
	}
	f := h.Fairness[0]
	for name, w := range map[string]FairnessWindow{"period": f.Period, "last_13_weeks": f.Last13Weeks} {
		t.Run(name, func(t *testing.T) {
			// M has no on-call time: 3 members.
			if w.Members != 3 {
				t.Errorf("members = %d, want 3", w.Members)
			}
			for _, m := range w.Measures[:2] { // nights and weeknight hours
				// nights 3/1/0 of 4, weeknight hours 30/10/0 of 40: shares
				// 0.75, 0.25, 0; median 0.25; ratio 3 > 2: flag. Gini of
				// (0, 1, 3): sum of |xi-xj| over ordered pairs 12 / (2 x
				// 3^2 x mean 4/3) = 0.5 (the same for 0, 10, 30).
				if m.Highest == nil || !near(*m.Highest, 0.75) || m.HighestID != "A" || !near(*m.Median, 0.25) ||
					m.Ratio == nil || !near(*m.Ratio, 3) || !near(*m.Gini, 0.5) || !m.Flag {
					t.Errorf("%s: %+v", m.Measure, m)
				}
			}
			// No weekend hours: no shares.
			if m := w.Measures[2]; m.Measure != MeasureWeekend || m.Total != 0 || m.Highest != nil || m.Flag {
				t.Errorf("weekend: %+v", m)
			}
		})
	}
	want := "Over the last 13 weeks, Name A carried 75 % of Team F's nights on call (median 25 %)."
	if h.Headline != want {
		t.Errorf("headline = %q, want %q", h.Headline, want)
	}
	// 13 weeks of trend, the last the reported week: 40 h weeknight and 8 h business.
	if len(h.Trend) != 13 || !h.Trend[12].Start.Equal(ts("2026-11-09T00:00:00Z")) ||
		!sameHours(h.Trend[12].Hours, KindHours{Business: 8, Weeknight: 40}) || h.Trend[12].Nights != 4 {
		t.Errorf("trend = %+v", h.Trend[len(h.Trend)-1])
	}
	// A flag ratio of 3: 0.75 is not more than 3 x 0.25.
	cfg := DefaultConfig()
	cfg.Fairness.FlagRatio = 3
	if h3 := hoursFor(t, p, "2026-W46", cfg); h3.Fairness[0].Period.Measures[0].Flag {
		t.Errorf("flag at ratio 3: %+v", h3.Fairness[0].Period.Measures[0])
	}
}

func TestGini(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 0},
		{[]float64{2, 2, 2}, 0},
		// (0, 0, 0, 4): ordered pairs differing: 3 x 2 x 4 = 24; 2 n^2 mean = 2 x 16 x 1 = 32.
		{[]float64{0, 4, 0, 0}, 0.75},
		{[]float64{3, 0, 1}, 0.5},
	}
	for _, c := range cases {
		if g := gini(c.xs); !near(g, c.want) {
			t.Errorf("gini(%v) = %v, want %v", c.xs, g, c.want)
		}
	}
}

func TestHolidayConfig(t *testing.T) {
	cases := []struct {
		name, yaml, err string
	}{
		{"ok", "holidays: {default: US, teams: {T1: de-by}, users: {U1: AU-NSW}, extra: [2026-12-24]}", ""},
		{"unknown default", "holidays: {default: XX}", "holidays.default"},
		{"unknown team", "holidays: {teams: {T9: DE-XX}}", "holidays.teams.T9"},
		{"bad extra", "holidays: {extra: [24.12.2026]}", "holidays.extra[0]"},
		{"flag ratio", "fairness: {flag_ratio: 0.5}", "fairness.flag_ratio"},
		{"pay needs currency", "pay: {rates: {weekend: {level_1: 5}}}", "pay.currency"},
		{"negative rate", "pay: {currency: EUR, rates: {weekend: {level_2: -1}}}", "pay.rates.weekend.level_2"},
		{"unknown pay key", "pay: {currency: EUR, hourly: 3}", "hourly"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("err = %v, want one naming %s", err, c.err)
			}
		})
	}
}
