package pagerdutytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

type envelope struct {
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
	More   bool             `json:"more"`
	Total  *int             `json:"total"`
	Error  *json.RawMessage `json:"error"`
}

func decodeEnv(t *testing.T, body []byte) (envelope, map[string]json.RawMessage) {
	t.Helper()
	var e envelope
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	_ = json.Unmarshal(body, &m)
	return e, m
}

func itemsOf(t *testing.T, m map[string]json.RawMessage, key string) []map[string]any {
	t.Helper()
	var items []map[string]any
	if err := json.Unmarshal(m[key], &items); err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
	return items
}

type apiErr struct {
	Error struct {
		Message string   `json:"message"`
		Code    int      `json:"code"`
		Errors  []string `json:"errors"`
	} `json:"error"`
}

func TestPaging(t *testing.T) {
	f := serve(t, sharedSmall(t), Faults{})
	// The small org has 43 users (39 team members, 4 managers): the second
	// page of 25 holds 43 - 25 = 18.
	for _, c := range []struct {
		name             string
		query            string
		n, limit, offset int
		more             bool
		total            int // -1: null
	}{
		{"default limit 25", "", 25, 25, 0, true, -1},
		{"second page", "?offset=25", 18, 25, 25, false, -1},
		{"total", "?total=true&limit=10&offset=30", 10, 10, 30, true, 43},
		{"limit over 100 is clamped", "?limit=500&total=true", 43, 100, 0, false, 43},
		{"offset past the end", "?offset=60", 0, 25, 60, false, -1},
		{"total=false is null", "?total=false&limit=39", 39, 39, 0, true, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := f.get(t, "/users"+c.query)
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			e, m := decodeEnv(t, body)
			items := itemsOf(t, m, "users")
			if len(items) != c.n || e.Limit != c.limit || e.Offset != c.offset || e.More != c.more {
				t.Errorf("got %d items, limit %d, offset %d, more %v; want %d, %d, %d, %v", len(items), e.Limit, e.Offset, e.More, c.n, c.limit, c.offset, c.more)
			}
			if c.total < 0 && e.Total != nil || c.total >= 0 && (e.Total == nil || *e.Total != c.total) {
				t.Errorf("total %v, want %d (-1 = null)", e.Total, c.total)
			}
			if !bytes.Contains(body, []byte(`"total":`)) {
				t.Errorf("total key missing")
			}
		})
	}
}

