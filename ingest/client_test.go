package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
	"golang.org/x/time/rate"
)

const teamsPage = `{"teams":[{"id":"PT1","type":"team","summary":"Core","name":"Core"}],"limit":100,"offset":0,"more":false,"total":null}`

// scripted serves /teams: the first len(script) requests get the scripted
// behaviour, later ones a good page.
func scripted(t *testing.T, script ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if r.Header.Get("Authorization") != "Token token=secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"Invalid Credentials","code":2006}}`))
			return
		}
		if i < len(script) {
			script[i](w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(teamsPage))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func listTeams(c *Client) (*pagerduty.ListTeamResponse, error) {
	return c.PD.ListTeamsWithContext(context.Background(), pagerduty.ListTeamOptions{Limit: 100})
}

func TestClientRetries(t *testing.T) {
	fast := ClientOptions{RequestsPerMinute: -1, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	tests := []struct {
		name        string
		script      []func(w http.ResponseWriter)
		wantRetries int64
		minElapsed  time.Duration
	}{
		{
			name: "429 honours Retry-After",
			script: []func(w http.ResponseWriter){func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "1")
				w.Header().Set("ratelimit-reset", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}},
			// One 429, then success: one retry, after the 1 s the server asked for.
			wantRetries: 1, minElapsed: time.Second,
		},
		{
			name: "5xx each retried",
			script: []func(w http.ResponseWriter){
				func(w http.ResponseWriter) { w.WriteHeader(500) },
				func(w http.ResponseWriter) { w.WriteHeader(502) },
				func(w http.ResponseWriter) { w.WriteHeader(503) },
			},
			// Three failures before the good page: three retries.
			wantRetries: 3,
		},
		{
			name: "body cut mid-JSON",
			script: []func(w http.ResponseWriter){func(w http.ResponseWriter) {
				// Promise more bytes than are sent, then drop the connection.
				w.Header().Set("Content-Length", "1000")
				w.Write([]byte(teamsPage[:30]))
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}},
			// The cut body is one failed attempt: one retry.
			wantRetries: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := scripted(t, tt.script...)
			o := fast
			o.APIURL = srv.URL
			c := NewClient("secret-token", o)
			began := time.Now()
			r, err := listTeams(c)
			if err != nil {
				t.Fatalf("list teams: %v", err)
			}
			if len(r.Teams) != 1 || r.Teams[0].ID != "PT1" {
				t.Fatalf("teams = %+v, want the one team PT1", r.Teams)
			}
			if got := c.Counters.Retries.Load(); got != tt.wantRetries {
				t.Errorf("retries = %d, want %d", got, tt.wantRetries)
			}
			if got, want := n.Load(), tt.wantRetries+1; got != want {
				t.Errorf("server saw %d requests, want %d", got, want)
			}
			if el := time.Since(began); el < tt.minElapsed {
				t.Errorf("returned after %s, before the %s the server asked to wait", el, tt.minElapsed)
			}
		})
	}
}

func TestClientRejectedToken(t *testing.T) {
	srv, n := scripted(t)
	c := NewClient("wrong-token-value", ClientOptions{APIURL: srv.URL, RequestsPerMinute: -1})
	_, err := listTeams(c)
	err = c.classify(err)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("error %q contains the token", err)
	}
	// A 401 is final: exactly one request, no retry.
	if n.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", n.Load())
	}
}

func TestClientUnreachable(t *testing.T) {
	// A listener that is closed at once: its port refuses connections.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := NewClient("secret-token", ClientOptions{APIURL: url, RequestsPerMinute: -1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	_, err := listTeams(c)
	err = c.classify(err)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	// maxDialFailures attempts in a row fail, then it gives up: 4 requests,
	// 3 of them retries, not the whole retry budget of 8.
	if got := c.Counters.Requests.Load(); got != maxDialFailures {
		t.Errorf("requests = %d, want %d", got, maxDialFailures)
	}
}

// TestBackoffWaits: the wait after a 429 or 503 follows its headers, but is
// at least the minimum backoff and at most PagerDuty's one-minute window.
func TestBackoffWaits(t *testing.T) {
	lo, hi := 500*time.Millisecond, 30*time.Second
	resp := func(status int, headers ...string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	for _, c := range []struct {
		name    string
		resp    *http.Response
		attempt int
		want    time.Duration
	}{
		// ratelimit-reset: 0 alone must not retry at once: the minimum.
		{"reset 0", resp(429, "ratelimit-reset", "0"), 0, lo},
		{"reset 3 only", resp(429, "ratelimit-reset", "3"), 0, 3 * time.Second},
		{"Retry-After first", resp(429, "Retry-After", "2", "ratelimit-reset", "9"), 0, 2 * time.Second},
		// A reset past the window is capped at a minute.
		{"reset 600", resp(429, "ratelimit-reset", "600"), 0, time.Minute},
		// No header: doubling from the minimum, 500 ms * 2^2.
		{"429 bare", resp(429), 2, 2 * time.Second},
		{"500 doubling capped", resp(500), 10, hi},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := backoff(lo, hi, c.attempt, c.resp); got != c.want {
				t.Errorf("backoff = %v, want %v", got, c.want)
			}
		})
	}
}

