package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/deliver/delivertest"
)

func f(v float64) *float64 { return &v }

// week is a hand-made week: the figures below are what every digest test
// expects, read straight off it.
func week() *analysis.Metrics {
	return &analysis.Metrics{
		SchemaVersion: 1,
		Period: analysis.Period{Kind: "week", Label: "2026-W46", TimeZone: "UTC",
			Start: time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
		Org: analysis.Totals{Incidents: 40, Alerts: 55, Interruptions: analysis.Interruptions{Total: 30, Business: 10, Off: 12, Sleep: 8},
			AfterHoursShare: f(20.0 / 30), MTTA: analysis.Durations{Count: 30, P50: f(250)}, MTTR: analysis.Durations{Count: 30, P50: f(7500)},
			ToilRatio: f(0.25)},
		Teams: []analysis.Team{
			{ID: "PPAY", Name: "Payments", Totals: analysis.Totals{Incidents: 25, Alerts: 31, Interruptions: analysis.Interruptions{Total: 18, Sleep: 6},
				AfterHoursShare: f(0.5), MTTA: analysis.Durations{P50: f(59)}, MTTR: analysis.Durations{P50: f(600)}, ToilRatio: f(0.1)}},
			{ID: "PWEB", Name: "Web", Totals: analysis.Totals{Incidents: 15, Alerts: 24, Interruptions: analysis.Interruptions{Total: 12, Sleep: 2}}},
		},
		Responders: []analysis.Responder{
			{ID: "U1", Name: "Ana <b>Ruiz</b>", TeamIDs: []string{"PPAY"}, Risk: "high", Reasons: []analysis.Reason{
				{Rule: "sleep_interruptions", Value: 6, Threshold: 5, Level: "high"},
				{Rule: "on_call_share_28d", Value: 0.375, Threshold: 0.25, Level: "elevated"}}},
			{ID: "U2", Name: "Ben Ode", TeamIDs: []string{"PWEB"}, Risk: "elevated", Reasons: []analysis.Reason{
				{Rule: "interruptions", Value: 26, Threshold: 25, Level: "elevated"}}},
			{ID: "U3", Name: "Cy Quiet", TeamIDs: []string{"PPAY"}, Risk: "none"},
		},
		NoisyAlerts: []analysis.NoisyAlert{
			{Signature: "db latency", ServiceID: "S1", SampleTitle: "DB latency high on db-7", Incidents: 9, Interruptions: 12},
			{Signature: "cdn 5xx", ServiceID: "S2", SampleTitle: "CDN 5xx & <errors>", Incidents: 4, Interruptions: 5},
			{Signature: "disk", ServiceID: "S1", SampleTitle: "Disk full", Incidents: 1, Interruptions: 1},
			{Signature: "cert", ServiceID: "S1", SampleTitle: "Cert expires", Incidents: 1, Interruptions: 1},
		},
	}
}

var services = map[string]analysis.ServiceInfo{"S1": {Name: "payments-api", TeamID: "PPAY"}, "S2": {Name: "cdn", TeamID: "PWEB"}}

// TestDigestText: the org digest and a team digest of week(), word for word.
func TestDigestText(t *testing.T) {
	org := Digest{Metrics: week(), Services: services, ReportURL: "https://r.example/2026-W46/index.html"}
	// After hours 20/30 = 67 %; MTTA 250 s = 4m 10s; MTTR 7500 s = 2h 5m;
	// the noisy list stops at maxNoisy = 3; risk: U1 high, U2 elevated.
	want := `On-call health: week 2026-W46
Mon 9 Nov – Sun 15 Nov 2026 (UTC)

Pages: 30 (8 in sleep hours)
After hours: 67% of pages
Incidents: 40 (55 alerts)
MTTA / MTTR p50: 4m 10s / 2h 5m
Toil: 25% of pages from noise incidents

Burnout risk: 1 high, 1 elevated
- Ana <b>Ruiz</b>: high (6 pages in sleep hours (≥ 5); 38% of 28 days on call (> 25%))
- Ben Ode: elevated (26 pages (≥ 25))

Noisiest alerts:
1. DB latency high on db-7 (payments-api): 12 pages, 9 incidents
2. CDN 5xx & <errors> (cdn): 5 pages, 4 incidents
3. Disk full (payments-api): 1 page, 1 incident

Report: https://r.example/2026-W46/index.html
`
	if got := org.Text(); got != want {
		t.Errorf("org digest:\n%s\nwant:\n%s", got, want)
	}
	// Payments: its own figures (MTTA 59 s, MTTR 600 s = 10m 0s), Ana only,
	// and the three noisy alerts of S1 (payments-api), not cdn's.
	team := Digest{Metrics: week(), Services: services, TeamID: "PPAY"}
	got := team.Text()
	for _, s := range []string{"On-call health: week 2026-W46 (Payments)", "Pages: 18 (6 in sleep hours)", "MTTA / MTTR p50: 59s / 10m 0s",
		"Burnout risk: 1 high, 0 elevated", "1. DB latency", "2. Disk full", "3. Cert expires"} {
		if !strings.Contains(got, s) {
			t.Errorf("team digest lacks %q:\n%s", s, got)
		}
	}
	for _, s := range []string{"Ben Ode", "CDN", "Report:"} {
		if strings.Contains(got, s) {
			t.Errorf("team digest holds %q:\n%s", s, got)
		}
	}
}

// TestHideNames: no responder name in any channel's words.
func TestHideNames(t *testing.T) {
	d := Digest{Metrics: week(), Services: services, HideNames: true}
	body, err := SlackPayload(d)
	if err != nil {
		t.Fatal(err)
	}
	// The hours keys name people too (oncall_hours, fairness's highest and
	// shares, pay): planted with the same names.
	wh := week()
	wh.OnCallHours = []analysis.ResponderHours{{ID: "PA", Name: "Ana Ruiz"}}
	win := analysis.FairnessWindow{Measures: []analysis.FairnessMeasure{{HighestID: "PB", HighestName: "Ben Ode",
		Shares: []analysis.MemberShare{{UserID: "PC", Name: "Cy Quiet"}}}}}
	wh.Fairness = []analysis.TeamFairness{{TeamID: "T", Period: win, Last13Weeks: win}}
	wh.Pay = &analysis.PayReport{Responders: []analysis.PayRow{{UserID: "PA", Name: "Ana Ruiz"}}}
	hidden, _ := json.Marshal(WithoutNames(wh))
	for name, s := range map[string]string{"text": d.Text(), "html": d.HTML(), "slack": string(body), "webhook": string(hidden)} {
		for _, n := range []string{"Ana", "Ruiz", "Ben Ode", "Cy Quiet"} {
			if strings.Contains(s, n) {
				t.Errorf("%s holds the name %q", name, n)
			}
		}
	}
	if !strings.Contains(d.Text(), "A responder: high (6 pages in sleep hours") {
		t.Errorf("hidden digest lost the reasons:\n%s", d.Text())
	}
	if m := week(); m.Responders[0].Name != "Ana <b>Ruiz</b>" {
		t.Error("WithoutNames changed its argument")
	}
	if wh.Pay.Responders[0].Name != "Ana Ruiz" || wh.Fairness[0].Period.Measures[0].Shares[0].Name != "Cy Quiet" {
		t.Error("WithoutNames changed the hours of its argument")
	}
	if !strings.Contains(string(hidden), `"user_id":"PC"`) {
		t.Error("WithoutNames dropped the ids of the fairness shares")
	}
}

// TestSlackPayload checks the Block Kit structure and the escaping of
// text from PagerDuty for mrkdwn.
func TestSlackPayload(t *testing.T) {
	b, err := SlackPayload(Digest{Metrics: week(), Services: services, ReportURL: "https://r.example/2026-W46/index.html"})
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type, Text string
			} `json:"text"`
			Fields []struct {
				Type, Text string
			} `json:"fields"`
			Elements []map[string]any `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, bl := range msg.Blocks {
		types = append(types, bl.Type)
	}
	if got := strings.Join(types, ","); got != "header,context,section,section,section,actions" {
		t.Fatalf("blocks %s", got)
	}
	if msg.Text != "On-call health: week 2026-W46" || msg.Blocks[0].Text.Type != "plain_text" || msg.Blocks[0].Text.Text != msg.Text {
		t.Errorf("header %+v, text %q", msg.Blocks[0].Text, msg.Text)
	}
	if len(msg.Blocks[2].Fields) != 5 || msg.Blocks[2].Fields[0].Text != "*Pages*\n30 (8 in sleep hours)" {
		t.Errorf("fields %+v", msg.Blocks[2].Fields)
	}
	risk := msg.Blocks[3].Text.Text
	if !strings.HasPrefix(risk, "*Burnout risk:* 1 high, 1 elevated\n• Ana &lt;b&gt;Ruiz&lt;/b&gt;: high") {
		t.Errorf("risk section %q", risk)
	}
	if noisy := msg.Blocks[4].Text.Text; !strings.Contains(noisy, "2. CDN 5xx &amp; &lt;errors&gt; (cdn)") {
		t.Errorf("noisy section %q", noisy)
	}
	if el := msg.Blocks[5].Elements[0]; el["type"] != "button" || el["url"] != "https://r.example/2026-W46/index.html" {
		t.Errorf("button %v", el)
	}
	if bytes.Contains(b, []byte("<b>")) {
		t.Error("payload holds unescaped markup")
	}
}

var fast = Retry{Attempts: 3, Backoff: time.Millisecond}

// TestWebhookRetry: 503s are retried, with the URL (a secret) kept out of
// the error; a 404 is not retried.
func TestWebhookRetry(t *testing.T) {
	r := delivertest.NewReceiver()
	defer r.Close()
	url := r.URL + "/hook/s3cr3t-path-91"
	w := Webhook{URL: url, Retry: fast}
	r.FailNext(2)
	if err := w.Send(context.Background(), []byte(`{"a":1}`)); err != nil {
		t.Fatalf("two 503s then success: %v", err)
	}
	if p := r.Posts(); len(p) != 1 || string(p[0].Body) != `{"a":1}` || p[0].ContentType != "application/json" || p[0].Path != "/hook/s3cr3t-path-91" {
		t.Errorf("posts %+v", p)
	}
	r.FailNext(3)
	err := w.Send(context.Background(), []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("three 503s: err = %v", err)
	}
	// A refused connection: Go's error quotes the URL; redacted.
	r.Close()
	err = w.Send(context.Background(), []byte(`{}`))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("closed receiver: err = %v", err)
	}
	var hits atomic.Int32
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "no_service", http.StatusNotFound)
	}))
	defer gone.Close()
	err = Webhook{URL: gone.URL + "/x", Retry: fast}.Send(context.Background(), []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "HTTP 404: no_service") || hits.Load() != 1 {
		t.Errorf("404: err = %v after %d requests, want 1", err, hits.Load())
	}
}

func TestRedact(t *testing.T) {
	base := errors.New(`Post "https://hooks.slack.com/services/T0/B0/XyZ": dial tcp: refused; path /services/T0/B0/XyZ; pw hunter2`)
	err := redact(context.Canceled, nil)
	if !errors.Is(err, context.Canceled) {
		t.Error("redact lost context.Canceled")
	}
	got := redact(base, []string{"https://hooks.slack.com/services/T0/B0/XyZ", "hunter2"}).Error()
	if strings.Contains(got, "XyZ") || strings.Contains(got, "hunter2") || !strings.Contains(got, "dial tcp: refused") {
		t.Errorf("redacted: %q", got)
	}
}

// TestMailSend sends through a real SMTP server on 127.0.0.1: STARTTLS
// with its self-signed certificate, AUTH PLAIN, then a multipart message
// whose headers and parts are checked.
func TestMailSend(t *testing.T) {
	srv, err := delivertest.NewSMTPServer("bot", "pw-Zq81", true)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := Mail{Host: srv.Host, Port: srv.Port, Username: "bot", Password: "pw-Zq81", From: "On-call <oncall@example.com>",
		RootCAs: srv.CertPool(), Retry: fast, Now: func() time.Time { return time.Date(2026, 11, 16, 7, 0, 0, 0, time.UTC) }}
	d := Digest{Metrics: week(), Services: services, TeamID: "PPAY"}
	if err := m.Send(context.Background(), DigestMessage(d, []string{"pay@example.com", "lead@example.com"}, "")); err != nil {
		t.Fatal(err)
	}
	got := srv.Mail()
	if len(got) != 1 {
		t.Fatalf("%d mails", len(got))
	}
	g := got[0]
	if !g.TLS || g.Username != "bot" || g.From != "oncall@example.com" || strings.Join(g.To, ",") != "pay@example.com,lead@example.com" {
		t.Errorf("envelope %+v", g)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(g.Data))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "On-call health: week 2026-W46 (Payments)" || msg.Header.Get("Date") != "Mon, 16 Nov 2026 07:00:00 +0000" ||
		msg.Header.Get("From") != `"On-call" <oncall@example.com>` || msg.Header.Get("Message-Id") == "" {
		t.Errorf("headers %v (subject %q)", msg.Header, subj)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // NextPart decodes quoted-printable
		parts = append(parts, p.Header.Get("Content-Type")+"\n"+string(b))
	}
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "text/plain; charset=utf-8\nOn-call health: week 2026-W46 (Payments)\r\n") ||
		!strings.HasPrefix(parts[1], "text/html; charset=utf-8\n<!DOCTYPE html>") {
		t.Fatalf("parts %q", parts)
	}
	// The HTML part escapes what PagerDuty sent.
	if !strings.Contains(parts[1], "Ana &lt;b&gt;Ruiz&lt;/b&gt;") || strings.Contains(parts[1], "<b>Ruiz") {
		t.Errorf("html part does not escape the name:\n%s", parts[1])
	}
}

// TestMailRefusals: no STARTTLS means no mail (and the password is never
// sent); a wrong password fails without the password in the error; a 451
// is retried.
func TestMailRefusals(t *testing.T) {
	plain, err := delivertest.NewSMTPServer("bot", "pw-Zq81", false)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	msg := Message{To: []string{"a@example.com"}, Subject: "s", Text: "t", HTML: "<p>h</p>"}
	m := Mail{Host: plain.Host, Port: plain.Port, Username: "bot", Password: "pw-Zq81", From: "a@example.com", Retry: fast}
	err = m.Send(context.Background(), msg)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || len(plain.Mail()) != 0 {
		t.Errorf("no STARTTLS: err = %v, %d mails", err, len(plain.Mail()))
	}

	srv, err := delivertest.NewSMTPServer("bot", "pw-Zq81", true)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m = Mail{Host: srv.Host, Port: srv.Port, Username: "bot", Password: "wrong-Pw-77", From: "a@example.com", RootCAs: srv.CertPool(), Retry: fast}
	err = m.Send(context.Background(), msg)
	if err == nil || strings.Contains(err.Error(), "wrong-Pw-77") {
		t.Errorf("wrong password: err = %v", err)
	}
	// Untrusted certificate: the system roots do not know it.
	m = Mail{Host: srv.Host, Port: srv.Port, Username: "bot", Password: "pw-Zq81", From: "a@example.com", Retry: fast}
	if err := m.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: err = %v", err)
	}
	m.RootCAs = srv.CertPool()
	srv.FailNext(2)
	if err := m.Send(context.Background(), msg); err != nil || len(srv.Mail()) != 1 {
		t.Errorf("two 451s then success: err = %v, %d mails", err, len(srv.Mail()))
	}
}
