package deliver

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

// Digest is one message's content: a period's metrics, for the whole
// organisation (TeamID "") or one team.
type Digest struct {
	Metrics *analysis.Metrics
	// TeamID narrows the digest to one team: its figures, its responders
	// at risk and the noisy alerts of its services. "" is the organisation.
	TeamID string
	// Services maps service id to its name and owning team; may be nil
	// (then services show by id and a team digest lists no noisy alerts).
	Services map[string]analysis.ServiceInfo
	// HideNames replaces responder names by "a responder" (config hide_names).
	HideNames bool
	// ReportURL links to the period's report; "" for no link.
	ReportURL string
}

// maxNoisy is how many noisy alerts a digest lists.
const maxNoisy = 3

// fact is one headline figure.
type fact struct{ Label, Value string }

// content is a Digest worded, shared by every channel.
type content struct {
	Title    string // "On-call health: week 2026-W46 (Payments)"
	Range    string // "Mon 9 Nov – Sun 15 Nov 2026 (UTC)"
	Facts    []fact
	AtRisk   []string // "Ana Ruiz: high (sleep interruptions 6 ≥ 5)"
	RiskNote string   // "2 high, 1 elevated" or "nobody"
	Noisy    []string // "db-latency (Payments API): 12 pages, 4 incidents"
	Link     string
}

// teamName is the team's name in the metrics, or its id.
func (d Digest) teamName() string {
	for _, t := range d.Metrics.Teams {
		if t.ID == d.TeamID {
			return t.Name
		}
	}
	return d.TeamID
}

// totals are the digest's figures: the org's or the team's.
func (d Digest) totals() analysis.Totals {
	if d.TeamID == "" {
		return d.Metrics.Org
	}
	for _, t := range d.Metrics.Teams {
		if t.ID == d.TeamID {
			return t.Totals
		}
	}
	return analysis.Totals{}
}

// word builds the content of d.
func (d Digest) word() content {
	m := d.Metrics
	c := content{Title: "On-call health: " + m.Period.Kind + " " + m.Period.Label, Link: d.ReportURL}
	if d.TeamID != "" {
		c.Title += " (" + d.teamName() + ")"
	}
	c.Range = periodRange(m.Period)
	t := d.totals()
	c.Facts = []fact{
		{"Pages", fmt.Sprintf("%d (%d in sleep hours)", t.Interruptions.Total, t.Interruptions.Sleep)},
		{"After hours", share(t.AfterHoursShare) + " of pages"},
		{"Incidents", fmt.Sprintf("%d (%d alerts)", t.Incidents, t.Alerts)},
		{"MTTA / MTTR p50", seconds(t.MTTA.P50) + " / " + seconds(t.MTTR.P50)},
		{"Toil", share(t.ToilRatio) + " of pages from noise incidents"},
	}
	rs := append([]analysis.Responder(nil), m.Responders...)
	sort.SliceStable(rs, func(i, j int) bool {
		if a, b := rank(rs[i].Risk), rank(rs[j].Risk); a != b {
			return a > b
		}
		return rs[i].Name < rs[j].Name
	})
	high, elev := 0, 0
	for _, r := range rs {
		if rank(r.Risk) == 0 || (d.TeamID != "" && !contains(r.TeamIDs, d.TeamID)) {
			continue
		}
		if r.Risk == "high" {
			high++
		} else {
			elev++
		}
		name := r.Name
		if d.HideNames {
			name = "A responder"
		} else if name == "" {
			name = r.ID
		}
		var why []string
		for _, x := range r.Reasons {
			why = append(why, reason(x))
		}
		c.AtRisk = append(c.AtRisk, fmt.Sprintf("%s: %s (%s)", name, r.Risk, strings.Join(why, "; ")))
	}
	c.RiskNote = "nobody"
	if high+elev > 0 {
		c.RiskNote = fmt.Sprintf("%d high, %d elevated", high, elev)
	}
	for _, n := range m.NoisyAlerts {
		svc, ok := d.Services[n.ServiceID]
		if d.TeamID != "" && (!ok || svc.TeamID != d.TeamID) {
			continue
		}
		if len(c.Noisy) == maxNoisy {
			break
		}
		title := n.SampleTitle
		if title == "" {
			title = n.Signature
		}
		name := svc.Name
		if name == "" {
			name = n.ServiceID
		}
		c.Noisy = append(c.Noisy, fmt.Sprintf("%s (%s): %s, %s", shorten(oneLine(title), 100), oneLine(name),
			plural(n.Interruptions, "page"), plural(n.Incidents, "incident")))
	}
	return c
}

