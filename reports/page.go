package reports

import (
	"embed"
	"fmt"
	"html/template"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

//go:embed templates/*.html
var templateFS embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"riskLabel": riskLabel,
	"inc":       func(i int) int { return i + 1 },
}).ParseFS(templateFS, "templates/*.html"))

// pageMeta is the frame every HTML report shares.
type pageMeta struct {
	Title     string
	Subtitle  string
	Crumbs    bool   // show a link back to index.html
	Archive   string // link to the page of all periods of a range run; "" for none
	CSP       string
	CSS       template.CSS // inline stylesheet; empty when AssetsHref is set
	Assets    string       // Options.AssetsHref: where the shared assets are, "" for inline
	Generated string
	Version   string
	Hours     string      // the hour-class sentence, from the configured hours
	TeamNote  string      // on an account without teams: that policies stand in as teams
	Charts    bool        // load ECharts and run the chart init script
	EChartsJS template.JS // the inline ECharts loader (echartsLoaderJS); empty when Assets is set
	InitJS    template.JS
}

func (r *run) meta(title, subtitle string, crumbs, charts bool) pageMeta {
	r.chartID = 0 // element ids are per page
	m := pageMeta{
		Title:    title,
		Subtitle: subtitle,
		Crumbs:   crumbs,
		Archive:  r.opts.ArchiveHref,
		CSP:      cspInline(),
		Assets:   r.opts.AssetsHref,
		Version:  r.opts.Version,
		Charts:   charts,
	}
	if r.cur != nil {
		m.Hours = r.hours.footerText(nil, r.cur)
		m.TeamNote = teamSourceNote(r.cur.Period.TeamSource)
	}
	if m.Assets != "" {
		m.CSP = cspShared
	} else {
		m.CSS = assetCSS()
	}
	if !r.opts.GeneratedAt.IsZero() {
		m.Generated = r.opts.GeneratedAt.UTC().Format(time.RFC3339)
	}
	if charts {
		if m.Assets == "" {
			m.EChartsJS = assetJS()
		}
		m.InitJS = assetInitJS()
	}
	return m
}

// execute renders the named page template.
func (r *run) execute(name string, data any) ([]byte, error) {
	r.buf.Reset()
	if err := tmpl.ExecuteTemplate(&r.buf, name, data); err != nil {
		return nil, fmt.Errorf("execute %s: %w", name, err)
	}
	return append([]byte(nil), r.buf.Bytes()...), nil
}

// periodWord is "week" or "month"; periodTitle the label shown in titles.
func periodTitle(p analysis.Period) string {
	if p.Kind == "month" {
		return "month " + p.Label
	}
	return "week " + p.Label
}

func (r *run) subtitle() string {
	p := r.cur.Period
	return periodTitle(p) + " · " + periodRange(p.Start, p.End, p.TimeZone)
}

// metric is one headline figure read from a T (the organisation's
// analysis.Metrics or one analysis.Team): its label, its hint (which may hold
// sleepHoursVar), how its value is worded, and Get, which returns nil where
// the figure is not defined.
type metric[T any] struct {
	Label string
	Hint  string
	Kind  kind
	Get   func(*T) *float64
}

// kpi is one headline number with its comparisons.
type kpi struct {
	Label string
	Value string
	Hint  string
	Cmp   []cmpLine
	Spark *chartView
}

type cmpLine struct {
	Delta delta
	Text  string
}

func riskLabel(level string) string {
	switch level {
	case analysis.RiskHigh:
		return "High risk"
	case analysis.RiskElevated:
		return "Elevated"
	default:
		return "OK"
	}
}

// riskClass is the CSS class of a risk badge.
func riskClass(level string) string {
	switch level {
	case analysis.RiskHigh, analysis.RiskElevated:
		return level
	}
	return analysis.RiskNone
}

// reasonText words one burnout rule that fired, e.g. "woken 5 times (high
// from 5)". week says whether the period is a week (else "in the worst week").
func reasonText(rs analysis.Reason, week bool) string {
	when := "this week"
	if !week {
		when = "in the worst week of the month"
	}
	n := int(rs.Value + 0.5)
	var s string
	switch rs.Rule {
	case "sleep_interruptions":
		s = fmt.Sprintf("woken %s %s", times(n), when)
	case "after_hours_interruptions":
		s = fmt.Sprintf("paged %s outside business hours %s", times(n), when)
	case "interruptions":
		s = fmt.Sprintf("paged %s %s", times(n), when)
	case "incidents_per_12h_on_call":
		s = fmt.Sprintf("%s incidents per 12 h on call %s (SRE guideline: 2)", fmtNum(rs.Value), when)
	case "on_call_share_28d":
		s = fmt.Sprintf("on call %s of the last 28 days", fmtPct(rs.Value))
	case "longest_on_call_stretch_days":
		s = fmt.Sprintf("on call %s days in a row", fmtNum(rs.Value))
	case "after_hours_engaged_hours":
		s = fmt.Sprintf("worked incidents %s h outside business hours %s", fmtNum(rs.Value), when)
	default:
		s = fmt.Sprintf("%s = %s", rs.Rule, fmtNum(rs.Value))
	}
	return fmt.Sprintf("%s (%s at %s)", s, rs.Level, thresholdText(rs))
}

func thresholdText(rs analysis.Reason) string {
	switch rs.Rule {
	case "on_call_share_28d":
		return "> " + fmtPct(rs.Threshold)
	case "incidents_per_12h_on_call":
		return "> " + fmtNum(rs.Threshold)
	case "longest_on_call_stretch_days":
		if rs.Level == analysis.RiskHigh {
			return "≥ " + fmtNum(rs.Threshold)
		}
		return "> " + fmtNum(rs.Threshold)
	}
	return "≥ " + fmtNum(rs.Threshold)
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmtInt(n) + " times"
}

// teamSourceNote is the line every page of an account without teams shows
// under its title (metrics.json: period.team_source).
func teamSourceNote(source string) string {
	if source != "escalation_policies" {
		return ""
	}
	return "This PagerDuty account has no teams, so each escalation policy stands in as a team: \"teams\" in this report are escalation policies."
}
