package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

// teamPage is the data of one weekly team report.
type teamPage struct {
	Meta        pageMeta
	Team        *analysis.Team
	Flags       []string
	HeatLead    string // the heat map's lead, naming the team's sleep hours
	KPIs        []kpi
	AvgNote     string
	Heat        *heatView
	Load        loadView
	Responders  []responderRow
	AtRisk      int
	Times       []timeRow
	Noisy       []noisyRow
	NoisyNote   string
	OnCall      *chartView
	OnCallRows  []onCallRow
	OnCallTotal onCallRow
	// Fairness is the line on the team's fairness over the last 13 weeks
	// (Input.Hours); "" without hours.
	Fairness string
}

type heatView struct {
	Chart chartView
	Rows  []heatRow
	Hours []string
	Notes []string
}

type heatRow struct {
	Day   string
	Cells []heatCell
	Total int
}

type heatCell struct {
	N     int
	Sleep bool
}

type loadView struct {
	Chart       *chartView
	Rows        []loadRow
	Note        string
	Shifts      []shiftRow
	ShiftsChart *chartView
}

// shiftRow is one of a team's busiest level-1 shifts.
type shiftRow struct {
	Who    string
	When   string // start – end in the report time zone
	Hours  string
	Alerts int
	Per12h string // alerts / (shift length / 12 h)
	Over   bool
}

type loadRow struct {
	Label   string
	Shifts  int
	Mean    string
	P50     string
	Max     string
	Per12h  string
	Over    bool
	Current bool
}

type responderRow struct {
	Name       string
	TimeZone   string
	Risk       string
	RiskClass  string
	Reasons    []string
	Pages      int
	Sleep      int
	AfterHours int
	Incidents  int
	Per12h     string
	Over       bool
}

type timeRow struct {
	Label   string
	Count   int
	P50     string
	P90     string
	Mean    string
	PrevP50 string
	AvgP50  string
}

type onCallRow struct {
	Name   string
	Level1 string
	Level2 string
	Total  string
}

// teamIn returns the team with id in m, or nil.
func teamIn(m *analysis.Metrics, id string) *analysis.Team {
	if m == nil {
		return nil
	}
	for i := range m.Teams {
		if m.Teams[i].ID == id {
			return &m.Teams[i]
		}
	}
	return nil
}

func countPtr(n int) *float64 { return ptr(float64(n)) }

// teamMetrics are the headline figures of a team report.
var teamMetrics = []metric[analysis.Team]{
	{"Pages", "Interruptions: phone, SMS and push notifications, merged within 60 s", kindCount, func(t *analysis.Team) *float64 { return countPtr(t.Interruptions.Total) }},
	{"After-hours pages", "Pages in off or sleep hours of the paged person", kindCount, func(t *analysis.Team) *float64 { return countPtr(t.Interruptions.Off + t.Interruptions.Sleep) }},
	{"Sleep-hour pages", "Pages in sleep hours (" + sleepHoursVar + " local time)", kindCount, func(t *analysis.Team) *float64 { return countPtr(t.Interruptions.Sleep) }},
	{"Incidents", "Incidents created in the week", kindCount, func(t *analysis.Team) *float64 { return countPtr(t.Incidents) }},
	{"MTTA p50", "Median time to first acknowledge", kindSeconds, func(t *analysis.Team) *float64 { return t.MTTA.P50 }},
	{"MTTR p50", "Median time to resolve", kindSeconds, func(t *analysis.Team) *float64 { return t.MTTR.P50 }},
	{"Toil ratio", "Share of pages caused by noise incidents (transient or repeat)", kindShare, func(t *analysis.Team) *float64 { return t.ToilRatio }},
	{"Alerts per 12 h on call", "Alerts / level-1 on-call time in 12 h units; SRE guideline 2", kindRate, func(t *analysis.Team) *float64 { return t.AlertsPer12hOnCall }},
}

