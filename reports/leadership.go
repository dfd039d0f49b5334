package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/oncall-health/oncall-health/analysis"
)

// orgMetrics are the organisation-wide headline figures.
var orgMetrics = []metric[analysis.Metrics]{
	{"Pages", "Interruptions: phone, SMS and push notifications, merged within 60 s", kindCount, func(m *analysis.Metrics) *float64 { return countPtr(m.Org.Interruptions.Total) }},
	{"Sleep-hour pages", "Pages in sleep hours (" + sleepHoursVar + ") in the paged person's time zone", kindCount, func(m *analysis.Metrics) *float64 { return countPtr(m.Org.Interruptions.Sleep) }},
	{"After-hours share", "Share of pages in off or sleep hours", kindShare, func(m *analysis.Metrics) *float64 { return m.Org.AfterHoursShare }},
	{"Incidents", "Incidents created in the period", kindCount, func(m *analysis.Metrics) *float64 { return countPtr(m.Org.Incidents) }},
	{"MTTA p50", "Median time to first acknowledge", kindSeconds, func(m *analysis.Metrics) *float64 { return m.Org.MTTA.P50 }},
	{"MTTR p50", "Median time to resolve", kindSeconds, func(m *analysis.Metrics) *float64 { return m.Org.MTTR.P50 }},
	{"Toil ratio", "Share of pages caused by noise incidents (transient or repeat)", kindShare, func(m *analysis.Metrics) *float64 { return m.Org.ToilRatio }},
	{"Responders at risk", "Responders at elevated or high burnout risk", kindCount, func(m *analysis.Metrics) *float64 { return countPtr(atRisk(m)) }},
}

func atRisk(m *analysis.Metrics) int {
	n := 0
	for _, x := range m.Responders {
		if analysis.RiskRank(x.Risk) > 0 {
			n++
		}
	}
	return n
}

func riskCounts(m *analysis.Metrics) (high, elevated int) {
	if m == nil {
		return 0, 0
	}
	for _, x := range m.Responders {
		switch x.Risk {
		case analysis.RiskHigh:
			high++
		case analysis.RiskElevated:
			elevated++
		}
	}
	return high, elevated
}

// orgKPIs builds the headline cards: value, change against the previous
// period and the average of the history, and (with spark) a trend line.
func (r *run) orgKPIs(metrics []metric[analysis.Metrics], spark bool) ([]kpi, trendTable) {
	prev := r.prev()
	word := r.cur.Period.Kind
	all := append(append([]*analysis.Metrics(nil), r.hist...), r.cur)
	tt := trendTable{}
	for _, m := range all {
		tt.Periods = append(tt.Periods, m.Period.Label)
	}
	var out []kpi
	for _, m := range metrics {
		cur := m.Get(r.cur)
		k := kpi{Label: m.Label, Value: m.Kind.format(cur), Hint: strings.ReplaceAll(m.Hint, sleepHoursVar, r.hours.orgSleepText(r.cur))}
		var pv *float64
		if prev != nil {
			pv = m.Get(prev)
		}
		k.Cmp = append(k.Cmp, cmpLine{Delta: compare(m.Kind, cur, pv), Text: "vs last " + word + " (" + m.Kind.format(pv) + ")"})
		if !spark {
			vals := make([]*float64, len(r.hist))
			for i, h := range r.hist {
				vals[i] = m.Get(h)
			}
			avg := mean(vals)
			k.Cmp = append(k.Cmp, cmpLine{Delta: compare(m.Kind, cur, avg), Text: fmt.Sprintf("vs %d-%s avg (%s)", len(r.hist), word, m.Kind.format(avg))})
		}
		row := trendRow{Label: m.Label}
		vals := make([]*float64, len(all))
		for i, p := range all {
			vals[i] = m.Get(p)
			row.Cells = append(row.Cells, m.Kind.format(vals[i]))
		}
		tt.Rows = append(tt.Rows, row)
		if spark && len(all) > 1 {
			c := sparkline(r.nextID("spark"), m.Label, tt.Periods, vals)
			k.Spark = &c
		}
		out = append(out, k)
	}
	return out, tt
}

type trendTable struct {
	Periods []string
	Rows    []trendRow
}

type trendRow struct {
	Label string
	Cells []string
}

type teamRank struct {
	Rank       int
	Name       string
	File       string
	High       int
	Elevated   int
	Pages      int
	Business   int
	Off        int
	Sleep      int
	AfterShare string
	Toil       string
	Per12h     string
	Over       bool
	MTTA       string
	Flags      []string
}

type riskRow struct {
	Name      string
	Teams     string
	Risk      string
	RiskClass string
	Reasons   []string
}

type leadershipPage struct {
	Meta       pageMeta
	KPIs       []kpi
	Trend      trendTable
	Story      []string
	Teams      []teamRank
	HoursNote  string // names the teams with hours of their own; "" when none
	TeamsChart *chartView
	High       int
	Elevated   int
	PrevHigh   string
	PrevElev   string
	HideNames  bool
	AtRisk     []riskRow
	Reasons    []reasonCount
}

type reasonCount struct {
	Text string
	N    int
}

