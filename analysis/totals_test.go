package analysis

import (
	"testing"
	"time"
)

// plantTotals plants the incidents of TestTotals into week 2026-W45
// ([2026-11-02, 2026-11-09) UTC). Teams: T1 (service S1), T2 (service S2).
func plantTotals(p *planter) {
	p.team("T1")
	p.team("T2")
	p.service("S1", "T1", "EP1")
	p.service("S2", "T2", "EP2")
	p.service("S3", "", "")
	p.user("U1", "UTC")
	p.user("U2", "UTC")
	at := func(s string, plus int) time.Time { return ts(s).Add(time.Duration(plus) * time.Second) }
	// IA: acked after 120 s, resolved by a user after 1000 s.
	p.incident("IA", "api latency", "S1", "EP1", "T1", ts("2026-11-02T10:00:00Z"), "")
	p.ack("IA", at("2026-11-02T10:00:00Z", 120))
	p.resolve("IA", at("2026-11-02T10:00:00Z", 1000), "user_reference")
	// IB: acked after 300 s, resolved by a service after 3600 s: auto-resolved, not transient.
	p.incident("IB", "queue depth", "S1", "EP1", "T1", ts("2026-11-03T10:00:00Z"), "")
	p.ack("IB", at("2026-11-03T10:00:00Z", 300))
	p.resolve("IB", at("2026-11-03T10:00:00Z", 3600), "service_reference")
	// IC: never acked, auto-resolved by an integration after 600 s: transient (noise).
	p.incident("IC", "disk usage", "S1", "EP1", "T1", ts("2026-11-04T10:00:00Z"), "")
	p.resolve("IC", at("2026-11-04T10:00:00Z", 600), "integration_reference")
	// ID: never acked, never resolved: open.
	p.incident("ID", "memory", "S1", "EP1", "T1", ts("2026-11-05T10:00:00Z"), "")
	// IE: created in the period, acked after 60 s, resolved after the
	// period's end (7200 s): in MTTR, and open at the period's end.
	p.incident("IE", "login errors", "S1", "EP1", "T1", ts("2026-11-08T23:00:00Z"), "")
	p.ack("IE", at("2026-11-08T23:00:00Z", 60))
	p.resolve("IE", ts("2026-11-09T01:00:00Z"), "user_reference")
	// IF: created before the period, resolved in it: not a period incident.
	p.incident("IF", "old one", "S1", "EP1", "T1", ts("2026-11-01T23:00:00Z"), "")
	p.resolve("IF", ts("2026-11-02T01:00:00Z"), "user_reference")
	// IG: resolved only through the incident's own field, after 200 s:
	// transient, not auto-resolved (no resolve entry names an agent).
	p.incident("IG", "cert expiry", "S1", "EP1", "T1", ts("2026-11-06T10:00:00Z"), "2026-11-06T10:03:20Z")
	// IH: no incident team; its service's team is T2. Resolved by a user
	// exactly 300 s after creation: transient (at most 300 s).
	p.incident("IH", "payments", "S2", "EP2", "", ts("2026-11-06T12:00:00Z"), "")
	p.resolve("IH", at("2026-11-06T12:00:00Z", 300), "user_reference")
	// II: no team and a service without team: unassigned; open.
	p.incident("II", "mystery", "S3", "", "", ts("2026-11-06T13:00:00Z"), "")

	// Alerts count by their own instant.
	p.alert("A1", "IA", ts("2026-11-02T10:00:00Z"))
	p.alert("A2", "IA", ts("2026-11-02T10:01:00Z"))
	p.alert("A3", "IF", ts("2026-11-02T00:30:00Z")) // in the period, incident is not
	p.alert("A4", "IE", ts("2026-11-08T23:00:00Z"))
	p.alert("A5", "IE", ts("2026-11-09T00:30:00Z")) // after the period
	p.alert("A6", "II", ts("2026-11-06T13:00:00Z"))

	// Pages (UTC users).
	p.notify("U1", "IA", ts("2026-11-02T10:00:30Z"), "phone") // Mon business
	p.notify("U1", "IC", ts("2026-11-04T10:00:10Z"), "sms")   // Wed business, noise
	p.notify("U1", "IG", ts("2026-11-06T10:00:10Z"), "push")  // Fri business, noise
	p.notify("U2", "IH", ts("2026-11-06T12:00:05Z"), "phone") // Fri business, noise, T2
	p.notify("U2", "IE", ts("2026-11-08T23:00:30Z"), "phone") // Sun 23:00: sleep
	p.notify("U2", "IE", ts("2026-11-09T00:00:10Z"), "phone") // after the period
}

