package main

import (
	"database/sql"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// TestOAuthToken: an OAuth access token from PAGERDUTY_OAUTH_TOKEN is sent
// as a Bearer token and syncs; both variables set is a usage error; a
// refused token's error names the variable in use; neither token appears in
// any output or in the database file.
func TestOAuthToken(t *testing.T) {
	fastRetries(t)
	const oauth, key = "pdoauth-Zk41-s3cr3t-77aa", "pdkey-Yw90-s3cr3t-1b2c"
	org := newOrg(t)
	// The fake accepts the OAuth token as Bearer and the key as Token.
	hs := httptest.NewServer(pagerdutytest.NewServer(org, pagerdutytest.Options{Token: key, OAuthToken: oauth, Now: org.End}))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	span := []string{"--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339), "--rate", "0"}
	cases := []struct {
		name       string
		env        map[string]string
		code       int
		wantStderr string
	}{
		{"oauth", map[string]string{"PAGERDUTY_OAUTH_TOKEN": oauth, "PAGERDUTY_TOKEN": ""}, 0, ""},
		{"both set", map[string]string{"PAGERDUTY_OAUTH_TOKEN": oauth, "PAGERDUTY_TOKEN": key}, 2, "both PAGERDUTY_TOKEN and PAGERDUTY_OAUTH_TOKEN are set"},
		// The key sent as a Bearer token is refused: the error names the
		// OAuth variable, the one in use.
		{"refused oauth", map[string]string{"PAGERDUTY_OAUTH_TOKEN": key, "PAGERDUTY_TOKEN": ""}, 1, "check PAGERDUTY_OAUTH_TOKEN"},
		// And the OAuth token sent as an API key is refused too.
		{"refused key", map[string]string{"PAGERDUTY_OAUTH_TOKEN": "", "PAGERDUTY_TOKEN": oauth}, 1, "check PAGERDUTY_TOKEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(dir, c.name+".duckdb")
			code, stdout, stderr := runCmd(t, c.env, append([]string{"sync", "--db", db, "--api-url", hs.URL + "/"}, span...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, stderr)
			}
			if c.wantStderr != "" && !strings.Contains(stderr, c.wantStderr) {
				t.Errorf("stderr %q, want %q", stderr, c.wantStderr)
			}
			for _, s := range []string{stdout, stderr} {
				if strings.Contains(s, oauth) || strings.Contains(s, key) {
					t.Errorf("output holds a token: %q", s)
				}
			}
			if c.code != 0 {
				return
			}
			// The OAuth sync stored the organisation (trailing slash in
			// --api-url and all): every incident of the fake.
			b, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), oauth) {
				t.Error("the database file holds the OAuth token")
			}
			sdb, err := sql.Open("duckdb", db)
			if err != nil {
				t.Fatal(err)
			}
			defer sdb.Close()
			var n int
			if err := sdb.QueryRow(`SELECT count(*) FROM incidents`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if want := org.Counts()["incidents"]; n != want || n == 0 {
				t.Errorf("%d incidents stored, want the fake's %d", n, want)
			}
		})
	}
}