func TestErrors(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	end := org.End()
	q := func(s, u time.Time) string {
		return "since=" + url.QueryEscape(iso(s)) + "&until=" + url.QueryEscape(iso(u))
	}
	for _, c := range []struct {
		name, path string
		status     int
		code       int
	}{
		// offset+limit may reach 10,000 but not exceed it.
		{"offset+limit = 10000", "/log_entries?offset=9900&limit=100", 200, 0},
		{"offset+limit = 10001", "/log_entries?offset=9901&limit=100", 400, 2002},
		{"offset 9999 limit 1", "/incidents?date_range=all&offset=9999&limit=1", 200, 0},
		{"offset 10000 default limit", "/incidents?date_range=all&offset=10000", 400, 2002},
		{"clamped limit counts as 100", "/oncalls?offset=9901&limit=1000", 400, 2002},
		{"bad limit", "/users?limit=ten", 400, 2001},
		{"negative offset", "/users?offset=-1", 400, 2001},
		{"bad total", "/users?total=yes", 400, 2001},
		// /incidents: at most 6 months.
		{"incidents 6 months", "/incidents?" + q(end.AddDate(0, -6, 0), end), 200, 0},
		{"incidents 6 months + 1 s", "/incidents?" + q(end.AddDate(0, -6, 0).Add(-time.Second), end), 400, 2001},
		{"incidents until before since", "/incidents?" + q(end, end.Add(-time.Hour)), 400, 2001},
		{"incidents bad date_range", "/incidents?date_range=week", 400, 2001},
		{"incidents bad since", "/incidents?since=last+tuesday", 400, 2001},
		{"incidents bad status", "/incidents?statuses%5B%5D=open", 400, 2001},
		// /notifications: since and until required, range under 3 months.
		{"notifications without until", "/notifications?since=" + url.QueryEscape(iso(end.AddDate(0, -1, 0))), 400, 2001},
		{"notifications without since", "/notifications?until=" + url.QueryEscape(iso(end)), 400, 2001},
		{"notifications 3 months", "/notifications?" + q(end.AddDate(0, -3, 0), end), 400, 2001},
		{"notifications 3 months - 1 s", "/notifications?" + q(end.AddDate(0, -3, 0).Add(time.Second), end), 200, 0},
		{"notifications bad filter", "/notifications?filter=pigeon&" + q(end.AddDate(0, -1, 0), end), 400, 2001},
		{"oncalls until before since", "/oncalls?" + q(end, end.Add(-time.Hour)), 400, 2001},
		{"bad time_zone", "/log_entries?time_zone=Mars/Olympus", 400, 2001},
		{"unknown incident", "/incidents/Q0000000000000/alerts", 404, 2100},
		{"unknown path", "/schedules", 404, 2100},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := f.get(t, c.path)
			if status != c.status {
				t.Fatalf("status %d, want %d: %.300s", status, c.status, body)
			}
			if c.code == 0 {
				return
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("content type %q", h.Get("Content-Type"))
			}
			var e apiErr
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != c.code || e.Error.Message == "" {
				t.Errorf("error body %s, want code %d", body, c.code)
			}
			if c.code == 2002 && !strings.HasPrefix(e.Error.Message, "Offset+limit exceeds maximum allowed value of 10000.") {
				t.Errorf("message %q", e.Error.Message)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	f := serve(t, sharedSmall(t), Faults{})
	for _, c := range []struct {
		name, auth string
		status     int
	}{
		{"right token", "Token token=" + testToken, 200},
		{"no header", "", 401},
		{"wrong token", "Token token=nope", 401},
		{"bearer scheme", "Bearer " + testToken, 401},
		{"empty token", "Token token=", 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := f.getAuth(t, "/teams", c.auth)
			if status != c.status {
				t.Fatalf("status %d, want %d", status, c.status)
			}
			if status == 401 {
				var e apiErr
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != 2006 {
					t.Errorf("401 body %s, want code 2006", body)
				}
			}
		})
	}
	// An empty configured token accepts nothing.
	srv := NewServer(sharedSmall(t), Options{})
	rec := &recorder{h: http.Header{}}
	req, _ := http.NewRequest("GET", "/teams", nil)
	req.Header.Set("Authorization", "Token token=")
	srv.ServeHTTP(rec, req)
	if rec.status != 401 {
		t.Errorf("server without token: status %d, want 401", rec.status)
	}
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestDateRanges(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	// Reference: every incident's created_at via date_range=all.
	var all []time.Time
	for off := 0; ; off += 100 {
		_, _, body := f.get(t, fmt.Sprintf("/incidents?date_range=all&limit=100&offset=%d", off))
		e, m := decodeEnv(t, body)
		for _, it := range itemsOf(t, m, "incidents") {
			ts, _ := time.Parse(time.RFC3339, it["created_at"].(string))
			all = append(all, ts)
		}
		if !e.More {
			break
		}
	}
	countIn := func(s, u time.Time) int {
		n := 0
		for _, ts := range all {
			if !ts.Before(s) && ts.Before(u) {
				n++
			}
		}
		return n
	}
	total := func(path string) int {
		status, _, body := f.get(t, path)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		e, _ := decodeEnv(t, body)
		return *e.Total
	}
	mid := org.Start().Add(20 * 24 * time.Hour)
	for _, c := range []struct {
		name string
		path string
		want int
	}{
		// date_range=all ignores since and until.
		{"date_range=all", "/incidents?total=true&date_range=all&since=" + url.QueryEscape(iso(mid)) + "&until=" + url.QueryEscape(iso(mid.Add(time.Hour))), len(all)},
		// Only since: a one-month window from it.
		{"since only", "/incidents?total=true&since=" + url.QueryEscape(iso(mid)), countIn(mid, mid.AddDate(0, 1, 0))},
		// Only until: the month before it.
		{"until only", "/incidents?total=true&until=" + url.QueryEscape(iso(mid)), countIn(mid.AddDate(0, -1, 0), mid)},
		// Neither: the month before the fake's clock (End).
		{"neither", "/incidents?total=true", countIn(org.End().AddDate(0, -1, 0), org.End())},
		// An offset other than Z: 02:00+02:00 is midnight UTC.
		{"offset +02:00", "/incidents?total=true&since=" + url.QueryEscape(mid.Format("2006-01-02")+"T02:00:00+02:00") + "&until=" + url.QueryEscape(iso(mid.Add(48*time.Hour))), countIn(mid, mid.Add(48*time.Hour))},
		// Without an offset the time is read in time_zone: 09:00 in Kolkata is 03:30 UTC.
		{"time_zone", "/incidents?total=true&time_zone=Asia%2FKolkata&since=" + mid.Format("2006-01-02") + "T09:00:00&until=" + url.QueryEscape(iso(mid.Add(24*time.Hour))), countIn(mid.Add(3*time.Hour+30*time.Minute), mid.Add(24*time.Hour))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := total(c.path); got != c.want {
				t.Errorf("total %d, want %d", got, c.want)
			}
		})
	}
	if countIn(mid, mid.AddDate(0, 1, 0)) == 0 {
		t.Fatal("empty reference window: the test would prove nothing")
	}

	// /log_entries: [since, until) on created_at, newest first.
	_, _, body := f.get(t, "/log_entries?limit=3&since="+url.QueryEscape(iso(mid))+"&until="+url.QueryEscape(iso(mid.Add(24*time.Hour))))
	_, m := decodeEnv(t, body)
	items := itemsOf(t, m, "log_entries")
	if len(items) != 3 || items[0]["created_at"].(string) < items[2]["created_at"].(string) {
		t.Fatalf("log entries not newest first: %v", items)
	}
	newest := items[0]["created_at"].(string)
	ts, _ := time.Parse(time.RFC3339, newest)
	for _, c := range []struct {
		name         string
		since, until time.Time
		want         bool
	}{
		{"since = created_at includes it", ts, ts.Add(time.Hour), true},
		{"until = created_at excludes it", ts.Add(-time.Hour), ts, false},
	} {
		_, _, body := f.get(t, "/log_entries?limit=100&since="+url.QueryEscape(iso(c.since))+"&until="+url.QueryEscape(iso(c.until)))
		_, m := decodeEnv(t, body)
		found := false
		for _, it := range itemsOf(t, m, "log_entries") {
			if it["id"] == items[0]["id"] {
				found = true
			}
		}
		if found != c.want {
			t.Errorf("%s: found %v", c.name, found)
		}
	}
}

func TestOncallsOverlap(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	// The follow-the-sun team's level-1 segments are 12 h, 07:00-19:00 and
	// 19:00-07:00 UTC. Asking for 10:00-10:01 must return the 07:00-19:00
	// segment whole, not clipped to the window.
	day := org.Start().Add(10 * 24 * time.Hour)
	since, until := day.Add(10*time.Hour), day.Add(10*time.Hour+time.Minute)
	var fts EscalationPolicy
	for _, p := range org.EscalationPolicies() {
		if p.Name == FollowTheSunTeamName+" Escalation" {
			fts = p
		}
	}
	_, _, body := f.get(t, "/oncalls?escalation_policy_ids%5B%5D="+fts.ID+"&since="+url.QueryEscape(iso(since))+"&until="+url.QueryEscape(iso(until)))
	_, m := decodeEnv(t, body)
	items := itemsOf(t, m, "oncalls")
	// Level 1 and level 2 of that policy: two segments.
	if len(items) != 2 {
		t.Fatalf("%d segments, want 2: %v", len(items), items)
	}
	l1 := items[0]
	if l1["escalation_level"].(float64) != 1 || l1["start"] != iso(day.Add(7*time.Hour)) || l1["end"] != iso(day.Add(19*time.Hour)) {
		t.Errorf("level-1 segment %v, want %s-%s", l1, iso(day.Add(7*time.Hour)), iso(day.Add(19*time.Hour)))
	}
	// Default since/until is the fake's clock (End): one segment per policy
	// and level, 7 policies x 2 levels.
	_, _, body = f.get(t, "/oncalls?limit=100")
	_, m = decodeEnv(t, body)
	if n := len(itemsOf(t, m, "oncalls")); n != 14 {
		t.Errorf("on call now: %d segments, want 14", n)
	}
}

func TestChannelsInclude(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	base := "/log_entries?limit=100&since=" + url.QueryEscape(iso(org.End().Add(-48*time.Hour)))
	for _, c := range []struct {
		name  string
		query string
		with  bool
	}{
		{"without include", "", false},
		{"with include[]=channels", "&include%5B%5D=channels", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, body := f.get(t, base+c.query)
			_, m := decodeEnv(t, body)
			n := 0
			for _, it := range itemsOf(t, m, "log_entries") {
				if it["type"] != "notify_log_entry" {
					continue
				}
				n++
				ch := it["channel"].(map[string]any)
				if ch["type"] != "auto" {
					t.Fatalf("notify channel %v", ch)
				}
				notif, ok := ch["notification"].(map[string]any)
				if ok != c.with {
					t.Fatalf("channel %v: notification present %v, want %v", ch, ok, c.with)
				}
				if !c.with {
					if len(ch) != 1 {
						t.Fatalf("bare channel has extra keys: %v", ch)
					}
					continue
				}
				typ := notif["type"].(string)
				if !strings.HasSuffix(typ, "_notification") || notif["started_at"] != it["created_at"] || notif["status"] == "" {
					t.Fatalf("notification %v", notif)
				}
				// Push notifications have no address; the others do.
				if _, has := notif["address"]; has == (typ == "push_notification") {
					t.Fatalf("notification %v: address presence wrong", notif)
				}
			}
			if n == 0 {
				t.Fatal("no notify entries in the window")
			}
		})
	}
}

