package main

import (
	"bytes"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/deliver"
	"github.com/oncall-health/oncall-health/deliver/delivertest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/reports"
)

// The run tests' organisation: 32 days of the small organisation from
// Thursday 1 October 2026 to Monday 2 November 2026. Synced up to Monday
// 26 October (until1), the complete ISO weeks starting on or after 1
// October are 2026-W41 (5 Oct), W42 and W43 (19 to 25 Oct), and no month is
// complete; up to 2 November (until2) W44 (26 Oct to 1 Nov) and the month
// 2026-10 are complete too.
var (
	runEnd    = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	runSince  = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	runUntil1 = time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)
	runUntil2 = runEnd
)

// Secrets of the run tests: distinctive, so a leak is found by a plain
// substring search.
const (
	slackSecret     = "slk-s3cr3t-Ab12"
	slackTeamSecret = "slk-team-s3cr3t-Cd34"
	hookSecret      = "hook-s3cr3t-Ef56"
	smtpPassword    = "smtp-pw-s3cr3t-Gh78"
)

// runFixture is a fake PagerDuty API, a Slack webhook receiver, a generic
// webhook receiver and a real SMTP server, all on 127.0.0.1, and a config
// that delivers to all of them.
type runFixture struct {
	org         *pagerdutytest.Org
	pdURL       string
	slack, hook *delivertest.Receiver
	smtp        *delivertest.SMTPServer
	teamID      string // the Payments team: its own Slack channel and mail
	config      string
	caFile      string
	env         map[string]string
	db, out     string
}

func newRunFixture(t *testing.T, hideNames bool) *runFixture {
	t.Helper()
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 5, End: runEnd, Days: 32})
	if err != nil {
		t.Fatal(err)
	}
	f := &runFixture{org: org, pdURL: serveOrg(t, org, relToken, pagerdutytest.Faults{}, nil),
		slack: delivertest.NewReceiver(), hook: delivertest.NewReceiver()}
	t.Cleanup(f.slack.Close)
	t.Cleanup(f.hook.Close)
	if f.smtp, err = delivertest.NewSMTPServer("oncall-bot", smtpPassword, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.smtp.Close() })
	id, ok := org.TeamID(pagerdutytest.StretchTeamName)
	if !ok {
		t.Fatal("no Payments team")
	}
	f.teamID = id
	dir := t.TempDir()
	f.db, f.out = filepath.Join(dir, "pd.duckdb"), filepath.Join(dir, "archive")
	f.caFile = writeFile(t, filepath.Join(dir, "ca.pem"), string(f.smtp.CertPEM))
	f.config = writeFile(t, filepath.Join(dir, "config.yaml"), fmt.Sprintf(`hide_names: %v
deliver:
  report_base_url: https://oncall.example.com/reports/
  slack_webhook_url_env: OH_TEST_SLACK
  slack_team_webhook_url_env: {%s: OH_TEST_SLACK_TEAM}
  smtp:
    host: 127.0.0.1
    port: %d
    username: oncall-bot
    password_env: OH_TEST_SMTP_PASSWORD
    from: "On-call health <oncall@example.com>"
    to: {%s: [payments-sre@example.com]}
    leadership: [vp@example.com, cto@example.com]
  webhook_url_env: OH_TEST_HOOK
`, hideNames, id, f.smtp.Port, id))
	f.env = map[string]string{
		"PAGERDUTY_TOKEN":       relToken,
		"OH_TEST_SLACK":         f.slack.URL + "/services/T0/B0/" + slackSecret,
		"OH_TEST_SLACK_TEAM":    f.slack.URL + "/services/T0/B1/" + slackTeamSecret,
		"OH_TEST_HOOK":          f.hook.URL + "/ingest/" + hookSecret,
		"OH_TEST_SMTP_PASSWORD": smtpPassword,
	}
	return f
}

func (f *runFixture) args(until time.Time) []string {
	return []string{"run", "--db", f.db, "--out", f.out, "--config", f.config, "--api-url", f.pdURL,
		"--since", runSince.Format(time.RFC3339), "--until", until.Format(time.RFC3339), "--rate", "0"}
}

