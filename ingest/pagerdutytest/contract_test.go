package pagerdutytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

const specPath = "/work/shared/pagerduty/openapiv3.json"

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// loadSpec loads PagerDuty's OpenAPI description once per test binary and
// corrects, in memory, the defects listed below.
func loadSpec(t testing.TB) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		raw, err := os.ReadFile(specPath)
		if err != nil {
			specErr = err
			return
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			specErr = fmt.Errorf("parse %s: %w", specPath, err)
			return
		}
		// Loader compatibility, not a change of meaning: some schemas point
		// into the middle of a response or request body object
		// ("#/components/responses/Conflict/content/application~1json/schema"),
		// which kin-openapi refuses ("expecting ref to response object").
		// Replace each such reference with a copy of the schema it names.
		tree = inlineDeepRefs(tree, tree)
		addLogEntryDiscriminators(tree)
		raw, err = json.Marshal(tree)
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			specErr = fmt.Errorf("load %s: %w", specPath, err)
			return
		}
		s := doc.Components.Schemas
		// Defect 1 (NOTES.md): AcknowledgeLogEntry restricts type to
		// "acknowledgement_log_entry", but LogEntry and the live API use
		// "acknowledge_log_entry"; as an allOf no acknowledge entry could
		// validate. Correct that one enum.
		ack := s["AcknowledgeLogEntry"].Value.AllOf[1].Value.Properties["type"].Value
		ack.Enum = []any{"acknowledge_log_entry"}
		// Defect 2: Channel's oneOf lists five variants (Nagios, API, Email,
		// WebTrigger, Website) that have no required or distinguishing
		// properties, so every channel object matches several of them and a
		// oneOf can never pass. The variants are alternatives, so anyOf is the
		// intended meaning; everything else about Channel stays as published.
		ch := s["Channel"].Value
		ch.AnyOf, ch.OneOf = ch.OneOf, nil
		// Defect 3: Incident.resolved_at is documented as "`null` if the
		// incident is not resolved" (and the live API sends null) but the
		// schema is not nullable. Make that one property nullable.
		s["Incident"].Value.AllOf[1].Value.Properties["resolved_at"].Value.Nullable = true
		// Defect 4: Oncall.start and end are documented as null for a
		// permanent on-call ("If `null`, the on-call is a permanent user
		// on-call"), whose schedule is null too (NOTES.md), but none of the
		// three is nullable. Make those three properties nullable.
		for _, k := range []string{"start", "end", "schedule"} {
			s["Oncall"].Value.Properties[k].Value.Nullable = true
		}
		// Defect 5: User.time_zone is documented "If null, the account's time
		// zone will be used" but is not nullable. Make it nullable.
		s["User"].Value.AllOf[1].Value.Properties["time_zone"].Value.Nullable = true
		// Defect 6: AnalyticsResponderMetrics.responder_id is typed integer,
		// but user IDs are strings, as in the same operation's example
		// ("PDUSER1") and in the responder_ids filter. Make it a string.
		s["AnalyticsResponderMetrics"].Value.Properties["responder_id"].Value.Type = &openapi3.Types{"string"}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("spec: %v", specErr)
	}
	return specRouter
}

// addLogEntryDiscriminators adds a discriminator on "type" to the oneOf of
// log entry kinds in the two log entry list responses. This is speed, not a
// change of meaning: every branch pins "type" to its own single value, so at
// most one branch can match and the mapping only tells the validator which
// one to try (kin-openapi otherwise formats errors for all 15 branches of
// every entry, which takes seconds per page). Each entry is still validated in
// full against its branch, and an unknown type still fails.
func addLogEntryDiscriminators(tree any) {
	root := tree.(map[string]any)
	schemas := root["components"].(map[string]any)["schemas"].(map[string]any)
	for _, path := range []string{"/log_entries", "/incidents/{id}/log_entries"} {
		op := root["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)
		schema := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		items := schema["allOf"].([]any)[1].(map[string]any)["properties"].(map[string]any)["log_entries"].(map[string]any)["items"].(map[string]any)
		mapping := map[string]any{}
		for _, br := range items["oneOf"].([]any) {
			ref := br.(map[string]any)["$ref"].(string)
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			typ := schemas[name].(map[string]any)["allOf"].([]any)[1].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any)[0].(string)
			if name == "AcknowledgeLogEntry" {
				typ = "acknowledge_log_entry" // see defect 1 below
			}
			mapping[typ] = ref
		}
		items["discriminator"] = map[string]any{"propertyName": "type", "mapping": mapping}
	}
}

