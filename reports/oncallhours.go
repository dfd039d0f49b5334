package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

// File names of the on-call hours page and the pay export of a month.
const (
	HoursFile = "oncall-hours.html"
	PayFile   = "oncall-pay.csv"
)

// Colours of the kinds of on-call hours.
const (
	colWeeknight = "#f5a524"
	colWeekend   = "#6a3fc1"
	colHoliday   = "#d1436b"
)

// hoursChartPeople bounds the people in the stacked-bar chart (the table
// lists all).
const hoursChartPeople = 25

// measureLabels words the fairness measures.
var measureLabels = map[string]string{
	analysis.MeasureNights:     "Nights on call",
	analysis.MeasureWeeknight:  "Weeknight hours",
	analysis.MeasureWeekend:    "Weekend hours",
	analysis.MeasureHoliday:    "Holiday hours",
	analysis.MeasureSleepPages: "Sleep pages",
}

type hoursPage struct {
	Meta      pageMeta
	Headline  string
	Calendars string // "" when none is configured
	Chart     *chartView
	ChartNote string
	People    []hoursRow
	Teams     []fairTeam
	FlagRatio string
	Trend     *chartView
	Pay       *payView
	PayFile   string
}

type hoursRow struct {
	Name, Zone, Calendar string
	L1, L2               [4]string
	Total                string
	Nights, WeekendDays  int
	Holidays             int
	Pages                [4]int
	SleepPages           int
	Amount               string
}

type fairTeam struct {
	Name    string
	Members int
	Rows    []fairRow
}

type fairRow struct {
	Measure  string
	Window   string
	Total    string
	Highest  string
	Who      string
	Median   string
	Ratio    string
	Gini     string
	Flag     bool
	Separate bool // first row of the 13-week window
}

type payView struct {
	Currency string
	Total    string
	Rates    string
	Extras   string
}

