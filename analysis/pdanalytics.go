package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/oncall-health/oncall-health/internal/atomicfile"

	"github.com/oncall-health/oncall-health/ingest"
)

// PDComparison holds one period's figures beside PagerDuty Analytics'
// figures for the same period: the crosscheck command prints it and writes
// it as crosscheck.json (docs/cli.md describes the file).
type PDComparison struct {
	Period  Period    `json:"period"`
	Rows    []PDRow   `json:"rows"`
	Summary PDSummary `json:"summary"`
}

// PDRow is one figure of one scope, ours beside PagerDuty's.
type PDRow struct {
	// Scope is "org", "team" or "responder"; ID and Name say which team or
	// responder (empty for the org).
	Scope string `json:"scope"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	// Metric names the figure (docs/cli.md lists them); Unit is "count" or
	// "seconds".
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// Ours and PagerDuty are the two figures, nil where that side has none
	// (a mean over no incident; ours also while not computed).
	Ours      *float64 `json:"ours"`
	PagerDuty *float64 `json:"pagerduty"`
	// Difference is Ours - PagerDuty, nil unless both are set.
	Difference *float64 `json:"difference"`
	// Status is one of the PDStatus values.
	Status string `json:"status"`
	// Reason says, for a figure that differs, how the two definitions
	// differ on purpose; empty when they should agree (an unexplained
	// difference).
	Reason string `json:"reason,omitempty"`
}

// Statuses of a PDRow.
const (
	PDAgree       = "agree"     // equal (means within PagerDuty's whole-second rounding)
	PDDiffer      = "differ"    // both sides have a figure and they differ
	PDOnlyOurs    = "only_ours" // we have a figure, PagerDuty none
	PDOnlyPD      = "only_pagerduty"
	PDNotComputed = "not_computed" // this version does not compute our side yet
)

// PDSummary counts the rows by outcome. Explained and Unexplained split
// the rows that differ (Differ, OnlyOurs, OnlyPagerDuty) by whether a
// reason is known.
type PDSummary struct {
	Rows          int `json:"rows"`
	Agree         int `json:"agree"`
	Differ        int `json:"differ"`
	OnlyOurs      int `json:"only_ours"`
	OnlyPagerDuty int `json:"only_pagerduty"`
	NotComputed   int `json:"not_computed"`
	Explained     int `json:"explained"`
	Unexplained   int `json:"unexplained"`
}

// Reasons the definitions differ on purpose, one per kind of figure.
const (
	reasonMTTR = "PagerDuty keeps incidents merged into another in its time to resolve; we leave them out " +
		"(the merge closes a duplicate, it does not repair anything)"
	reasonInterruptions = "PagerDuty counts the interruptions of the period's incidents; we count pages by their own " +
		"instant, and class them with the configured hours (PagerDuty's are fixed: business 08-18 Monday to Friday, " +
		"sleep 22-08)"
	reasonTeam = "an incident is its first team's here (else its service's); PagerDuty counts it for the team it " +
		"was assigned to"
	reasonNoTeam = "PagerDuty's team figures know no team \"unassigned\" (incidents without a team) nor escalation " +
		"policies standing in for teams (an account without teams)"
	reasonEngaged = "PagerDuty adds up each responder's engagement per incident over the period's incidents " +
		"(parallel incidents count each); we take the union per responder, at most 24 h per incident, clipped to the period"
	reasonEscalations = "PagerDuty counts the escalations of the period's incidents, whenever they happened; we count " +
		"the escalations made in the period"
	reasonResponderIncidents = "PagerDuty counts the incidents assigned to the responder; we count the incidents " +
		"that paged them (phone, SMS or push: not those that only e-mailed)"
	reasonResponderMTTA = "PagerDuty measures from the responder's first assignment on the incident; we from their " +
		"first notification on it"
	reasonLevel2 = "our level 2+ time is all-level time minus level-1 time, so time on call at level 1 and level 2+ " +
		"at once counts at level 1 only; PagerDuty counts it at both"
	reasonMobilize = "PagerDuty measures to the last additional responder's acknowledgement over the period's " +
		"incidents with several engaged users; we over those acknowledged by two or more distinct users"
)

// totalsCheck is one figure compared for the org and each team.
type totalsCheck struct {
	metric, unit string
	ours         func(*Totals) (v *float64, ok bool) // ok false: not computed by this version
	pd           func(*ingest.IncidentAnalytics) *float64
	reason       string
}

// responderCheck is one figure compared for each responder.
type responderCheck struct {
	metric, unit string
	ours         func(*Responder) (v *float64, ok bool)
	pd           func(*ingest.ResponderAnalytics) *float64
	reason       string
}

func num(x float64) *float64 { return &x }
func count(n int) *float64   { return num(float64(n)) }

// pdMean is a mean PagerDuty reports in whole seconds; 0 is no figure
// (go-pagerduty cannot tell a mean left out from 0).
func pdMean(n int) *float64 {
	if n == 0 {
		return nil
	}
	return count(n)
}

func have(v *float64) (*float64, bool) { return v, true }

// totalsChecks are the org and team figures compared, in output order.
var totalsChecks = []totalsCheck{
	{"incidents", "count", func(t *Totals) (*float64, bool) { return have(count(t.Incidents)) },
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.Incidents) }, ""},
	{"mtta_mean", "seconds", func(t *Totals) (*float64, bool) { return have(t.MTTA.Mean) },
		func(p *ingest.IncidentAnalytics) *float64 { return pdMean(p.MeanSecondsToFirstAck) }, ""},
	{"mttr_mean", "seconds", func(t *Totals) (*float64, bool) { return have(t.MTTR.Mean) },
		func(p *ingest.IncidentAnalytics) *float64 { return pdMean(p.MeanSecondsToResolve) }, reasonMTTR},
	{"interruptions", "count", func(t *Totals) (*float64, bool) { return have(count(t.Interruptions.Total)) },
		func(p *ingest.IncidentAnalytics) *float64 {
			return count(p.BusinessHourInterruptions + p.OffHourInterruptions + p.SleepHourInterruptions)
		}, reasonInterruptions},
	{"interruptions_business", "count", func(t *Totals) (*float64, bool) { return have(count(t.Interruptions.Business)) },
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.BusinessHourInterruptions) }, reasonInterruptions},
	{"interruptions_off", "count", func(t *Totals) (*float64, bool) { return have(count(t.Interruptions.Off)) },
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.OffHourInterruptions) }, reasonInterruptions},
	{"interruptions_sleep", "count", func(t *Totals) (*float64, bool) { return have(count(t.Interruptions.Sleep)) },
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.SleepHourInterruptions) }, reasonInterruptions},
	{"engaged_seconds", "seconds", oursTotalsEngaged,
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.EngagedSeconds) }, reasonEngaged},
	{"escalations", "count", oursTotalsEscalations,
		func(p *ingest.IncidentAnalytics) *float64 { return count(p.Escalations) }, reasonEscalations},
	{"time_to_mobilize_mean", "seconds", oursTotalsMobilize,
		func(p *ingest.IncidentAnalytics) *float64 { return pdMean(p.MeanSecondsToMobilize) }, reasonMobilize},
}

// responderChecks are the responder figures compared, in output order.
var responderChecks = []responderCheck{
	{"incidents", "count", func(r *Responder) (*float64, bool) { return have(count(r.Incidents)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.Incidents) }, reasonResponderIncidents},
	{"mtta_mean", "seconds", oursResponderMTTA,
		func(p *ingest.ResponderAnalytics) *float64 { return pdMean(p.MeanSecondsToAcknowledge) }, reasonResponderMTTA},
	{"interruptions", "count", func(r *Responder) (*float64, bool) { return have(count(r.Interruptions.Total)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.Interruptions) }, reasonInterruptions},
	{"interruptions_business", "count", func(r *Responder) (*float64, bool) { return have(count(r.Interruptions.Business)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.BusinessHourInterruptions) }, reasonInterruptions},
	{"interruptions_off", "count", func(r *Responder) (*float64, bool) { return have(count(r.Interruptions.Off)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.OffHourInterruptions) }, reasonInterruptions},
	{"interruptions_sleep", "count", func(r *Responder) (*float64, bool) { return have(count(r.Interruptions.Sleep)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.SleepHourInterruptions) }, reasonInterruptions},
	{"engaged_seconds", "seconds", oursResponderEngaged,
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.EngagedSeconds) }, reasonEngaged},
	{"on_call_seconds", "seconds", func(r *Responder) (*float64, bool) { return have(num(r.OnCallSeconds)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.SecondsOnCall) }, ""},
	{"on_call_seconds_level_1", "seconds", func(r *Responder) (*float64, bool) { return have(num(r.OnCallSecondsLevel1)) },
		func(p *ingest.ResponderAnalytics) *float64 { return count(p.SecondsOnCallLevel1) }, ""},
	{"on_call_seconds_level_2_plus", "seconds", func(r *Responder) (*float64, bool) {
		return have(num(r.OnCallSeconds - r.OnCallSecondsLevel1))
	}, func(p *ingest.ResponderAnalytics) *float64 { return count(p.SecondsOnCallLevel2Plus) }, reasonLevel2},
}

// ---- STUB (issue 19): figures another change adds to Totals and Responder.
// Until those fields exist these report "not computed". At merge, replace
// each body with the line in its comment.

// oursTotalsEngaged is Totals.EngagedSeconds.Total.
func oursTotalsEngaged(*Totals) (*float64, bool) {
	return nil, false // return have(num(float64(t.EngagedSeconds.Total)))
}

// oursTotalsEscalations is Totals.Escalations, timeout and manual together
// (PagerDuty's total_escalation_count does not split them).
func oursTotalsEscalations(*Totals) (*float64, bool) {
	return nil, false // return have(count(t.Escalations.Timeout + t.Escalations.Manual))
}

// oursTotalsMobilize is the mean of Totals.TimeToMobilize.
func oursTotalsMobilize(*Totals) (*float64, bool) {
	return nil, false // return have(t.TimeToMobilize.Mean)
}

// oursResponderMTTA is the mean of Responder.MTTA.
func oursResponderMTTA(*Responder) (*float64, bool) {
	return nil, false // return have(r.MTTA.Mean)
}

// oursResponderEngaged is Responder.EngagedSeconds.Total.
func oursResponderEngaged(*Responder) (*float64, bool) {
	return nil, false // return have(num(float64(r.EngagedSeconds.Total)))
}

// ---- end of STUB.

// ComparePD holds m beside pd, PagerDuty's Analytics for the same period:
// one row per figure of totalsChecks for the org and for every team either
// side knows (sorted by id), then one per figure of responderChecks for
// every responder either side knows (sorted by id). A team or responder
// PagerDuty does not list has PagerDuty's zeros (it lists only those with
// data); one we do not list has ours. A team's reasons add that teams are
// assigned differently; the team "unassigned" and the escalation policies
// of an account without teams have PagerDuty's zeros and that reason
// alone. Counts agree when equal; durations
// when within 1 s, PagerDuty reporting whole seconds.
func ComparePD(m *Metrics, pd *ingest.Analytics) *PDComparison {
	c := &PDComparison{Period: m.Period, Rows: []PDRow{}}
	addTotals := func(scope, id, name string, ours *Totals, theirs *ingest.IncidentAnalytics, teamReason string) {
		for _, k := range totalsChecks {
			v, ok := k.ours(ours)
			reason := k.reason
			switch teamReason {
			case "":
			case reasonNoTeam:
				reason = reasonNoTeam // only ours: nothing else to explain
			default:
				reason = joinReasons(teamReason, reason)
			}
			c.add(PDRow{Scope: scope, ID: id, Name: name, Metric: k.metric, Unit: k.unit}, v, ok, k.pd(theirs), reason)
		}
	}
	addTotals("org", "", "", &m.Org, &pd.Org, "")

	pdTeams := map[string]*ingest.IncidentAnalytics{}
	for i := range pd.Teams {
		pdTeams[pd.Teams[i].TeamID] = &pd.Teams[i]
	}
	ourTeams := map[string]*Team{}
	for i := range m.Teams {
		ourTeams[m.Teams[i].ID] = &m.Teams[i]
	}
	for _, id := range unionKeys(ourTeams, pdTeams) {
		ours, theirs := ourTeams[id], pdTeams[id]
		name := ""
		if ours == nil {
			ours = &Team{ID: id}
			name = theirs.TeamName
		} else {
			name = ours.Name
		}
		if theirs == nil {
			theirs = &ingest.IncidentAnalytics{TeamID: id}
		}
		why := reasonTeam
		if id == unassignedTeam || m.Period.TeamSource == "escalation_policies" {
			why = reasonNoTeam
		}
		addTotals("team", id, name, &ours.Totals, theirs, why)
	}

	pdResp := map[string]*ingest.ResponderAnalytics{}
	for i := range pd.Responders {
		pdResp[pd.Responders[i].ID()] = &pd.Responders[i]
	}
	ourResp := map[string]*Responder{}
	for i := range m.Responders {
		ourResp[m.Responders[i].ID] = &m.Responders[i]
	}
	for _, id := range unionKeys(ourResp, pdResp) {
		ours, theirs := ourResp[id], pdResp[id]
		if ours == nil {
			ours = &Responder{ID: id, Name: theirs.ResponderName}
		}
		if theirs == nil {
			theirs = &ingest.ResponderAnalytics{ResponderID: ""}
		}
		for _, k := range responderChecks {
			v, ok := k.ours(ours)
			c.add(PDRow{Scope: "responder", ID: id, Name: ours.Name, Metric: k.metric, Unit: k.unit}, v, ok, k.pd(theirs), k.reason)
		}
	}
	return c
}

// add fills in row's figures, difference and status, and counts it.
func (c *PDComparison) add(row PDRow, ours *float64, computed bool, theirs *float64, reason string) {
	row.PagerDuty = theirs
	s := &c.Summary
	s.Rows++
	switch {
	case !computed:
		row.Status = PDNotComputed
		s.NotComputed++
	case ours == nil && theirs == nil:
		row.Ours, row.Status = nil, PDAgree
		s.Agree++
	case theirs == nil:
		row.Ours, row.Status = ours, PDOnlyOurs
		s.OnlyOurs++
	case ours == nil:
		row.Status = PDOnlyPD
		s.OnlyPagerDuty++
	default:
		row.Ours, row.Difference = ours, num(*ours-*theirs)
		tol := 0.0
		if row.Unit == "seconds" {
			tol = 1 // PagerDuty's whole seconds
		}
		if math.Abs(*row.Difference) <= tol {
			row.Status = PDAgree
			s.Agree++
		} else {
			row.Status = PDDiffer
			s.Differ++
		}
	}
	if row.Status == PDDiffer || row.Status == PDOnlyOurs || row.Status == PDOnlyPD {
		row.Reason = reason
		if reason != "" {
			s.Explained++
		} else {
			s.Unexplained++
		}
	}
	c.Rows = append(c.Rows, row)
}

func joinReasons(a, b string) string {
	if b == "" {
		return a
	}
	return b + "; also, " + a
}

// unionKeys is the keys of a and b, sorted.
func unionKeys[A, B any](a map[string]A, b map[string]B) []string {
	seen := map[string]bool{}
	var out []string
	for k := range a {
		if !seen[k] {
			seen[k], out = true, append(out, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k], out = true, append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// WritePDComparison writes c as indented JSON to path (crosscheck.json),
// replacing it whole or not at all.
func WritePDComparison(path string, c *PDComparison) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode crosscheck: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write crosscheck: %w", err)
	}
	return nil
}