func (r *run) renderTeam(t *analysis.Team, file string) ([]byte, error) {
	hours := r.hours.of(t.ID)
	p := teamPage{
		Meta:     r.meta("Team "+teamLabel(t), r.subtitle(), true, true),
		Team:     t,
		Flags:    flagLabels(t.Flags),
		HeatLead: "Pages by local weekday and hour of the paged person. " + hours.shadedText(),
		Fairness: fairnessLine(r.in.Hours, t.ID),
	}
	p.Meta.Hours = r.hours.footerText(t)
	prevTeam := teamIn(r.prev(), t.ID)
	var histTeams []*analysis.Team
	for _, h := range r.hist {
		if ht := teamIn(h, t.ID); ht != nil {
			histTeams = append(histTeams, ht)
		}
	}
	nAvg := len(histTeams)
	p.AvgNote = avgNote(r.cur.Period.Kind, len(r.hist), nAvg)
	for _, m := range teamMetrics {
		cur := m.Get(t)
		k := kpi{Label: m.Label, Value: m.Kind.format(cur), Hint: strings.ReplaceAll(m.Hint, sleepHoursVar, hours.sleepText())}
		var prev *float64
		if prevTeam != nil {
			prev = m.Get(prevTeam)
		}
		vals := make([]*float64, len(histTeams))
		for i, ht := range histTeams {
			vals[i] = m.Get(ht)
		}
		avg := mean(vals)
		k.Cmp = []cmpLine{
			{Delta: compare(m.Kind, cur, prev), Text: "vs last week (" + m.Kind.format(prev) + ")"},
			{Delta: compare(m.Kind, cur, avg), Text: fmt.Sprintf("vs %d-week avg (%s)", nAvg, m.Kind.format(avg))},
		}
		p.KPIs = append(p.KPIs, k)
	}

	if hm := r.in.Heatmaps[t.ID]; hm != nil {
		hv := r.heat(hm, hours)
		p.Heat = &hv
	}
	p.Load = r.load(t, histTeams)
	p.Responders, p.AtRisk = r.teamResponders(t)
	p.Times = timeRows(t, prevTeam, histTeams)
	p.Noisy, p.NoisyNote = r.teamNoisy(t)
	p.OnCall, p.OnCallRows, p.OnCallTotal = r.onCall(t)
	return r.execute("team", p)
}

func avgNote(kind string, hist, withTeam int) string {
	unit := "weeks"
	if kind == "month" {
		unit = "months"
	}
	if hist == 0 {
		return "No earlier " + unit + " in the database: comparisons show “—”."
	}
	return fmt.Sprintf("Averages are over the %d earlier %s with data for this team (of %d available, at most %d).", withTeam, unit, hist, map[string]int{"week": maxWeeks, "month": maxMonths}[kind])
}

// heat builds the heat map chart and its table; hours holding sleep time
// of s are marked in the table.
func (r *run) heat(hm *analysis.Heatmap, s hourSpec) heatView {
	hv := heatView{Chart: heatmapChart(r.nextID("heat"), hm), Hours: hourLabels()}
	total, sleep := 0, 0
	bestN, bestD, bestH := 0, 0, 0
	for d := 0; d < 7; d++ {
		row := heatRow{Day: weekdays[d]}
		for h := 0; h < 24; h++ {
			n := hm[d][h]
			isSleep := s.sleepHour(h)
			row.Cells = append(row.Cells, heatCell{N: n, Sleep: isSleep})
			row.Total += n
			if isSleep {
				sleep += n
			}
			if n > bestN {
				bestN, bestD, bestH = n, d, h
			}
		}
		total += row.Total
		hv.Rows = append(hv.Rows, row)
	}
	if total == 0 {
		hv.Notes = append(hv.Notes, "No pages this period.")
		return hv
	}
	hv.Notes = append(hv.Notes,
		fmt.Sprintf("%s in the map; %s %s local time.", plural(total, "page", "pages"), plural(sleep, "page", "pages"), sleepWords(s)),
		fmt.Sprintf("Busiest hour: %s %02d:00–%02d:00 with %s.", weekdays[bestD], bestH, (bestH+1)%24, plural(bestN, "page", "pages")),
	)
	return hv
}

