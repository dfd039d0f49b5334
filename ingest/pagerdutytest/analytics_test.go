package pagerdutytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// post sends body to path with the test token.
func (f *fixture) post(t testing.TB, path, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token token="+testToken)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// validatePost validates a POST's request body and its answer against the
// operation of path.
func validatePost(t testing.TB, router routers.Router, path, reqBody string, status int, header http.Header, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://api.pagerduty.com"+path, strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no route in spec for POST %s: %v", path, err)
	}
	rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), rin); err != nil {
		t.Fatalf("POST %s: request %s does not match the spec: %v", path, reqBody, err)
	}
	rin.Request.Body = io.NopCloser(strings.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: rin, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "..."
		}
		t.Fatalf("POST %s (%d) does not match the spec: %s\nbody: %.600s", path, status, msg, body)
	}
}

// TestContractAnalytics validates the three Analytics endpoints the
// crosscheck calls, requests (the shapes ingest sends) and answers, against
// PagerDuty's OpenAPI description, for the last week of the organisation,
// with a team filter and a time zone, and a bad request (400).
func TestContractAnalytics(t *testing.T) {
	router := loadSpec(t)
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	end := org.End()
	start := end.Add(-7 * 24 * time.Hour)
	team, _ := org.TeamID(OverloadedTeamName)
	incidents := `{"filters":{"created_at_start":"` + iso(start) + `","created_at_end":"` + iso(end) + `"},"time_zone":"UTC"}`
	berlin := `{"filters":{"created_at_start":"` + start.In(mustZone("Europe/Berlin")).Format(time.RFC3339) +
		`","created_at_end":"` + iso(end) + `","team_ids":["` + team + `"],"urgency":"high"},"time_zone":"Europe/Berlin"}`
	responders := `{"filters":{"date_range_start":"` + iso(start) + `","date_range_end":"` + iso(end) + `"},"time_zone":"UTC"}`
	for _, c := range []struct{ path, body, want string }{
		{"/analytics/metrics/incidents/all", incidents, `"total_incident_count"`},
		{"/analytics/metrics/incidents/all", berlin, `"total_incident_count"`},
		{"/analytics/metrics/incidents/teams", incidents, `"team_id"`},
		{"/analytics/metrics/incidents/teams", berlin, `"team_id":"` + team + `"`},
		{"/analytics/metrics/responders/all", responders, `"total_seconds_on_call_level_2_plus"`},
	} {
		status, h, body := f.post(t, c.path, c.body)
		if status != http.StatusOK || !strings.Contains(string(body), c.want) {
			t.Fatalf("POST %s %s: %d %.300s", c.path, c.body, status, body)
		}
		validatePost(t, router, c.path, c.body, status, h, body)
	}
	// The teams endpoint with a filter answers that team alone.
	_, _, body := f.post(t, "/analytics/metrics/incidents/teams", berlin)
	var doc struct{ Data []map[string]any }
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Data) != 1 {
		t.Fatalf("filtered teams: %v %d rows", err, len(doc.Data))
	}
	bad := `{"filters":{"created_at_start":"yesterday"}}`
	status, h, body := f.post(t, "/analytics/metrics/incidents/all", bad)
	if status != http.StatusBadRequest {
		t.Fatalf("bad filters: %d %s", status, body)
	}
	validatePost(t, router, "/analytics/metrics/incidents/all", bad, status, h, body)
}

// TestNoAnalytics: with Shapes.NoAnalytics every analytics call answers
// that status with the abilities error (the spec describes no 402 or 403
// for these operations, so the body is checked by hand), and the REST API
// is unchanged.
func TestNoAnalytics(t *testing.T) {
	org := sharedSmall(t)
	for _, st := range []int{402, 403} {
		srv := NewServer(org, Options{Token: testToken, Now: org.End, Shapes: Shapes{NoAnalytics: st}})
		f := &fixture{org: org, srv: srv, ts: newHTTPTestServer(srv)}
		for _, p := range []string{"/analytics/metrics/incidents/all", "/analytics/metrics/incidents/teams", "/analytics/metrics/responders/all"} {
			status, _, body := f.post(t, p, `{}`)
			if status != st || !strings.Contains(string(body), `"code":2014`) {
				t.Errorf("%s with NoAnalytics %d: %d %s", p, st, status, body)
			}
		}
		if status, _, _ := f.get(t, "/users"); status != http.StatusOK {
			t.Errorf("/users with NoAnalytics: %d", status)
		}
		f.ts.Close()
	}
}

