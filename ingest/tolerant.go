package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/PagerDuty/go-pagerduty"
	querystring "github.com/google/go-querystring/query"
)

// tolerantAPI is the pagerDuty the sync calls on a real API. go-pagerduty
// decodes a whole page with one json.Unmarshal, and its
// Channel.UnmarshalJSON type-asserts a string: one odd item (a channel type
// that is not a string, event_details with non-string values, a number
// where a string was expected) fails the page, or panics. tolerantAPI sends
// the same request through go-pagerduty's client (its *http.Client, so
// pacing, retries and auth apply as for every other call) and decodes the
// page item by item: an item that does not decode is skipped and counted
// in skipped, per list, never fatal and never silent (Sync turns the counts
// into Stats.Warnings).
type tolerantAPI struct {
	pd      *pagerduty.Client
	base    string // the API base URL, no trailing slash
	skipped *skipCounts
}

var _ pagerDuty = (*tolerantAPI)(nil)

// skipCounts counts the items skipped per list key ("log_entries", ...),
// with the first reason seen for each. Safe for concurrent use.
type skipCounts struct {
	mu    sync.Mutex
	n     map[string]int
	first map[string]string
}

func (s *skipCounts) add(key string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n, s.first = map[string]int{}, map[string]string{}
	}
	if s.n[key] == 0 {
		s.first[key] = err.Error()
	}
	s.n[key]++
}

// total is the number of items skipped so far.
func (s *skipCounts) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range s.n {
		n += k
	}
	return n
}

// warnings is one line per list with skipped items, in key order.
func (s *skipCounts) warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.n))
	for k := range s.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s: skipped %d item(s) PagerDuty sent that could not be decoded (first: %s)", k, s.n[k], s.first[k]))
	}
	return out
}

// decodeItem decodes one item of a list page into a T. A panic of a
// decoder (go-pagerduty's Channel.UnmarshalJSON on a channel whose type is
// not a string) is an error like any other.
func decodeItem[T any](raw json.RawMessage) (item T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			item, err = zero, fmt.Errorf("decode panicked: %v", p)
		}
	}()
	err = json.Unmarshal(raw, &item)
	return item, err
}

// decodePage reads a list response: its paging fields and the items under
// key: all at once, or, when that fails, each alone. It returns the items
// that decode and an error per item that does not; a body that is not a
// list response at all is an error.
func decodePage[T any](body []byte, key string) ([]T, pagerduty.APIListObject, []error, error) {
	var meta pagerduty.APIListObject
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, meta, nil, fmt.Errorf("decode page: %w", err)
	}
	// Paging fields one by one too: a null or odd total must not lose the page.
	_ = json.Unmarshal(doc["limit"], &meta.Limit)
	_ = json.Unmarshal(doc["offset"], &meta.Offset)
	_ = json.Unmarshal(doc["more"], &meta.More)
	_ = json.Unmarshal(doc["total"], &meta.Total)
	// The common case first: every item decodes, in one pass over the items.
	if all, err := decodeItem[[]T](doc[key]); err == nil {
		return all, meta, nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(doc[key], &raws); err != nil {
		return nil, meta, nil, fmt.Errorf("decode page: %q: %w", key, err)
	}
	items := make([]T, 0, len(raws))
	var bad []error
	for i, raw := range raws {
		it, err := decodeItem[T](raw)
		if err != nil {
			bad = append(bad, fmt.Errorf("item %d: %w", i, err))
			continue
		}
		items = append(items, it)
	}
	return items, meta, bad, nil
}

