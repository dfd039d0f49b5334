package analysis

import (
	"strings"
	"testing"
)

// Shapes of real PagerDuty accounts, planted in a migrated database as the
// sync stores them. Week 2026-W45 = [2026-11-02, 2026-11-09) UTC.

// TestNoTeamsAccount: an account without the teams ability has no team rows
// and no object carries a team. Each escalation policy stands in as a team.
func TestNoTeamsAccount(t *testing.T) {
	p := newPlanter(t)
	p.exec(`INSERT INTO escalation_policies (id, name) VALUES ('EPA', 'Checkout Escalation'), ('EPB', 'Search Escalation')`)
	p.user("U1", "UTC")
	p.user("U2", "UTC")
	p.oncall("U1", "EPA", 1, "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z")
	p.oncall("U2", "EPB", 1, "2026-11-02T00:00:00Z", "2026-11-02T12:00:00Z")
	// Two incidents on EPA, one on EPB, none on a team.
	p.incident("J1", "checkout down", "", "EPA", "", ts("2026-11-02T01:00:00Z"), "")
	p.incident("J2", "checkout slow", "", "EPA", "", ts("2026-11-02T02:00:00Z"), "")
	p.incident("J3", "search slow", "", "EPB", "", ts("2026-11-02T03:00:00Z"), "")
	p.alert("A1", "J1", ts("2026-11-02T01:00:00Z"))
	p.notify("U1", "J1", ts("2026-11-02T01:00:00Z"), "phone")

	m := p.compute("2026-W45")
	if m.Period.TeamSource != "escalation_policies" {
		t.Errorf("team_source = %q, want escalation_policies", m.Period.TeamSource)
	}
	// Teams are the two policies, with their names; nothing is unassigned.
	var ids []string
	for _, tm := range m.Teams {
		ids = append(ids, tm.ID+"="+tm.Name)
	}
	if got := strings.Join(ids, ","); got != "EPA=Checkout Escalation,EPB=Search Escalation" {
		t.Errorf("teams = %s, want EPA and EPB by name", got)
	}
	a, b := teamByID(t, m, "EPA"), teamByID(t, m, "EPB")
	// EPA: J1, J2; one alert; U1's page; one level-1 shift of 24 h.
	if a.Incidents != 2 || a.Alerts != 1 || a.Interruptions.Total != 1 || a.AlertsPerShift.Shifts != 1 {
		t.Errorf("EPA = %d incidents, %d alerts, %d pages, %d shifts; want 2, 1, 1, 1", a.Incidents, a.Alerts, a.Interruptions.Total, a.AlertsPerShift.Shifts)
	}
	// 1 alert / (24 h / 12 h) = 0.5.
	if !eqPtr(a.AlertsPer12hOnCall, f64(0.5)) {
		t.Errorf("EPA alerts_per_12h_on_call = %s, want 0.5", fmtPtr(a.AlertsPer12hOnCall))
	}
	if b.Incidents != 1 || b.AlertsPerShift.Shifts != 1 {
		t.Errorf("EPB = %d incidents, %d shifts; want 1, 1", b.Incidents, b.AlertsPerShift.Shifts)
	}
	// Members: the users on call on the policy.
	if r := responderByID(t, m, "U1"); len(r.TeamIDs) != 1 || r.TeamIDs[0] != "EPA" {
		t.Errorf("U1 team_ids = %v, want [EPA]", r.TeamIDs)
	}

	// The same data with one team row is an account with teams: the
	// incidents have no team and no service, so they are unassigned.
	p.team("T1")
	m = p.compute("2026-W45")
	if m.Period.TeamSource != "teams" {
		t.Errorf("with a team: team_source = %q, want teams", m.Period.TeamSource)
	}
	if u := teamByID(t, m, unassignedTeam); u.Incidents != 3 {
		t.Errorf("with a team: unassigned incidents = %d, want 3", u.Incidents)
	}
}