func TestFaults(t *testing.T) {
	org := sharedSmall(t)
	ctx := context.Background()
	t.Run("429", func(t *testing.T) {
		for _, c := range []struct {
			retryAfter time.Duration
			want       string
		}{{3 * time.Second, "3"}, {0, "1"}, {1500 * time.Millisecond, "1"}} {
			f := serve(t, org, Faults{Rate: 1, Kinds: []FaultKind{Fault429}, RetryAfter: c.retryAfter})
			status, h, _ := f.get(t, "/incidents")
			if status != 429 || h.Get("Retry-After") != c.want || h.Get("ratelimit-reset") != c.want ||
				h.Get("ratelimit-limit") != "960" || h.Get("ratelimit-remaining") != "0" {
				t.Errorf("retry after %v: status %d headers %v", c.retryAfter, status, h)
			}
			_, err := f.client().ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{})
			var ae pagerduty.APIError
			if !errors.As(err, &ae) || !ae.RateLimited() {
				t.Errorf("client error %v, want rate limited", err)
			}
		}
	})
	for _, k := range []FaultKind{Fault500, Fault502, Fault503} {
		t.Run(string(k), func(t *testing.T) {
			f := serve(t, org, Faults{Rate: 1, Kinds: []FaultKind{k}})
			status, _, _ := f.get(t, "/users")
			if fmt.Sprint(status) != string(k) {
				t.Errorf("status %d, want %s", status, k)
			}
			_, err := f.client().ListUsersWithContext(ctx, pagerduty.ListUsersOptions{})
			var ae pagerduty.APIError
			if !errors.As(err, &ae) || fmt.Sprint(ae.StatusCode) != string(k) {
				t.Errorf("client error %v", err)
			}
		})
	}
	t.Run("slow", func(t *testing.T) {
		// A client that gives up before the delay gets an error ...
		f := serve(t, org, Faults{Rate: 1, Kinds: []FaultKind{FaultSlow}, SlowDelay: time.Minute})
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := f.client().ListTeamsWithContext(cctx, pagerduty.ListTeamOptions{}); err == nil {
			t.Error("slow response with a minute's delay arrived within 50 ms")
		}
		// ... and a patient one the normal response.
		f.srv.SetFaults(Faults{Rate: 1, Kinds: []FaultKind{FaultSlow}, SlowDelay: time.Millisecond})
		r, err := f.client().ListTeamsWithContext(ctx, pagerduty.ListTeamOptions{})
		if err != nil || len(r.Teams) != 7 {
			t.Errorf("slow response: %v, %v", r, err)
		}
	})
	t.Run("cut", func(t *testing.T) {
		f := serve(t, org, Faults{Rate: 1, Kinds: []FaultKind{FaultCut}})
		resp, err := f.ts.Client().Do(mustReq(t, f.ts.URL+"/users?limit=100"))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("cut body: status %d, %d bytes, err %v; want a 200 whose body ends early", resp.StatusCode, len(body), err)
		}
		if json.Valid(body) {
			t.Error("cut body is complete JSON")
		}
		if _, err := f.client().ListUsersWithContext(ctx, pagerduty.ListUsersOptions{Limit: 100}); err == nil {
			t.Error("go-pagerduty got no error from a cut response")
		}
	})
	t.Run("rate and seed", func(t *testing.T) {
		seq := func(seed int64) string {
			f := serve(t, org, Faults{Seed: seed, Rate: 0.5, Kinds: []FaultKind{Fault500, Fault503}})
			var b strings.Builder
			for i := 0; i < 200; i++ {
				status, _, _ := f.get(t, "/teams")
				fmt.Fprintf(&b, "%d ", status)
			}
			return b.String()
		}
		a, b, c := seq(7), seq(7), seq(8)
		if a != b {
			t.Error("same fault seed gave different sequences")
		}
		if a == c {
			t.Error("different fault seeds gave the same sequence")
		}
		fails := 200 - strings.Count(a, "200 ")
		// Rate 0.5 over 200 requests: 100 expected; 60..140 is > 5 sigma.
		if fails < 60 || fails > 140 {
			t.Errorf("%d failures in 200 at rate 0.5", fails)
		}
		if !strings.Contains(a, "500") || !strings.Contains(a, "503") {
			t.Error("both kinds should be drawn")
		}
	})
}