// renderHours renders oncall-hours.html from h.
func (r *run) renderHours(h *analysis.HoursReport) ([]byte, error) {
	p := hoursPage{
		Meta:      r.meta("On-call hours: "+periodTitle(r.cur.Period), r.subtitle(), true, true),
		Headline:  h.Headline,
		FlagRatio: fmtNum(h.FlagRatio),
		PayFile:   PayFile,
	}
	if p.Headline == "" {
		p.Headline = fmt.Sprintf("No team had two or more people with nights on call in the last %d weeks.", analysis.FairnessWeeks)
	}
	if len(h.Calendars) > 0 {
		p.Calendars = strings.Join(h.Calendars, ", ")
	}
	// the chart: the most hours first, at most hoursChartPeople
	people := append([]analysis.ResponderHours(nil), h.Responders...)
	sort.SliceStable(people, func(i, j int) bool { return people[i].Hours.Total() > people[j].Hours.Total() })
	amounts := map[string]string{}
	if h.Pay != nil {
		for _, row := range h.Pay.Responders {
			amounts[row.UserID] = fmtMoney(row.Amount) + " " + h.Pay.Currency
		}
		p.Pay = &payView{Currency: h.Pay.Currency, Total: fmtMoney(h.Pay.Total) + " " + h.Pay.Currency, Rates: rateText(h.Pay), Extras: payExtras(h.Pay)}
	}
	if len(people) > 0 {
		shown := people
		if len(shown) > hoursChartPeople {
			shown = shown[:hoursChartPeople]
			p.ChartNote = fmt.Sprintf("The chart shows the %d people with the most on-call hours; the table lists all %d.", hoursChartPeople, len(people))
		}
		cats := make([]string, len(shown))
		var b, wn, we, ho []float64
		for i, rh := range shown {
			cats[i] = rh.Name
			b = append(b, rh.Hours.Business)
			wn = append(wn, rh.Hours.Weeknight)
			we = append(we, rh.Hours.Weekend)
			ho = append(ho, rh.Hours.Holiday)
		}
		class := "chart"
		if len(shown) > 8 {
			class = "chart tall"
		}
		c := stackedBars(r.nextID("hours"), "On-call hours by kind per person", cats, []barSeries{
			{Name: "Business", Color: colBusiness, Values: b},
			{Name: "Weeknight", Color: colWeeknight, Values: wn},
			{Name: "Weekend", Color: colWeekend, Values: we},
			{Name: "Holiday", Color: colHoliday, Values: ho},
		}, class)
		p.Chart = &c
	}
	for _, rh := range people {
		row := hoursRow{Name: rh.Name, Zone: rh.TimeZone, Calendar: rh.Calendar, Total: fmtNum(rh.Hours.Total()),
			Nights: rh.Nights, WeekendDays: rh.WeekendDays, Holidays: rh.Holidays, SleepPages: rh.SleepPages,
			Pages:  [4]int{rh.Pages.Business, rh.Pages.Weeknight, rh.Pages.Weekend, rh.Pages.Holiday},
			Amount: amounts[rh.ID]}
		if row.Calendar == "" {
			row.Calendar = dash
		}
		row.L1 = kindText(rh.Level1)
		row.L2 = kindText(rh.Level2)
		if row.Amount == "" {
			row.Amount = dash
		}
		p.People = append(p.People, row)
	}
	for _, tf := range h.Fairness {
		if tf.Last13Weeks.Members == 0 && tf.Period.Members == 0 {
			continue
		}
		ft := fairTeam{Name: tf.Name, Members: tf.Last13Weeks.Members}
		if ft.Name == "" {
			ft.Name = tf.TeamID
		}
		for wi, w := range []analysis.FairnessWindow{tf.Period, tf.Last13Weeks} {
			label := periodTitle(r.cur.Period)
			if wi == 1 {
				label = fmt.Sprintf("last %d weeks", analysis.FairnessWeeks)
			}
			for mi, m := range w.Measures {
				fr := fairRow{Measure: measureLabels[m.Measure], Window: label, Total: fmtNum(m.Total),
					Highest: fmtShare(m.Highest), Who: m.HighestName, Median: fmtShare(m.Median),
					Ratio: dash, Gini: dash, Flag: m.Flag, Separate: wi == 1 && mi == 0}
				if m.Ratio != nil {
					fr.Ratio = fmtNum(*m.Ratio) + "×"
				}
				if m.Gini != nil {
					fr.Gini = strconv.FormatFloat(*m.Gini, 'f', 2, 64)
				}
				if m.Highest == nil {
					fr.Who = dash
				}
				ft.Rows = append(ft.Rows, fr)
			}
		}
		p.Teams = append(p.Teams, ft)
	}
	if len(h.Trend) > 0 {
		cats := make([]string, len(h.Trend))
		var b, wn, we, ho []float64
		for i, w := range h.Trend {
			cats[i] = w.Start.In(loadLoc(r.cur.Period.TimeZone)).Format("2 Jan")
			b = append(b, w.Hours.Business)
			wn = append(wn, w.Hours.Weeknight)
			we = append(we, w.Hours.Weekend)
			ho = append(ho, w.Hours.Holiday)
		}
		c := periodBars(r.nextID("trend"), fmt.Sprintf("On-call hours by kind per week, the %d weeks before the period's end", analysis.FairnessWeeks), cats, []barSeries{
			{Name: "Business", Color: colBusiness, Values: b},
			{Name: "Weeknight", Color: colWeeknight, Values: wn},
			{Name: "Weekend", Color: colWeekend, Values: we},
			{Name: "Holiday", Color: colHoliday, Values: ho},
		})
		p.Trend = &c
	}
	return r.execute("oncallhours", p)
}

func kindText(k analysis.KindHours) [4]string {
	return [4]string{fmtNum(k.Business), fmtNum(k.Weeknight), fmtNum(k.Weekend), fmtNum(k.Holiday)}
}

// fmtMoney formats an amount with two decimals and grouping, "1,234.50".
func fmtMoney(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.Atoi(whole)
	return fmtInt(n) + "." + frac
}

// rateText words the hourly rates, e.g. "weeknight 4.00 / 2.00, weekend
// 6.00 / 3.00 EUR per hour at level 1 / level 2+".
func rateText(p *analysis.PayReport) string {
	var parts []string
	for _, k := range []struct {
		name string
		r    analysis.LevelRates
	}{{"business", p.Rates.Business}, {"weeknight", p.Rates.Weeknight}, {"weekend", p.Rates.Weekend}, {"holiday", p.Rates.Holiday}} {
		parts = append(parts, k.name+" "+fmtMoney(k.r.Level1)+" / "+fmtMoney(k.r.Level2))
	}
	return strings.Join(parts, ", ") + " " + p.Currency + " per hour at level 1 / level 2+"
}

