package reports

import (
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }

// dur builds a Durations with the given count, mean, p50 and p90 seconds.
func dur(n int, m, p50, p90 float64) analysis.Durations {
	if n == 0 {
		return analysis.Durations{}
	}
	return analysis.Durations{Count: n, Mean: f64(m), P50: f64(p50), P90: f64(p90)}
}

// weekPeriod returns ISO week label for the week starting at the given
// Monday 00:00 in Europe/Berlin.
func weekPeriod(label string, y int, m time.Month, d int) analysis.Period {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return analysis.Period{Kind: "week", Label: label, Start: start.UTC(), End: start.AddDate(0, 0, 7).UTC(), TimeZone: "Europe/Berlin"}
}

func monthPeriod(y int, m time.Month) analysis.Period {
	start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return analysis.Period{Kind: "month", Label: start.Format("2006-01"), Start: start, End: start.AddDate(0, 1, 0), TimeZone: "UTC"}
}

// totals builds Totals from the interruption split and a few other figures;
// after-hours share and toil ratio follow from the counts.
func totals(incidents, alerts, business, off, sleep, noisePages, noiseIncidents, auto, open int, mtta, mttr analysis.Durations) analysis.Totals {
	total := business + off + sleep
	t := analysis.Totals{
		Incidents:      incidents,
		Alerts:         alerts,
		Interruptions:  analysis.Interruptions{Total: total, Business: business, Off: off, Sleep: sleep},
		MTTA:           mtta,
		MTTR:           mttr,
		AutoResolved:   auto,
		OpenIncidents:  open,
		NoiseIncidents: noiseIncidents,
	}
	if total > 0 {
		t.AfterHoursShare = f64(float64(off+sleep) / float64(total))
		t.ToilRatio = f64(float64(noisePages) / float64(total))
	}
	if incidents > 0 {
		t.NoiseIncidentShare = f64(float64(noiseIncidents) / float64(incidents))
	}
	return t
}