// inlineDeepRefs replaces every {"$ref": "#/components/responses/X/..."} or
// {"$ref": "#/components/requestBodies/X/..."} that points below the
// response or request body object itself with a copy of its target.
func inlineDeepRefs(root, node any) any {
	switch v := node.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok && len(v) == 1 {
			parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
			if len(parts) > 3 && parts[0] == "components" && (parts[1] == "responses" || parts[1] == "requestBodies") {
				var target any = root
				for _, p := range parts {
					p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
					switch tv := target.(type) {
					case map[string]any:
						target = tv[p]
					case []any:
						i, _ := strconv.Atoi(p)
						target = tv[i]
					}
				}
				return inlineDeepRefs(root, deepCopy(target))
			}
		}
		for k, x := range v {
			if k == "responses" {
				// Two event-orchestration PUT operations answer 200 with a
				// $ref to a request body; a request body object has the
				// shape of a response, so use a copy of it.
				if codes, ok := x.(map[string]any); ok {
					for code, r := range codes {
						if rm, ok := r.(map[string]any); ok {
							if ref, ok := rm["$ref"].(string); ok && strings.HasPrefix(ref, "#/components/requestBodies/") {
								body := root.(map[string]any)["components"].(map[string]any)["requestBodies"].(map[string]any)[strings.TrimPrefix(ref, "#/components/requestBodies/")]
								codes[code] = deepCopy(body)
							}
						}
					}
				}
			}
			v[k] = inlineDeepRefs(root, x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = inlineDeepRefs(root, x)
		}
		return v
	}
	return node
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// validateErr validates one response against the operation path addresses.
func validateErr(router routers.Router, path string, status int, header http.Header, body []byte) error {
	req, err := http.NewRequest(http.MethodGet, "https://api.pagerduty.com"+path, nil)
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no route in spec for %s: %w", path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// validate checks one response against the spec's description of the
// operation that path (with query) addresses.
func validate(t testing.TB, router routers.Router, path string, status int, header http.Header, body []byte) {
	t.Helper()
	if err := validateErr(router, path, status, header, body); err != nil {
		msg := err.Error()
		if len(msg) > 3000 {
			msg = msg[:3000] + "..."
		}
		t.Fatalf("GET %s (%d) does not match the spec: %s\nbody: %.600s", path, status, msg, body)
	}
}

type pageMeta struct {
	More   bool `json:"more"`
	Limit  int  `json:"limit"`
	Offset int  `json:"offset"`
}

// pageAll fetches and validates every page of path (which has a query
// string), returning the number of items under key.
func pageAll(t *testing.T, f *fixture, router routers.Router, path, key string) int {
	t.Helper()
	n := 0
	for offset := 0; ; offset += 100 {
		p := fmt.Sprintf("%s&limit=100&offset=%d", path, offset)
		status, h, body := f.get(t, p)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", p, status, body)
		}
		validate(t, router, p, status, h, body)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		var items []json.RawMessage
		var meta pageMeta
		_ = json.Unmarshal(m[key], &items)
		_ = json.Unmarshal(body, &meta)
		n += len(items)
		if !meta.More {
			return n
		}
	}
}

// TestContract validates every page of every endpoint of the small
// organisation, and the error responses the spec describes, against
// PagerDuty's OpenAPI description.
func TestContract(t *testing.T) {
	router := loadSpec(t)
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	counts := org.Counts()

	for _, ep := range []struct{ path, key string }{
		{"/users?total=true", "users"},
		{"/teams?total=true", "teams"},
		{"/services?total=true", "services"},
		{"/escalation_policies?total=true", "escalation_policies"},
		{"/incidents?date_range=all", "incidents"},
		{"/oncalls?since=" + url.QueryEscape(iso(org.Start())) + "&until=" + url.QueryEscape(iso(org.End())), "oncalls"},
	} {
		t.Run(ep.key, func(t *testing.T) {
			// Every item the fake holds is served once across the pages.
			if got := pageAll(t, f, router, ep.path, ep.key); got != counts[ep.key] {
				t.Errorf("%s: %d items over all pages, Counts says %d", ep.key, got, counts[ep.key])
			}
		})
	}
	// /log_entries and /notifications are paged week by week (each window
	// stays under the 10,000 offset cap), with and without channels.
	weekly := func(t *testing.T, base, key string) int {
		n := 0
		for w := org.Start(); w.Before(org.End()); w = w.Add(7 * 24 * time.Hour) {
			p := fmt.Sprintf("%s?since=%s&until=%s", base, url.QueryEscape(iso(w)), url.QueryEscape(iso(w.Add(7*24*time.Hour))))
			if key == "log_entries" {
				p += "&include%5B%5D=channels"
			}
			n += pageAll(t, f, router, p, key)
		}
		return n
	}
	t.Run("log_entries", func(t *testing.T) {
		if got := weekly(t, "/log_entries", "log_entries"); got != counts["log_entries"] {
			t.Errorf("log entries over all weeks: %d, Counts says %d", got, counts["log_entries"])
		}
		// Without include[]=channels too (first week).
		p := "/log_entries?since=" + url.QueryEscape(iso(org.Start())) + "&until=" + url.QueryEscape(iso(org.Start().Add(7*24*time.Hour)))
		pageAll(t, f, router, p, "log_entries")
	})
	t.Run("notifications", func(t *testing.T) {
		if got := weekly(t, "/notifications", "notifications"); got != counts["notifications"] {
			t.Errorf("notifications over all weeks: %d, Counts says %d", got, counts["notifications"])
		}
	})
	t.Run("incident_get_alerts_and_log_entries", func(t *testing.T) {
		alerts := 0
		for i := 0; i < counts["incidents"]; i++ {
			id := org.incID.encode(uint64(i))
			alerts += pageAll(t, f, router, "/incidents/"+id+"/alerts?total=true", "alerts")
			pageAll(t, f, router, "/incidents/"+id+"/log_entries?include%5B%5D=channels", "log_entries")
			status, h, body := f.get(t, "/incidents/"+id)
			if status != http.StatusOK {
				t.Fatalf("GET /incidents/%s: %d", id, status)
			}
			validate(t, router, "/incidents/"+id, status, h, body)
		}
		if alerts != counts["alerts"] {
			t.Errorf("alerts over all incidents: %d, Counts says %d", alerts, counts["alerts"])
		}
	})
	t.Run("incident_notes", func(t *testing.T) {
		// Every incident's notes validate; the generated annotate log
		// entries make some notes, so the check sees note objects too.
		notes := 0
		for i := 0; i < counts["incidents"]; i++ {
			p := "/incidents/" + org.incID.encode(uint64(i)) + "/notes"
			status, h, body := f.get(t, p)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", p, status)
			}
			validate(t, router, p, status, h, body)
			var r struct{ Notes []json.RawMessage }
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			notes += len(r.Notes)
		}
		if notes == 0 {
			t.Error("no incident has a note: the contract check saw no note object")
		}
	})
	t.Run("validation_can_fail", func(t *testing.T) {
		// The validator must reject responses that break the spec, or the
		// passes above prove nothing.
		p := "/log_entries?limit=100&include%5B%5D=channels&since=" + url.QueryEscape(iso(org.End().Add(-24*time.Hour)))
		status, h, body := f.get(t, p)
		if err := validateErr(router, p, status, h, body); err != nil {
			t.Fatalf("valid page rejected: %v", err)
		}
		for _, c := range []struct{ name, from, to string }{
			{"acknowledgement enum as published", `"type":"acknowledge_log_entry"`, `"type":"acknowledgement_log_entry"`},
			{"unknown log entry type", `"type":"notify_log_entry"`, `"type":"pager_log_entry"`},
			{"user reference type", `"type":"user_reference"`, `"type":"robot_reference"`},
			{"created_at not a date", `"created_at":"2026`, `"created_at":"yesterday 2026`},
			{"notification type", `"type":"sms_notification"`, `"type":"pigeon_notification"`},
			{"more not boolean", `"more":`, `"more":"maybe","x":`},
		} {
			bad := bytes.Replace(body, []byte(c.from), []byte(c.to), 1)
			if bytes.Equal(bad, body) {
				t.Fatalf("%s: %q not in the page", c.name, c.from)
			}
			if err := validateErr(router, p, status, h, bad); err == nil {
				t.Errorf("%s: broken page passed validation", c.name)
			}
		}
		ip := "/incidents?date_range=all&limit=5"
		status, h, body = f.get(t, ip)
		bad := bytes.Replace(body, []byte(`"incident_number":1,`), []byte(`"incident_number":"1",`), 1)
		if err := validateErr(router, ip, status, h, bad); bytes.Equal(bad, body) || err == nil {
			t.Error("incident_number as a string passed validation")
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, c := range []struct {
			path   string
			auth   string
			status int
		}{
			{"/incidents?offset=9990&limit=20", "Token token=" + testToken, 400},
			{"/incidents?since=2026-01-01T00:00:00Z&until=2026-09-01T00:00:00Z", "Token token=" + testToken, 400},
			{"/notifications?since=2026-01-01T00:00:00Z", "Token token=" + testToken, 400},
			{"/log_entries?since=yesterday", "Token token=" + testToken, 400},
			{"/users", "Token token=wrong", 401},
			{"/incidents/QNOTANINCIDENT/log_entries", "Token token=" + testToken, 404},
		} {
			status, h, body := f.getAuth(t, c.path, c.auth)
			if status != c.status {
				t.Fatalf("GET %s: status %d, want %d: %s", c.path, status, c.status, body)
			}
			validate(t, router, c.path, status, h, body)
		}
		f.srv.SetFaults(Faults{Rate: 1, Kinds: []FaultKind{Fault429}})
		defer f.srv.SetFaults(Faults{})
		status, h, body := f.get(t, "/users")
		if status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", status)
		}
		validate(t, router, "/users", status, h, body)
	})
}

