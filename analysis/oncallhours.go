package analysis

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/queries"
)

// FairnessWeeks is how many weeks before a period's end the fairness table
// and the trend look at.
const FairnessWeeks = 13

// KindHours are on-call hours by kind of hour, in the responder's own
// time zone (docs/metrics.md, "On-call hours").
type KindHours struct {
	Business  float64 `json:"business"`
	Weeknight float64 `json:"weeknight"`
	Weekend   float64 `json:"weekend"`
	Holiday   float64 `json:"holiday"`
}

// Total is the sum of the four kinds, in hours.
func (k KindHours) Total() float64 { return k.Business + k.Weeknight + k.Weekend + k.Holiday }

func (k *KindHours) add(o KindHours) {
	k.Business += o.Business
	k.Weeknight += o.Weeknight
	k.Weekend += o.Weekend
	k.Holiday += o.Holiday
}

// KindCounts are pages by the kind of hour of their first notification.
type KindCounts struct {
	Business  int `json:"business"`
	Weeknight int `json:"weeknight"`
	Weekend   int `json:"weekend"`
	Holiday   int `json:"holiday"`
}

// Total is the sum of the four kinds.
func (k KindCounts) Total() int { return k.Business + k.Weeknight + k.Weekend + k.Holiday }

// ResponderHours is one responder's on-call hours of a period: metrics.json
// "oncall_hours". Hours are hours; Level1 is the time on call at level 1,
// Level2 the time on call at level 2 or above only (time also on level 1
// is level 1). Counts are of local days and nights of the responder.
type ResponderHours struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	TimeZone string   `json:"time_zone"`
	TeamIDs  []string `json:"team_ids"`
	// Calendar is the holiday calendar code of the responder, "" for none.
	Calendar string    `json:"holiday_calendar"`
	Level1   KindHours `json:"level_1_hours"`
	Level2   KindHours `json:"level_2_hours"`
	// Hours is all on-call time by kind (Level1 + Level2).
	Hours KindHours `json:"hours"`
	// Nights counts local sleep windows with at least half of their length on call.
	Nights int `json:"nights_on_call"`
	// WeekendDays and Holidays count local days of those kinds with any on-call time.
	WeekendDays int        `json:"weekend_days_on_call"`
	Holidays    int        `json:"holidays_on_call"`
	Pages       KindCounts `json:"pages"`
	// SleepPages are the pages in sleep hours (hour class "sleep").
	SleepPages int `json:"sleep_pages"`
}

// Fairness measures, in the order of TeamFairness.Measures.
const (
	MeasureNights     = "nights"
	MeasureWeeknight  = "weeknight_hours"
	MeasureWeekend    = "weekend_hours"
	MeasureHoliday    = "holiday_hours"
	MeasureSleepPages = "sleep_pages"
)

var measures = []string{MeasureNights, MeasureWeeknight, MeasureWeekend, MeasureHoliday, MeasureSleepPages}

// MemberShare is one member's value of a measure and its share (0..1) of
// the team's total.
type MemberShare struct {
	UserID string  `json:"user_id"`
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Share  float64 `json:"share"`
}

// FairnessMeasure is the spread of one measure over a team's members
// with on-call time in the window. Shares are 0..1; Highest, Median,
// Ratio and Gini are nil when the team's total is 0.
type FairnessMeasure struct {
	Measure string   `json:"measure"`
	Total   float64  `json:"total"`
	Highest *float64 `json:"highest_share"`
	// HighestID and HighestName name the member with the highest share
	// (ties: the first by user id).
	HighestID   string   `json:"highest_user_id"`
	HighestName string   `json:"highest_name"`
	Median      *float64 `json:"median_share"`
	// Ratio is Highest / Median; nil when the median is 0.
	Ratio *float64 `json:"highest_to_median"`
	// Gini is the Gini coefficient of the members' values (0 even, towards
	// 1 when one member carries all).
	Gini *float64 `json:"gini"`
	// Flag: Highest is more than fairness.flag_ratio times Median, with at
	// least two members.
	Flag   bool          `json:"flag"`
	Shares []MemberShare `json:"shares"`
}

