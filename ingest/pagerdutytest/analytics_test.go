package pagerdutytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
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
