package pagerdutytest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/oncall-health/oncall-health/internal/golden"
)

// TestGolden pins the exact bytes of a short first page of every endpoint
// for the small organisation of seed 1, so that any change of shape or
// content is deliberate (go test -run TestGolden -update to accept one).
func TestGolden(t *testing.T) {
	org, err := Generate(Config{Size: Small, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, org, Faults{})
	since := url.QueryEscape(iso(org.End().AddDate(0, 0, -1)))
	until := url.QueryEscape(iso(org.End()))
	id := org.IncidentIDs(NastyTitles[0])[0]
	for _, c := range []struct{ name, path string }{
		{"users", "/users?limit=2&total=true"},
		{"teams", "/teams?limit=2"},
		{"services", "/services?limit=2"},
		{"escalation_policies", "/escalation_policies?limit=1"},
		{"incidents", "/incidents?limit=2&since=" + since + "&until=" + until},
		{"incident", "/incidents/" + id},
		{"incident_alerts", "/incidents/" + id + "/alerts"},
		{"incident_log_entries", "/incidents/" + id + "/log_entries?include%5B%5D=channels"},
		{"log_entries", "/log_entries?limit=3&since=" + since + "&until=" + until},
		{"log_entries_channels", "/log_entries?limit=3&include%5B%5D=channels&since=" + since + "&until=" + until},
		{"oncalls", "/oncalls?limit=2"},
		{"notifications", "/notifications?limit=2&since=" + since + "&until=" + until},
		{"error_offset", "/incidents?offset=10000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, body := f.get(t, c.path)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatalf("invalid JSON: %v", err)
			}
			pretty.WriteByte('\n')
			golden.Check(t, filepath.Join("testdata", c.name+".json"), pretty.Bytes())
		})
	}
}
