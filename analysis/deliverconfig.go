package analysis

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
)

// Deliver is the config key deliver: where `oncall-health run` sends the
// digests of the periods it wrote (package deliver sends them). Every
// channel is optional and off while its keys are empty. Secrets (webhook
// URLs, the SMTP password) are named by environment variable (*_env keys);
// only the Slack URL may also be written in the file (slack_webhook_url).
type Deliver struct {
	// ReportBaseURL is where the --out directory is served, e.g.
	// "https://oncall.example.com/reports"; messages link to the period's
	// reports below it. "" for no links.
	ReportBaseURL string `yaml:"report_base_url"`
	// SlackWebhookURL is a Slack incoming webhook URL for one channel that
	// gets the weekly and monthly organisation digests. Prefer
	// SlackWebhookURLEnv: the URL is a secret.
	SlackWebhookURL string `yaml:"slack_webhook_url"`
	// SlackWebhookURLEnv names an environment variable holding that URL.
	SlackWebhookURLEnv string `yaml:"slack_webhook_url_env"`
	// SlackTeamWebhookURLEnv maps a team id to the environment variable
	// holding the webhook URL of that team's channel, which gets the team's
	// weekly digest.
	SlackTeamWebhookURLEnv map[string]string `yaml:"slack_team_webhook_url_env"`
	// SMTP sends e-mail; off while Host is "".
	SMTP SMTP `yaml:"smtp"`
	// WebhookURLEnv names an environment variable holding a URL that gets
	// every written period's metrics.json as a POST body.
	WebhookURLEnv string `yaml:"webhook_url_env"`
}

// SMTP is the mail server and the recipients. The connection is upgraded
// with STARTTLS before anything else is sent; a server without it is refused.
type SMTP struct {
	Host        string `yaml:"host"`
	Port        int    `yaml:"port"` // default 587 (submission)
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"` // environment variable holding the password
	From        string `yaml:"from"`
	// To maps a team id to the addresses that get the team's weekly digest.
	To map[string][]string `yaml:"to"`
	// Leadership are the addresses that get the monthly leadership summary.
	Leadership []string `yaml:"leadership"`
}

// envNameRE is what an environment variable name may be.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// validate checks the deliver: keys; errors wrap ErrConfig and name the key.
// It checks the names of environment variables, not their values (package
// deliver reads those when it sends).
func (d Deliver) validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: key deliver.%s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	env := func(key, name string) error {
		if name != "" && !envNameRE.MatchString(name) {
			return bad(key, "%q is not an environment variable name", name)
		}
		return nil
	}
	if d.ReportBaseURL != "" {
		if u, err := url.Parse(d.ReportBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("report_base_url", "want an http or https URL, got %q", d.ReportBaseURL)
		}
	}
	if d.SlackWebhookURL != "" && d.SlackWebhookURLEnv != "" {
		return bad("slack_webhook_url", "give slack_webhook_url or slack_webhook_url_env, not both")
	}
	if d.SlackWebhookURL != "" {
		// The URL is a secret: the error does not repeat it.
		if u, err := url.Parse(d.SlackWebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("slack_webhook_url", "want an https URL like https://hooks.slack.com/services/...")
		}
	}
	if err := env("slack_webhook_url_env", d.SlackWebhookURLEnv); err != nil {
		return err
	}
	for _, id := range sortedKeys(d.SlackTeamWebhookURLEnv) {
		if err := env("slack_team_webhook_url_env."+id, d.SlackTeamWebhookURLEnv[id]); err != nil {
			return err
		}
		if d.SlackTeamWebhookURLEnv[id] == "" {
			return bad("slack_team_webhook_url_env."+id, "names no environment variable")
		}
	}
	if err := env("webhook_url_env", d.WebhookURLEnv); err != nil {
		return err
	}
	s := d.SMTP
	if s.Port < 1 || s.Port > 65535 {
		return bad("smtp.port", "want 1..65535, got %d", s.Port)
	}
	if err := env("smtp.password_env", s.PasswordEnv); err != nil {
		return err
	}
	if s.Host == "" {
		if s.From != "" || len(s.To) > 0 || len(s.Leadership) > 0 || s.Username != "" || s.PasswordEnv != "" {
			return bad("smtp.host", "is needed to send the mail the other smtp keys describe")
		}
		return nil
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return bad("smtp.from", "want an e-mail address, got %q", s.From)
	}
	if (s.Username == "") != (s.PasswordEnv == "") {
		return bad("smtp.username", "give smtp.username and smtp.password_env together")
	}
	addrs := func(key string, list []string) error {
		for _, a := range list {
			if _, err := mail.ParseAddress(a); err != nil {
				return bad(key, "want an e-mail address, got %q", a)
			}
		}
		return nil
	}
	for _, id := range sortedKeys(s.To) {
		if err := addrs("smtp.to."+id, s.To[id]); err != nil {
			return err
		}
	}
	if err := addrs("smtp.leadership", s.Leadership); err != nil {
		return err
	}
	if len(s.To) == 0 && len(s.Leadership) == 0 {
		return bad("smtp.to", "smtp.host is set but no smtp.to or smtp.leadership address")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
