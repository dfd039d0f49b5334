package analysis

import (
	"testing"

	"github.com/oncall-health/oncall-health/ingest"
)

// plantedPD is a period's metrics and PagerDuty's Analytics for it, planted
// so that each kind of row occurs: figures that agree (within PagerDuty's
// whole-second rounding), differences with a known reason, differences
// without one, a team and a responder on one side only, and the figures
// this version does not compute yet.
func plantedPD() (*Metrics, *ingest.Analytics) {
	m := &Metrics{
		Period: Period{Kind: "week", Label: "2026-W45", TimeZone: "UTC"},
		Org: Totals{Incidents: 10, MTTA: Durations{Count: 8, Mean: f64(120.4)}, MTTR: Durations{Count: 9, Mean: f64(3000)},
			Interruptions: Interruptions{Total: 7, Business: 4, Off: 2, Sleep: 1}},
		Teams: []Team{
			{ID: "PT1", Name: "Payments", Totals: Totals{Incidents: 6, MTTA: Durations{Count: 6, Mean: f64(100)},
				Interruptions: Interruptions{Total: 3, Business: 3}}},
			{ID: "unassigned", Name: "Unassigned", Totals: Totals{Incidents: 1, Interruptions: Interruptions{Total: 1, Off: 1}}},
		},
		Responders: []Responder{
			{ID: "PU1", Name: "Ana", OnCallSeconds: 86400, OnCallSecondsLevel1: 43200, Incidents: 2,
				Interruptions: Interruptions{Total: 2, Business: 1, Off: 1}},
			{ID: "PU2", Name: "Ben", OnCallSeconds: 7200, OnCallSecondsLevel1: 7200},
		},
	}
	pd := &ingest.Analytics{
		Org: ingest.IncidentAnalytics{Incidents: 10, MeanSecondsToFirstAck: 120, MeanSecondsToResolve: 3300,
			BusinessHourInterruptions: 4, OffHourInterruptions: 2, SleepHourInterruptions: 1, EngagedSeconds: 5000},
		Teams: []ingest.IncidentAnalytics{
			{TeamID: "PT1", TeamName: "Payments", Incidents: 6, MeanSecondsToFirstAck: 100,
				BusinessHourInterruptions: 2, OffHourInterruptions: 1},
			{TeamID: "PT2", TeamName: "Search", Incidents: 2},
		},
		Responders: []ingest.ResponderAnalytics{
			{ResponderID: "PU1", ResponderName: "Ana", Incidents: 3, Interruptions: 2, BusinessHourInterruptions: 1,
				OffHourInterruptions: 1, SecondsOnCall: 86400, SecondsOnCallLevel1: 43200, SecondsOnCallLevel2Plus: 86400},
			{ResponderID: "PU3", ResponderName: "Cem", Incidents: 1, SecondsOnCall: 3600, SecondsOnCallLevel1: 3600},
		},
	}
	return m, pd
}