// handOrg is a tiny organisation written by hand for the analytics
// definitions: users A and B (UTC), one team and service, History to
// 2026-11-16 00:00 UTC (End). Instants below are UTC.
//
//	incident 0, Mon 11-09 10:00:00: assigned A, push to A; escalated by
//	    timeout to B at +300, SMS to B; B acknowledges at +400, resolves at
//	    +1000.
//	incident 1, Mon 11-09 10:00:30: assigned A, phone to A (30 s after A's
//	    push: the same interruption, incident 0's); A acknowledges at +60;
//	    the integration resolves it at +7200.
//	incident 2, Sun 11-15 23:00:00: assigned A, push to A (sleep hours); A
//	    acknowledges at +100; still open at End.
//	incident 3, Sun 11-08 12:00:00: before the period; push to A.
//
// On call: A level 1 of policy 0 from 11-08 00:00 to 11-10 00:00; B level 2
// of policy 0 on 11-09 12:00-18:00; A level 2 of policy 1 on 11-09
// 12:00-13:00 (while also level 1).
func handOrg() *Org {
	at := func(s string) int64 {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t.Unix()
	}
	o := &Org{end: at("2026-11-16T00:00:00Z")}
	o.users = []user{{id: "PA", name: "A", loc: time.UTC}, {id: "PB", name: "B", loc: time.UTC}}
	o.teams = []team{{id: "PT", name: "T"}}
	o.services = []service{{id: "PS", name: "S", team: 0, ep: 0}}
	o.policies = []policy{{id: "PP0", team: 0}, {id: "PP1", team: 0}}
	o.scheds = []schedule{
		{id: "S0", ep: 0, level: 1, segs: []seg{{at("2026-11-08T00:00:00Z"), at("2026-11-10T00:00:00Z"), 0}}},
		{id: "S1", ep: 0, level: 2, segs: []seg{{at("2026-11-09T12:00:00Z"), at("2026-11-09T18:00:00Z"), 1}}},
		{id: "S2", ep: 1, level: 2, segs: []seg{{at("2026-11-09T12:00:00Z"), at("2026-11-09T13:00:00Z"), 0}}},
	}
	add := func(created int64, logs ...logEntry) {
		i := len(o.incidents)
		o.incidents = append(o.incidents, incident{created: created, firstLog: uint32(len(o.logs)), nLogs: uint8(len(logs))})
		for k, e := range logs {
			e.inc, e.seq = uint32(i), uint8(k)
			o.logs = append(o.logs, e)
		}
	}
	t3, t0, t2 := at("2026-11-08T12:00:00Z"), at("2026-11-09T10:00:00Z"), at("2026-11-15T23:00:00Z")
	t1 := t0 + 30
	add(t3, logEntry{at: t3, kind: leTrigger, user: 0}, logEntry{at: t3, kind: leNotify, user: 0, sub: chPush})
	add(t0, logEntry{at: t0, kind: leTrigger, user: 0}, logEntry{at: t0, kind: leNotify, user: 0, sub: chPush},
		logEntry{at: t0 + 300, kind: leEscalate, user: 1}, logEntry{at: t0 + 300, kind: leNotify, user: 1, sub: chSMS},
		logEntry{at: t0 + 400, kind: leAck, user: 1}, logEntry{at: t0 + 1000, kind: leResolve, user: 1, sub: agUser})
	add(t1, logEntry{at: t1, kind: leTrigger, user: 0}, logEntry{at: t1, kind: leNotify, user: 0, sub: chPhone},
		logEntry{at: t1 + 60, kind: leAck, user: 0}, logEntry{at: t1 + 7200, kind: leResolve, user: -1, sub: agIntegrationAPI})
	add(t2, logEntry{at: t2, kind: leTrigger, user: 0}, logEntry{at: t2, kind: leNotify, user: 0, sub: chPush},
		logEntry{at: t2 + 100, kind: leAck, user: 0})
	o.index()
	return o
}

