package analysis

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/ingest"
)

// ErrBadPeriod is returned for a period label that is not a valid ISO week
// ("2026-W46") or calendar month ("2026-10").
var ErrBadPeriod = errors.New("bad period")

var (
	weekRE  = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)
	monthRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

// ParseWeek returns the ISO week "YYYY-Www": Monday 00:00 to the next Monday
// 00:00 in loc, as UTC instants.
func ParseWeek(label string, loc *time.Location) (Period, error) {
	m := weekRE.FindStringSubmatch(label)
	if m == nil {
		return Period{}, fmt.Errorf("%w: %q is not an ISO week like 2026-W46", ErrBadPeriod, label)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	if week < 1 || week > isoWeeksIn(year) {
		return Period{}, fmt.Errorf("%w: %d has no ISO week %d", ErrBadPeriod, year, week)
	}
	return weekOf(isoWeekMonday(year, week, loc), loc), nil
}

// ParseMonth returns the calendar month "YYYY-MM" in loc, as UTC instants.
func ParseMonth(label string, loc *time.Location) (Period, error) {
	m := monthRE.FindStringSubmatch(label)
	if m == nil {
		return Period{}, fmt.Errorf("%w: %q is not a month like 2026-10", ErrBadPeriod, label)
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 {
		return Period{}, fmt.Errorf("%w: %q has no month %d", ErrBadPeriod, label, month)
	}
	return monthOf(year, time.Month(month), loc), nil
}

// LastCompleteWeek is the latest ISO week (in loc) that ended at or before now.
func LastCompleteWeek(now time.Time, loc *time.Location) Period {
	l := now.In(loc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	monday := d.AddDate(0, 0, -back)
	return weekOf(monday.AddDate(0, 0, -7), loc)
}

// Previous returns the period before p: the week or month before, in the
// same time zone.
func (p Period) Previous() Period {
	loc, err := loadZone(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	s := p.Start.In(loc)
	if p.Kind == "month" {
		y, m, _ := s.Date()
		return monthOf(y, m-1, loc)
	}
	return weekOf(s.AddDate(0, 0, -7), loc)
}

// location returns the period's time zone (UTC when unknown).
func (p Period) location() *time.Location {
	loc, err := loadZone(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// weeksOverlapping lists the whole ISO weeks that overlap p, in p's zone.
func (p Period) weeksOverlapping() []Period {
	loc := p.location()
	s := p.Start.In(loc)
	d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	w := weekOf(d.AddDate(0, 0, -((int(d.Weekday())+6)%7)), loc)
	var out []Period
	for w.Start.Before(p.End) {
		out = append(out, w)
		w = weekOf(w.Start.In(loc).AddDate(0, 0, 7), loc)
	}
	return out
}

// ruleWeeks are the weeks a weekly rule (burnout, alert_load) looks at for
// p: p itself when it is a week, else the whole ISO weeks overlapping it.
func (p Period) ruleWeeks() []Period {
	if p.Kind == "month" {
		return p.weeksOverlapping()
	}
	return []Period{p}
}

// weekOf builds the week period starting at monday (00:00 in loc).
func weekOf(monday time.Time, loc *time.Location) Period {
	y, w := monday.ISOWeek()
	return Period{
		Kind:     "week",
		Label:    fmt.Sprintf("%04d-W%02d", y, w),
		Start:    monday.UTC(),
		End:      monday.AddDate(0, 0, 7).UTC(),
		TimeZone: loc.String(),
	}
}

// monthOf builds the month period (month may be 0 or 13: time.Date normalises).
func monthOf(year int, month time.Month, loc *time.Location) Period {
	s := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	return Period{
		Kind:     "month",
		Label:    fmt.Sprintf("%04d-%02d", s.Year(), int(s.Month())),
		Start:    s.UTC(),
		End:      s.AddDate(0, 1, 0).UTC(),
		TimeZone: loc.String(),
	}
}

// isoWeekMonday is 00:00 in loc of the Monday of ISO week w of year.
func isoWeekMonday(year, w int, loc *time.Location) time.Time {
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, loc) // always in week 1
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(w-1))
}

// isoWeeksIn is 52 or 53: December 28 is always in the year's last week.
func isoWeeksIn(year int) int {
	_, w := time.Date(year, 12, 28, 12, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// MaxRangePeriods bounds ParseRange: ten years of weeks.
const MaxRangePeriods = 530

// ParseRange returns the periods of a range label "FIRST..LAST" of ISO weeks
// (kind "week": "2025-W45..2026-W44") or calendar months (kind "month":
// "2025-11..2026-10"), both ends included, oldest first. A single label is
// a range of one. It fails with ErrBadPeriod when an end does not parse,
// LAST is before FIRST, or the range holds more than MaxRangePeriods.
func ParseRange(label, kind string, loc *time.Location) ([]Period, error) {
	parse := ParseWeek
	if kind == "month" {
		parse = ParseMonth
	} else if kind != "week" {
		return nil, fmt.Errorf("%w: kind %q is neither week nor month", ErrBadPeriod, kind)
	}
	first, last, ok := strings.Cut(label, "..")
	if !ok {
		last = first
	}
	from, err := parse(first, loc)
	if err != nil {
		return nil, err
	}
	to, err := parse(last, loc)
	if err != nil {
		return nil, err
	}
	if to.Start.Before(from.Start) {
		return nil, fmt.Errorf("%w: range %q ends before it starts", ErrBadPeriod, label)
	}
	var out []Period
	for p := to; !p.Start.Before(from.Start); p = p.Previous() {
		if len(out) == MaxRangePeriods {
			return nil, fmt.Errorf("%w: range %q holds more than %d periods", ErrBadPeriod, label, MaxRangePeriods)
		}
		out = append(out, p)
	}
	slices.Reverse(out)
	return out, nil
}

// LastCompleteMonth is the latest calendar month (in loc) that ended at or
// before now.
func LastCompleteMonth(now time.Time, loc *time.Location) Period {
	l := now.In(loc)
	return monthOf(l.Year(), l.Month()-1, loc)
}

// Needs is what p's metrics read of the synced resources, the ranges a
// first sync fetches before its backfill and report checks before it
// writes p (docs/cli.md):
//   - incidents and log entries from the start of p's first rule week (p
//     itself for a week; for a month the first whole ISO week overlapping
//     it) less the repeat rule's look-back (noise.repeat_window, at least
//     the 24 h an engaged interval may reach back) to the end of its last
//     rule week;
//   - on-calls from 28 days before the end of its first rule week
//     (on_call_share_28d) to the end of its last rule week.
//
// The longest on-call stretch, which the spec measures unclipped, is not
// a need: a stretch reaching back further than 28 days is counted from
// where the history holds it.
func (p Period) Needs(cfg Config) []ingest.Need {
	weeks := p.ruleWeeks()
	first, last := weeks[0], weeks[len(weeks)-1]
	back := max(24*time.Hour, time.Duration(cfg.Noise.RepeatWindow))
	from := first.Start
	if p.Start.Before(from) {
		from = p.Start
	}
	to := last.End
	if p.End.After(to) {
		to = p.End
	}
	onCallFrom := first.End.AddDate(0, 0, -28)
	if from.Before(onCallFrom) {
		onCallFrom = from
	}
	return []ingest.Need{
		{Resource: "incidents", From: from.Add(-back), To: to},
		{Resource: "log_entries", From: from.Add(-back), To: to},
		{Resource: "oncalls", From: onCallFrom, To: to},
	}
}

// Target is p as a sync fetches it first and report checks it: its label
// and Needs.
func (p Period) Target(cfg Config) ingest.Target {
	return ingest.Target{Label: p.Label, Needs: p.Needs(cfg)}
}

// SyncTargets are the periods a first sync fetches before the rest of its
// backfill, in this order: the last complete week, then the last complete
// month, before until (in cfg's zone).
func SyncTargets(until time.Time, cfg Config) []ingest.Target {
	loc := cfg.Location()
	return []ingest.Target{LastCompleteWeek(until, loc).Target(cfg), LastCompleteMonth(until, loc).Target(cfg)}
}
