package reports

import (
	"fmt"

	"github.com/oncall-health/oncall-health/analysis"
)

// Action rules of the noisy-alert audit, tried in this order; the first that
// matches a signature gives its suggested action.
type actionRule struct {
	Action string
	Rule   string // the condition, shown on each row
	Why    string // the reasoning, shown in the rules table
	Match  func(n analysis.NoisyAlert) bool
}

// Thresholds of the action rules.
const (
	ruleAutoShare     = 0.5   // auto-resolved share at or above which an alert clears by itself
	ruleQuickSeconds  = 300.0 // p50 seconds to resolve at or below which an alert is transient
	ruleDedupMin      = 3     // incidents needed before repeats call for deduplication
	ruleAfterHoursMin = 2     // pages needed before the after-hours rule applies
	ruleFixMin        = 5     // incidents at which a human-handled alert needs fixing
)

var actionRules = []actionRule{
	{
		Action: "Delay or auto-resolve",
		Rule:   "auto-resolved ≥ 50 % or p50 time to resolve ≤ 5 min",
		Why:    "it clears by itself: wait a few minutes before paging, or let the source resolve it",
		Match: func(n analysis.NoisyAlert) bool {
			return (n.AutoResolvedShare != nil && *n.AutoResolvedShare >= ruleAutoShare) ||
				(n.P50SecondsToResolve != nil && *n.P50SecondsToResolve <= ruleQuickSeconds)
		},
	},
	{
		Action: "Deduplicate",
		Rule:   "≥ 3 incidents and at least half of them noise",
		Why:    "it repeats (at least 2 others with the same signature in 24 h): group its alerts into one open incident",
		Match: func(n analysis.NoisyAlert) bool {
			return n.Incidents >= ruleDedupMin && 2*n.NoiseIncidents >= n.Incidents
		},
	},
	{
		Action: "Lower urgency",
		Rule:   "≥ 2 pages and more than half after hours",
		Why:    "it wakes people: make it low urgency (business hours only) unless it needs action at night",
		Match: func(n analysis.NoisyAlert) bool {
			return n.Interruptions >= ruleAfterHoursMin && 2*n.AfterHoursInterruptions > n.Interruptions
		},
	},
	{
		Action: "Fix or delete",
		Rule:   "≥ 5 incidents",
		Why:    "people keep handling it: fix the cause, or delete the alert if nobody acts on it",
		Match: func(n analysis.NoisyAlert) bool {
			return n.Incidents >= ruleFixMin
		},
	},
}

// noRule is the verdict when no rule matches.
var noRule = actionRule{Action: "Keep", Rule: "no rule matched", Why: "low volume, handled by people, mostly in business hours"}

// suggest returns the first action rule that matches n.
func suggest(n analysis.NoisyAlert) actionRule {
	for _, r := range actionRules {
		if r.Match(n) {
			return r
		}
	}
	return noRule
}

type noisyRow struct {
	Rank       int
	Title      string
	Signature  string
	Service    string
	Incidents  int
	Alerts     int
	Pages      int
	AfterHours string
	AutoShare  string
	P50        string
	Noise      int
	NoiseShare string
	// Timeouts and Manual count the escalations of the signature's
	// incidents, by timeout and by hand.
	Timeouts, Manual int
	Action           string
	Rule             string
}

func (r *run) serviceName(id string) string {
	if s, ok := r.in.Services[id]; ok && s.Name != "" {
		return s.Name
	}
	return id
}

func (r *run) noisyRow(rank int, n analysis.NoisyAlert) noisyRow {
	a := suggest(n)
	title := n.SampleTitle
	if title == "" {
		title = n.Signature
	}
	return noisyRow{
		Rank:       rank,
		Title:      title,
		Signature:  n.Signature,
		Service:    r.serviceName(n.ServiceID),
		Incidents:  n.Incidents,
		Alerts:     n.Alerts,
		Pages:      n.Interruptions,
		AfterHours: fmtShare(share(n.AfterHoursInterruptions, n.Interruptions)),
		AutoShare:  fmtShare(n.AutoResolvedShare),
		P50:        fmtSeconds(n.P50SecondsToResolve),
		Noise:      n.NoiseIncidents,
		NoiseShare: fmtShare(share(n.NoiseIncidents, n.Incidents)),
		Timeouts:   n.Escalations.Timeout,
		Manual:     n.Escalations.Manual,
		Action:     a.Action,
		Rule:       a.Rule,
	}
}

type noisyPage struct {
	Meta    pageMeta
	Rows    []noisyRow
	Chart   *chartView
	Rules   []actionRule
	NoRule  actionRule
	Summary []string
	Total   int
}

const noisyChartTop = 10

func (r *run) renderNoisy() ([]byte, error) {
	p := noisyPage{
		Meta:   r.meta("Noisy-alert audit", r.subtitle(), true, len(r.cur.NoisyAlerts) > 0),
		Rules:  actionRules,
		NoRule: noRule,
		Total:  len(r.cur.NoisyAlerts),
	}
	counts := map[string]int{}
	var cats []string
	var bh, ah []float64
	pages := 0
	for i, n := range r.cur.NoisyAlerts {
		row := r.noisyRow(i+1, n)
		p.Rows = append(p.Rows, row)
		counts[row.Action]++
		pages += n.Interruptions
		if i < noisyChartTop {
			cats = append(cats, fmt.Sprintf("#%d %s", i+1, shorten(row.Title, 48)))
			bh = append(bh, float64(n.Interruptions-n.AfterHoursInterruptions))
			ah = append(ah, float64(n.AfterHoursInterruptions))
		}
	}
	if len(cats) > 0 {
		c := stackedBars(r.nextID("noisy"), "Pages of the noisiest alert signatures, in business hours and after hours", cats, []barSeries{
			{Name: "Business-hours pages", Color: colBusiness, Values: bh},
			{Name: "After-hours pages", Color: colSleep, Values: ah},
		}, barClass(len(cats)))
		p.Chart = &c
		org := r.cur.Org.Interruptions.Total
		p.Summary = append(p.Summary, fmt.Sprintf("%s caused %s.", plural(len(r.cur.NoisyAlerts), "signature", "signatures"), plural(pages, "page", "pages")))
		if org > 0 && len(cats) < len(r.cur.NoisyAlerts) {
			topN := len(cats)
			tp := 0
			for _, n := range r.cur.NoisyAlerts[:topN] {
				tp += n.Interruptions
			}
			p.Summary = append(p.Summary, fmt.Sprintf("The top %d caused %s of all %s this %s.", topN, fmtPct(float64(tp)/float64(org)), plural(org, "page", "pages"), r.cur.Period.Kind))
		}
		for _, a := range append(append([]actionRule(nil), actionRules...), noRule) {
			if counts[a.Action] > 0 {
				p.Summary = append(p.Summary, fmt.Sprintf("%s: %d.", a.Action, counts[a.Action]))
			}
		}
	}
	return r.execute("noisy", p)
}

// shorten cuts s to at most n runes, marking the cut with "…".
func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}