// TestMergedIncidents: an incident merged into another is noise and left
// out of MTTR; its pages still count.
func TestMergedIncidents(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.user("U1", "UTC")
	// K1 resolved after 600 s by a person; K2 merged into K1 after 60 s
	// (created 10:10, paged U1 at 10:10).
	p.incident("K1", "db down", "", "", "T1", ts("2026-11-03T10:00:00Z"), "")
	p.resolve("K1", ts("2026-11-03T10:10:00Z"), "user_reference")
	p.incident("K2", "db down again", "", "", "T1", ts("2026-11-03T10:10:00Z"), "")
	p.exec(`UPDATE incidents SET resolve_reason = 'merge_resolve_reason' WHERE id = 'K2'`)
	p.resolve("K2", ts("2026-11-03T10:11:00Z"), "user_reference")
	p.notify("U1", "K2", ts("2026-11-03T10:10:00Z"), "phone")
	cfg := DefaultConfig()
	cfg.Noise.TransientSeconds = 30 // so K2 (60 s) is not noise as transient
	m := p.computeCfg("2026-W45", cfg)
	o := m.Org
	// MTTR over K1 only: one incident, 600 s.
	if o.MTTR.Count != 1 || !eqPtr(o.MTTR.Mean, f64(600)) {
		t.Errorf("mttr = %d, %s; want 1, 600 (K2 merged)", o.MTTR.Count, fmtPtr(o.MTTR.Mean))
	}
	// Noise: K2 (merged) of 2 incidents; its page is on noise: toil 1/1.
	if o.Incidents != 2 || o.NoiseIncidents != 1 || !eqPtr(o.ToilRatio, f64(1)) || o.Interruptions.Total != 1 {
		t.Errorf("incidents %d, noise %d, toil %s, pages %d; want 2, 1, 1, 1", o.Incidents, o.NoiseIncidents, fmtPtr(o.ToilRatio), o.Interruptions.Total)
	}
}

// TestDeletedAndZonelessUsers: a notified user that /users no longer lists,
// and a user without a time zone, are classified in the fallback zone.
func TestDeletedAndZonelessUsers(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.user("U1", "") // no time zone
	p.incident("J1", "x", "", "", "T1", ts("2026-11-02T05:00:00Z"), "")
	// Mon 05:00 UTC: 05:00 in UTC is sleep; in Asia/Kolkata (+05:30) it is
	// 10:30, business.
	p.notify("U1", "J1", ts("2026-11-02T05:00:00Z"), "phone")
	p.notify("UGONE", "J1", ts("2026-11-02T05:00:00Z"), "phone")

	cases := []struct {
		name     string
		cfg      func(*Config)
		class    string // the hour class of both pages
		zoneUsed string
	}{
		// No default_time_zone, report zone UTC: both in UTC, sleep.
		{"report zone", func(c *Config) {}, "sleep", "UTC"},
		// default_time_zone wins over the report zone.
		{"default_time_zone", func(c *Config) { c.DefaultTimeZone = "Asia/Kolkata" }, "business", "Asia/Kolkata"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.cfg(&cfg)
			m := p.computeCfg("2026-W45", cfg)
			for _, id := range []string{"U1", "UGONE"} {
				r := responderByID(t, m, id)
				want := Interruptions{Total: 1}
				if c.class == "sleep" {
					want.Sleep = 1
				} else {
					want.Business = 1
				}
				if r.Interruptions != want || r.TimeZone != c.zoneUsed {
					t.Errorf("%s: pages %+v in %s, want %+v in %s", id, r.Interruptions, r.TimeZone, want, c.zoneUsed)
				}
			}
			if r := responderByID(t, m, "UGONE"); r.Name != "deleted user UGONE" {
				t.Errorf("deleted user's name = %q", r.Name)
			}
			// One warning per user, naming the zone used.
			var n int
			for _, w := range m.Warnings {
				if strings.Contains(w, "user UGONE") && strings.Contains(w, "deleted") && strings.HasSuffix(w, c.zoneUsed) ||
					strings.Contains(w, "user U1 has no time zone") && strings.HasSuffix(w, c.zoneUsed) {
					n++
				}
			}
			if n != 2 || len(m.Warnings) != 2 {
				t.Errorf("warnings %q, want one for U1 and one for UGONE naming %s", m.Warnings, c.zoneUsed)
			}
		})
	}
}

