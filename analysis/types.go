package analysis

import "time"

// SchemaVersion is the metrics.json schema_version this package writes.
const SchemaVersion = 1

// Metrics is one period's metrics.json document. Field order is the key order
// of the contract in docs/metrics.md; encoding/json keeps it.
type Metrics struct {
	SchemaVersion int          `json:"schema_version"`
	Period        Period       `json:"period"`
	Org           Totals       `json:"org"`
	Teams         []Team       `json:"teams"`
	Responders    []Responder  `json:"responders"`
	NoisyAlerts   []NoisyAlert `json:"noisy_alerts"`

	// OnCallHours, Fairness and Pay are the period's on-call hours per
	// responder, fairness per team and pay (Computer.OnCallHours; added
	// keys "oncall_hours", "fairness" and "pay"). Compute leaves them
	// empty, and then they are not written; WithHours fills them. Pay is
	// there only when the config has pay.
	OnCallHours []ResponderHours `json:"oncall_hours,omitempty"`
	Fairness    []TeamFairness   `json:"fairness,omitempty"`
	Pay         *PayReport       `json:"pay,omitempty"`

	// Warnings are data problems met while computing (for example users
	// without a known time zone, whose hours were taken in the fallback
	// zone). They are
	// not part of metrics.json.
	Warnings []string `json:"-"`
}

// WithHours returns a copy of m (sharing its slices) with h's responders,
// fairness and pay; m is unchanged.
func (m *Metrics) WithHours(h *HoursReport) *Metrics {
	c := *m
	if h != nil {
		c.OnCallHours, c.Fairness, c.Pay = h.Responders, h.Fairness, h.Pay
	}
	return &c
}

// Period is the reported ISO week or calendar month, in the report time zone.
// Start and End are instants (End exclusive), written in UTC.
type Period struct {
	Kind     string    `json:"kind"`  // "week" or "month"
	Label    string    `json:"label"` // "2026-W46" or "2026-10"
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"time_zone"`
	// TeamSource says what the teams of metrics.json are: "teams" (the
	// account's teams) or "escalation_policies" (an account without the
	// teams ability, where each escalation policy stands in as a team).
	// Compute fills it; an added key of schema version 1.
	TeamSource string `json:"team_source"`
}

// Interruptions counts pages by hour class of their first notification.
type Interruptions struct {
	Total    int `json:"total"`
	Business int `json:"business"`
	Off      int `json:"off"`
	Sleep    int `json:"sleep"`
}

// Durations summarises a set of durations in seconds. Mean, P50 and P90 are
// nil when Count is 0.
type Durations struct {
	Count int      `json:"count"`
	Mean  *float64 `json:"mean"`
	P50   *float64 `json:"p50"`
	P90   *float64 `json:"p90"`
}

// Totals are the counts shared by the org and each team. Shares and ratios
// are in 0..1 and nil when their denominator is 0.
type Totals struct {
	Incidents          int           `json:"incidents"`
	Alerts             int           `json:"alerts"`
	Interruptions      Interruptions `json:"interruptions"`
	AfterHoursShare    *float64      `json:"after_hours_share"`
	MTTA               Durations     `json:"mtta"`
	MTTR               Durations     `json:"mttr"`
	AutoResolved       int           `json:"auto_resolved"`
	OpenIncidents      int           `json:"open_incidents"`
	NoiseIncidents     int           `json:"noise_incidents"`
	NoiseIncidentShare *float64      `json:"noise_incident_share"`
	ToilRatio          *float64      `json:"toil_ratio"`
}

// AlertsPerShift summarises alerts per level-1 shift; all but Shifts are nil
// when there are no shifts.
type AlertsPerShift struct {
	Shifts int      `json:"shifts"`
	Mean   *float64 `json:"mean"`
	P50    *float64 `json:"p50"`
	Max    *int     `json:"max"`
}

// Team is a team's Totals plus its shift load and flags.
type Team struct {
	Totals
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	AlertsPerShift     AlertsPerShift `json:"alerts_per_shift"`
	AlertsPer12hOnCall *float64       `json:"alerts_per_12h_on_call"`
	Flags              []string       `json:"flags"`
	// BusiestShifts are the team's five level-1 shifts starting in the
	// period with the most alerts (most first; ties: earlier start). An
	// added key of metrics.json ("busiest_shifts"), allowed by the contract.
	BusiestShifts []Shift `json:"busiest_shifts"`
}

// Reason is one burnout rule that fired: its value and the threshold of the
// level it reached.
type Reason struct {
	Rule      string  `json:"rule"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Level     string  `json:"level"` // "elevated" or "high"
}

// Responder is one user with on-call time or an interruption in the period.
// Durations are in seconds.
type Responder struct {
	ID                    string        `json:"id"`
	Name                  string        `json:"name"`
	TimeZone              string        `json:"time_zone"`
	TeamIDs               []string      `json:"team_ids"`
	OnCallSeconds         float64       `json:"on_call_seconds"`
	OnCallSecondsLevel1   float64       `json:"on_call_seconds_level_1"`
	Interruptions         Interruptions `json:"interruptions"`
	Incidents             int           `json:"incidents"`
	IncidentsPer12hOnCall *float64      `json:"incidents_per_12h_on_call"`
	Risk                  string        `json:"risk"` // none, elevated, high
	Reasons               []Reason      `json:"reasons"`
}

// NoisyAlert is one signature of the period's incidents.
type NoisyAlert struct {
	Signature               string   `json:"signature"`
	ServiceID               string   `json:"service_id"`
	SampleTitle             string   `json:"sample_title"`
	Incidents               int      `json:"incidents"`
	Alerts                  int      `json:"alerts"`
	Interruptions           int      `json:"interruptions"`
	AfterHoursInterruptions int      `json:"after_hours_interruptions"`
	AutoResolvedShare       *float64 `json:"auto_resolved_share"`
	P50SecondsToResolve     *float64 `json:"p50_seconds_to_resolve"`
	NoiseIncidents          int      `json:"noise_incidents"`
}

// Heatmap counts interruptions by the responder's local ISO weekday (index 0 =
// Monday) and local hour (0..23), each taken in the notified user's own time zone.
type Heatmap [7][24]int

// Shift is one level-1 shift: a maximal run of on-call segments of one user,
// escalation policy and level that overlap or touch. Start and End are UTC;
// Alerts counts the alerts created in [Start, End) on incidents of the policy.
type Shift struct {
	UserID             string    `json:"user_id"`
	UserName           string    `json:"user_name"`
	EscalationPolicyID string    `json:"escalation_policy_id"`
	Start              time.Time `json:"start"`
	End                time.Time `json:"end"`
	Alerts             int       `json:"alerts"`
}