// TestLongRateLimit: another tool uses the same key, and PagerDuty answers
// 429 (with only ratelimit-reset: 0) to 20 requests in a row, more than the
// 8 retries a request gets for other failures. The request keeps going and
// succeeds; 5xx answers still stop after MaxRetries.
func TestLongRateLimit(t *testing.T) {
	limited := func(w http.ResponseWriter) {
		w.Header().Set("ratelimit-reset", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	}
	script := make([]func(http.ResponseWriter), 20)
	for i := range script {
		script[i] = limited
	}
	srv, n := scripted(t, script...)
	c := NewClient("secret-token", ClientOptions{APIURL: srv.URL, RequestsPerMinute: -1, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if _, err := listTeams(c); err != nil {
		t.Fatalf("after 20 429s: %v", err)
	}
	// 20 limited attempts and the good one.
	if n.Load() != 21 || c.Counters.Limited.Load() != 20 {
		t.Errorf("requests %d, limited %d; want 21, 20", n.Load(), c.Counters.Limited.Load())
	}

	var failing []func(http.ResponseWriter)
	for range 20 {
		failing = append(failing, func(w http.ResponseWriter) { w.WriteHeader(500) })
	}
	srv, n = scripted(t, failing...)
	c = NewClient("secret-token", ClientOptions{APIURL: srv.URL, RequestsPerMinute: -1, MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if _, err := listTeams(c); err == nil {
		t.Fatal("20 answers of 500 and no error")
	}
	// The first attempt and 3 retries.
	if n.Load() != 4 {
		t.Errorf("requests on 500s = %d, want 4", n.Load())
	}

	// Each request has retries of its own: after one request spent its 3,
	// the next one still gets 3 (the second script has 3 failures).
	srv, n = scripted(t, failing[:6]...)
	c = NewClient("secret-token", ClientOptions{APIURL: srv.URL, RequestsPerMinute: -1, MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if _, err := listTeams(c); err == nil {
		t.Fatal("first request: 4 answers of 500 and no error")
	}
	if _, err := listTeams(c); err != nil {
		t.Fatalf("second request: 2 answers of 500 then a page: %v", err)
	}
	if n.Load() != 7 {
		t.Errorf("requests = %d, want 4 + 3", n.Load())
	}
}

// TestSlowDownOn429: a 429 halves the request rate (900/min = 15/s to
// 7.5/s), a second halves it again; the floor is one request per 4 s.
func TestSlowDownOn429(t *testing.T) {
	p := &pacedTransport{limiter: rate.NewLimiter(15, 1), full: 15}
	p.slowDown()
	if got := p.limiter.Limit(); got != 7.5 {
		t.Errorf("after one 429: %v/s, want 7.5", got)
	}
	p.slowDown()
	if got := p.limiter.Limit(); got != 3.75 {
		t.Errorf("after two: %v/s, want 3.75", got)
	}
	for range 10 {
		p.slowDown()
	}
	if got := p.limiter.Limit(); got != 0.25 {
		t.Errorf("after many: %v/s, want the floor 0.25", got)
	}
	// Within a minute of the last 429 the rate stays low; a minute later
	// it doubles.
	p.recover()
	if got := p.limiter.Limit(); got != 0.25 {
		t.Errorf("recovered within the minute: %v/s", got)
	}
	p.slowed = time.Now().Add(-61 * time.Second)
	p.recover()
	if got := p.limiter.Limit(); got != 0.5 {
		t.Errorf("a minute later: %v/s, want 0.5", got)
	}
}

// TestAPIURLAndAuth: a trailing slash or a path in the API URL gives
// "/users", never "//users"; an OAuth token goes as a Bearer token.
func TestAPIURLAndAuth(t *testing.T) {
	var gotPath, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth = r.URL.Path, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(teamsPage))
	}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		url, path string
		oauth     bool
		auth      string
	}{
		{srv.URL, "/teams", false, "Token token=tok"},
		{srv.URL + "/", "/teams", false, "Token token=tok"},
		{srv.URL + "//", "/teams", true, "Bearer tok"},
		{srv.URL + "/pd/", "/pd/teams", true, "Bearer tok"},
	} {
		t.Run(c.url, func(t *testing.T) {
			cl := NewClient("tok", ClientOptions{APIURL: c.url, OAuth: c.oauth, RequestsPerMinute: -1})
			if _, err := listTeams(cl); err != nil {
				t.Fatal(err)
			}
			if gotPath != c.path || gotAuth != c.auth {
				t.Errorf("path %q auth %q, want %q %q", gotPath, gotAuth, c.path, c.auth)
			}
		})
	}
}