// TestPermanentOnCall: a user named directly in an escalation rule is on
// call for the whole synced range, from the first sync's --since to the
// last sync, clipped to each period.
func TestPermanentOnCall(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.user("M1", "UTC")
	p.exec(`INSERT INTO permanent_oncalls (user_id, escalation_policy_id, escalation_level, last_seen_at) VALUES ('M1', 'EP1', 3, $1)`, ts("2026-11-06T00:00:00Z"))
	// Synced from Wed 2026-10-28 to Fri 2026-11-06 00:00.
	p.exec(`INSERT INTO sync_meta (key, value_at) VALUES ('history_start', $1)`, ts("2026-10-28T00:00:00Z"))
	p.exec(`INSERT INTO sync_state (resource, watermark, updated_at) VALUES ('oncalls', $1, $1)`, ts("2026-11-06T00:00:00Z"))
	m := p.compute("2026-W45")
	r := responderByID(t, m, "M1")
	// In the week: [11-02, 11-06) = 4 days = 345,600 s, none at level 1.
	if r.OnCallSeconds != 4*86400 || r.OnCallSecondsLevel1 != 0 {
		t.Errorf("on call = %v / level 1 %v, want 345600 / 0", r.OnCallSeconds, r.OnCallSecondsLevel1)
	}
	// One stretch [10-28, 11-06) = 9 days: longest stretch > 7 (elevated);
	// 28-day share 9/28 = 0.32 > 0.25 (elevated).
	checkRisk(t, r, "elevated", []Reason{{"on_call_share_28d", 9.0 / 28, 0.25, "elevated"}, {"longest_on_call_stretch_days", 9, 7, "elevated"}})

	// M2 is named at level 1 of EP1, but the last sync that listed them was
	// on 11-04 00:00 (taken out of the rule since): on call [10-28, 11-04),
	// 2 days of the week = 172,800 s. A permanent on-call makes no shift:
	// T1 has no level-1 shift in the week.
	p.user("M2", "UTC")
	p.exec(`INSERT INTO permanent_oncalls (user_id, escalation_policy_id, escalation_level, last_seen_at) VALUES ('M2', 'EP1', 1, $1)`, ts("2026-11-04T00:00:00Z"))
	m = p.compute("2026-W45")
	if r := responderByID(t, m, "M2"); r.OnCallSeconds != 2*86400 || r.OnCallSecondsLevel1 != 2*86400 {
		t.Errorf("M2 on call = %v / level 1 %v, want 172800 / 172800", r.OnCallSeconds, r.OnCallSecondsLevel1)
	}
	if tm := teamByID(t, m, "T1"); tm.AlertsPerShift.Shifts != 0 {
		t.Errorf("T1 shifts = %d, want 0 (permanent on-calls make none)", tm.AlertsPerShift.Shifts)
	}
}

// TestTeamsUnavailable: an account whose /teams answered 402 after it had
// teams (a plan downgraded) groups by escalation policy, as the sync said,
// though the old team rows stay.
func TestTeamsUnavailable(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.incident("J1", "x", "", "EP1", "T1", ts("2026-11-02T01:00:00Z"), "")
	p.exec(`INSERT INTO sync_meta (key, value_at) VALUES ('teams_unavailable', $1)`, ts("2026-11-06T00:00:00Z"))
	m := p.compute("2026-W45")
	if m.Period.TeamSource != "escalation_policies" || teamByID(t, m, "EP1").Incidents != 1 {
		t.Errorf("team_source %q, teams %+v; want escalation_policies with EP1's incident", m.Period.TeamSource, m.Teams)
	}
}

// TestDeletedOnCallUser: a user that on-calls name but /users no longer
// lists, never paged, is a responder named "deleted user <id>" in the
// fallback zone (default_time_zone).
func TestDeletedOnCallUser(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.policy("EP1", "T1")
	p.oncall("UGONE", "EP1", 1, "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z")
	cfg := DefaultConfig()
	cfg.DefaultTimeZone = "Asia/Kolkata"
	r := responderByID(t, p.computeCfg("2026-W45", cfg), "UGONE")
	if r.Name != "deleted user UGONE" || r.TimeZone != "Asia/Kolkata" || r.OnCallSeconds != 86400 {
		t.Errorf("UGONE: %q in %s, %v s on call; want the deleted user in Asia/Kolkata, 86400 s", r.Name, r.TimeZone, r.OnCallSeconds)
	}
}
