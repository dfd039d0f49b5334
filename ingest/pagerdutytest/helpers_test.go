package pagerdutytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"
)

const testToken = "test-token-123"

var (
	smallOnce sync.Once
	smallOrg  *Org
	smallErr  error
)

// sharedSmall returns the small organisation of seed 1 (or $PDTEST_SEED), generated once per
// test binary. Tests must not Append to it.
func sharedSmall(t testing.TB) *Org {
	t.Helper()
	smallOnce.Do(func() {
		seed := int64(1)
		if v := os.Getenv("PDTEST_SEED"); v != "" { // to check the planted features hold for other seeds
			seed, smallErr = strconv.ParseInt(v, 10, 64)
			if smallErr != nil {
				return
			}
		}
		smallOrg, smallErr = Generate(Config{Size: Small, Seed: seed})
	})
	if smallErr != nil {
		t.Fatalf("generate: %v", smallErr)
	}
	return smallOrg
}

type fixture struct {
	org *Org
	srv *Server
	ts  *httptest.Server
}

// serve starts a real HTTP server for org whose clock stands at org.End().
func serve(t testing.TB, org *Org, f Faults) *fixture {
	t.Helper()
	srv := NewServer(org, Options{Token: testToken, Faults: f, Now: org.End})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{org: org, srv: srv, ts: ts}
}

func (f *fixture) client() *pagerduty.Client {
	return pagerduty.NewClient(testToken, pagerduty.WithAPIEndpoint(f.ts.URL))
}

// get fetches path (with query) with the test token.
func (f *fixture) get(t testing.TB, path string) (int, http.Header, []byte) {
	t.Helper()
	return f.getAuth(t, path, "Token token="+testToken)
}

func (f *fixture) getAuth(t testing.TB, path, auth string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, resp.Header, body
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newHTTPTestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