func mustReq(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token token="+testToken)
	return req
}

func TestRequestCounter(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	id := org.incID.encode(0)
	paths := []string{"/incidents", "/incidents", "/incidents/" + id + "/alerts", "/incidents/" + id + "/log_entries",
		"/incidents/" + id + "/alerts/", "/log_entries", "/users", "/nowhere"}
	for _, p := range paths {
		f.get(t, p)
	}
	f.getAuth(t, "/oncalls", "Token token=bad") // refused requests count too
	want := map[string]int64{"GET /incidents": 2, "GET /incidents/{id}/alerts": 2, "GET /incidents/{id}/log_entries": 1,
		"GET /log_entries": 1, "GET /users": 1, "GET /unknown": 1, "GET /oncalls": 1}
	got := f.srv.Requests()
	if len(got) != len(want) {
		t.Errorf("requests %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d requests, want %d", k, got[k], v)
		}
	}
}

func TestDeterminism(t *testing.T) {
	first := func(seed int64) (map[string]int, []byte) {
		org, err := Generate(Config{Size: Small, Seed: seed, Days: 21})
		if err != nil {
			t.Fatal(err)
		}
		f := serve(t, org, Faults{})
		_, _, body := f.get(t, "/incidents?date_range=all&limit=100")
		_, _, logs := f.get(t, "/log_entries?limit=100&include%5B%5D=channels")
		return org.Counts(), append(body, logs...)
	}
	c1, b1 := first(42)
	c2, b2 := first(42)
	c3, b3 := first(43)
	if fmt.Sprint(c1) != fmt.Sprint(c2) || !bytes.Equal(b1, b2) {
		t.Error("same seed gave different organisations")
	}
	if fmt.Sprint(c1) == fmt.Sprint(c3) || bytes.Equal(b1, b3) {
		t.Error("different seeds gave the same organisation")
	}
	for _, k := range []string{"users", "teams", "services", "escalation_policies", "incidents", "alerts", "log_entries", "oncalls", "notifications"} {
		if c1[k] == 0 {
			t.Errorf("Counts()[%q] = 0", k)
		}
	}
	if len(c1) != 9 {
		t.Errorf("Counts has %d keys, want 9", len(c1))
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{{Size: "medium"}, {Size: Small, Days: -1}} {
		if _, err := Generate(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("Generate(%+v): %v, want ErrBadConfig", c, err)
		}
	}
	org, err := Generate(Config{Size: Small, Seed: 1, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Zero End means 2026-11-16T00:00:00Z; 7 days back is 2026-11-09.
	if !org.End().Equal(DefaultEnd) || !org.Start().Equal(time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("start %v end %v", org.Start(), org.End())
	}
}

func TestAppend(t *testing.T) {
	org, err := Generate(Config{Size: Small, Seed: 5, End: DefaultEnd.AddDate(0, 0, -7), Days: 21})
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, org, Faults{})
	before := org.Counts()
	// An incident open at the old End that the world resolves in the next week.
	openID := ""
	for i := org.visibleIncidents() - 1; i >= 0 && openID == ""; i-- {
		if org.incidentState(i).status == "resolved" {
			continue
		}
		for k := 0; k < int(org.incidents[i].nLogs); k++ {
			e := org.logs[int(org.incidents[i].firstLog)+k]
			if e.kind == leResolve && e.at < org.end+7*day {
				openID = org.incID.encode(uint64(i))
			}
		}
	}
	if openID == "" {
		t.Fatal("no incident open at End and resolved in the next week")
	}
	status := func() string {
		_, _, body := f.get(t, "/incidents/"+openID)
		var r struct{ Incident struct{ Status string } }
		_ = json.Unmarshal(body, &r)
		return r.Incident.Status
	}
	// Old history is served byte for byte the same after Append.
	old := []string{"/incidents?date_range=all&limit=100",
		"/log_entries?limit=100&since=" + url.QueryEscape(iso(org.Start())) + "&until=" + url.QueryEscape(iso(org.Start().Add(48*time.Hour)))}
	var oldBodies [][]byte
	for _, p := range old {
		_, _, b := f.get(t, p)
		oldBodies = append(oldBodies, b)
	}
	if s := status(); s == "resolved" {
		t.Fatalf("incident %s already resolved before Append", openID)
	}
	f.srv.Append(7)
	if s := status(); s != "resolved" {
		t.Errorf("incident %s is %s after Append, want resolved", openID, s)
	}
	if !org.End().Equal(DefaultEnd) {
		t.Errorf("End after Append(7) = %v, want %v", org.End(), DefaultEnd)
	}
	after := org.Counts()
	for _, k := range []string{"incidents", "alerts", "log_entries", "notifications", "oncalls"} {
		if after[k] <= before[k] {
			t.Errorf("%s did not grow: %d -> %d", k, before[k], after[k])
		}
	}
	for i, p := range old {
		if _, _, b := f.get(t, p); !bytes.Equal(b, oldBodies[i]) {
			t.Errorf("%s changed after Append", p)
		}
	}
	// Appending is deterministic.
	again, _ := Generate(Config{Size: Small, Seed: 5, End: DefaultEnd.AddDate(0, 0, -7), Days: 21})
	again.append(7)
	if fmt.Sprint(again.Counts()) != fmt.Sprint(after) {
		t.Errorf("append not deterministic: %v vs %v", again.Counts(), after)
	}
}

func TestTimeZoneRendering(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	for _, c := range []struct{ zone, suffix string }{
		{"", "Z"},
		{"Asia/Kolkata", "+05:30"},    // no DST
		{"Pacific/Chatham", "+13:45"}, // southern summer (DST) in October/November
	} {
		p := "/incidents?limit=1&since=" + url.QueryEscape(iso(org.End().Add(-7*24*time.Hour)))
		if c.zone != "" {
			p += "&time_zone=" + url.QueryEscape(c.zone)
		}
		_, _, body := f.get(t, p)
		_, m := decodeEnv(t, body)
		items := itemsOf(t, m, "incidents")
		if len(items) != 1 {
			t.Fatalf("%s: %d incidents", c.zone, len(items))
		}
		created := items[0]["created_at"].(string)
		if !strings.HasSuffix(created, c.suffix) {
			t.Errorf("time_zone %q: created_at %s, want suffix %s", c.zone, created, c.suffix)
		}
	}
}

func TestConcurrentAppend(t *testing.T) {
	org, err := Generate(Config{Size: Small, Seed: 9, Days: 14, End: DefaultEnd.AddDate(0, 0, -3)})
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, org, Faults{})
	done := make(chan struct{})
	errs := make(chan string, 8)
	for g := 0; g < 3; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 30; i++ {
				for _, p := range []string{"/incidents?limit=100", "/log_entries?limit=100", "/oncalls", "/notifications?since=2026-11-01&until=2026-11-20"} {
					if status, _, body := f.get(t, p); status != 200 {
						errs <- fmt.Sprintf("%s: %d %s", p, status, body)
						return
					}
				}
			}
		}()
	}
	for i := 0; i < 3; i++ {
		f.srv.Append(1)
	}
	for g := 0; g < 3; g++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if !org.End().Equal(DefaultEnd) {
		t.Errorf("End %v after three Append(1), want %v", org.End(), DefaultEnd)
	}
}