// FairnessWindow is one window of a team's fairness: the reported period
// or the FairnessWeeks weeks before its end.
type FairnessWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Members counts the team's members with on-call time in the window.
	Members  int               `json:"members"`
	Measures []FairnessMeasure `json:"measures"`
}

// TeamFairness is metrics.json "fairness": one team's spread of the
// unsocial load.
type TeamFairness struct {
	TeamID      string         `json:"team_id"`
	Name        string         `json:"name"`
	Period      FairnessWindow `json:"period"`
	Last13Weeks FairnessWindow `json:"last_13_weeks"`
}

// WeekHours is one week of the trend: the organisation's on-call hours
// by kind (all levels) and its sleep pages.
type WeekHours struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Hours      KindHours `json:"hours"`
	Nights     int       `json:"nights_on_call"`
	SleepPages int       `json:"sleep_pages"`
}

// PayRow is one responder's pay of the period.
type PayRow struct {
	UserID string  `json:"user_id"`
	Name   string  `json:"name"`
	Amount float64 `json:"amount"`
	// CappedDays counts the local days whose amount the daily cap cut.
	CappedDays int `json:"capped_days"`
}

// PayReport is metrics.json "pay": the configured pay applied to the
// period's hours and pages, rounded to cents.
type PayReport struct {
	Currency   string   `json:"currency"`
	Rates      PayRates `json:"rates"`
	PerPage    float64  `json:"per_page"`
	PerSleep   float64  `json:"per_sleep_page"`
	DailyCap   *float64 `json:"daily_cap"`
	Total      float64  `json:"total"`
	Responders []PayRow `json:"responders"`
}

// HoursReport is everything the on-call hours page shows for one period.
type HoursReport struct {
	Period Period
	// Calendars are the holiday calendar codes in use (sorted), with
	// "extra" when holidays.extra names days; empty: no calendar, no holidays.
	Calendars  []string
	Responders []ResponderHours
	Fairness   []TeamFairness
	// Trend holds the FairnessWeeks weeks before the period's end, oldest first.
	Trend []WeekHours
	// Pay is nil without pay in the config.
	Pay *PayReport
	// Headline is the fairness sentence of the page ("Over the last 13
	// weeks, ...").
	Headline string
	// FlagRatio is the configured fairness.flag_ratio.
	FlagRatio float64
}

// OnCallHours computes the on-call hours, fairness and pay of period p
// (docs/metrics.md "On-call hours") from the derived tables as they are.
func (c *Computer) OnCallHours(ctx context.Context, p Period) (*HoursReport, error) {
	return oncallHours(ctx, c.db, p, c.cfg)
}

// member is one user as the hours see it.
type member struct {
	id, name, zone string
	teams          []string
}

// hoursArgs are the $2 and $3 parameters of queries/oncall_hours.sql.
func hoursArgs(cfg Config, users []member, lo, hi time.Time) (hours, hols string, cals map[string]string, err error) {
	def, err := cfg.Hours.seconds("hours", nil)
	if err != nil {
		return "", "", nil, err
	}
	var hb, db strings.Builder
	cals = map[string]string{}
	days := map[string][]string{}
	extra := append([]string(nil), cfg.Holidays.Extra...)
	for _, u := range users {
		// hours: the first team (by id) with hours of its own
		for _, t := range u.teams {
			th, ok := cfg.TeamHours[t]
			if !ok {
				continue
			}
			hs, herr := th.seconds("team_hours."+t, &cfg.Hours)
			if herr != nil {
				return "", "", nil, herr
			}
			if hs != def {
				fmt.Fprintf(&hb, "%s,%d,%d,%d,%d;", u.id, hs.businessStart, hs.businessEnd, hs.sleepStart, hs.sleepEnd)
			}
			break
		}
		code := responderCalendar(cfg.Holidays, u)
		cals[u.id] = code
		if code == "" && len(extra) == 0 {
			continue
		}
		loc, lerr := loadZone(u.zone)
		if lerr != nil {
			loc = time.UTC
		}
		y0, y1 := lo.In(loc).Year(), hi.In(loc).Year()
		key := code + "|" + strconv.Itoa(y0) + "|" + strconv.Itoa(y1)
		list, ok := days[key]
		if !ok {
			list = append(holidayDays(code, y0, y1), extra...)
			days[key] = list
		}
		for _, d := range list {
			db.WriteString(u.id)
			db.WriteByte(',')
			db.WriteString(d)
			db.WriteByte(';')
		}
	}
	return hb.String(), db.String(), cals, nil
}