func payExtras(p *analysis.PayReport) string {
	var parts []string
	if p.PerPage > 0 {
		parts = append(parts, fmtMoney(p.PerPage)+" per page")
	}
	if p.PerSleep > 0 {
		parts = append(parts, fmtMoney(p.PerSleep)+" more per page in sleep hours")
	}
	if p.DailyCap != nil {
		parts = append(parts, "at most "+fmtMoney(*p.DailyCap)+" per local day")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet: a
// text starting with = + - @ or a tab or carriage return gets a leading '.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// PayCSV renders oncall-pay.csv of h: one row per responder (by id) with
// hours per kind and level, counts, pages and, with pay configured, the
// currency and amount (empty without).
func PayCSV(h *analysis.HoursReport) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"user_id", "name", "time_zone", "holiday_calendar",
		"level_1_business_hours", "level_1_weeknight_hours", "level_1_weekend_hours", "level_1_holiday_hours",
		"level_2_business_hours", "level_2_weeknight_hours", "level_2_weekend_hours", "level_2_holiday_hours",
		"total_hours", "nights_on_call", "weekend_days_on_call", "holidays_on_call",
		"pages_business", "pages_weeknight", "pages_weekend", "pages_holiday", "sleep_pages",
		"currency", "amount", "capped_days"})
	pay := map[string]analysis.PayRow{}
	if h.Pay != nil {
		for _, r := range h.Pay.Responders {
			pay[r.UserID] = r
		}
	}
	hrs := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	for _, r := range h.Responders {
		row := []string{csvSafe(r.ID), csvSafe(r.Name), csvSafe(r.TimeZone), r.Calendar,
			hrs(r.Level1.Business), hrs(r.Level1.Weeknight), hrs(r.Level1.Weekend), hrs(r.Level1.Holiday),
			hrs(r.Level2.Business), hrs(r.Level2.Weeknight), hrs(r.Level2.Weekend), hrs(r.Level2.Holiday),
			hrs(r.Hours.Total()), strconv.Itoa(r.Nights), strconv.Itoa(r.WeekendDays), strconv.Itoa(r.Holidays),
			strconv.Itoa(r.Pages.Business), strconv.Itoa(r.Pages.Weeknight), strconv.Itoa(r.Pages.Weekend), strconv.Itoa(r.Pages.Holiday),
			strconv.Itoa(r.SleepPages), "", "", ""}
		if p, ok := pay[r.ID]; ok {
			n := len(row)
			row[n-3], row[n-2], row[n-1] = csvSafe(h.Pay.Currency), strconv.FormatFloat(p.Amount, 'f', 2, 64), strconv.Itoa(p.CappedDays)
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// fairnessLine is the team report's sentence on fairness over the 13
// weeks before the period's end: who carried the largest share of the
// team's nights on call against the median; "" without data.
func fairnessLine(h *analysis.HoursReport, teamID string) string {
	if h == nil {
		return ""
	}
	for _, tf := range h.Fairness {
		if tf.TeamID != teamID {
			continue
		}
		w := tf.Last13Weeks
		if len(w.Measures) == 0 || w.Measures[0].Highest == nil {
			return fmt.Sprintf("Fairness: no nights on call in the team in the last %d weeks.", analysis.FairnessWeeks)
		}
		m := w.Measures[0]
		s := fmt.Sprintf("Fairness, last %d weeks: %s carried %s of the team's nights on call (median %s of %s).",
			analysis.FairnessWeeks, m.HighestName, fmtShare(m.Highest), fmtShare(m.Median), plural(w.Members, "person", "people"))
		var flagged []string
		for _, x := range w.Measures {
			if x.Flag {
				flagged = append(flagged, strings.ToLower(measureLabels[x.Measure]))
			}
		}
		if len(flagged) > 0 {
			s += fmt.Sprintf(" One person carries more than %s× the median of: %s.", fmtNum(h.FlagRatio), strings.Join(flagged, ", "))
		}
		return s
	}
	return ""
}

// loadLoc is the zone tz, UTC when empty or unknown.
func loadLoc(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		return time.UTC
	}
	return loc
}
