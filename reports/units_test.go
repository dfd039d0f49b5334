package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		k        kind
		cur, ref *float64
		want     delta
	}{
		// 12 against 8: (12-8)/8 = 50 % more, worse because lower is better.
		{"count up", kindCount, f64(12), f64(8), delta{"▲ 50 %", "worse"}},
		// 6 against 8: 2/8 = 25 % less.
		{"count down", kindCount, f64(6), f64(8), delta{"▼ 25 %", "better"}},
		// From 0 a percentage is meaningless: the absolute difference.
		{"from zero", kindCount, f64(3), f64(0), delta{"▲ 3 from 0", "worse"}},
		{"same", kindCount, f64(5), f64(5), delta{"no change", "same"}},
		// 0.60 against 0.25 is 35 percentage points.
		{"share", kindShare, f64(0.60), f64(0.25), delta{"▲ 35 pp", "worse"}},
		// 300 s against 420 s: 120 s = 2 min faster.
		{"seconds", kindSeconds, f64(300), f64(420), delta{"▼ 2 min", "better"}},
		{"nil ref", kindCount, f64(1), nil, delta{"—", "same"}},
		{"nil cur", kindSeconds, nil, f64(1), delta{"—", "same"}},
		// 10.04 vs 10: 0.4 % rounds to 0 %.
		{"tiny", kindRate, f64(10.04), f64(10), delta{"no change", "same"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := compare(tc.k, tc.cur, tc.ref); got != tc.want {
				t.Errorf("compare = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"seconds", fmtDur(45), "45 s"},
		{"minutes with decimal under 10", fmtDur(200), "3.3 min"}, // 200/60 = 3.33
		{"whole minutes from 10", fmtDur(1500), "25 min"},         // 1500/60 = 25
		{"hours", fmtDur(4000), "1.1 h"},                          // 4000/3600 = 1.11
		{"days", fmtDur(3 * 86400), "3 d"},
		{"nil", fmtSeconds(nil), "—"},
		{"share", fmtShare(f64(2.0 / 3.0)), "67 %"},
		{"grouping", fmtInt(1234567), "1,234,567"},
		{"one decimal", fmtNum(3.25), "3.3"}, // half away from zero: 32.5 -> 33
		{"whole", fmtNum(2.0), "2"},
		{"hours of seconds", fmtHours(5 * 86400), "120 h"},
		{"plural", plural(1, "page", "pages") + "/" + plural(2, "page", "pages"), "1 page/2 pages"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPeriodRange(t *testing.T) {
	// ISO week 2026-W46 in Berlin: Monday 9 Nov 00:00 CET = 8 Nov 23:00 UTC;
	// the exclusive end minus a second is Sunday 15 Nov 23:59:59 local.
	p := weekPeriod("2026-W46", 2026, time.November, 9)
	if got, want := periodRange(p.Start, p.End, p.TimeZone), "Mon 9 Nov – Sun 15 Nov 2026 (Europe/Berlin)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// An unknown zone falls back to UTC and says so.
	if got, want := periodRange(p.Start, p.End, "Mars/Olympus"), "Sun 8 Nov – Sun 15 Nov 2026 (UTC)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name string
		n    analysis.NoisyAlert
		want string
	}{
		// Half auto-resolved reaches the 50 % threshold.
		{"auto-resolve share", analysis.NoisyAlert{Incidents: 4, Interruptions: 4, AutoResolvedShare: f64(0.5), P50SecondsToResolve: f64(900)}, "Delay or auto-resolve"},
		// Resolved in 300 s at the median: transient by the 5-minute rule.
		{"quick resolve", analysis.NoisyAlert{Incidents: 1, Interruptions: 1, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(300)}, "Delay or auto-resolve"},
		// 3 incidents, 2 of them noise (2*2 >= 3), slow and manual.
		{"deduplicate", analysis.NoisyAlert{Incidents: 3, Interruptions: 3, NoiseIncidents: 2, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(1800)}, "Deduplicate"},
		// 4 pages, 3 after hours (2*3 > 4), few noise incidents.
		{"lower urgency", analysis.NoisyAlert{Incidents: 4, Interruptions: 4, AfterHoursInterruptions: 3, NoiseIncidents: 1, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(1800)}, "Lower urgency"},
		// Exactly half after hours is not more than half: falls through;
		// 6 incidents reaches the fix-or-delete volume.
		{"fix or delete", analysis.NoisyAlert{Incidents: 6, Interruptions: 6, AfterHoursInterruptions: 3, NoiseIncidents: 2, AutoResolvedShare: f64(0.2), P50SecondsToResolve: f64(3600)}, "Fix or delete"},
		// Unresolved (nil shares) and small: no rule.
		{"keep", analysis.NoisyAlert{Incidents: 1, Interruptions: 1, AfterHoursInterruptions: 1}, "Keep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := suggest(tc.n).Action; got != tc.want {
				t.Errorf("suggest = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReasonText(t *testing.T) {
	tests := []struct {
		r    analysis.Reason
		week bool
		want string
	}{
		{analysis.Reason{Rule: "sleep_interruptions", Value: 5, Threshold: 5, Level: "high"}, true, "woken 5 times this week (high at ≥ 5)"},
		{analysis.Reason{Rule: "sleep_interruptions", Value: 2, Threshold: 2, Level: "elevated"}, false, "woken twice in the worst week of the month (elevated at ≥ 2)"},
		{analysis.Reason{Rule: "after_hours_interruptions", Value: 12, Threshold: 10, Level: "elevated"}, true, "paged 12 times outside business hours this week (elevated at ≥ 10)"},
		{analysis.Reason{Rule: "interruptions", Value: 51, Threshold: 50, Level: "high"}, true, "paged 51 times this week (high at ≥ 50)"},
		{analysis.Reason{Rule: "incidents_per_12h_on_call", Value: 2.5, Threshold: 2, Level: "elevated"}, true, "2.5 incidents per 12 h on call this week (SRE guideline: 2) (elevated at > 2)"},
		{analysis.Reason{Rule: "on_call_share_28d", Value: 0.6, Threshold: 0.5, Level: "high"}, true, "on call 60 % of the last 28 days (high at > 50 %)"},
		{analysis.Reason{Rule: "longest_on_call_stretch_days", Value: 10, Threshold: 7, Level: "elevated"}, true, "on call 10 days in a row (elevated at > 7)"},
		{analysis.Reason{Rule: "longest_on_call_stretch_days", Value: 14, Threshold: 14, Level: "high"}, true, "on call 14 days in a row (high at ≥ 14)"},
	}
	for _, tc := range tests {
		t.Run(tc.r.Rule, func(t *testing.T) {
			if got := reasonText(tc.r, tc.week); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRankTeams(t *testing.T) {
	m := weekFixture().Current
	// Payments holds Ada (high) and Brian (elevated); Databases holds Brian
	// (elevated) and Grace (none): Payments ranks first on high count.
	got := rankTeams(m)
	if len(got) != 2 || got[0].Name != "Payments" || got[0].High != 1 || got[0].Elevated != 1 || got[1].Name != "Databases" || got[1].High != 0 || got[1].Elevated != 1 {
		t.Fatalf("rank = %+v", got)
	}
	// Move Ada, now elevated, to Databases: Databases has Ada + Brian = 2
	// elevated, Payments has Brian = 1, so Databases leads on elevated.
	m.Responders[0].Risk = "elevated"
	m.Responders[0].TeamIDs = []string{"PDB0001"}
	got = rankTeams(m)
	if got[0].Name != "Databases" || got[0].Elevated != 2 {
		t.Fatalf("rank after change = %+v", got)
	}
	// With equal risk (nobody at risk), sleep-hour pages decide: Databases
	// gets 7 sleep pages against Payments' 6.
	for i := range m.Responders {
		m.Responders[i].Risk = "none"
	}
	m.Teams[0].Interruptions.Sleep = 7
	got = rankTeams(m)
	if got[0].Name != "Databases" || got[1].Name != "Payments" {
		t.Fatalf("rank on sleep pages = %+v", got)
	}
	m.Teams[0].Interruptions.Sleep = 5 // now 5 < 6: Payments first
	if got = rankTeams(m); got[0].Name != "Payments" {
		t.Fatalf("rank on sleep pages = %+v", got)
	}
}

// TestTeamFigures pins the team report's derived figures on the week
// fixture (Payments): pages 12 vs 8 last week and (4+8)/2 = 6 on average.
func TestTeamFigures(t *testing.T) {
	files, err := Render(weekFixture())
	if err != nil {
		t.Fatal(err)
	}
	var pay string
	for _, f := range files {
		if f.Name == "team-PPAY001.html" {
			pay = string(f.Data)
		}
	}
	for _, want := range []string{
		// (12-8)/8 = 50 %, (12-6)/6 = 100 %.
		`<div class="value">12</div>
<div class="cmp"><span><span class="delta worse">▲ 50 %</span> vs last week (8)</span><span><span class="delta worse">▲ 100 %</span> vs 2-week avg (6)</span></div>`,
		// Heat map: 6 sleep pages on Tue 03:00 are the busiest cell; all 12
		// pages planted, 6 of them between 22 and 08.
		"12 pages in the map; 6 pages between 22:00 and 08:00 local time.",
		"Busiest hour: Tue 03:00–04:00 with 6 pages.",
		// 3.25 alerts per 12 h > 2: above the guideline, cell flagged.
		"This week: 3.3 alerts per 12 h on call, above the SRE guideline",
		`<td class="num over">3.3</td>`,
		// Busiest shifts in Berlin time (UTC+1 in November): Ada 07:00Z =
		// 08:00 local, 12 h, 6 alerts = 6 per 12 h, over the line; Brian
		// 24 h, 3 alerts = 1.5 per 12 h. Escalations in Ada's shift: 2 by
		// timeout, 1 manual; none in Brian's.
		`<tr><td>Ada Lovelace</td><td>Mon 9 Nov 08:00 – Mon 9 Nov 20:00</td><td class="num">12 h</td><td class="num">6</td><td class="num over">6</td><td class="num">2</td><td class="num">1</td></tr>`,
		`<tr><td>Brian Kernighan</td><td>Tue 10 Nov 20:00 – Wed 11 Nov 20:00</td><td class="num">24 h</td><td class="num">3</td><td class="num">1.5</td><td class="num">0</td><td class="num">0</td></tr>`,
		// Ada engaged 43,200 s = 12 h, off + sleep 34,200 s = 9.5 h; ack
		// p50 90 s ("1.5 min"); the rule's reason worded.
		`<td class="num">12 h</td><td class="num">9.5 h</td><td class="num">1.5 min</td>`,
		"worked incidents 9.5 h outside business hours this week (high at ≥ 8)",
		// Card processor timeout: 3 escalations by timeout, 2 manual.
		`<td class="num">3 / 2</td>`,
		// Ada: 5 d level 1 of 7 d total = 120 h and 48 h.
		"<tr><td>Ada Lovelace</td><td class=\"num\">120 h</td><td class=\"num\">48 h</td><td class=\"num\">168 h</td></tr>",
		// Noisy rows attributed via Services: PSVC2 (Databases) is left out,
		// so ranks 1, 2 and 4 remain.
		`<td class="num">4</td>
<td><span class="title">Card processor timeout</span>`,
	} {
		if !strings.Contains(pay, want) {
			t.Errorf("team-PPAY001.html lacks %q", want)
		}
	}
	if strings.Contains(pay, "Replica lag") {
		t.Errorf("Databases' alert shown in Payments' report")
	}
}

// TestHideNames: with HideNames the leadership page and summary.md name
// nobody, but still count 1 high and 1 elevated responder.
func TestHideNames(t *testing.T) {
	in := monthFixture()
	in.Options.HideNames = true
	files, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name != LeadershipFile && f.Name != SummaryFile && f.Name != IndexFile {
			continue
		}
		s := stripAssets(string(f.Data)) // the base64 of the inline ECharts may spell "Ada"
		for _, name := range []string{"Ada", "Brian", "Grace"} {
			if strings.Contains(s, name) {
				t.Errorf("%s names %s", f.Name, name)
			}
		}
	}
	s := string(files[0].Data) // leadership.html
	if !strings.Contains(s, `<span class="badge high">1 high</span> <span class="badge elevated">1 elevated</span>`) {
		t.Errorf("leadership.html lacks the risk counts")
	}
}

func TestMdEscape(t *testing.T) {
	// Inline Markdown and HTML are escaped; other text stays readable.
	if got, want := mdEscape("a_b *c* [d](e) <x> db-3 v1.2"), `a\_b \*c\* \[d\](e) \<x\> db-3 v1.2`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// BenchmarkRender measures rendering the week fixture's five files (most of
// the cost is copying the inlined ECharts into each page).
func BenchmarkRender(b *testing.B) {
	in := weekFixture()
	for b.Loop() {
		if _, err := Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