// weekFixture is a small organisation in week 2026-W46 (Mon 9 Nov 2026,
// Europe/Berlin) with two earlier weeks. Team PAY has 12 pages this week
// against 8 and 4 before (so +50 % vs last week, +100 % vs the 2-week
// average of 6); team DB has 3 pages.
func weekFixture() Input {
	cur := &analysis.Metrics{
		SchemaVersion: 1,
		Period:        weekPeriod("2026-W46", 2026, time.November, 9),
		Org:           totals(15, 40, 5, 4, 6, 6, 5, 4, 1, dur(14, 400, 240, 900), dur(14, 5400, 3600, 14400)),
		Teams: []analysis.Team{
			{
				Totals: totals(3, 4, 2, 1, 0, 0, 0, 1, 0, dur(3, 120, 90, 200), dur(3, 1800, 1500, 3000)),
				ID:     "PDB0001", Name: "Databases",
				AlertsPerShift:     analysis.AlertsPerShift{Shifts: 2, Mean: f64(2), P50: f64(2), Max: intp(3)},
				AlertsPer12hOnCall: f64(0.5),
			},
			{
				Totals: totals(12, 36, 3, 3, 6, 6, 5, 3, 1, dur(11, 500, 300, 1200), dur(11, 6000, 4000, 16000)),
				ID:     "PPAY001", Name: "Payments",
				AlertsPerShift:     analysis.AlertsPerShift{Shifts: 4, Mean: f64(9), P50: f64(8.5), Max: intp(14)},
				AlertsPer12hOnCall: f64(3.25),
				Flags:              []string{"alert_load"},
				// Ada: 12 h with 6 alerts = 6 per 12 h (over the SRE 2);
				// Brian: 24 h with 3 alerts = 1.5 per 12 h.
				BusiestShifts: []analysis.Shift{
					{UserID: "PUA", UserName: "Ada Lovelace", EscalationPolicyID: "PEP1",
						Start: time.Date(2026, 11, 9, 7, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 9, 19, 0, 0, 0, time.UTC), Alerts: 6,
						Escalations: analysis.Escalations{Timeout: 2, Manual: 1}},
					{UserID: "PUB", UserName: "Brian Kernighan", EscalationPolicyID: "PEP1",
						Start: time.Date(2026, 11, 10, 19, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 11, 19, 0, 0, 0, time.UTC), Alerts: 3},
				},
			},
		},
		Responders: []analysis.Responder{
			{
				ID: "PUA", Name: "Ada Lovelace", TimeZone: "Europe/London", TeamIDs: []string{"PPAY001"},
				OnCallSeconds: 7 * 86400, OnCallSecondsLevel1: 5 * 86400,
				Interruptions: analysis.Interruptions{Total: 9, Business: 1, Off: 3, Sleep: 5}, Incidents: 8,
				IncidentsPer12hOnCall: f64(8.0 / 14.0), Risk: "high",
				Reasons: []analysis.Reason{
					{Rule: "sleep_interruptions", Value: 5, Threshold: 5, Level: "high"},
					{Rule: "longest_on_call_stretch_days", Value: 10, Threshold: 7, Level: "elevated"},
					{Rule: "after_hours_engaged_hours", Value: 9.5, Threshold: 8, Level: "high"},
				},
				// 12 h engaged, 9.5 h of it after hours; ack p50 90 s
				EngagedSeconds: analysis.EngagedSeconds{Total: 43200, Business: 9000, Off: 12600, Sleep: 21600},
				MTTA:           analysis.Durations{Count: 8, Mean: f64(120), P50: f64(90), P90: f64(300)},
			},
			{
				ID: "PUB", Name: "Brian Kernighan", TimeZone: "America/New_York", TeamIDs: []string{"PPAY001", "PDB0001"},
				OnCallSeconds: 2 * 86400, OnCallSecondsLevel1: 2 * 86400,
				Interruptions: analysis.Interruptions{Total: 4, Business: 2, Off: 1, Sleep: 1}, Incidents: 4,
				IncidentsPer12hOnCall: f64(1), Risk: "elevated",
				Reasons: []analysis.Reason{{Rule: "on_call_share_28d", Value: 0.3, Threshold: 0.25, Level: "elevated"}},
			},
			{
				ID: "PUC", Name: "Grace Hopper", TimeZone: "Europe/Berlin", TeamIDs: []string{"PDB0001"},
				OnCallSeconds: 86400, OnCallSecondsLevel1: 0,
				Interruptions: analysis.Interruptions{Total: 2, Business: 2}, Incidents: 2,
				IncidentsPer12hOnCall: f64(1), Risk: "none",
			},
		},
		NoisyAlerts: []analysis.NoisyAlert{
			{Signature: "PSVC1|disk usage above #% on db-#", ServiceID: "PSVC1", SampleTitle: "Disk usage above 90% on db-3",
				Incidents: 6, Alerts: 20, Interruptions: 6, AfterHoursInterruptions: 5, AutoResolvedShare: f64(0.5), P50SecondsToResolve: f64(600), NoiseIncidents: 4},
			{Signature: "PSVC1|payment latency p# high", ServiceID: "PSVC1", SampleTitle: "Payment latency p99 high",
				Incidents: 5, Alerts: 12, Interruptions: 5, AfterHoursInterruptions: 4, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(3600), NoiseIncidents: 1},
			{Signature: "PSVC2|replica lag", ServiceID: "PSVC2", SampleTitle: "Replica lag",
				Incidents: 3, Alerts: 4, Interruptions: 3, AfterHoursInterruptions: 1, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(1500), NoiseIncidents: 0},
			{Signature: "PSVC1|card processor timeout", ServiceID: "PSVC1", SampleTitle: "Card processor timeout",
				Incidents: 1, Alerts: 4, Interruptions: 1, AfterHoursInterruptions: 1, AutoResolvedShare: nil, P50SecondsToResolve: nil, NoiseIncidents: 0,
				Escalations: analysis.Escalations{Timeout: 3, Manual: 2}},
		},
	}
	h1 := &analysis.Metrics{
		SchemaVersion: 1,
		Period:        weekPeriod("2026-W44", 2026, time.October, 26),
		Org:           totals(6, 10, 3, 1, 1, 1, 1, 1, 0, dur(6, 300, 300, 600), dur(6, 3600, 3000, 7200)),
		Teams: []analysis.Team{{
			Totals: totals(5, 8, 2, 1, 1, 1, 1, 1, 0, dur(5, 300, 200, 600), dur(5, 3600, 3000, 7200)),
			ID:     "PPAY001", Name: "Payments",
			AlertsPerShift:     analysis.AlertsPerShift{Shifts: 4, Mean: f64(2), P50: f64(2), Max: intp(3)},
			AlertsPer12hOnCall: f64(1),
		}},
		Responders: []analysis.Responder{{ID: "PUA", Name: "Ada Lovelace", TeamIDs: []string{"PPAY001"}, Risk: "elevated"}},
	}
	h2 := &analysis.Metrics{
		SchemaVersion: 1,
		Period:        weekPeriod("2026-W45", 2026, time.November, 2),
		Org:           totals(10, 20, 4, 3, 3, 2, 2, 2, 0, dur(10, 300, 200, 600), dur(10, 3600, 3000, 7200)),
		Teams: []analysis.Team{
			{
				Totals: totals(8, 16, 2, 3, 3, 2, 2, 2, 0, dur(8, 300, 400, 600), dur(8, 3600, 3000, 7200)),
				ID:     "PPAY001", Name: "Payments",
				AlertsPerShift:     analysis.AlertsPerShift{Shifts: 4, Mean: f64(4), P50: f64(4), Max: intp(6)},
				AlertsPer12hOnCall: f64(2),
			},
			{
				Totals: totals(2, 4, 2, 0, 0, 0, 0, 0, 0, dur(2, 60, 60, 60), dur(2, 600, 600, 600)),
				ID:     "PDB0001", Name: "Databases",
				AlertsPerShift:     analysis.AlertsPerShift{Shifts: 2, Mean: f64(2), P50: f64(2), Max: intp(2)},
				AlertsPer12hOnCall: f64(0.5),
			},
		},
	}
	var org, pay analysis.Heatmap
	// Payments: 6 sleep pages Tue 03:00, 3 off pages Sat 10:00, 3 business
	// pages Wed 14:00 (12 in all); the org adds Databases' 3 business pages.
	pay[1][3] = 6
	pay[5][10] = 3
	pay[2][14] = 3
	org = pay
	org[0][9] = 3
	var db analysis.Heatmap
	db[0][9] = 3
	return Input{
		Current:  cur,
		History:  []*analysis.Metrics{h1, h2},
		Heatmaps: map[string]*analysis.Heatmap{"": &org, "PPAY001": &pay, "PDB0001": &db},
		Services: map[string]Service{
			"PSVC1": {Name: "payments-api", TeamID: "PPAY001"},
			"PSVC2": {Name: "postgres-main", TeamID: "PDB0001"},
		},
		Options: Options{GeneratedAt: time.Date(2026, 11, 16, 7, 0, 0, 0, time.UTC), Version: "test", MetricsFile: "metrics.json"},
	}
}