// rankTeams orders teams by risk: responders at high risk, then elevated,
// then sleep-hour pages, after-hours pages, all pages, then name.
func rankTeams(m *analysis.Metrics) []teamRank {
	var out []teamRank
	for i := range m.Teams {
		t := &m.Teams[i]
		tr := teamRank{
			Name:       teamLabel(t),
			Pages:      t.Interruptions.Total,
			Business:   t.Interruptions.Business,
			Off:        t.Interruptions.Off,
			Sleep:      t.Interruptions.Sleep,
			AfterShare: fmtShare(t.AfterHoursShare),
			Toil:       fmtShare(t.ToilRatio),
			Per12h:     fmtNumPtr(t.AlertsPer12hOnCall),
			Over:       t.AlertsPer12hOnCall != nil && *t.AlertsPer12hOnCall > sreLine,
			MTTA:       fmtSeconds(t.MTTA.P50),
			Flags:      flagLabels(t.Flags),
		}
		for _, x := range m.Responders {
			if !hasTeam(x.TeamIDs, t.ID) {
				continue
			}
			switch x.Risk {
			case analysis.RiskHigh:
				tr.High++
			case analysis.RiskElevated:
				tr.Elevated++
			}
		}
		out = append(out, tr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.High != b.High:
			return a.High > b.High
		case a.Elevated != b.Elevated:
			return a.Elevated > b.Elevated
		case a.Sleep != b.Sleep:
			return a.Sleep > b.Sleep
		case a.Off+a.Sleep != b.Off+b.Sleep:
			return a.Off+a.Sleep > b.Off+b.Sleep
		case a.Pages != b.Pages:
			return a.Pages > b.Pages
		}
		return a.Name < b.Name
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func flagLabels(flags []string) []string {
	var out []string
	for _, f := range flags {
		switch f {
		case "alert_load":
			out = append(out, "Alert load")
		default:
			out = append(out, f)
		}
	}
	return out
}

func (r *run) teamNames(ids []string) string {
	var names []string
	for _, id := range ids {
		if t := teamIn(r.cur, id); t != nil {
			names = append(names, teamLabel(t))
		} else {
			names = append(names, id)
		}
	}
	return strings.Join(names, ", ")
}

var ruleNames = map[string]string{
	"sleep_interruptions":          "woken at night",
	"after_hours_interruptions":    "many after-hours pages",
	"interruptions":                "many pages",
	"incidents_per_12h_on_call":    "incidents per 12 h on call above the SRE guideline",
	"on_call_share_28d":            "on call a large share of the last 28 days",
	"longest_on_call_stretch_days": "long on-call stretch",
	"after_hours_engaged_hours":    "long incident work after hours",
}

func ruleName(rule string) string {
	if s, ok := ruleNames[rule]; ok {
		return s
	}
	return rule
}

// reasonCounts counts, per rule, the responders at risk for whom it fired.
func reasonCounts(m *analysis.Metrics) []reasonCount {
	counts := map[string]int{}
	for _, x := range m.Responders {
		if analysis.RiskRank(x.Risk) == 0 {
			continue
		}
		for _, rs := range x.Reasons {
			counts[rs.Rule]++
		}
	}
	var out []reasonCount
	for rule, n := range counts {
		out = append(out, reasonCount{Text: ruleName(rule), N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Text < out[j].Text
	})
	return out
}

func (r *run) renderLeadership() ([]byte, error) {
	p := leadershipPage{
		Meta:      r.meta("On-call health: leadership summary", r.subtitle(), true, true),
		HideNames: r.opts.HideNames,
	}
	p.KPIs, p.Trend = r.orgKPIs(orgMetrics, true)
	p.Teams = rankTeams(r.cur)
	if d := r.hours.differing(r.cur); len(d) > 0 {
		p.HoursNote = "Hour classes differ by team. Default: " + r.hours.def.describe() + ". Own hours: " + strings.Join(d, "; ") + "."
	}
	if len(p.Teams) > 0 {
		var cats []string
		var b, o, s []float64
		for _, t := range p.Teams {
			cats = append(cats, fmt.Sprintf("%d. %s", t.Rank, shorten(t.Name, 40)))
			b = append(b, float64(t.Business))
			o = append(o, float64(t.Off))
			s = append(s, float64(t.Sleep))
		}
		c := stackedBars(r.nextID("teams"), "Pages per team by hour class, teams in risk order", cats, []barSeries{
			{Name: "Business hours", Color: colBusiness, Values: b},
			{Name: "Off hours", Color: colOff, Values: o},
			{Name: "Sleep hours", Color: colSleep, Values: s},
		}, barClass(len(cats)))
		p.TeamsChart = &c
	}
	p.High, p.Elevated = riskCounts(r.cur)
	p.PrevHigh, p.PrevElev = dash, dash
	if prev := r.prev(); prev != nil {
		h, e := riskCounts(prev)
		p.PrevHigh, p.PrevElev = fmtInt(h), fmtInt(e)
	}
	p.Reasons = reasonCounts(r.cur)
	if !r.opts.HideNames {
		rs := append([]analysis.Responder(nil), r.cur.Responders...)
		sortResponders(rs)
		for _, x := range rs {
			if analysis.RiskRank(x.Risk) == 0 {
				continue
			}
			row := riskRow{Name: responderName(x), Teams: r.teamNames(x.TeamIDs), Risk: riskLabel(x.Risk), RiskClass: riskClass(x.Risk)}
			for _, rs := range x.Reasons {
				row.Reasons = append(row.Reasons, reasonText(rs, false))
			}
			p.AtRisk = append(p.AtRisk, row)
		}
	}
	p.Story = r.story(p.Teams)
	return r.execute("leadership", p)
}

// story writes a few sentences from the data: what changed and where to look.
func (r *run) story(ranked []teamRank) []string {
	cur, prev := r.cur, r.prev()
	word := cur.Period.Kind
	var out []string

	pages := cur.Org.Interruptions.Total
	s := fmt.Sprintf("Responders were paged %s in %s", times(pages), cur.Period.Label)
	if prev != nil {
		pp := prev.Org.Interruptions.Total
		switch {
		case pp == pages:
			s += fmt.Sprintf(", the same as in %s", prev.Period.Label)
		case pp == 0:
			s += fmt.Sprintf(", up from none in %s", prev.Period.Label)
		case pages > pp:
			s += fmt.Sprintf(", up %s from %s in %s", fmtPct(float64(pages-pp)/float64(pp)), fmtInt(pp), prev.Period.Label)
		default:
			s += fmt.Sprintf(", down %s from %s in %s", fmtPct(float64(pp-pages)/float64(pp)), fmtInt(pp), prev.Period.Label)
		}
	}
	s += "."
	if pages > 0 {
		s += fmt.Sprintf(" %s came after hours and %s during sleep hours.", fmtShare(cur.Org.AfterHoursShare), plural(cur.Org.Interruptions.Sleep, "page", "pages"))
	}
	out = append(out, s)

	high, elev := riskCounts(cur)
	if high+elev == 0 {
		out = append(out, "No responder reached elevated or high burnout risk.")
	} else {
		s := fmt.Sprintf("%s at high and %d at elevated burnout risk", plural(high, "responder is", "responders are"), elev)
		if prev != nil {
			ph, pe := riskCounts(prev)
			s += fmt.Sprintf(" (last %s: %d high, %d elevated)", word, ph, pe)
		}
		s += "."
		if rc := reasonCounts(cur); len(rc) > 0 {
			if len(rc) == 1 || rc[0].N > rc[1].N {
				s += fmt.Sprintf(" Most common reason: %s (%s).", rc[0].Text, plural(rc[0].N, "responder", "responders"))
			} else {
				var parts []string
				for i, c := range rc {
					if i == 3 {
						break
					}
					parts = append(parts, fmt.Sprintf("%s (%d)", c.Text, c.N))
				}
				s += " Reasons: " + strings.Join(parts, ", ") + "."
			}
		}
		out = append(out, s)
	}

	if len(ranked) > 0 && (ranked[0].High+ranked[0].Elevated > 0 || ranked[0].Sleep > 0) {
		t := ranked[0]
		s := fmt.Sprintf("Look first at %s: %d at high and %d at elevated risk, %s in sleep hours", t.Name, t.High, t.Elevated, plural(t.Sleep, "page", "pages"))
		if t.Toil != dash {
			s += fmt.Sprintf(", %s of its pages from noise", t.Toil)
		}
		out = append(out, s+".")
	}

	if len(cur.NoisyAlerts) > 0 && cur.NoisyAlerts[0].Interruptions > 0 {
		n := cur.NoisyAlerts[0]
		title := n.SampleTitle
		if title == "" {
			title = n.Signature
		}
		s := fmt.Sprintf("The noisiest alert, “%s” on %s, paged %s", shorten(title, 80), r.serviceName(n.ServiceID), times(n.Interruptions))
		if pages > 0 {
			s += fmt.Sprintf(" (%s of all pages)", fmtPct(float64(n.Interruptions)/float64(pages)))
		}
		s += fmt.Sprintf("; suggested action: %s.", strings.ToLower(suggest(n).Action))
		out = append(out, s)
	}

	if prev != nil && cur.Org.MTTA.P50 != nil && prev.Org.MTTA.P50 != nil {
		a, b := *prev.Org.MTTA.P50, *cur.Org.MTTA.P50
		if a > 0 && (b >= a*1.2 || b <= a/1.2) {
			verb := "improved"
			if b > a {
				verb = "worsened"
			}
			out = append(out, fmt.Sprintf("Median time to acknowledge %s from %s to %s.", verb, fmtDur(a), fmtDur(b)))
		}
	}

	var loaded []string
	for i := range cur.Teams {
		for _, f := range cur.Teams[i].Flags {
			if f == "alert_load" {
				loaded = append(loaded, teamLabel(&cur.Teams[i]))
			}
		}
	}
	if len(loaded) > 0 {
		out = append(out, fmt.Sprintf("Over the alert-load threshold: %s.", strings.Join(loaded, ", ")))
	}
	return out
}