func (r *run) load(t *analysis.Team, hist []*analysis.Team) loadView {
	var lv loadView
	all := append(append([]*analysis.Team(nil), hist...), t)
	labels := make([]string, 0, len(all))
	vals := make([]*float64, 0, len(all))
	// labels of the weeks: history periods that hold this team, then current.
	var periods []string
	for _, h := range r.hist {
		if teamIn(h, t.ID) != nil {
			periods = append(periods, h.Period.Label)
		}
	}
	periods = append(periods, r.cur.Period.Label)
	for i, ht := range all {
		aps := ht.AlertsPerShift
		row := loadRow{
			Label:   periods[i],
			Shifts:  aps.Shifts,
			Mean:    fmtNumPtr(aps.Mean),
			P50:     fmtNumPtr(aps.P50),
			Max:     dash,
			Per12h:  fmtNumPtr(ht.AlertsPer12hOnCall),
			Over:    ht.AlertsPer12hOnCall != nil && *ht.AlertsPer12hOnCall > sreLine,
			Current: ht == t,
		}
		if aps.Max != nil {
			row.Max = fmtInt(*aps.Max)
		}
		lv.Rows = append(lv.Rows, row)
		labels = append(labels, periods[i])
		vals = append(vals, ht.AlertsPer12hOnCall)
	}
	c := loadTrendChart(r.nextID("load"), labels, vals)
	lv.Chart = &c
	lv.Shifts, lv.ShiftsChart = r.busiestShifts(t)
	switch v := t.AlertsPer12hOnCall; {
	case v == nil:
		lv.Note = "No level-1 on-call time this week, so no load per 12 h."
	case *v > sreLine:
		lv.Note = fmt.Sprintf("This week: %s alerts per 12 h on call, above the SRE guideline of 2 per 12-hour shift.", fmtNum(*v))
	default:
		lv.Note = fmt.Sprintf("This week: %s alerts per 12 h on call, within the SRE guideline of 2 per 12-hour shift.", fmtNum(*v))
	}
	return lv
}