func TestStart(t *testing.T) {
	org := sharedSmall(t)
	srv := NewServer(org, Options{Token: testToken, Now: org.End})
	base, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := pagerduty.NewClient(testToken, pagerduty.WithAPIEndpoint(base))
	r, err := c.ListTeamsWithContext(context.Background(), pagerduty.ListTeamOptions{})
	if err != nil || len(r.Teams) != 7 { // six planted teams and the tied team
		t.Fatalf("teams via %s: %v %v", base, r, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTeamsWithContext(context.Background(), pagerduty.ListTeamOptions{}); err == nil {
		t.Error("server still answers after stop")
	}
}

func TestFilters(t *testing.T) {
	org := sharedSmall(t)
	f := serve(t, org, Faults{})
	// Reference: all incidents with their status, service and urgency.
	type inc struct{ status, service, urgency string }
	var all []inc
	for off := 0; ; off += 100 {
		_, _, body := f.get(t, fmt.Sprintf("/incidents?date_range=all&limit=100&offset=%d", off))
		e, m := decodeEnv(t, body)
		for _, it := range itemsOf(t, m, "incidents") {
			all = append(all, inc{it["status"].(string), it["service"].(map[string]any)["id"].(string), it["urgency"].(string)})
		}
		if !e.More {
			break
		}
	}
	count := func(keep func(inc) bool) int {
		n := 0
		for _, x := range all {
			if keep(x) {
				n++
			}
		}
		return n
	}
	total := func(p string) int {
		status, _, body := f.get(t, p)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
		e, _ := decodeEnv(t, body)
		return *e.Total
	}
	nasty, _ := org.ServiceID(NastyServiceName)
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"triggered", "statuses%5B%5D=triggered", count(func(x inc) bool { return x.status == "triggered" })},
		{"open", "statuses%5B%5D=triggered&statuses%5B%5D=acknowledged", count(func(x inc) bool { return x.status != "resolved" })},
		{"service", "service_ids%5B%5D=" + nasty, count(func(x inc) bool { return x.service == nasty })},
		{"low urgency", "urgencies%5B%5D=low", count(func(x inc) bool { return x.urgency == "low" })},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.want == 0 {
				t.Fatal("nothing to find: the test would prove nothing")
			}
			if got := total("/incidents?date_range=all&total=true&" + c.query); got != c.want {
				t.Errorf("total %d, want %d", got, c.want)
			}
		})
	}
	// Newest first with sort_by=created_at:desc: the first is the last of all.
	_, _, body := f.get(t, "/incidents?date_range=all&limit=1&sort_by=created_at%3Adesc")
	_, m := decodeEnv(t, body)
	if it := itemsOf(t, m, "incidents"); int(it[0]["incident_number"].(float64)) != len(all) {
		t.Errorf("newest incident number %v, want %d", it[0]["incident_number"], len(all))
	}
	// /notifications filter: the per-type totals add up to the whole.
	q := "&since=" + url.QueryEscape(iso(org.Start())) + "&until=" + url.QueryEscape(iso(org.End()))
	sum := 0
	for _, typ := range []string{"push_notification", "sms_notification", "phone_notification", "email_notification"} {
		n := total("/notifications?total=true&filter=" + typ + q)
		if n == 0 {
			t.Errorf("no %s", typ)
		}
		sum += n
	}
	if sum != org.Counts()["notifications"] {
		t.Errorf("notification types sum to %d, want %d", sum, org.Counts()["notifications"])
	}
	// /oncalls earliest=true: one segment per user, policy and level.
	_, _, body = f.get(t, "/oncalls?earliest=true&limit=100&total=true"+q)
	e, m := decodeEnv(t, body)
	seen := map[string]bool{}
	for _, it := range itemsOf(t, m, "oncalls") {
		k := fmt.Sprint(it["user"].(map[string]any)["id"], it["escalation_policy"].(map[string]any)["id"], it["escalation_level"])
		if seen[k] {
			t.Errorf("earliest=true repeats %s", k)
		}
		seen[k] = true
	}
	if *e.Total >= org.Counts()["oncalls"] || *e.Total == 0 {
		t.Errorf("earliest: %d of %d segments", *e.Total, org.Counts()["oncalls"])
	}
}