// responderCalendar is the calendar code of u: holidays.users, else the
// first of u's teams (by id) in holidays.teams, else holidays.default.
func responderCalendar(h Holidays, u member) string {
	if c, ok := h.Users[u.id]; ok {
		return calendarCode(c)
	}
	for _, t := range u.teams {
		if c, ok := h.Teams[t]; ok {
			return calendarCode(c)
		}
	}
	return calendarCode(h.Default)
}

// hourBuckets are bucket 0 (p) and the FairnessWeeks weeks before p's end
// (1 oldest), as the $1 parameter and as spans.
func hourBuckets(p Period) (string, []Period) {
	loc := p.location()
	end := p.End.In(loc)
	spans := []Period{p}
	for k := FairnessWeeks; k >= 1; k-- {
		s := end.AddDate(0, 0, -7*k)
		spans = append(spans, Period{Kind: "week", Start: s.UTC(), End: s.AddDate(0, 0, 7).UTC(), TimeZone: p.TimeZone})
	}
	var b strings.Builder
	for i, s := range spans {
		fmt.Fprintf(&b, "%d,%d,%d;", i, s.Start.Unix(), s.End.Unix())
	}
	return b.String(), spans
}

// dayAcc is one responder's figures of one local day of bucket 0.
type dayAcc struct {
	all, l1    KindHours
	pages      KindCounts
	sleepPages int
}

// acc is one responder's figures of one bucket.
type acc struct {
	all, l1     KindHours
	nights      int
	pages       KindCounts
	sleepPages  int
	weekendDays int
	holidays    int
	days        map[string]*dayAcc // bucket 0 only, by local date
}

