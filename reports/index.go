package reports

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/oncall-health/oncall-health/analysis"
)

// reportLink is one entry of index.html.
type reportLink struct {
	Group string
	Title string
	Text  string
	Href  string
}

type linkGroup struct {
	Name  string
	Links []reportLink
}

type indexPage struct {
	Meta        pageMeta
	KPIs        []kpi
	Heat        *heatView
	Groups      []linkGroup
	MetricsFile string
	High        int
	Elevated    int
}

// indexMetrics are the organisation figures on index.html.
var indexMetrics = []metric[analysis.Metrics]{orgMetrics[0], orgMetrics[2], orgMetrics[3], orgMetrics[4], orgMetrics[6], orgMetrics[7]}

func (r *run) renderIndex(links []reportLink) ([]byte, error) {
	hm := r.in.Heatmaps[""]
	p := indexPage{
		Meta:        r.meta("On-call health: "+periodTitle(r.cur.Period), periodRange(r.cur.Period.Start, r.cur.Period.End, r.cur.Period.TimeZone), false, hm != nil),
		MetricsFile: r.opts.MetricsFile,
	}
	p.KPIs, _ = r.orgKPIs(indexMetrics, false)
	p.High, p.Elevated = riskCounts(r.cur)
	if hm != nil {
		hv := r.heat(hm, r.hours.def)
		if d := r.hours.differingSleep(r.cur); len(d) > 0 {
			hv.Notes = append(hv.Notes, "Shading and counts use the default sleep hours "+r.hours.def.sleepText()+"; teams with their own: "+strings.Join(d, ", ")+".")
		}
		p.Heat = &hv
	}
	for _, l := range links {
		if n := len(p.Groups); n > 0 && p.Groups[n-1].Name == l.Group {
			p.Groups[n-1].Links = append(p.Groups[n-1].Links, l)
			continue
		}
		p.Groups = append(p.Groups, linkGroup{Name: l.Group, Links: []reportLink{l}})
	}
	return r.execute("index", p)
}

// mdEscape escapes text for Markdown so that titles and names from
// PagerDuty stay plain text in chat and e-mail renderers. Escaped text is
// never placed at the start of a line, so only inline syntax (emphasis,
// code, links, HTML, tables, strike-through, entities) needs escaping.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '`', '*', '_', '[', ']', '|', '<', '>', '~', '&':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// renderSummary writes summary.md: a short digest for chat or e-mail.
func (r *run) renderSummary(links []reportLink) []byte {
	var b bytes.Buffer
	cur, prev := r.cur, r.prev()
	org := cur.Org
	fmt.Fprintf(&b, "# On-call health, %s\n\n", mdEscape(periodTitle(cur.Period)))
	fmt.Fprintf(&b, "%s\n\n", mdEscape(periodRange(cur.Period.Start, cur.Period.End, cur.Period.TimeZone)))

	line := func(label string, m metric[analysis.Metrics]) {
		cv := m.Get(cur)
		s := fmt.Sprintf("- **%s:** %s", label, m.Kind.format(cv))
		if prev != nil {
			d := compare(m.Kind, cv, m.Get(prev))
			s += fmt.Sprintf(" (%s vs last %s)", d.Text, cur.Period.Kind)
		}
		b.WriteString(s + "\n")
	}
	line("Pages", orgMetrics[0])
	fmt.Fprintf(&b, "- **After hours:** %s of pages, %s (%s)\n", fmtShare(org.AfterHoursShare), plural(org.Interruptions.Sleep, "page in sleep hours", "pages in sleep hours"), mdEscape(r.hours.orgSleepText(cur)))
	line("Incidents", orgMetrics[3])
	fmt.Fprintf(&b, "- **MTTA / MTTR p50:** %s / %s\n", fmtSeconds(org.MTTA.P50), fmtSeconds(org.MTTR.P50))
	fmt.Fprintf(&b, "- **Toil:** %s of pages from noise incidents\n", fmtShare(org.ToilRatio))
	high, elev := riskCounts(cur)
	s := fmt.Sprintf("- **Burnout risk:** %d high, %d elevated", high, elev)
	if !r.opts.HideNames && high+elev > 0 {
		rs := append(cur.Responders[:0:0], cur.Responders...)
		sortResponders(rs)
		var names []string
		for _, x := range rs {
			if analysis.RiskRank(x.Risk) > 0 {
				names = append(names, fmt.Sprintf("%s (%s)", mdEscape(responderName(x)), x.Risk))
			}
		}
		s += ": " + strings.Join(names, ", ")
	}
	b.WriteString(s + "\n")

	if cur.Period.Kind == "month" {
		if st := r.story(rankTeams(cur)); len(st) > 0 {
			b.WriteString("\n## What changed\n\n")
			for _, x := range st {
				fmt.Fprintf(&b, "- %s\n", mdEscape(x))
			}
		}
	} else if len(cur.Teams) > 0 {
		b.WriteString("\n## Teams\n\n")
		for _, t := range rankTeams(cur) {
			fmt.Fprintf(&b, "- %s: %s, %d high, %d elevated\n", mdEscape(t.Name), plural(t.Pages, "page", "pages"), t.High, t.Elevated)
		}
	}

	if len(cur.NoisyAlerts) > 0 {
		b.WriteString("\n## Noisiest alerts\n\n")
		for i, n := range cur.NoisyAlerts {
			if i == 3 {
				break
			}
			title := n.SampleTitle
			if title == "" {
				title = n.Signature
			}
			fmt.Fprintf(&b, "%d. %s (%s): %s, %s; suggested: %s\n", i+1, mdEscape(shorten(title, 100)), mdEscape(r.serviceName(n.ServiceID)),
				plural(n.Interruptions, "page", "pages"), plural(n.Incidents, "incident", "incidents"), strings.ToLower(suggest(n).Action))
		}
	}
	if len(links) > 0 {
		b.WriteString("\n## Reports\n\n")
		for _, l := range links {
			fmt.Fprintf(&b, "- %s: %s\n", mdEscape(l.Title), mdEscape(l.Href))
		}
	}
	return b.Bytes()
}
