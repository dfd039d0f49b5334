package pagerdutytest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParseShapes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shapes
		err  bool
	}{
		{"", Shapes{}, false},
		{"no-teams, merged", Shapes{NoTeams: 402, Merged: true}, false},
		{"no-teams-403,permanent-oncall,second-team", Shapes{NoTeams: 403, PermanentOncall: true, SecondTeam: true}, false},
		{"deleted-user,no-time-zone,bad-items", Shapes{DeletedUser: NightOwlUserName, NoTimeZone: StretchUserName, BadItems: true}, false},
		{"many-alerts", Shapes{ManyAlerts: ManyAlerts{Number: 1, Alerts: 10050}}, false},
		{"all", Shapes{NoTeams: 402, PermanentOncall: true, Merged: true, SecondTeam: true, DeletedUser: NightOwlUserName, NoTimeZone: StretchUserName}, false},
		{"rate-limited", Shapes{RateLimited: RateLimited{Every: 50, Run: 20}}, false},
		{"merged,weird", Shapes{}, true},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseShapes(c.in)
			if (err != nil) != c.err || got != c.want || (err != nil && !errors.Is(err, ErrBadConfig)) {
				t.Errorf("ParseShapes(%q) = %+v, %v; want %+v (error %v)", c.in, got, err, c.want, c.err)
			}
		})
	}
}

// TestRateLimitedShape: with Every 2 and Run 3, authorised requests 1-2
// are answered, 3-5 get a 429 with only the ratelimit-* headers
// (ratelimit-reset 0, no Retry-After), 6-7 are answered, 8 is limited
// again; a refused token does not count. Four 429s in all.
func TestRateLimitedShape(t *testing.T) {
	org := sharedSmall(t)
	srv := NewServer(org, Options{Token: testToken, Now: org.End, Shapes: Shapes{RateLimited: RateLimited{Every: 2, Run: 3}}})
	get := func(token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/users?limit=1", nil)
		req.Header.Set("Authorization", "Token token="+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := get("wrong"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", rec.Code)
	}
	want := []int{200, 200, 429, 429, 429, 200, 200, 429}
	for i, code := range want {
		rec := get(testToken)
		if rec.Code != code {
			t.Errorf("request %d: %d, want %d", i+1, rec.Code, code)
		}
		if code != 429 {
			continue
		}
		h := rec.Header()
		if h.Get("Retry-After") != "" || h.Get("ratelimit-reset") != "0" || h.Get("ratelimit-remaining") != "0" || h.Get("ratelimit-limit") != "960" {
			t.Errorf("request %d: headers %v", i+1, h)
		}
	}
	if n := srv.RateLimitedCount(); n != 4 {
		t.Errorf("RateLimitedCount %d, want 4", n)
	}
}

// TestPathPrefix: with PathPrefix "/pd/" the API is under /pd; /users
// itself and the doubled slash of /pd//users are not found.
func TestPathPrefix(t *testing.T) {
	org := sharedSmall(t)
	srv := NewServer(org, Options{Token: testToken, Now: org.End, PathPrefix: "/pd/"})
	for _, c := range []struct {
		path string
		ok   bool
	}{{"/pd/users", true}, {"/pd/users/", true}, {"/pd/teams?limit=1", true}, {"/users", false}, {"/pd//users", false}, {"/pdusers", false}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		req.Header.Set("Authorization", "Token token="+testToken)
		srv.ServeHTTP(rec, req)
		if (rec.Code == http.StatusOK) != c.ok {
			t.Errorf("%s: %d, want ok %v", c.path, rec.Code, c.ok)
		}
	}
}
