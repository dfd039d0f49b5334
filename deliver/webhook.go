package deliver

import (
	"context"
	"net/http"

	"github.com/oncall-health/oncall-health/analysis"
)

// Webhook posts a period's metrics.json to a URL of the user's own system.
type Webhook struct {
	// URL receives the POST; a secret, it never appears in an error.
	URL string
	// Client sends the request; nil means a client with a 30 s timeout.
	Client *http.Client
	Retry  Retry
}

// Send posts metricsJSON (the bytes of metrics.json, as written) with
// Content-Type application/json. A 2xx answer is success; 429 and 5xx are
// retried, other answers are not.
func (w Webhook) Send(ctx context.Context, metricsJSON []byte) error {
	return w.Retry.do(ctx, []string{w.URL}, func(ctx context.Context) error {
		return post(ctx, w.Client, w.URL, "application/json", metricsJSON)
	})
}

// WithoutNames returns a copy of m without responder names (Responders'
// Name, the team shifts' UserName, and the names in oncall_hours,
// fairness and pay emptied; ids stay), for delivering metrics.json when
// the config says hide_names. m is not changed.
func WithoutNames(m *analysis.Metrics) *analysis.Metrics {
	c := *m
	c.Responders = append([]analysis.Responder(nil), m.Responders...)
	for i := range c.Responders {
		c.Responders[i].Name = ""
	}
	c.Teams = append([]analysis.Team(nil), m.Teams...)
	for i := range c.Teams {
		c.Teams[i].BusiestShifts = append([]analysis.Shift(nil), m.Teams[i].BusiestShifts...)
		for j := range c.Teams[i].BusiestShifts {
			c.Teams[i].BusiestShifts[j].UserName = ""
		}
	}
	c.OnCallHours = append([]analysis.ResponderHours(nil), m.OnCallHours...)
	for i := range c.OnCallHours {
		c.OnCallHours[i].Name = ""
	}
	c.Fairness = append([]analysis.TeamFairness(nil), m.Fairness...)
	for i := range c.Fairness {
		c.Fairness[i].Period = windowWithoutNames(c.Fairness[i].Period)
		c.Fairness[i].Last13Weeks = windowWithoutNames(c.Fairness[i].Last13Weeks)
	}
	if m.Pay != nil {
		p := *m.Pay
		p.Responders = append([]analysis.PayRow(nil), m.Pay.Responders...)
		for i := range p.Responders {
			p.Responders[i].Name = ""
		}
		c.Pay = &p
	}
	return &c
}

// windowWithoutNames is w with its members' names emptied (ids stay).
func windowWithoutNames(w analysis.FairnessWindow) analysis.FairnessWindow {
	w.Measures = append([]analysis.FairnessMeasure(nil), w.Measures...)
	for i := range w.Measures {
		m := &w.Measures[i]
		m.HighestName = ""
		m.Shares = append([]analysis.MemberShare(nil), m.Shares...)
		for j := range m.Shares {
			m.Shares[j].Name = ""
		}
	}
	return w
}
