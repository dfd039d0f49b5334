package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

// ErrNoAnalytics means PagerDuty refused its Analytics API (HTTP 402 or
// 403): the account's plan does not include Analytics, or the token may not
// use it (a scoped OAuth token needs the analytics scope).
var ErrNoAnalytics = errors.New("PagerDuty Analytics is not available to this account or token")

// AnalyticsQuery is the period the crosscheck asks PagerDuty's Analytics
// API about: the incidents created in [Start, End), with instants and
// grouping in TimeZone (an IANA name; empty means UTC). TeamIDs, when set,
// is the team_ids filter of /analytics/metrics/incidents/teams, which
// PagerDuty requires for user-level API keys and OAuth tokens.
type AnalyticsQuery struct {
	Start, End time.Time
	TimeZone   string
	TeamIDs    []string
}

// IncidentAnalytics is PagerDuty's aggregate of the incidents of the whole
// account or of one team (TeamID and TeamName set), in PagerDuty's own
// definitions. Durations are whole seconds; a mean PagerDuty left out (no
// incident to measure) is 0, since go-pagerduty's decoding cannot tell it
// from a true 0.
type IncidentAnalytics struct {
	TeamID, TeamName                string
	Incidents                       int // total_incident_count
	MeanSecondsToFirstAck           int // mean_seconds_to_first_ack
	MeanSecondsToResolve            int // mean_seconds_to_resolve
	BusinessHourInterruptions       int // total_business_hour_interruptions
	OffHourInterruptions            int // total_off_hour_interruptions
	SleepHourInterruptions          int // total_sleep_hour_interruptions
	EngagedSeconds                  int // total_engaged_seconds
	Escalations                     int // total_escalation_count
	SnoozedSeconds, MeanAssignments int // total_snoozed_seconds, mean_assignment_count
	MeanSecondsToMobilize, Engagers int // mean_seconds_to_mobilize, mean_engaged_user_count
}

// ResponderAnalytics is PagerDuty's aggregate for one responder (user) of
// /analytics/metrics/responders/all. Durations are whole seconds.
type ResponderAnalytics struct {
	ResponderID   flexID `json:"responder_id"`
	ResponderName string `json:"responder_name"`
	// Incidents is total_incident_count: the incidents assigned to the
	// responder.
	Incidents                 int `json:"total_incident_count"`
	IncidentsAcknowledged     int `json:"total_incidents_acknowledged"`
	MeanSecondsToAcknowledge  int `json:"mean_time_to_acknowledge_seconds"`
	Interruptions             int `json:"total_interruptions"`
	BusinessHourInterruptions int `json:"total_business_hour_interruptions"`
	OffHourInterruptions      int `json:"total_off_hour_interruptions"`
	SleepHourInterruptions    int `json:"total_sleep_hour_interruptions"`
	EngagedSeconds            int `json:"total_engaged_seconds"`
	Notifications             int `json:"total_notifications"`
	TimeoutEscalatedFrom      int `json:"total_incidents_timeout_escalated_from"`
	ManualEscalatedFrom       int `json:"total_incidents_manual_escalated_from"`
	SecondsOnCall             int `json:"total_seconds_on_call"`
	SecondsOnCallLevel1       int `json:"total_seconds_on_call_level_1"`
	SecondsOnCallLevel2Plus   int `json:"total_seconds_on_call_level_2_plus"`
	TimeoutEscalatedTo        int `json:"total_incidents_timeout_escalated_to"`
	ManualEscalatedTo         int `json:"total_incidents_manual_escalated_to"`
	MeanEngagedSeconds        int `json:"mean_engaged_seconds"`
}

// flexID is an ID PagerDuty may send as a string (as its examples do) or as
// a number (as its schema says for responder_id).
type flexID string

// UnmarshalJSON reads a string, a number or null.
func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("responder_id: %w", err)
	}
	*f = flexID(n.String())
	return nil
}

// ID is the responder's user ID.
func (r ResponderAnalytics) ID() string { return string(r.ResponderID) }

// Analytics is what PagerDuty's Analytics API says about one period.
type Analytics struct {
	Org        IncidentAnalytics
	Teams      []IncidentAnalytics
	Responders []ResponderAnalytics
}

// analyticsHeader is the header go-pagerduty sends with its analytics
// calls; the responders call sends it too.
var analyticsHeader = map[string]string{"X-EARLY-ACCESS": "analytics-v2"}