// TestContractShapes validates the shapes of real accounts (Shapes) against
// the spec: the 402/403 of /teams on an account without teams, a page of
// /oncalls holding a permanent on-call (start, end and schedule null), and
// pages of incidents with merged incidents and second teams, and of users
// with a null time zone.
func TestContractShapes(t *testing.T) {
	router := loadSpec(t)
	org := sharedSmall(t)
	for _, status := range []int{402, 403} {
		srv := NewServer(org, Options{Token: testToken, Now: org.End, Shapes: Shapes{NoTeams: status}})
		ts := httptest.NewServer(srv)
		f := &fixture{org: org, srv: srv, ts: ts}
		st, h, body := f.get(t, "/teams")
		if st != status || !strings.Contains(string(body), `"code":2014`) {
			t.Errorf("/teams without teams: %d %s", st, body)
		}
		validate(t, router, "/teams", st, h, body)
		pageAll(t, f, router, "/services?total=true", "services")
		ts.Close()
	}
	srv := NewServer(org, Options{Token: testToken, Now: org.End, Shapes: Shapes{
		PermanentOncall: true, Merged: true, SecondTeam: true, NoTimeZone: NightOwlUserName, DeletedUser: StretchUserName,
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := &fixture{org: org, srv: srv, ts: ts}
	p := "/oncalls?since=" + url.QueryEscape(iso(org.End().Add(-24*time.Hour))) + "&until=" + url.QueryEscape(iso(org.End()))
	_, _, body := f.get(t, p+"&limit=100")
	if !strings.Contains(string(body), `"start":null`) {
		t.Fatalf("no permanent on-call in %s", body)
	}
	pageAll(t, f, router, p, "oncalls")
	_, _, body = f.get(t, "/incidents?date_range=all&limit=100")
	if !strings.Contains(string(body), `"merge_resolve_reason"`) {
		t.Fatal("no merged incident on the first page")
	}
	pageAll(t, f, router, "/incidents?date_range=all", "incidents")
	for _, path := range []string{"/users?total=true", "/services?total=true", "/escalation_policies?total=true"} {
		pageAll(t, f, router, path, strings.TrimPrefix(path[:strings.Index(path, "?")], "/"))
	}
}
