package analysis

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExampleConfig keeps the README's example file honest: it parses, and
// every value in it is the default.
func TestExampleConfig(t *testing.T) {
	cfg, err := LoadConfig("../oncall-health.example.yaml")
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	want := DefaultConfig()
	want.TeamHours = map[string]Hours{}
	want.Deliver.SlackTeamWebhookURLEnv = map[string]string{}
	want.Deliver.SMTP.To = map[string][]string{}
	want.Deliver.SMTP.Leadership = []string{}
	want.Holidays = Holidays{Teams: map[string]string{}, Users: map[string]string{}, Extra: []string{}}
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("example config differs from the defaults (-default +example):\n%s", d)
	}
}