// fastDelivery trusts the fixture's SMTP certificate and retries quickly.
func fastDelivery(t *testing.T, pool *x509.CertPool) {
	t.Helper()
	old := deliverTuning
	deliverTuning.Retry = deliver.Retry{Attempts: 2, Backoff: time.Millisecond}
	deliverTuning.RootCAs = pool
	t.Cleanup(func() { deliverTuning = old })
}

// run runs `run` in this process up to until.
func (f *runFixture) run(t *testing.T, until time.Time) (int, string, string) {
	t.Helper()
	return runCmd(t, f.env, f.args(until)...)
}

// received lists every message the fakes got, as "channel|what", sorted:
// Slack by channel (B0 the organisation's, B1 the team's) and header,
// the webhook by period, mail by recipients and subject.
func (f *runFixture) received(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range f.slack.Posts() {
		var msg struct {
			Blocks []struct {
				Text *struct{ Text string } `json:"text"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal(p.Body, &msg); err != nil || len(msg.Blocks) == 0 || msg.Blocks[0].Text == nil {
			t.Errorf("slack post to %s is not Block Kit JSON: %v %s", p.Path, err, p.Body)
			continue
		}
		channel := "slack"
		if strings.Contains(p.Path, "/B1/") {
			channel = "slack-team"
		}
		out = append(out, channel+"|"+msg.Blocks[0].Text.Text)
	}
	for _, p := range f.hook.Posts() {
		var m struct {
			Period struct{ Label string }
		}
		if err := json.Unmarshal(p.Body, &m); err != nil {
			t.Errorf("webhook body is not metrics.json: %v", err)
		}
		out = append(out, "webhook|"+m.Period.Label)
	}
	for _, m := range f.smtp.Mail() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		out = append(out, "mail "+strings.Join(m.To, ",")+"|"+subj)
	}
	sort.Strings(out)
	return out
}

// messagesOf are the messages a week and a month of the fixture get.
func messagesOf(label string) []string {
	if strings.Contains(label, "W") {
		return []string{
			"mail payments-sre@example.com|On-call health: week " + label + " (Payments)",
			"slack-team|On-call health: week " + label + " (Payments)",
			"slack|On-call health: week " + label,
			"webhook|" + label,
		}
	}
	return []string{
		"mail vp@example.com,cto@example.com|On-call health: month " + label,
		"slack|On-call health: month " + label,
		"webhook|" + label,
	}
}

func wantMessages(labels ...string) []string {
	var out []string
	for _, l := range labels {
		out = append(out, messagesOf(l)...)
	}
	sort.Strings(out)
	return out
}

// modTimes maps every file under dir to its modification time.
func modTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			out[path] = fi.ModTime()
		}
		return nil
	})
	return out
}

// TestRun drives `run` as cron would, against the fakes: the first run
// backfills three weeks and delivers the newest; a second run does
// nothing; a week later W44 and October are written and delivered, with
// one channel failing; the next run delivers what failed, and the one
// after does nothing. Secrets never leak.
func TestRun(t *testing.T) {
	fastRetries(t)
	f := newRunFixture(t, false)
	fastDelivery(t, f.smtp.CertPool())
	var texts []string

	code, stdout, stderr := f.run(t, runUntil1)
	texts = append(texts, stdout, stderr)
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	// Backfill: W41..W43 written, only the newest week (W43) delivered, to
	// all four of its targets.
	if want := "run done: synced up to 2026-10-26T00:00:00Z; wrote 3 periods (2026-W41, 2026-W42, 2026-W43) to " + f.out + "; delivered 4 messages\n"; stdout != want {
		t.Errorf("first run stdout %q, want %q", stdout, want)
	}
	if d := cmpLines(wantMessages("2026-W43"), f.received(t)); d != "" {
		t.Errorf("first run messages: %s", d)
	}
	before := modTimes(t, f.out)

	code, stdout, stderr = f.run(t, runUntil1)
	texts = append(texts, stdout, stderr)
	if code != 0 || stdout != "run done: synced up to 2026-10-26T00:00:00Z; no period due; delivered 0 messages\n" {
		t.Errorf("second run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if d := cmpLines(wantMessages("2026-W43"), f.received(t)); d != "" {
		t.Errorf("second run sent again: %s", d)
	}
	if after := modTimes(t, f.out); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("second run wrote files:\nbefore %v\nafter  %v", before, after)
	}

	// A week later; the generic webhook is down for this run (every
	// attempt answered 503).
	f.hook.FailNext(1000)
	code, stdout, stderr = f.run(t, runUntil2)
	texts = append(texts, stdout, stderr)
	f.hook.FailNext(0)
	if code != 1 {
		t.Errorf("run with a failing webhook: exit %d, want 1", code)
	}
	if want := "run done: synced up to 2026-11-02T00:00:00Z; wrote 2 periods (2026-W44, 2026-10) to " + f.out + "; delivered 5 messages, 2 failed\n"; stdout != want {
		t.Errorf("third run stdout %q, want %q", stdout, want)
	}
	// One line per failed delivery, then the summary of the failure.
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	// Pending messages go oldest period first: October starts before W44.
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "oncall-health: deliver 2026-10 to webhook: HTTP 503") ||
		!strings.HasPrefix(lines[1], "oncall-health: deliver 2026-W44 to webhook: HTTP 503") ||
		lines[2] != "oncall-health: 2 of 7 messages not delivered; the next run tries them again" {
		t.Errorf("third run stderr:\n%s", stderr)
	}
	got := f.received(t)
	if d := cmpLines(without(wantMessages("2026-W43", "2026-W44", "2026-10"), "webhook|2026-W44", "webhook|2026-10"), got); d != "" {
		t.Errorf("third run messages: %s", d)
	}

	code, stdout, stderr = f.run(t, runUntil2)
	texts = append(texts, stdout, stderr)
	if code != 0 || !strings.HasSuffix(stdout, "; no period due; delivered 2 messages\n") {
		t.Errorf("fourth run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = f.run(t, runUntil2)
	texts = append(texts, stdout, stderr)
	if code != 0 || !strings.HasSuffix(stdout, "; no period due; delivered 0 messages\n") {
		t.Errorf("fifth run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if d := cmpLines(wantMessages("2026-W43", "2026-W44", "2026-10"), f.received(t)); d != "" {
		t.Errorf("messages after five runs: %s", d)
	}

	t.Run("archive", func(t *testing.T) {
		index, err := os.ReadFile(filepath.Join(f.out, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{"2026-W41", "2026-W42", "2026-W43", "2026-W44", "2026-10"} {
			if !strings.Contains(string(index), `href="`+l+`/index.html"`) {
				t.Errorf("index.html does not link %s", l)
			}
			if _, err := os.Stat(filepath.Join(f.out, l, "metrics.json")); err != nil {
				t.Error(err)
			}
		}
		checkNoPartialFiles(t, f.out)
	})
	t.Run("slack block kit", func(t *testing.T) {
		m := readMetrics(t, filepath.Join(f.out, "2026-W44", "metrics.json"))
		org, team := slackOf(t, f.slack, "/B0/", "week 2026-W44"), slackOf(t, f.slack, "/B1/", "week 2026-W44 (Payments)")
		// The headline figures are the written metrics.json's.
		wantPages := fmt.Sprintf("*Pages*\n%d (%d in sleep hours)", m.Org.Interruptions.Total, m.Org.Interruptions.Sleep)
		if got := blockField(t, org, 2, 0); got != wantPages {
			t.Errorf("org pages field %q, want %q", got, wantPages)
		}
		if got := buttonURL(t, org); got != "https://oncall.example.com/reports/2026-W44/index.html" {
			t.Errorf("org button %q", got)
		}
		if got := buttonURL(t, team); got != "https://oncall.example.com/reports/2026-W44/team-"+f.teamID+".html" {
			t.Errorf("team button %q", got)
		}
		for _, tm := range m.Teams {
			if tm.ID == f.teamID {
				want := fmt.Sprintf("*Pages*\n%d (%d in sleep hours)", tm.Interruptions.Total, tm.Interruptions.Sleep)
				if got := blockField(t, team, 2, 0); got != want {
					t.Errorf("team pages field %q, want %q", got, want)
				}
			}
		}
		// Who is at risk: the counts and names of metrics.json.
		high, elev, atRisk := 0, 0, []string(nil)
		for _, r := range m.Responders {
			switch r.Risk {
			case "high":
				high++
			case "elevated":
				elev++
			default:
				continue
			}
			atRisk = append(atRisk, r.Name)
		}
		wantRisk := "*Burnout risk:* nobody"
		if high+elev > 0 {
			wantRisk = fmt.Sprintf("*Burnout risk:* %d high, %d elevated", high, elev)
		}
		risk := org.Blocks[3].Text.Text
		if !strings.HasPrefix(risk, wantRisk) {
			t.Errorf("risk section %q, want it to start %q", risk, wantRisk)
		}
		// Up to 10 people by name (high first), then how many more.
		listed := 0
		for _, line := range strings.Split(risk, "\n")[1:] {
			name, _, ok := strings.Cut(strings.TrimPrefix(line, "• "), ": ")
			if !ok {
				continue
			}
			listed++
			if !slices.ContainsFunc(atRisk, func(n string) bool { return mrkdwnText(n) == name }) {
				t.Errorf("risk section lists %q, who is not at risk in metrics.json", name)
			}
		}
		if want := min(len(atRisk), 10); listed != want {
			t.Errorf("risk section lists %d people, want %d", listed, want)
		}
		if more := len(atRisk) - 10; more > 0 && !strings.HasSuffix(risk, fmt.Sprintf("… and %d more", more)) {
			t.Errorf("risk section does not say how many more: %q", risk)
		}
		if high+elev == 0 {
			t.Error("nobody at risk in W44: the risk check checks nothing")
		}
	})
	t.Run("webhook body is metrics.json", func(t *testing.T) {
		want, err := os.ReadFile(filepath.Join(f.out, "2026-10", "metrics.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.hook.Posts() {
			if bytes.Contains(p.Body, []byte(`"label": "2026-10"`)) && !bytes.Equal(p.Body, want) {
				t.Error("webhook body of 2026-10 differs from its metrics.json")
			}
		}
	})
	t.Run("monthly mail", func(t *testing.T) {
		leadership, err := os.ReadFile(filepath.Join(f.out, "2026-10", "leadership.html"))
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, m := range f.smtp.Mail() {
			msg, _ := mail.ReadMessage(bytes.NewReader(m.Data))
			if subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); subj != "On-call health: month 2026-10" {
				continue
			}
			found = true
			if !m.TLS || m.Username != "oncall-bot" || msg.Header.Get("To") != "vp@example.com, cto@example.com" {
				t.Errorf("monthly mail: TLS %v, user %q, To %q", m.TLS, m.Username, msg.Header.Get("To"))
			}
			parts := mimeParts(t, msg)
			if len(parts) != 2 || !strings.HasPrefix(parts[0].typ, "text/plain") || !strings.HasPrefix(parts[1].typ, "text/html") {
				t.Fatalf("parts %v", parts)
			}
			// The HTML part is leadership.html without its scripts (charts),
			// with the shared stylesheet inline (a mail has no assets/ beside it).
			wantHTML := deliver.MailHTML(string(leadership), reports.Stylesheet())
			if !strings.Contains(parts[0].body, "On-call health: month 2026-10") || parts[1].body != strings.ReplaceAll(strings.ReplaceAll(wantHTML, "\r\n", "\n"), "\n", "\r\n") {
				t.Error("monthly mail: the text part is not the digest or the HTML part is not leadership.html")
			}
			if !strings.Contains(string(leadership), `href="../assets/style.css"`) {
				t.Error("leadership.html of the archive does not load the shared stylesheet")
			}
			if body := parts[1].body; strings.Contains(body, "<script") || !strings.Contains(body, "</html>") ||
				strings.Contains(body, `="../assets/`) || strings.Contains(body, "Content-Security-Policy") ||
				!strings.Contains(body, "<style>") {
				t.Errorf("monthly mail's HTML part (%d bytes) holds a script, a link into assets/ or the page's policy, or no inline style", len(body))
			}
			t.Logf("monthly mail HTML part %d bytes (leadership.html %d)", len(parts[1].body), len(leadership))
		}
		if !found {
			t.Error("no monthly mail")
		}
	})
	t.Run("no secret leaks", func(t *testing.T) {
		checkNoSecrets(t, f, texts)
	})
}