func findRow(t *testing.T, c *PDComparison, scope, id, metric string) PDRow {
	t.Helper()
	for _, r := range c.Rows {
		if r.Scope == scope && r.ID == id && r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row %s %s %s", scope, id, metric)
	return PDRow{}
}

func val(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestComparePD checks ComparePD's rows and summary on plantedPD.
func TestComparePD(t *testing.T) {
	m, pd := plantedPD()
	c := ComparePD(m, pd)
	// Rows: 10 totals figures for the org and the teams PT1, PT2 (PagerDuty
	// only) and unassigned (ours only): 40; 10 responder figures for PU1,
	// PU2 (ours only) and PU3 (PagerDuty only): 30. 70 rows.
	// Totals, per scope, of the 7 computed figures (incidents, mtta, mttr,
	// interruptions total/business/off/sleep; engaged, escalations and
	// mobilize are not computed: 3 x 4 = 12 rows):
	//   org: mtta 120.4 vs 120 agrees (within 1 s); mttr 3000 vs 3300
	//        differs; the rest agree: 6 agree, 1 differs.
	//   PT1: business 3 vs 2 and off 0 vs 1 differ; mttr none vs none and
	//        the rest agree: 5 agree, 2 differ.
	//   PT2: incidents 0 vs 2 differ; means none on both sides (PagerDuty's
	//        0), interruptions 0 = 0: 6 agree, 1 differs.
	//   unassigned (PagerDuty's zeros): incidents 1 vs 0, total 1 vs 0 and
	//        off 1 vs 0 differ: 4 agree, 3 differ.
	//   => 21 agree, 7 differ, each with a reason (team scope always has one).
	// Responders, of the 8 computed figures (mtta and engaged are not:
	// 2 x 3 = 6 rows):
	//   PU1: incidents 2 vs 3 differs (explained), level 2+ 86400-43200 =
	//        43200 vs 86400 differs (explained): 6 agree, 2 differ.
	//   PU2 (PagerDuty's zeros): on-call 7200 vs 0 and level 1 7200 vs 0
	//        differ without a reason: 6 agree, 2 differ.
	//   PU3 (our zeros): incidents 0 vs 1 (explained), on-call and level 1
	//        0 vs 3600 (unexplained): 5 agree, 3 differ.
	//   => 17 agree, 7 differ (3 explained, 4 unexplained).
	want := PDSummary{Rows: 70, Agree: 38, Differ: 14, NotComputed: 18, Explained: 10, Unexplained: 4}
	if c.Summary != want {
		t.Errorf("summary %+v, want %+v", c.Summary, want)
	}
	if len(c.Rows) != 70 {
		t.Errorf("%d rows, want 70", len(c.Rows))
	}
	mtta := 120.4 // a variable: the difference is float64 arithmetic, not exact constant arithmetic
	for _, tc := range []struct {
		scope, id, metric string
		ours, pd, diff    any
		status, reason    string
	}{
		{"org", "", "incidents", 10.0, 10.0, 0.0, PDAgree, ""},
		{"org", "", "mtta_mean", 120.4, 120.0, mtta - 120, PDAgree, ""},
		{"org", "", "mttr_mean", 3000.0, 3300.0, -300.0, PDDiffer, reasonMTTR},
		{"org", "", "interruptions", 7.0, 7.0, 0.0, PDAgree, ""},
		{"org", "", "engaged_seconds", nil, 5000.0, nil, PDNotComputed, ""},
		{"team", "PT1", "interruptions_business", 3.0, 2.0, 1.0, PDDiffer, reasonInterruptions + "; also, " + reasonTeam},
		{"team", "PT1", "mttr_mean", nil, nil, nil, PDAgree, ""},
		{"team", "PT2", "incidents", 0.0, 2.0, -2.0, PDDiffer, reasonTeam},
		{"team", "unassigned", "interruptions_off", 1.0, 0.0, 1.0, PDDiffer, reasonNoTeam},
		{"responder", "PU1", "incidents", 2.0, 3.0, -1.0, PDDiffer, reasonResponderIncidents},
		{"responder", "PU1", "on_call_seconds_level_2_plus", 43200.0, 86400.0, -43200.0, PDDiffer, reasonLevel2},
		{"responder", "PU1", "mtta_mean", nil, nil, nil, PDNotComputed, ""},
		{"responder", "PU2", "on_call_seconds", 7200.0, 0.0, 7200.0, PDDiffer, ""},
		{"responder", "PU3", "on_call_seconds_level_1", 0.0, 3600.0, -3600.0, PDDiffer, ""},
	} {
		t.Run(tc.scope+"/"+tc.id+"/"+tc.metric, func(t *testing.T) {
			r := findRow(t, c, tc.scope, tc.id, tc.metric)
			if val(r.Ours) != tc.ours || val(r.PagerDuty) != tc.pd || val(r.Difference) != tc.diff || r.Status != tc.status || r.Reason != tc.reason {
				t.Errorf("row %+v (ours %v, pd %v, diff %v); want ours %v pd %v diff %v status %s reason %q",
					r, val(r.Ours), val(r.PagerDuty), val(r.Difference), tc.ours, tc.pd, tc.diff, tc.status, tc.reason)
			}
		})
	}
	// Names come from our side, else PagerDuty's.
	if r := findRow(t, c, "responder", "PU3", "incidents"); r.Name != "Cem" {
		t.Errorf("PU3 name %q, want Cem", r.Name)
	}
	if r := findRow(t, c, "team", "PT2", "incidents"); r.Name != "Search" {
		t.Errorf("PT2 name %q, want Search", r.Name)
	}
}

// TestComparePDOneSided: a mean only one side has is only_ours or
// only_pagerduty, with the reason of its figure.
func TestComparePDOneSided(t *testing.T) {
	m, pd := plantedPD()
	pd.Org.MeanSecondsToFirstAck = 0 // PagerDuty has no MTTA: ours 120.4 stands alone
	m.Org.MTTR = Durations{}         // we have no MTTR: PagerDuty's 3300 stands alone
	c := ComparePD(m, pd)
	if r := findRow(t, c, "org", "", "mtta_mean"); r.Status != PDOnlyOurs || val(r.Ours) != 120.4 || r.PagerDuty != nil || r.Difference != nil {
		t.Errorf("mtta row %+v", r)
	}
	if r := findRow(t, c, "org", "", "mttr_mean"); r.Status != PDOnlyPD || r.Ours != nil || val(r.PagerDuty) != 3300.0 || r.Reason != reasonMTTR {
		t.Errorf("mttr row %+v", r)
	}
	// From TestComparePD's 38 agree / 14 differ: mtta moves from agree to
	// only_ours (unexplained: no reason), mttr from differ (explained) to
	// only_pagerduty (explained).
	want := PDSummary{Rows: 70, Agree: 37, Differ: 13, OnlyOurs: 1, OnlyPagerDuty: 1, NotComputed: 18, Explained: 10, Unexplained: 5}
	if c.Summary != want {
		t.Errorf("summary %+v, want %+v", c.Summary, want)
	}
}

// TestComparePDNoTeams: on an account without teams our teams are
// escalation policies, which PagerDuty's team figures do not know: a
// differing team figure gives that reason alone, not its figure's.
func TestComparePDNoTeams(t *testing.T) {
	m, pd := plantedPD()
	m.Period.TeamSource = "escalation_policies"
	c := ComparePD(m, pd)
	// PT1's business pages: ours 3, PagerDuty's 2 (plantedPD).
	if r := findRow(t, c, "team", "PT1", "interruptions_business"); r.Status != PDDiffer || r.Reason != reasonNoTeam {
		t.Errorf("row %+v, want differ with the no-team reason", r)
	}
	// The org is not a team: its MTTR keeps the merge reason.
	if r := findRow(t, c, "org", "", "mttr_mean"); r.Reason != reasonMTTR {
		t.Errorf("org mttr reason %q", r.Reason)
	}
}