func TestTotals(t *testing.T) {
	p := newPlanter(t)
	plantTotals(p)
	m := p.compute("2026-W45")

	// Period incidents: IA IB IC ID IE IG IH II = 8.
	// MTTA over IA 120, IB 300, IE 60: mean 160; sorted 60,120,300:
	// p50 = 120, p90 at rank 0.9*2 = 1.8 -> 120 + 0.8*180 = 264.
	// MTTR over IA 1000, IB 3600, IC 600, IE 7200, IG 200, IH 300:
	// sum 12900 / 6 = 2150; sorted 200,300,600,1000,3600,7200: p50 at rank
	// 2.5 -> 800; p90 at rank 4.5 -> 3600 + 0.5*3600 = 5400.
	// auto_resolved: IB, IC. open: ID, IE (resolved after the end), II.
	// noise (transient): IC (auto, never acked), IG (200 s), IH (300 s) = 3.
	// alerts: A1 A2 A3 A4 A6 = 5.
	// interruptions: 5 (4 business, 1 sleep); on noise incidents: 3.
	want := Totals{
		Incidents:          8,
		Alerts:             5,
		Interruptions:      Interruptions{Total: 5, Business: 4, Sleep: 1},
		AfterHoursShare:    f64(0.2),
		MTTA:               Durations{Count: 3, Mean: f64(160), P50: f64(120), P90: f64(264)},
		MTTR:               Durations{Count: 6, Mean: f64(2150), P50: f64(800), P90: f64(5400)},
		AutoResolved:       2,
		OpenIncidents:      3,
		NoiseIncidents:     3,
		NoiseIncidentShare: f64(3.0 / 8),
		ToilRatio:          f64(3.0 / 5),
	}
	checkTotals(t, "org", m.Org, want)

	// T1: IA IB IC ID IE IG = 6 incidents; alerts A1 A2 A3 A4 = 4;
	// interruptions IA IC IG (business) and IE (sleep) = 4, noise IC IG = 2.
	// MTTA same as the org (all acked incidents are T1's). MTTR over 1000,
	// 3600, 600, 7200, 200: mean 12600/5 = 2520; sorted 200,600,1000,3600,
	// 7200: p50 = 1000, p90 at rank 3.6 -> 3600 + 0.6*3600 = 5760.
	checkTotals(t, "T1", teamByID(t, m, "T1").Totals, Totals{
		Incidents:          6,
		Alerts:             4,
		Interruptions:      Interruptions{Total: 4, Business: 3, Sleep: 1},
		AfterHoursShare:    f64(0.25),
		MTTA:               Durations{Count: 3, Mean: f64(160), P50: f64(120), P90: f64(264)},
		MTTR:               Durations{Count: 5, Mean: f64(2520), P50: f64(1000), P90: f64(5760)},
		AutoResolved:       2,
		OpenIncidents:      2, // ID, IE
		NoiseIncidents:     2, // IC, IG
		NoiseIncidentShare: f64(2.0 / 6),
		ToilRatio:          f64(2.0 / 4),
	})
	// T2 (by service): IH only: one page, noise; resolved in 300 s.
	checkTotals(t, "T2", teamByID(t, m, "T2").Totals, Totals{
		Incidents:          1,
		Interruptions:      Interruptions{Total: 1, Business: 1},
		AfterHoursShare:    f64(0),
		MTTA:               Durations{},
		MTTR:               Durations{Count: 1, Mean: f64(300), P50: f64(300), P90: f64(300)},
		NoiseIncidents:     1,
		NoiseIncidentShare: f64(1),
		ToilRatio:          f64(1),
	})
	// unassigned: II, open, one alert, no page: shares with denominator 0 are null.
	checkTotals(t, "unassigned", teamByID(t, m, "unassigned").Totals, Totals{
		Incidents:          1,
		Alerts:             1,
		OpenIncidents:      1,
		NoiseIncidentShare: f64(0),
	})
	// Teams sorted by id: "T1" < "T2" < "unassigned" (byte order).
	var ids []string
	for _, tm := range m.Teams {
		ids = append(ids, tm.ID)
	}
	if len(ids) != 3 || ids[0] != "T1" || ids[1] != "T2" || ids[2] != "unassigned" {
		t.Errorf("team ids = %v", ids)
	}
}

func checkTotals(t *testing.T, name string, got, want Totals) {
	t.Helper()
	eqD := func(a, b Durations) bool {
		return a.Count == b.Count && eqPtr(a.Mean, b.Mean) && eqPtr(a.P50, b.P50) && eqPtr(a.P90, b.P90)
	}
	if got.Incidents != want.Incidents || got.Alerts != want.Alerts || got.Interruptions != want.Interruptions ||
		got.AutoResolved != want.AutoResolved || got.OpenIncidents != want.OpenIncidents ||
		got.NoiseIncidents != want.NoiseIncidents {
		t.Errorf("%s counts:\n got %+v\nwant %+v", name, got, want)
	}
	if !eqD(got.MTTA, want.MTTA) {
		t.Errorf("%s mtta = %d %s %s %s, want %d %s %s %s", name, got.MTTA.Count, fmtPtr(got.MTTA.Mean), fmtPtr(got.MTTA.P50), fmtPtr(got.MTTA.P90),
			want.MTTA.Count, fmtPtr(want.MTTA.Mean), fmtPtr(want.MTTA.P50), fmtPtr(want.MTTA.P90))
	}
	if !eqD(got.MTTR, want.MTTR) {
		t.Errorf("%s mttr = %d %s %s %s, want %d %s %s %s", name, got.MTTR.Count, fmtPtr(got.MTTR.Mean), fmtPtr(got.MTTR.P50), fmtPtr(got.MTTR.P90),
			want.MTTR.Count, fmtPtr(want.MTTR.Mean), fmtPtr(want.MTTR.P50), fmtPtr(want.MTTR.P90))
	}
	for _, f := range []struct {
		n    string
		a, b *float64
	}{
		{"after_hours_share", got.AfterHoursShare, want.AfterHoursShare},
		{"noise_incident_share", got.NoiseIncidentShare, want.NoiseIncidentShare},
		{"toil_ratio", got.ToilRatio, want.ToilRatio},
	} {
		if !eqPtr(f.a, f.b) {
			t.Errorf("%s %s = %s, want %s", name, f.n, fmtPtr(f.a), fmtPtr(f.b))
		}
	}
}