// monthFixture is October 2026 with September and August before it.
func monthFixture() Input {
	w := weekFixture()
	cur := *w.Current
	cur.Period = monthPeriod(2026, time.October)
	// Org pages 15 in October against 10 in September: +50 %.
	sep := *w.History[1]
	sep.Period = monthPeriod(2026, time.September)
	aug := *w.History[0]
	aug.Period = monthPeriod(2026, time.August)
	return Input{
		Current:  &cur,
		History:  []*analysis.Metrics{&aug, &sep},
		Heatmaps: w.Heatmaps,
		Services: w.Services,
		Options:  w.Options,
	}
}

// xssPayloads are strings an attacker could plant in PagerDuty (incident
// titles, team, user and service names). Each must reach the reader as text.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'`,
	`</script>`,
	`javascript:alert(1)`,
	`<img src=x onerror="window.__xss=1">`,
	`</script><script>window.__xss=1</script>`,
	`"><svg onload=window.__xss=1>`,
	`javascript:window.__xss=1`,
}

// xssFixture is weekFixture (or monthFixture) with every string that comes
// from PagerDuty replaced by payloads.
func xssFixture(kind string) Input {
	in := weekFixture()
	if kind == "month" {
		in = monthFixture()
	}
	p := func(i int) string { return xssPayloads[i%len(xssPayloads)] }
	all := append([]*analysis.Metrics{in.Current}, in.History...)
	k := 0
	next := func() string { k++; return p(k) + " " + p(k+4) }
	for _, m := range all {
		c := *m
		c.Teams = append([]analysis.Team(nil), m.Teams...)
		c.Responders = append([]analysis.Responder(nil), m.Responders...)
		c.NoisyAlerts = append([]analysis.NoisyAlert(nil), m.NoisyAlerts...)
		*m = c
		for i := range m.Teams {
			m.Teams[i].Name = next()
			m.Teams[i].BusiestShifts = append([]analysis.Shift(nil), m.Teams[i].BusiestShifts...)
			for j := range m.Teams[i].BusiestShifts {
				m.Teams[i].BusiestShifts[j].UserName = next()
			}
			m.Teams[i].Flags = append(m.Teams[i].Flags, p(i))
		}
		for i := range m.Responders {
			m.Responders[i].Name = next()
			m.Responders[i].TimeZone = next()
			m.Responders[i].Reasons = append(append([]analysis.Reason(nil), m.Responders[i].Reasons...),
				analysis.Reason{Rule: next(), Value: 1, Threshold: 1, Level: "elevated"})
		}
		for i := range m.NoisyAlerts {
			m.NoisyAlerts[i].SampleTitle = next()
			m.NoisyAlerts[i].Signature = next()
		}
	}
	// A team id that is a javascript: URL must not become a link target.
	in.Current.Teams[0].ID = "javascript:window.__xss=1"
	for i := range in.Current.Responders {
		for j, id := range in.Current.Responders[i].TeamIDs {
			if id == "PDB0001" {
				in.Current.Responders[i].TeamIDs[j] = in.Current.Teams[0].ID
			}
		}
	}
	svcs := map[string]Service{}
	for id, s := range in.Services {
		s.Name = next()
		if s.TeamID == "PDB0001" {
			s.TeamID = in.Current.Teams[0].ID
		}
		svcs[id] = s
	}
	in.Services = svcs
	hm := map[string]*analysis.Heatmap{}
	for id, h := range in.Heatmaps {
		if id == "PDB0001" {
			id = in.Current.Teams[0].ID
		}
		hm[id] = h
	}
	in.Heatmaps = hm
	return in
}