// TestRunHideNames: with hide_names, no responder name reaches Slack, the
// mail or the webhook.
func TestRunHideNames(t *testing.T) {
	fastRetries(t)
	f := newRunFixture(t, true)
	fastDelivery(t, f.smtp.CertPool())
	if code, _, stderr := f.run(t, runUntil1); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var all []byte
	for _, p := range append(f.slack.Posts(), f.hook.Posts()...) {
		all = append(all, p.Body...)
	}
	for _, m := range f.smtp.Mail() {
		all = append(all, m.Data...)
	}
	if len(all) == 0 {
		t.Fatal("nothing delivered")
	}
	// The mail parts are quoted-printable; names of the planted org are ASCII
	// but for Tomasz Wiśniewski, whose first name is enough to find.
	for _, u := range f.org.Users() {
		if first, _, _ := strings.Cut(u.Name, " "); len(first) > 3 && bytes.Contains(all, []byte(first)) {
			t.Errorf("a delivered message holds the name %q", u.Name)
		}
	}
	// Control: the week's metrics.json does hold names, so the search can find them.
	m, _ := os.ReadFile(filepath.Join(f.out, "2026-W43", "metrics.json"))
	if !bytes.Contains(m, []byte(`"name": "`+f.org.Users()[0].Name)) && !bytes.Contains(m, []byte("Tomasz")) {
		t.Log("metrics.json holds no name either; the check above is weak")
	}
}

