package reports

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/oncall-health/oncall-health/analysis"
)

// ErrHours is returned by Render, Write and WriteArchive when Options.Hours
// or Options.TeamHours hold a clock time that is not "HH:MM" (00:00..24:00).
// analysis.Config.Validate refuses such a configuration first.
var ErrHours = errors.New("reports: hours must be clock times \"HH:MM\"")

// dayMinutes is the length of a day in minutes.
const dayMinutes = 24 * 60

// hourSpec is one set of hour classes in minutes after local midnight, as
// analysis classifies pages: sleep every day in [sleepStart, sleepEnd)
// (wrapping midnight when sleepStart > sleepEnd), business Monday to
// Friday in [businessStart, businessEnd) outside sleep, off the rest.
type hourSpec struct {
	businessStart, businessEnd, sleepStart, sleepEnd int
}

// clockMinutes reads "HH:MM" (00:00..24:00) as minutes after midnight.
func clockMinutes(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%w: got %q", ErrHours, s)
	}
	return h*60 + m, nil
}

// specOf parses h; its empty fields come from base.
func specOf(h, base analysis.Hours) (hourSpec, error) {
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var s hourSpec
	var err error
	for _, f := range []struct {
		dst      *int
		v, deflt string
	}{
		{&s.businessStart, h.BusinessStart, base.BusinessStart},
		{&s.businessEnd, h.BusinessEnd, base.BusinessEnd},
		{&s.sleepStart, h.SleepStart, base.SleepStart},
		{&s.sleepEnd, h.SleepEnd, base.SleepEnd},
	} {
		if *f.dst, err = clockMinutes(pick(f.v, f.deflt)); err != nil {
			return hourSpec{}, err
		}
	}
	return s, nil
}

// sleeping reports whether minute m (0..1439) of a day is a sleep minute.
func (s hourSpec) sleeping(m int) bool {
	if s.sleepStart > s.sleepEnd {
		return m >= s.sleepStart || m < s.sleepEnd
	}
	return m >= s.sleepStart && m < s.sleepEnd
}

// class is the hour class of minute m of a weekday (Monday to Friday) or of
// a weekend day.
func (s hourSpec) class(m int, weekday bool) string {
	switch {
	case s.sleeping(m):
		return "sleep"
	case weekday && m >= s.businessStart && m < s.businessEnd:
		return "business"
	}
	return "off"
}

// ranges words the minutes of one day that are of class c, e.g.
// "18:00–22:00" or "22:00–08:00" (a run through midnight is one range),
// joined by ", "; "" when there are none.
func (s hourSpec) ranges(c string, weekday bool) string {
	var runs [][2]int
	for m := 0; m < dayMinutes; m++ {
		if s.class(m, weekday) != c {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1][1] == m {
			runs[n-1][1] = m + 1
		} else {
			runs = append(runs, [2]int{m, m + 1})
		}
	}
	if n := len(runs); n > 1 && runs[0][0] == 0 && runs[n-1][1] == dayMinutes {
		runs[0][0] = runs[n-1][0] // one run through midnight
		runs = runs[:n-1]
		// the wrapped run started last: put it last, as a day reads
		runs = append(runs[1:], runs[0])
	}
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = clock(r[0]) + "–" + clock(r[1])
	}
	return strings.Join(parts, ", ")
}

// clock words minutes after midnight as "HH:MM" (1440 as "24:00").
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// sleepText is the sleep range, e.g. "22:00–08:00".
func (s hourSpec) sleepText() string { return clock(s.sleepStart) + "–" + clock(s.sleepEnd) }

// sleepHour reports whether any minute of local hour h (0..23) is a sleep
// minute: the heat map shades such hours.
func (s hourSpec) sleepHour(h int) bool {
	for m := h * 60; m < h*60+60; m++ {
		if s.sleeping(m) {
			return true
		}
	}
	return false
}

// wholeHours reports whether sleep starts and ends on the hour, so that
// the shaded hours of the heat map are exactly the sleep hours.
func (s hourSpec) wholeHours() bool { return s.sleepStart%60 == 0 && s.sleepEnd%60 == 0 }

// describe words all three classes, e.g. "business 08:00–18:00 Mon–Fri,
// sleep 22:00–08:00 every day, off 18:00–22:00 Mon–Fri and 08:00–22:00
// Sat–Sun". Business is what sleep leaves of the configured business hours.
func (s hourSpec) describe() string {
	parts := []string{}
	if b := s.ranges("business", true); b != "" {
		parts = append(parts, "business "+b+" Mon–Fri")
	} else {
		parts = append(parts, "no business hours")
	}
	parts = append(parts, "sleep "+s.sleepText()+" every day")
	offWeek, offEnd := s.ranges("off", true), s.ranges("off", false)
	var off []string
	if offWeek != "" {
		off = append(off, offWeek+" Mon–Fri")
	}
	if offEnd != "" {
		off = append(off, offEnd+" Sat–Sun")
	}
	if len(off) > 0 {
		parts = append(parts, "off "+strings.Join(off, " and "))
	}
	return strings.Join(parts, ", ")
}

