package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Slack posts digests to one Slack incoming webhook (one channel).
type Slack struct {
	// URL is the webhook URL, a secret: it never appears in an error.
	URL string
	// Client sends the request; nil means a client with a 30 s timeout.
	Client *http.Client
	Retry  Retry
}

// Send posts d to the webhook as Block Kit JSON (SlackPayload).
func (s Slack) Send(ctx context.Context, d Digest) error {
	body, err := SlackPayload(d)
	if err != nil {
		return err
	}
	return s.Retry.do(ctx, []string{s.URL}, func(ctx context.Context) error {
		return post(ctx, s.Client, s.URL, "application/json", body)
	})
}

// block is one Slack Block Kit block; only the fields used are declared.
type block struct {
	Type     string    `json:"type"`
	Text     *textObj  `json:"text,omitempty"`
	Fields   []textObj `json:"fields,omitempty"`
	Elements []any     `json:"elements,omitempty"`
}

type textObj struct {
	Type string `json:"type"` // "plain_text" or "mrkdwn"
	Text string `json:"text"`
}

type button struct {
	Type string  `json:"type"` // "button"
	Text textObj `json:"text"`
	URL  string  `json:"url"`
}

// slackMessage is an incoming webhook's body: Text is the notification
// fallback, Blocks the message.
type slackMessage struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

// Limits of Slack's Block Kit: a header's text (150 characters), a
// section's text (3,000) and how many people a digest lists.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackMaxRisk    = 10
)

// SlackPayload is the Block Kit message of d: a header with the title, the
// period's dates, the headline figures as fields, who is at risk and why,
// the noisiest alerts, and a button to the report when d.ReportURL is set.
// Text from PagerDuty is escaped for Slack's mrkdwn (&, <, >).
func SlackPayload(d Digest) ([]byte, error) {
	c := d.word()
	msg := slackMessage{Text: c.Title}
	msg.Blocks = append(msg.Blocks,
		block{Type: "header", Text: &textObj{"plain_text", shorten(c.Title, slackHeaderMax)}},
		block{Type: "context", Elements: []any{textObj{"mrkdwn", mrkdwn(c.Range)}}})
	fields := block{Type: "section"}
	for _, f := range c.Facts {
		fields.Fields = append(fields.Fields, textObj{"mrkdwn", "*" + mrkdwn(f.Label) + "*\n" + mrkdwn(f.Value)})
	}
	msg.Blocks = append(msg.Blocks, fields)
	risk := "*Burnout risk:* " + mrkdwn(c.RiskNote)
	for i, r := range c.AtRisk {
		if i == slackMaxRisk {
			risk += fmt.Sprintf("\n… and %d more", len(c.AtRisk)-i)
			break
		}
		risk += "\n• " + mrkdwn(r)
	}
	msg.Blocks = append(msg.Blocks, block{Type: "section", Text: &textObj{"mrkdwn", shorten(risk, slackSectionMax)}})
	if len(c.Noisy) > 0 {
		var b strings.Builder
		b.WriteString("*Noisiest alerts*")
		for i, n := range c.Noisy {
			fmt.Fprintf(&b, "\n%d. %s", i+1, mrkdwn(n))
		}
		msg.Blocks = append(msg.Blocks, block{Type: "section", Text: &textObj{"mrkdwn", shorten(b.String(), slackSectionMax)}})
	}
	if c.Link != "" {
		msg.Blocks = append(msg.Blocks, block{Type: "actions", Elements: []any{
			button{Type: "button", Text: textObj{"plain_text", "Open the report"}, URL: c.Link}}})
	}
	return json.Marshal(msg)
}

// mrkdwn escapes the three characters Slack's mrkdwn reads as markup.
func mrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// post sends one POST and reads the answer: 2xx is success, 429 and 5xx
// are worth another attempt, any other status is permanent.
func post(ctx context.Context, client *http.Client, url, contentType string, body []byte) error {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: bad URL: %w", errPermanent, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "oncall-health")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, oneLine(string(answer)))
	}
	return fmt.Errorf("%w: HTTP %d: %s", errPermanent, resp.StatusCode, oneLine(string(answer)))
}