// do sends req through go-pagerduty's client (its authentication and
// headers) and returns the body of a 2xx answer; any other status is an
// apiError, as go-pagerduty's own calls give.
func (a *tolerantAPI) do(req *http.Request) ([]byte, error) {
	resp, err := a.pd.Do(req, true)
	if err != nil {
		// go-pagerduty's wording for a request without an HTTP answer,
		// which Client.classify and the command's hints recognise.
		return nil, fmt.Errorf("error calling the API endpoint: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("failed to read response body: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, apiError(resp, body)
	}
	return body, nil
}

// list GETs path with opts as its query (go-pagerduty's own encoding of its
// option structs) and decodes the page under key tolerantly.
func list[T any](ctx context.Context, a *tolerantAPI, path string, opts any, key string) ([]T, pagerduty.APIListObject, error) {
	v, err := querystring.Values(opts)
	if err != nil {
		return nil, pagerduty.APIListObject{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path+"?"+v.Encode(), nil)
	if err != nil {
		return nil, pagerduty.APIListObject{}, fmt.Errorf("failed to build request: %w", err)
	}
	body, err := a.do(req)
	if err != nil {
		return nil, pagerduty.APIListObject{}, err
	}
	items, meta, bad, err := decodePage[T](body, key)
	if err != nil {
		return nil, meta, err
	}
	for _, e := range bad {
		a.skipped.add(key, e)
	}
	return items, meta, nil
}

// apiError is go-pagerduty's APIError for a failed response, as its own
// calls return it (StatusCode set, the error object decoded when JSON).
func apiError(resp *http.Response, body []byte) error {
	var e pagerduty.APIError
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.NewDecoder(bytes.NewReader(body)).Decode(&e)
	}
	e.StatusCode = resp.StatusCode
	return e
}

func (a *tolerantAPI) ListUsersWithContext(ctx context.Context, o pagerduty.ListUsersOptions) (*pagerduty.ListUsersResponse, error) {
	items, meta, err := list[pagerduty.User](ctx, a, "/users", o, "users")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListUsersResponse{APIListObject: meta, Users: items}, nil
}

func (a *tolerantAPI) ListTeamsWithContext(ctx context.Context, o pagerduty.ListTeamOptions) (*pagerduty.ListTeamResponse, error) {
	items, meta, err := list[pagerduty.Team](ctx, a, "/teams", o, "teams")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListTeamResponse{APIListObject: meta, Teams: items}, nil
}

func (a *tolerantAPI) ListServicesWithContext(ctx context.Context, o pagerduty.ListServiceOptions) (*pagerduty.ListServiceResponse, error) {
	items, meta, err := list[pagerduty.Service](ctx, a, "/services", o, "services")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListServiceResponse{APIListObject: meta, Services: items}, nil
}

func (a *tolerantAPI) ListEscalationPoliciesWithContext(ctx context.Context, o pagerduty.ListEscalationPoliciesOptions) (*pagerduty.ListEscalationPoliciesResponse, error) {
	items, meta, err := list[pagerduty.EscalationPolicy](ctx, a, "/escalation_policies", o, "escalation_policies")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListEscalationPoliciesResponse{APIListObject: meta, EscalationPolicies: items}, nil
}

func (a *tolerantAPI) ListIncidentsWithContext(ctx context.Context, o pagerduty.ListIncidentsOptions) (*pagerduty.ListIncidentsResponse, error) {
	items, meta, err := list[pagerduty.Incident](ctx, a, "/incidents", o, "incidents")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListIncidentsResponse{APIListObject: meta, Incidents: items}, nil
}

func (a *tolerantAPI) ListIncidentAlertsWithContext(ctx context.Context, id string, o pagerduty.ListIncidentAlertsOptions) (*pagerduty.ListAlertsResponse, error) {
	items, meta, err := list[pagerduty.IncidentAlert](ctx, a, "/incidents/"+url.PathEscape(id)+"/alerts", o, "alerts")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListAlertsResponse{APIListObject: meta, Alerts: items}, nil
}

func (a *tolerantAPI) ListLogEntriesWithContext(ctx context.Context, o pagerduty.ListLogEntriesOptions) (*pagerduty.ListLogEntryResponse, error) {
	items, meta, err := list[pagerduty.LogEntry](ctx, a, "/log_entries", o, "log_entries")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListLogEntryResponse{APIListObject: meta, LogEntries: items}, nil
}

// errUndecodable marks an object the API sent that could not be decoded
// well enough to use; it has been counted in skipped, and the caller goes
// on without it.
var errUndecodable = errors.New("undecodable object skipped")

// GetIncidentWithContext GETs /incidents/{id} (the re-fetch of an incident
// changed late) through go-pagerduty's client and decodes it leniently
// (decodeLenient): a field that does not decode is left out and counted
// under "incident fields"; an incident whose id, status or created_at does
// not decode is skipped and counted under "incidents", and the error wraps
// errUndecodable (its stored row stays as it was).
func (a *tolerantAPI) GetIncidentWithContext(ctx context.Context, id string) (*pagerduty.Incident, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/incidents/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("failed to build request: %w", err)
	}
	body, err := a.do(req)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		a.skipped.add("incidents", fmt.Errorf("incident %s: %w", id, err))
		return nil, fmt.Errorf("incident %s: %w", id, errUndecodable)
	}
	in, dropped, err := decodeLenient[pagerduty.Incident](doc["incident"])
	if err == nil {
		for _, f := range []string{"id", "status", "created_at"} {
			if dropped[f] != nil {
				err = fmt.Errorf("%s: %w", f, dropped[f])
			}
		}
	}
	if err != nil {
		a.skipped.add("incidents", fmt.Errorf("incident %s: %w", id, err))
		return nil, fmt.Errorf("incident %s: %w", id, errUndecodable)
	}
	names := make([]string, 0, len(dropped))
	for f := range dropped {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		a.skipped.add("incident fields", fmt.Errorf("incident %s: %s: %w", id, f, dropped[f]))
	}
	return &in, nil
}

// decodeLenient decodes one object into a T; when that fails, it leaves
// out each top-level field that does not decode on its own and decodes
// the rest. dropped names the fields left out, with why; err is set only
// when raw is not a JSON object at all.
func decodeLenient[T any](raw json.RawMessage) (item T, dropped map[string]error, err error) {
	if item, err = decodeItem[T](raw); err == nil {
		return item, nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		var zero T
		return zero, nil, fmt.Errorf("not an object: %w", err)
	}
	dropped = map[string]error{}
	for k, v := range fields {
		one, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if _, err := decodeItem[T](one); err != nil {
			dropped[k] = err
			delete(fields, k)
		}
	}
	rest, _ := json.Marshal(fields)
	item, err = decodeItem[T](rest)
	return item, dropped, err
}

func (a *tolerantAPI) ListOnCallsWithContext(ctx context.Context, o pagerduty.ListOnCallOptions) (*pagerduty.ListOnCallsResponse, error) {
	items, meta, err := list[pagerduty.OnCall](ctx, a, "/oncalls", o, "oncalls")
	if err != nil {
		return nil, err
	}
	return &pagerduty.ListOnCallsResponse{APIListObject: meta, OnCalls: items}, nil
}
