package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// Holidays chooses the public holiday calendars of the on-call hours, by
// calendar code (HolidayCalendars lists them: ISO 3166 country codes such as
// "US", "GB", "DE", and regions "DE-BY", "AU-NSW", "CH-ZH" where the
// calendar library has them; case does not matter). A responder's calendar
// is Users[id], else Teams[id] of the first of its teams (by id) that has
// one, else Default; "" is none. Extra days are holidays of every
// responder, whatever its calendar.
type Holidays struct {
	Default string            `yaml:"default"`
	Teams   map[string]string `yaml:"teams"`
	Users   map[string]string `yaml:"users"`
	// Extra are local dates "YYYY-MM-DD".
	Extra []string `yaml:"extra"`
}

// Configured reports whether any calendar or extra day is configured.
func (h Holidays) Configured() bool {
	if h.Default != "" || len(h.Extra) > 0 {
		return true
	}
	for _, c := range h.Teams {
		if c != "" {
			return true
		}
	}
	for _, c := range h.Users {
		if c != "" {
			return true
		}
	}
	return false
}

// FairnessConfig holds the flag of the fairness table.
type FairnessConfig struct {
	// FlagRatio: a team is flagged on a measure when one member's share is
	// more than FlagRatio times the median share. Default 2.
	FlagRatio float64 `yaml:"flag_ratio"`
}

// Pay prices on-call time for the pay export. Amounts are in Currency;
// rates are per hour on call.
type Pay struct {
	// Currency is the code shown beside amounts, e.g. "EUR". Required.
	Currency string `yaml:"currency"`
	// Rates per hour by kind of hour and level.
	Rates PayRates `yaml:"rates"`
	// PerPage is paid for every page (interruption); PerSleepPage in
	// addition for every page in sleep hours. Default 0.
	PerPage      float64 `yaml:"per_page"`
	PerSleepPage float64 `yaml:"per_sleep_page"`
	// DailyCap bounds the amount of one responder's local day (hours and
	// pages of that day); 0, the default, is no cap.
	DailyCap float64 `yaml:"daily_cap"`
}

// PayRates are the hourly rates of each kind of on-call hour.
type PayRates struct {
	Business  LevelRates `yaml:"business"`
	Weeknight LevelRates `yaml:"weeknight"`
	Weekend   LevelRates `yaml:"weekend"`
	Holiday   LevelRates `yaml:"holiday"`
}

// LevelRates are the hourly rates at level 1 and at levels 2 and above.
type LevelRates struct {
	Level1 float64 `yaml:"level_1"`
	Level2 float64 `yaml:"level_2"`
}

// holidayLists are the calendars of HolidayCalendars by upper-case code.
var holidayLists = map[string][]*cal.Holiday{
	"AR": ar.Holidays, "AT": at.Holidays, "BE": be.Holidays, "BG": bg.Holidays, "BR": br.Holidays,
	"CA": ca.Holidays, "CH": ch.Holidays, "CZ": cz.Holidays, "DE": de.Holidays, "DK": dk.Holidays,
	"ES": es.Holidays, "FR": fr.Holidays, "GB": gb.Holidays, "GR": gr.Holidays, "HR": hr.Holidays,
	"IE": ie.Holidays, "IT": it.Holidays, "JP": jp.Holidays, "LT": lt.Holidays, "LV": lv.Holidays,
	"MW": mw.Holidays, "NL": nl.Holidays, "NO": no.Holidays, "NZ": nz.Holidays, "PL": pl.Holidays,
	"RO": ro.Holidays, "RU": ru.Holidays, "SE": se.Holidays, "SI": si.Holidays, "SK": sk.Holidays,
	"UA": ua.Holidays, "US": us.Holidays, "ZA": za.Holidays,
	"AU-ACT": au.HolidaysACT, "AU-NSW": au.HolidaysNSW, "AU-NT": au.HolidaysNT, "AU-QLD": au.HolidaysQLD,
	"AU-SA": au.HolidaysSA, "AU-TAS": au.HolidaysTAS, "AU-VIC": au.HolidaysVIC, "AU-WA": au.HolidaysWA,
	"DE-BW": de.HolidaysBW, "DE-BY": de.HolidaysBY, "DE-BE": de.HolidaysBE, "DE-BB": de.HolidaysBB,
	"DE-HB": de.HolidaysHB, "DE-HH": de.HolidaysHH, "DE-HE": de.HolidaysHE, "DE-MV": de.HolidaysMV,
	"DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW, "DE-RP": de.HolidaysRP, "DE-SL": de.HolidaysSL,
	"DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST, "DE-SH": de.HolidaysSH, "DE-TH": de.HolidaysTH,
	"CH-ZH": ch.HolidaysZH, "CH-BE": ch.HolidaysBE, "CH-LU": ch.HolidaysLU, "CH-UR": ch.HolidaysUR,
	"CH-SZ": ch.HolidaysSZ, "CH-OW": ch.HolidaysOW, "CH-NW": ch.HolidaysNW, "CH-GL": ch.HolidaysGL,
	"CH-ZG": ch.HolidaysZG, "CH-FR": ch.HolidaysFR, "CH-SO": ch.HolidaysSO, "CH-BS": ch.HolidaysBS,
	"CH-BL": ch.HolidaysBL, "CH-SH": ch.HolidaysSH, "CH-AR": ch.HolidaysAR, "CH-AI": ch.HolidaysAI,
	"CH-SG": ch.HolidaysSG, "CH-GR": ch.HolidaysGR, "CH-AG": ch.HolidaysAG, "CH-TG": ch.HolidaysTG,
	"CH-VD": ch.HolidaysVD, "CH-TI": ch.HolidaysTI, "CH-VS": ch.HolidaysVS, "CH-NE": ch.HolidaysNE,
	"CH-GE": ch.HolidaysGE, "CH-JU": ch.HolidaysJU,
}