func oncallHours(ctx context.Context, db *sql.DB, p Period, cfg Config) (*HoursReport, error) {
	users, err := scanAll(ctx, db, "on-call hours members", queries.Get("oncall-hours-members"), nil, func(rows *sql.Rows) (member, error) {
		var m member
		var teams string
		if err := rows.Scan(&m.id, &m.name, &m.zone, &teams); err != nil {
			return m, err
		}
		if teams != "" {
			m.teams = strings.Split(teams, ",")
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	bargs, spans := hourBuckets(p)
	lo, hi := spans[0].Start, spans[0].End
	if spans[1].Start.Before(lo) {
		lo = spans[1].Start
	}
	// a day either side: local dates of zones far from the report zone
	hargs, holArgs, cals, err := hoursArgs(cfg, users, lo.AddDate(0, 0, -1), hi.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	args := []any{bargs, hargs, holArgs}

	buckets := make([]map[string]*acc, len(spans))
	for i := range buckets {
		buckets[i] = map[string]*acc{}
	}
	get := func(b int, user string) *acc {
		a, ok := buckets[b][user]
		if !ok {
			a = &acc{}
			if b == 0 {
				a.days = map[string]*dayAcc{}
			}
			buckets[b][user] = a
		}
		return a
	}
	day := func(a *acc, d sql.NullTime) *dayAcc {
		key := d.Time.Format("2006-01-02")
		x, ok := a.days[key]
		if !ok {
			x = &dayAcc{}
			a.days[key] = x
		}
		return x
	}
	if err := eachRow(ctx, db, "on-call hours", queries.Get("oncall-hours-days"), args, func(rows *sql.Rows) error {
		var b int
		var user string
		var l1 bool
		var d sql.NullTime
		var hol, wk, biz, night float64
		if err := rows.Scan(&b, &user, &l1, &d, &hol, &wk, &biz, &night); err != nil {
			return err
		}
		if b < 0 || b >= len(buckets) {
			return nil
		}
		k := KindHours{Business: biz / 3600, Weeknight: night / 3600, Weekend: wk / 3600, Holiday: hol / 3600}
		a := get(b, user)
		if l1 {
			a.l1.add(k)
		} else {
			a.all.add(k)
		}
		if b == 0 && d.Valid {
			x := day(a, d)
			if l1 {
				x.l1.add(k)
			} else {
				x.all.add(k)
				if wk > 0 {
					a.weekendDays++
				}
				if hol > 0 {
					a.holidays++
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, db, "on-call nights", queries.Get("oncall-hours-nights"), args[:2], func(rows *sql.Rows) error {
		var b int
		var user string
		var n int64
		if err := rows.Scan(&b, &user, &n); err != nil {
			return err
		}
		if b >= 0 && b < len(buckets) {
			get(b, user).nights = int(n)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, db, "on-call pages", queries.Get("oncall-hours-pages"), args, func(rows *sql.Rows) error {
		var b int
		var user, kind string
		var d sql.NullTime
		var n, sleep int64
		if err := rows.Scan(&b, &user, &d, &kind, &n, &sleep); err != nil {
			return err
		}
		if b < 0 || b >= len(buckets) {
			return nil
		}
		a := get(b, user)
		addKind(&a.pages, kind, int(n))
		a.sleepPages += int(sleep)
		if b == 0 && d.Valid {
			x := day(a, d)
			addKind(&x.pages, kind, int(n))
			x.sleepPages += int(sleep)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	byID := make(map[string]member, len(users))
	for _, u := range users {
		byID[u.id] = u
	}
	r := &HoursReport{Period: p, Responders: []ResponderHours{}, Fairness: []TeamFairness{}, FlagRatio: cfg.Fairness.FlagRatio}
	r.Period.Start, r.Period.End = p.Start.UTC(), p.End.UTC()
	calSet := map[string]bool{}
	ids := make([]string, 0, len(buckets[0]))
	for id := range buckets[0] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := buckets[0][id]
		u := byID[id]
		rh := ResponderHours{ID: id, Name: u.name, TimeZone: u.zone, TeamIDs: u.teams, Calendar: cals[id],
			Level1: roundHours(a.l1), Level2: roundHours(minus(a.all, a.l1)), Hours: roundHours(a.all),
			Nights: a.nights, WeekendDays: a.weekendDays, Holidays: a.holidays, Pages: a.pages, SleepPages: a.sleepPages}
		if rh.Name == "" {
			rh.Name = id
		}
		if rh.TeamIDs == nil {
			rh.TeamIDs = []string{}
		}
		if rh.Calendar != "" {
			calSet[rh.Calendar] = true
		}
		r.Responders = append(r.Responders, rh)
	}
	for c := range calSet {
		r.Calendars = append(r.Calendars, c)
	}
	sort.Strings(r.Calendars)
	if len(cfg.Holidays.Extra) > 0 {
		r.Calendars = append(r.Calendars, "extra")
	}
	if cfg.Pay != nil {
		r.Pay = pay(*cfg.Pay, r.Responders, buckets[0])
	}
	for i := 1; i < len(spans); i++ {
		w := WeekHours{Start: spans[i].Start, End: spans[i].End}
		for _, a := range buckets[i] {
			w.Hours.add(a.all)
			w.Nights += a.nights
			w.SleepPages += a.sleepPages
		}
		w.Hours = roundHours(w.Hours)
		r.Trend = append(r.Trend, w)
	}
	// the 13 weeks summed
	last := map[string]*acc{}
	for i := 1; i < len(spans); i++ {
		for id, a := range buckets[i] {
			s, ok := last[id]
			if !ok {
				s = &acc{}
				last[id] = s
			}
			s.all.add(a.all)
			s.nights += a.nights
			s.sleepPages += a.sleepPages
		}
	}
	r.Fairness, err = fairness(ctx, db, cfg, byID, buckets[0], last, spans)
	if err != nil {
		return nil, err
	}
	r.Headline = headline(r.Fairness)
	return r, nil
}

func addKind(k *KindCounts, kind string, n int) {
	switch kind {
	case "business":
		k.Business += n
	case "weeknight":
		k.Weeknight += n
	case "weekend":
		k.Weekend += n
	case "holiday":
		k.Holiday += n
	}
}

// minus is all − l1 per kind, never below 0.
func minus(all, l1 KindHours) KindHours {
	d := func(a, b float64) float64 { return math.Max(0, a-b) }
	return KindHours{d(all.Business, l1.Business), d(all.Weeknight, l1.Weeknight), d(all.Weekend, l1.Weekend), d(all.Holiday, l1.Holiday)}
}

// roundHours rounds each kind to a millionth of an hour (the sums of
// seconds / 3600 carry float noise).
func roundHours(k KindHours) KindHours {
	r := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	return KindHours{r(k.Business), r(k.Weeknight), r(k.Weekend), r(k.Holiday)}
}

// cents rounds an amount to two decimals.
func cents(v float64) float64 { return math.Round(v*100) / 100 }

// pay prices each responder's local days: hours × rate by kind and
// level, plus per page and per sleep page, each day capped by DailyCap.
func pay(cfg Pay, rs []ResponderHours, accs map[string]*acc) *PayReport {
	out := &PayReport{Currency: cfg.Currency, Rates: cfg.Rates, PerPage: cfg.PerPage, PerSleep: cfg.PerSleepPage, Responders: []PayRow{}}
	if cfg.DailyCap > 0 {
		c := cfg.DailyCap
		out.DailyCap = &c
	}
	price := func(k KindHours, r func(LevelRates) float64) float64 {
		return k.Business*r(cfg.Rates.Business) + k.Weeknight*r(cfg.Rates.Weeknight) +
			k.Weekend*r(cfg.Rates.Weekend) + k.Holiday*r(cfg.Rates.Holiday)
	}
	l1 := func(l LevelRates) float64 { return l.Level1 }
	l2 := func(l LevelRates) float64 { return l.Level2 }
	for _, rh := range rs {
		row := PayRow{UserID: rh.ID, Name: rh.Name}
		a := accs[rh.ID]
		var sum float64
		if a != nil {
			for _, d := range a.days {
				v := price(d.l1, l1) + price(minus(d.all, d.l1), l2) +
					float64(d.pages.Total())*cfg.PerPage + float64(d.sleepPages)*cfg.PerSleepPage
				if cfg.DailyCap > 0 && v > cfg.DailyCap {
					v = cfg.DailyCap
					row.CappedDays++
				}
				sum += v
			}
		}
		row.Amount = cents(sum)
		out.Total += row.Amount
		out.Responders = append(out.Responders, row)
	}
	out.Total = cents(out.Total)
	return out
}

// fairness builds each team's fairness over the period (cur) and the
// FairnessWeeks weeks (last), members from a_team_members.
func fairness(ctx context.Context, db *sql.DB, cfg Config, users map[string]member, cur, last map[string]*acc, spans []Period) ([]TeamFairness, error) {
	type team struct{ id, name string }
	teams, err := scanAll(ctx, db, "list teams", queries.Get("analysis-teams"), nil, func(rows *sql.Rows) (team, error) {
		var t team
		return t, rows.Scan(&t.id, &t.name)
	})
	if err != nil {
		return nil, err
	}
	members := map[string][]string{}
	for id, u := range users {
		for _, t := range u.teams {
			members[t] = append(members[t], id)
		}
	}
	out := make([]TeamFairness, 0, len(teams))
	for _, t := range teams {
		ms := members[t.id]
		sort.Strings(ms)
		tf := TeamFairness{TeamID: t.id, Name: t.name,
			Period:      window(cfg, users, ms, cur, spans[0].Start, spans[0].End),
			Last13Weeks: window(cfg, users, ms, last, spans[1].Start, spans[len(spans)-1].End)}
		out = append(out, tf)
	}
	return out, nil
}

// window is the fairness of members ms over one window's figures.
func window(cfg Config, users map[string]member, ms []string, accs map[string]*acc, start, end time.Time) FairnessWindow {
	w := FairnessWindow{Start: start.UTC(), End: end.UTC(), Measures: []FairnessMeasure{}}
	var who []string
	for _, id := range ms {
		if a := accs[id]; a != nil && a.all.Total() > 0 {
			who = append(who, id)
		}
	}
	w.Members = len(who)
	for _, m := range measures {
		vals := make([]float64, len(who))
		for i, id := range who {
			a := accs[id]
			switch m {
			case MeasureNights:
				vals[i] = float64(a.nights)
			case MeasureWeeknight:
				vals[i] = a.all.Weeknight
			case MeasureWeekend:
				vals[i] = a.all.Weekend
			case MeasureHoliday:
				vals[i] = a.all.Holiday
			case MeasureSleepPages:
				vals[i] = float64(a.sleepPages)
			}
		}
		w.Measures = append(w.Measures, spread(m, who, users, vals, cfg.Fairness.FlagRatio))
	}
	return w
}

// spread is one measure's shares, highest, median, ratio, Gini and flag.
func spread(measure string, who []string, users map[string]member, vals []float64, flagRatio float64) FairnessMeasure {
	f := FairnessMeasure{Measure: measure, Shares: []MemberShare{}}
	for _, v := range vals {
		f.Total += v
	}
	f.Total = math.Round(f.Total*1e6) / 1e6
	if f.Total <= 0 {
		return f
	}
	shares := make([]float64, len(vals))
	best := -1
	for i, v := range vals {
		shares[i] = v / f.Total
		name := users[who[i]].name
		if name == "" {
			name = who[i]
		}
		f.Shares = append(f.Shares, MemberShare{UserID: who[i], Name: name, Value: math.Round(v*1e6) / 1e6, Share: shares[i]})
		if best < 0 || v > vals[best] {
			best = i
		}
	}
	sort.SliceStable(f.Shares, func(i, j int) bool { return f.Shares[i].Share > f.Shares[j].Share })
	hi := shares[best]
	f.Highest, f.HighestID, f.HighestName = &hi, who[best], f.Shares[0].Name
	med := median(shares)
	f.Median = &med
	if med > 0 {
		r := hi / med
		f.Ratio = &r
	}
	g := gini(vals)
	f.Gini = &g
	f.Flag = len(vals) >= 2 && hi > flagRatio*med
	return f
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// gini is the Gini coefficient Σi Σj |xi − xj| / (2 n² mean) of
// non-negative xs; 0 when they are all 0 or there is one.
func gini(xs []float64) float64 {
	n := float64(len(xs))
	var sum, diff float64
	for _, x := range xs {
		sum += x
	}
	if n < 2 || sum == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	// Σi Σj |xi − xj| = 2 Σi (2i − n + 1) s_i for sorted s (i from 0)
	for i, x := range s {
		diff += (2*float64(i) - n + 1) * x
	}
	return 2 * diff / (2 * n * sum)
}

// headline words the team whose top member carries the most nights
// against the team's median over the last 13 weeks (highest ratio; a
// zero median ranks by the highest share), e.g. "Over the last 13 weeks,
// Ana carried 31 % of Platform's nights (median 12 %)."; "" when no team
// had nights on call.
func headline(ts []TeamFairness) string {
	var best *FairnessMeasure
	var bestTeam string
	score := func(f *FairnessMeasure) float64 {
		if f.Ratio != nil {
			return *f.Ratio
		}
		return math.Inf(1) // one person, or a zero median: the top share carries it all
	}
	for i := range ts {
		t := &ts[i]
		if t.Last13Weeks.Members < 2 {
			continue
		}
		f := &t.Last13Weeks.Measures[0] // nights
		if f.Highest == nil {
			continue
		}
		if best == nil || score(f) > score(best) || (score(f) == score(best) && *f.Highest > *best.Highest) {
			best, bestTeam = f, t.Name
		}
	}
	if best == nil {
		return ""
	}
	return fmt.Sprintf("Over the last %d weeks, %s carried %s of %s's nights on call (median %s).",
		FairnessWeeks, best.HighestName, pct(*best.Highest), bestTeam, pct(*best.Median))
}

// pct words a share as a whole percent with a thin space, "31 %".
func pct(v float64) string { return strconv.Itoa(int(math.Round(v*100))) + " %" }
