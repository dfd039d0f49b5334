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