// HolidayCalendars lists the calendar codes holidays.* accept, sorted:
// the countries of github.com/rickar/cal/v2 and the regions (Australian
// states, German Länder, Swiss cantons) it defines.
func HolidayCalendars() []string {
	out := make([]string, 0, len(holidayLists))
	for c := range holidayLists {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// calendarCode normalises a configured code ("de-by" → "DE-BY").
func calendarCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// holidayDays returns the local dates (as "YYYY-MM-DD") that calendar code
// holds from year from to year to, both included: each holiday's observed
// day (the day off when the date falls on a weekend and the calendar moves
// it). Unknown codes hold none.
func holidayDays(code string, from, to int) []string {
	list := holidayLists[calendarCode(code)]
	var out []string
	for y := from; y <= to; y++ {
		for _, h := range list {
			_, obs := h.Calc(y)
			if obs.IsZero() {
				continue
			}
			out = append(out, obs.Format("2006-01-02"))
		}
	}
	sort.Strings(out)
	return out
}

// validateHours checks holidays, fairness and pay.
func (c Config) validateHours() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: key %s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	code := func(key, v string) error {
		if v == "" {
			return nil
		}
		if _, ok := holidayLists[calendarCode(v)]; !ok {
			return bad(key, "unknown holiday calendar %q (known: %s)", v, strings.Join(HolidayCalendars(), ", "))
		}
		return nil
	}
	if err := code("holidays.default", c.Holidays.Default); err != nil {
		return err
	}
	for _, m := range []struct {
		key string
		m   map[string]string
	}{{"holidays.teams", c.Holidays.Teams}, {"holidays.users", c.Holidays.Users}} {
		ids := make([]string, 0, len(m.m))
		for id := range m.m {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if err := code(m.key+"."+id, m.m[id]); err != nil {
				return err
			}
		}
	}
	for i, d := range c.Holidays.Extra {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			return bad(fmt.Sprintf("holidays.extra[%d]", i), "want a date \"YYYY-MM-DD\", got %q", d)
		}
	}
	if r := c.Fairness.FlagRatio; math.IsNaN(r) || math.IsInf(r, 0) || r < 1 {
		return bad("fairness.flag_ratio", "must be a finite number of at least 1, got %v", r)
	}
	if c.Pay == nil {
		return nil
	}
	p := c.Pay
	if strings.TrimSpace(p.Currency) == "" {
		return bad("pay.currency", "is required when pay is given")
	}
	amounts := []struct {
		key string
		v   float64
	}{
		{"pay.rates.business.level_1", p.Rates.Business.Level1}, {"pay.rates.business.level_2", p.Rates.Business.Level2},
		{"pay.rates.weeknight.level_1", p.Rates.Weeknight.Level1}, {"pay.rates.weeknight.level_2", p.Rates.Weeknight.Level2},
		{"pay.rates.weekend.level_1", p.Rates.Weekend.Level1}, {"pay.rates.weekend.level_2", p.Rates.Weekend.Level2},
		{"pay.rates.holiday.level_1", p.Rates.Holiday.Level1}, {"pay.rates.holiday.level_2", p.Rates.Holiday.Level2},
		{"pay.per_page", p.PerPage}, {"pay.per_sleep_page", p.PerSleepPage}, {"pay.daily_cap", p.DailyCap},
	}
	for _, a := range amounts {
		if math.IsNaN(a.v) || math.IsInf(a.v, 0) || a.v < 0 {
			return bad(a.key, "must be a finite amount of at least 0, got %v", a.v)
		}
	}
	return nil
}