// TestAnalyticsDefinitions checks the fake's Analytics answers on handOrg
// for the week 2026-W46, each figure derived by hand in its comment.
func TestAnalyticsDefinitions(t *testing.T) {
	s := NewServer(handOrg(), Options{Token: testToken})
	call := func(h func(*http.Request) ([]byte, *apiError), body string, v any) {
		t.Helper()
		b, err := h(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		if err != nil {
			t.Fatalf("%s: %s", body, err.body())
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	week := `"2026-11-09T00:00:00Z","created_at_end":"2026-11-16T00:00:00Z"}}`
	var all struct{ Data []map[string]float64 }
	call(s.analyticsIncidentsAll, `{"filters":{"created_at_start":`+week, &all)
	want := map[string]float64{
		"total_incident_count":              3,                 // 0, 1, 2 (3 is before the week)
		"mean_seconds_to_first_ack":         187,               // (400 + 60 + 100) / 3 = 186.7
		"mean_seconds_to_resolve":           4100,              // (1000 + 7200) / 2; 2 is open
		"total_interruptions":               3,                 // A's push+phone (one), B's SMS, A's Sunday push
		"total_business_hour_interruptions": 2,                 // Monday 10:00 and 10:05
		"total_off_hour_interruptions":      0,                 //
		"total_sleep_hour_interruptions":    1,                 // Sunday 23:00
		"total_engaged_seconds":             600 + 7140 + 3500, // B 1000-400; A 7200-60; A to End: 3600-100
		"mean_engaged_seconds":              3747,              // 11240 / 3 = 3746.7
		"total_escalation_count":            1,                 // incident 0
		"total_incidents_timeout_escalated": 1,                 //
		"total_incidents_acknowledged":      3,                 //
		"total_incidents_auto_resolved":     1,                 // incident 1, by the integration
		"total_notifications":               4,                 // 2 + 1 + 1
		"mean_assignment_count":             1,                 // (2 + 1 + 1) / 3 = 1.3
	}
	if len(all.Data) != 1 {
		t.Fatalf("incidents/all: %d rows", len(all.Data))
	}
	for k, v := range want {
		if all.Data[0][k] != v {
			t.Errorf("incidents/all %s = %v, want %v", k, all.Data[0][k], v)
		}
	}
	var raw struct{ Data []map[string]any }
	call(s.analyticsResponders, `{"filters":{"date_range_start":"2026-11-09T00:00:00Z","date_range_end":"2026-11-16T00:00:00Z"}}`, &raw)
	wantR := map[string]map[string]float64{
		"PA": {
			"total_incident_count":                   3,           // assigned 0, 1, 2
			"total_incidents_acknowledged":           2,           // 1, 2
			"mean_time_to_acknowledge_seconds":       80,          // (60 + 100) / 2, from A's assignment
			"total_engaged_seconds":                  7140 + 3500, //
			"total_interruptions":                    2,           // Monday's (incident 0's) and Sunday's
			"total_business_hour_interruptions":      1,           //
			"total_sleep_hour_interruptions":         1,           //
			"total_notifications":                    3,           // push, phone, push in the week's incidents
			"total_incidents_timeout_escalated_from": 1,           // incident 0 left A by timeout
			"total_seconds_on_call":                  86400,       // 11-09 00:00 to 11-10 00:00 (clipped); level 2 inside it
			"total_seconds_on_call_level_1":          86400,       //
			"total_seconds_on_call_level_2_plus":     3600,        // 12:00-13:00, counted although also level 1
		},
		"PB": {
			"total_incident_count":                 1,     // 0, by escalation
			"mean_time_to_acknowledge_seconds":     100,   // assigned at +300, acknowledged at +400
			"total_engaged_seconds":                600,   //
			"total_interruptions":                  1,     // the SMS, Monday 10:05
			"total_incidents_timeout_escalated_to": 1,     //
			"total_seconds_on_call":                21600, // 12:00-18:00
			"total_seconds_on_call_level_1":        0,     //
			"total_seconds_on_call_level_2_plus":   21600, //
		},
	}
	if len(raw.Data) != 2 {
		t.Fatalf("responders/all: %d rows, want A and B", len(raw.Data))
	}
	for _, row := range raw.Data {
		id, _ := row["responder_id"].(string)
		for k, v := range wantR[id] {
			if row[k] != v {
				t.Errorf("responder %s %s = %v, want %v", id, k, row[k], v)
			}
		}
	}
	// The teams endpoint: the one team holds all three incidents.
	var teams struct{ Data []map[string]any }
	call(s.analyticsIncidentsTeams, `{"filters":{"created_at_start":`+week, &teams)
	if len(teams.Data) != 1 || teams.Data[0]["team_id"] != "PT" || teams.Data[0]["total_incident_count"] != 3.0 {
		t.Errorf("incidents/teams: %v", teams.Data)
	}
}