// TestRunConfigErrors: a channel whose secret variable is not set stops
// run before it syncs (exit 2, one line naming the variable).
func TestRunConfigErrors(t *testing.T) {
	f := newRunFixture(t, false)
	env := map[string]string{}
	for k, v := range f.env {
		env[k] = v
	}
	env["OH_TEST_SMTP_PASSWORD"] = ""
	code, _, stderr := runCmd(t, env, f.args(runUntil1)...)
	if code != 2 || !strings.Contains(stderr, "deliver.smtp.password_env names the environment variable OH_TEST_SMTP_PASSWORD, which is not set") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	checkOneLine(t, stderr)
	if _, err := os.Stat(f.db); err == nil {
		t.Error("run synced although its config was wrong")
	}
	bad := writeFile(t, filepath.Join(t.TempDir(), "c.yaml"), "deliver:\n  slack_webhook_url: not a url\n")
	code, _, stderr = runCmd(t, f.env, "run", "--db", f.db, "--out", f.out, "--config", bad)
	if code != 2 || !strings.Contains(stderr, "deliver.slack_webhook_url") || strings.Contains(stderr, "not a url") {
		t.Errorf("bad slack URL: exit %d, stderr %q", code, stderr)
	}
}

// checkNoSecrets searches texts (every output), every file under the
// fixture's directory and every row of its database for each secret.
func checkNoSecrets(t *testing.T, f *runFixture, texts []string) {
	t.Helper()
	secrets := []string{relToken, slackSecret, slackTeamSecret, hookSecret, smtpPassword}
	for i, s := range texts {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("output %d holds the secret %q: %q", i, sec, s)
			}
		}
	}
	n := 0
	filepath.WalkDir(filepath.Dir(f.db), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == f.config {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			return nil
		}
		n++
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds the secret %q", path, sec)
			}
		}
		return nil
	})
	if n < 10 {
		t.Errorf("only %d files searched; want the database and the reports", n)
	}
	db, err := sql.Open("duckdb", f.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := dumpAll(t, db)
	// Control: the dump holds the run state (a delivery target by name).
	if !strings.Contains(all, "email:team:"+f.teamID) {
		t.Fatal("the dump lacks run_deliveries; the search would find nothing")
	}
	for _, sec := range secrets {
		if strings.Contains(all, sec) {
			t.Errorf("a database row holds the secret %q", sec)
		}
	}
	// What the fakes received may hold the URLs' hosts, never a secret
	// other than where it belongs (the URL path of the request).
	for _, m := range f.smtp.Mail() {
		if bytes.Contains(m.Data, []byte(smtpPassword)) {
			t.Error("a mail holds the SMTP password")
		}
	}
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		keep := true
		for _, d := range drop {
			keep = keep && s != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// cmpLines returns "" when got equals want, else both.
func cmpLines(want, got []string) string {
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return ""
	}
	return fmt.Sprintf("\nwant:\n  %s\ngot:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
}

func (f *runFixture) slackBodies() []byte {
	var b []byte
	for _, p := range f.slack.Posts() {
		b = append(b, p.Body...)
	}
	return b
}

type slackMsg struct {
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Text string `json:"text"`
		} `json:"fields"`
		Elements []map[string]any `json:"elements"`
	} `json:"blocks"`
}