// busiestShifts lists the team's busiest level-1 shifts (as analysis
// ranks them) with their alerts per 12 h, and charts them against the SRE line.
func (r *run) busiestShifts(t *analysis.Team) ([]shiftRow, *chartView) {
	if len(t.BusiestShifts) == 0 {
		return nil, nil
	}
	loc, err := time.LoadLocation(r.cur.Period.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	var rows []shiftRow
	var labels []string
	var vals []*float64
	for _, sh := range t.BusiestShifts {
		who := sh.UserName
		if who == "" {
			who = sh.UserID
		}
		secs := sh.End.Sub(sh.Start).Seconds()
		row := shiftRow{
			Who:    who,
			When:   sh.Start.In(loc).Format("Mon 2 Jan 15:04") + " – " + sh.End.In(loc).Format("Mon 2 Jan 15:04"),
			Hours:  fmtHours(secs),
			Alerts: sh.Alerts,
			Per12h: dash,
		}
		var v *float64
		if secs > 0 {
			v = ptr(float64(sh.Alerts) / (secs / 43200))
			row.Per12h = fmtNum(*v)
			row.Over = *v > sreLine
		}
		rows = append(rows, row)
		labels = append(labels, shorten(who, 18)+" · "+sh.Start.In(loc).Format("Mon 15:04"))
		vals = append(vals, v)
	}
	c := loadTrendChart(r.nextID("shifts"), labels, vals)
	c.Label = "Alerts per 12 hours of the team's busiest shifts, against the SRE guideline of 2"
	return rows, &c
}

func hasTeam(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// teamResponders lists the team's responders, riskiest first, then by pages
// and name; it returns the number at elevated or high risk.
func (r *run) teamResponders(t *analysis.Team) ([]responderRow, int) {
	var rs []analysis.Responder
	for _, x := range r.cur.Responders {
		if hasTeam(x.TeamIDs, t.ID) {
			rs = append(rs, x)
		}
	}
	sortResponders(rs)
	rows := make([]responderRow, 0, len(rs))
	atRisk := 0
	for _, x := range rs {
		if analysis.RiskRank(x.Risk) > 0 {
			atRisk++
		}
		rows = append(rows, r.responderRow(x))
	}
	return rows, atRisk
}

func sortResponders(rs []analysis.Responder) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if analysis.RiskRank(a.Risk) != analysis.RiskRank(b.Risk) {
			return analysis.RiskRank(a.Risk) > analysis.RiskRank(b.Risk)
		}
		if a.Interruptions.Total != b.Interruptions.Total {
			return a.Interruptions.Total > b.Interruptions.Total
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

func responderName(x analysis.Responder) string {
	if x.Name != "" {
		return x.Name
	}
	return x.ID
}

func (r *run) responderRow(x analysis.Responder) responderRow {
	row := responderRow{
		Name:       responderName(x),
		TimeZone:   x.TimeZone,
		Risk:       riskLabel(x.Risk),
		RiskClass:  riskClass(x.Risk),
		Pages:      x.Interruptions.Total,
		Sleep:      x.Interruptions.Sleep,
		AfterHours: x.Interruptions.Off + x.Interruptions.Sleep,
		Incidents:  x.Incidents,
		Per12h:     fmtNumPtr(x.IncidentsPer12hOnCall),
		Over:       x.IncidentsPer12hOnCall != nil && *x.IncidentsPer12hOnCall > sreLine,
	}
	for _, rs := range x.Reasons {
		row.Reasons = append(row.Reasons, reasonText(rs, r.cur.Period.Kind == "week"))
	}
	return row
}

func timeRows(t, prev *analysis.Team, hist []*analysis.Team) []timeRow {
	mk := func(label string, get func(*analysis.Team) analysis.Durations) timeRow {
		d := get(t)
		row := timeRow{Label: label, Count: d.Count, P50: fmtSeconds(d.P50), P90: fmtSeconds(d.P90), Mean: fmtSeconds(d.Mean), PrevP50: dash}
		if prev != nil {
			row.PrevP50 = fmtSeconds(get(prev).P50)
		}
		vals := make([]*float64, len(hist))
		for i, h := range hist {
			vals[i] = get(h).P50
		}
		row.AvgP50 = fmtSeconds(mean(vals))
		return row
	}
	return []timeRow{
		mk("Time to acknowledge (MTTA)", func(x *analysis.Team) analysis.Durations { return x.MTTA }),
		mk("Time to resolve (MTTR)", func(x *analysis.Team) analysis.Durations { return x.MTTR }),
	}
}

// teamNoisy returns the team's five noisiest signatures (by the metrics.json
// order) when services can be attributed to teams, else the organisation's.
func (r *run) teamNoisy(t *analysis.Team) ([]noisyRow, string) {
	const top = 5
	var rows []noisyRow
	attributed := len(r.in.Services) > 0
	for i, n := range r.cur.NoisyAlerts {
		if attributed && r.in.Services[n.ServiceID].TeamID != t.ID {
			continue
		}
		rows = append(rows, r.noisyRow(i+1, n))
		if len(rows) == top {
			break
		}
	}
	if !attributed {
		return rows, "Services are not attributed to teams in this run: these are the organisation's noisiest alerts."
	}
	if len(rows) == 0 {
		return rows, "No incidents on this team's services this week."
	}
	return rows, "Ranked by pages, then incidents, among this team's services; # is the rank in the full audit."
}

func (r *run) onCall(t *analysis.Team) (*chartView, []onCallRow, onCallRow) {
	var rs []analysis.Responder
	for _, x := range r.cur.Responders {
		if hasTeam(x.TeamIDs, t.ID) && x.OnCallSeconds > 0 {
			rs = append(rs, x)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].OnCallSeconds != rs[j].OnCallSeconds {
			return rs[i].OnCallSeconds > rs[j].OnCallSeconds
		}
		return responderName(rs[i]) < responderName(rs[j])
	})
	var rows []onCallRow
	var names []string
	var l1, l2 []float64
	var s1, s2 float64
	for _, x := range rs {
		up := x.OnCallSeconds - x.OnCallSecondsLevel1
		if up < 0 {
			up = 0
		}
		rows = append(rows, onCallRow{Name: responderName(x), Level1: fmtHours(x.OnCallSecondsLevel1), Level2: fmtHours(up), Total: fmtHours(x.OnCallSeconds)})
		names = append(names, responderName(x))
		l1 = append(l1, x.OnCallSecondsLevel1/3600)
		l2 = append(l2, up/3600)
		s1 += x.OnCallSecondsLevel1
		s2 += up
	}
	total := onCallRow{Name: "Total", Level1: fmtHours(s1), Level2: fmtHours(s2), Total: fmtHours(s1 + s2)}
	if len(rows) == 0 {
		return nil, nil, total
	}
	c := stackedBars(r.nextID("oncall"), "On-call hours per responder at level 1 and at levels 2 and above", names, []barSeries{
		{Name: "Level 1 (h)", Color: colLevel1, Values: l1},
		{Name: "Level 2+ only (h)", Color: colLevel2, Values: l2},
	}, barClass(len(names)))
	return &c, rows, total
}

// barClass picks a taller chart for many bars.
func barClass(n int) string {
	if n > 8 {
		return "chart tall"
	}
	return "chart"
}

// teamLinkText is the index's line under a team link.
func teamLinkText(t *analysis.Team, r *run) string {
	atRisk := 0
	for _, x := range r.cur.Responders {
		if hasTeam(x.TeamIDs, t.ID) && analysis.RiskRank(x.Risk) > 0 {
			atRisk++
		}
	}
	s := fmt.Sprintf("%s, %s", plural(t.Interruptions.Total, "page", "pages"), plural(t.Incidents, "incident", "incidents"))
	if atRisk > 0 {
		s += fmt.Sprintf(", %d at risk", atRisk)
	}
	return s
}