// hourSet holds the hour classes of one report run: the default and the
// effective ones of every team whose configured hours differ from it.
type hourSet struct {
	def   hourSpec
	teams map[string]hourSpec // only teams that differ from def
}

// newHourSet parses opts.Hours (zero fields: analysis.DefaultConfig's) and
// opts.TeamHours (zero fields: the default).
func newHourSet(opts Options) (hourSet, error) {
	def, err := specOf(opts.Hours, analysis.DefaultConfig().Hours)
	if err != nil {
		return hourSet{}, fmt.Errorf("hours: %w", err)
	}
	hs := hourSet{def: def, teams: map[string]hourSpec{}}
	base := analysis.Hours{BusinessStart: clock(def.businessStart), BusinessEnd: clock(def.businessEnd),
		SleepStart: clock(def.sleepStart), SleepEnd: clock(def.sleepEnd)}
	for id, h := range opts.TeamHours {
		s, err := specOf(h, base)
		if err != nil {
			return hourSet{}, fmt.Errorf("team_hours.%s: %w", id, err)
		}
		if s != def {
			hs.teams[id] = s
		}
	}
	return hs, nil
}

// of returns the hour classes of team id.
func (hs hourSet) of(id string) hourSpec {
	if s, ok := hs.teams[id]; ok {
		return s
	}
	return hs.def
}

// differing lists the teams of ms (by id, each once) whose hours differ from
// the default, as "Name: <describe>", sorted by name.
func (hs hourSet) differing(ms ...*analysis.Metrics) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if m == nil {
			continue
		}
		for i := range m.Teams {
			t := &m.Teams[i]
			s, ok := hs.teams[t.ID]
			if !ok || seen[t.ID] {
				continue
			}
			seen[t.ID] = true
			out = append(out, teamLabel(t)+": "+s.describe())
		}
	}
	sort.Strings(out)
	return out
}

// differingSleep is like differing but words only the sleep range, and
// only for teams whose sleep range differs.
func (hs hourSet) differingSleep(m *analysis.Metrics) []string {
	var out []string
	for i := range m.Teams {
		t := &m.Teams[i]
		if s, ok := hs.teams[t.ID]; ok && (s.sleepStart != hs.def.sleepStart || s.sleepEnd != hs.def.sleepEnd) {
			out = append(out, teamLabel(t)+" "+s.sleepText())
		}
	}
	sort.Strings(out)
	return out
}

// orgSleepText words the sleep hours of organisation-wide figures:
// "22:00–08:00", or "22:00–08:00; own hours: Team A 23:00–07:00" when
// some teams of m have their own.
func (hs hourSet) orgSleepText(m *analysis.Metrics) string {
	s := hs.def.sleepText()
	if d := hs.differingSleep(m); len(d) > 0 {
		s += "; own hours: " + strings.Join(d, ", ")
	}
	return s
}

// footerText is the hour-class sentence of a page footer: of one team
// (team != nil) or of the organisation, naming the teams of ms with hours
// of their own.
func (hs hourSet) footerText(team *analysis.Team, ms ...*analysis.Metrics) string {
	if team != nil {
		return "Hour classes of this team, in each person's own time zone: " + hs.of(team.ID).describe() + "."
	}
	s := "Hour classes use each person's own time zone: " + hs.def.describe() + "."
	if d := hs.differing(ms...); len(d) > 0 {
		s += " Teams with hours of their own: " + strings.Join(d, "; ") + "."
	}
	return s
}

// sleepHoursVar in a KPI hint stands for the sleep hours of the figure:
// the team's on a team report, the organisation's (orgSleepText) elsewhere.
const sleepHoursVar = "{sleep hours}"

// shadedText words which heat-map hours are shaded for s: "Shaded hours
// 22:00–08:00 are sleep hours.", or, when sleep does not start and end on
// the hour, that shaded hours hold some sleep time.
func (s hourSpec) shadedText() string {
	if s.wholeHours() {
		return "Shaded hours " + s.sleepText() + " are sleep hours."
	}
	return "Shaded hours hold sleep time (sleep hours " + s.sleepText() + ")."
}

// sleepWords words where the heat map's sleep count was taken: "between
// 22:00 and 08:00", or "in hours holding sleep time (22:30–08:00)".
func sleepWords(s hourSpec) string {
	if s.wholeHours() {
		return "between " + clock(s.sleepStart) + " and " + clock(s.sleepEnd)
	}
	return "in hours holding sleep time (" + s.sleepText() + ")"
}