// slackOf finds the one Slack post to a path holding channel whose header
// ends in title.
func slackOf(t *testing.T, r *delivertest.Receiver, channel, title string) slackMsg {
	t.Helper()
	var found []slackMsg
	for _, p := range r.Posts() {
		var m slackMsg
		if json.Unmarshal(p.Body, &m) == nil && strings.Contains(p.Path, channel) && len(m.Blocks) > 0 &&
			m.Blocks[0].Text != nil && m.Blocks[0].Text.Text == "On-call health: "+title {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d Slack posts to %s titled %q, want 1", len(found), channel, title)
	}
	return found[0]
}

func blockField(t *testing.T, m slackMsg, block, field int) string {
	t.Helper()
	if len(m.Blocks) <= block || len(m.Blocks[block].Fields) <= field {
		t.Fatalf("no field %d in block %d", field, block)
	}
	return m.Blocks[block].Fields[field].Text
}

func buttonURL(t *testing.T, m slackMsg) string {
	t.Helper()
	last := m.Blocks[len(m.Blocks)-1]
	if last.Type != "actions" || len(last.Elements) == 0 {
		t.Fatalf("last block %q holds no button", last.Type)
	}
	u, _ := last.Elements[0]["url"].(string)
	return u
}

func readMetrics(t *testing.T, path string) *struct {
	Org struct {
		Interruptions struct{ Total, Sleep int }
	}
	Teams []struct {
		ID            string
		Interruptions struct{ Total, Sleep int }
	}
	Responders []struct{ Name, Risk string }
} {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Org struct {
			Interruptions struct{ Total, Sleep int }
		}
		Teams []struct {
			ID            string
			Interruptions struct{ Total, Sleep int }
		}
		Responders []struct{ Name, Risk string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

type mimePart struct{ typ, body string }

func mimeParts(t *testing.T, msg *mail.Message) []mimePart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var out []mimePart
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		out = append(out, mimePart{p.Header.Get("Content-Type"), string(b)})
	}
}

func mrkdwnText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestRunSecretsOnFailure: when deliveries fail (a Slack URL nobody
// listens on, which Go's errors quote; a password the SMTP server refuses)
// the lines that say so hold no secret, and neither do the files or the
// database.
func TestRunSecretsOnFailure(t *testing.T) {
	fastRetries(t)
	f := newRunFixture(t, false)
	fastDelivery(t, f.smtp.CertPool())
	f.env["OH_TEST_SLACK"] = "http://127.0.0.1:1/services/T0/B0/" + slackSecret
	f.env["OH_TEST_SMTP_PASSWORD"] = smtpPassword + "-wrong"
	code, stdout, stderr := f.run(t, runUntil1)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	// W43's org Slack message and team mail fail: two lines, then the summary.
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "deliver 2026-W43 to email:team:"+f.teamID) ||
		!strings.Contains(lines[1], "deliver 2026-W43 to slack: Post") || !strings.Contains(lines[1], "[redacted]") {
		t.Errorf("stderr:\n%s", stderr)
	}
	t.Logf("stderr:\n%s", stderr)
	checkNoSecrets(t, f, []string{stdout, stderr})
	// The password was refused, so the right one is in no line either.
	if strings.Contains(stderr, smtpPassword) {
		t.Error("stderr holds the SMTP password")
	}
}