// Text is the digest as plain text (the Slack fallback and the mail's
// text part).
func (d Digest) Text() string {
	c := d.word()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n\n", c.Title, c.Range)
	for _, f := range c.Facts {
		fmt.Fprintf(&b, "%s: %s\n", f.Label, f.Value)
	}
	fmt.Fprintf(&b, "\nBurnout risk: %s\n", c.RiskNote)
	for _, r := range c.AtRisk {
		fmt.Fprintf(&b, "- %s\n", r)
	}
	if len(c.Noisy) > 0 {
		b.WriteString("\nNoisiest alerts:\n")
		for i, n := range c.Noisy {
			fmt.Fprintf(&b, "%d. %s\n", i+1, n)
		}
	}
	if c.Link != "" {
		fmt.Fprintf(&b, "\nReport: %s\n", c.Link)
	}
	return b.String()
}

// Subject is the digest's title, for a mail subject.
func (d Digest) Subject() string { return d.word().Title }

func rank(risk string) int {
	switch risk {
	case "high":
		return 2
	case "elevated":
		return 1
	}
	return 0
}

// reasonWords name the burnout rules of spec/metrics.md, with their unit.
var reasonWords = map[string]struct{ name, cmp string }{
	"sleep_interruptions":          {"pages in sleep hours", "≥"},
	"after_hours_interruptions":    {"pages after hours", "≥"},
	"interruptions":                {"pages", "≥"},
	"incidents_per_12h_on_call":    {"incidents per 12 h on call", ">"},
	"on_call_share_28d":            {"", ">"},
	"longest_on_call_stretch_days": {"days on call in a row", ">"},
	"after_hours_engaged_hours":    {"hours worked on incidents after hours", "≥"},
	// on_call_share_28d is worded as a percentage (reason).
}

// reason words one fired burnout rule: "6 pages in sleep hours (≥ 5)".
func reason(r analysis.Reason) string {
	w, ok := reasonWords[r.Rule]
	if !ok {
		w = struct{ name, cmp string }{strings.ReplaceAll(r.Rule, "_", " "), "≥"}
	}
	if r.Rule == "longest_on_call_stretch_days" && r.Level == "high" {
		w.cmp = "≥"
	}
	if r.Rule == "on_call_share_28d" {
		return fmt.Sprintf("%s of 28 days on call (%s %s)", share(&r.Value), w.cmp, share(&r.Threshold))
	}
	return fmt.Sprintf("%s %s (%s %s)", num(r.Value), w.name, w.cmp, num(r.Threshold))
}

// num writes a rule value: whole numbers without decimals, else one.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// share writes a 0..1 share as a percentage; nil (no denominator) as "n/a".
func share(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", *v*100)
}

// seconds writes a duration in seconds as "4m 10s", "2h 5m"; nil as "n/a".
func seconds(v *float64) string {
	if v == nil {
		return "n/a"
	}
	d := time.Duration(math.Round(*v)) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// periodRange words the period's days in its time zone (End exclusive).
func periodRange(p analysis.Period) string {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil || p.TimeZone == "" {
		loc, p.TimeZone = time.UTC, "UTC"
	}
	s, e := p.Start.In(loc), p.End.In(loc).Add(-time.Second)
	return fmt.Sprintf("%s – %s (%s)", s.Format("Mon 2 Jan"), e.Format("Mon 2 Jan 2006"), p.TimeZone)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shorten cuts s to at most n runes, ending in "…" when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