// Analytics asks PagerDuty's Analytics API about q: POST
// /analytics/metrics/incidents/all and /incidents/teams through
// go-pagerduty's GetAggregatedIncidentData and GetAggregatedTeamData, and
// /analytics/metrics/responders/all, which go-pagerduty v1.8.0 has no method
// for, as one request through go-pagerduty's client (Client.Do: its auth
// headers, and this client's pacing and retries) decoded here. A 402 or 403
// is ErrNoAnalytics, a 401 ErrUnauthorized.
func (c *Client) Analytics(ctx context.Context, q AnalyticsQuery) (*Analytics, error) {
	zone := q.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("analytics: time zone %q: %w", zone, err)
	}
	start, end := q.Start.In(loc).Format(time.RFC3339), q.End.In(loc).Format(time.RFC3339)
	req := pagerduty.AnalyticsRequest{
		Filters:  &pagerduty.AnalyticsFilter{CreatedAtStart: start, CreatedAtEnd: end},
		TimeZone: zone,
	}
	var out Analytics
	all, err := c.PD.GetAggregatedIncidentData(ctx, req)
	if err != nil {
		return nil, c.analyticsErr("/analytics/metrics/incidents/all", err)
	}
	if len(all.Data) > 0 {
		out.Org = incidentAnalytics(all.Data[0])
	}
	teamReq := req
	teamReq.Filters = &pagerduty.AnalyticsFilter{CreatedAtStart: start, CreatedAtEnd: end, TeamIDs: q.TeamIDs}
	teams, err := c.PD.GetAggregatedTeamData(ctx, teamReq)
	if err != nil {
		return nil, c.analyticsErr("/analytics/metrics/incidents/teams", err)
	}
	for _, d := range teams.Data {
		out.Teams = append(out.Teams, incidentAnalytics(d))
	}
	out.Responders, err = c.responderAnalytics(ctx, responderRequest{
		Filters:  responderFilters{DateRangeStart: start, DateRangeEnd: end},
		TimeZone: zone,
	})
	if err != nil {
		return nil, c.analyticsErr("/analytics/metrics/responders/all", err)
	}
	return &out, nil
}

// incidentAnalytics keeps the fields of go-pagerduty's AnalyticsData that
// the crosscheck reads.
func incidentAnalytics(d pagerduty.AnalyticsData) IncidentAnalytics {
	return IncidentAnalytics{
		TeamID: d.TeamID, TeamName: d.TeamName,
		Incidents:                 d.TotalIncidentCount,
		MeanSecondsToFirstAck:     d.MeanSecondsToFirstAck,
		MeanSecondsToResolve:      d.MeanSecondsToResolve,
		BusinessHourInterruptions: d.TotalBusinessHourInterruptions,
		OffHourInterruptions:      d.TotalOffHourInterruptions,
		SleepHourInterruptions:    d.TotalSleepHourInterruptions,
		EngagedSeconds:            d.TotalEngagedSeconds,
		Escalations:               d.TotalEscalationCount,
		SnoozedSeconds:            d.TotalSnoozedSeconds,
		MeanAssignments:           d.MeanAssignmentCount,
		MeanSecondsToMobilize:     d.MeanSecondsToMobilize,
		Engagers:                  d.MeanEngagedUserCount,
	}
}

// responderRequest is the body of /analytics/metrics/responders/all
// (AnalyticsResponderFilter in PagerDuty's OpenAPI description).
type responderRequest struct {
	Filters  responderFilters `json:"filters"`
	TimeZone string           `json:"time_zone,omitempty"`
}

type responderFilters struct {
	DateRangeStart string   `json:"date_range_start"`
	DateRangeEnd   string   `json:"date_range_end"`
	ResponderIDs   []string `json:"responder_ids,omitempty"`
}

// responderAnalytics POSTs body to /analytics/metrics/responders/all.
func (c *Client) responderAnalytics(ctx context.Context, body responderRequest) ([]ResponderAnalytics, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api.base+"/analytics/metrics/responders/all", bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("failed to build request: %w", err)
	}
	for k, v := range analyticsHeader {
		req.Header.Set(k, v)
	}
	raw, err := c.api.do(req)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Data []ResponderAnalytics `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode responders: %w", err)
	}
	return doc.Data, nil
}

// analyticsErr names the endpoint of a failed analytics call and turns a
// 402 or 403 into ErrNoAnalytics.
func (c *Client) analyticsErr(path string, err error) error {
	var apiErr pagerduty.APIError
	if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusPaymentRequired || apiErr.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%w (HTTP %s from %s)", ErrNoAnalytics, strconv.Itoa(apiErr.StatusCode), path)
	}
	return fmt.Errorf("%s: %w", path, c.classify(err))
}
