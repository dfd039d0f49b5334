package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrConfig wraps every configuration error (unknown key, wrong type,
// impossible value). The CLI maps it to exit status 2.
var ErrConfig = errors.New("config")

// Config is the analysis configuration, read from YAML by LoadConfig. Every
// key is optional; DefaultConfig holds the defaults. Example:
//
//	time_zone: Europe/Berlin        # report time zone (periods); default UTC
//	default_time_zone: Europe/Berlin # zone of users without one (and deleted users); default time_zone
//	hours:                          # default hour classes, local "HH:MM"
//	  business_start: "08:00"       # business: Monday to Friday [start, end)
//	  business_end: "18:00"
//	  sleep_start: "22:00"          # sleep: every day [start, end), may wrap midnight
//	  sleep_end: "08:00"
//	team_hours:                     # per team id, overrides single keys of hours
//	  PTEAM01: {business_start: "09:00"}
//	burnout:                        # thresholds per rule: elevated and high
//	  sleep_interruptions: {elevated: 2, high: 5}
//	  after_hours_interruptions: {elevated: 10, high: 20}
//	  interruptions: {elevated: 25, high: 50}
//	  incidents_per_12h_on_call: {elevated: 2, high: 4}
//	  on_call_share_28d: {elevated: 0.25, high: 0.5}
//	  longest_on_call_stretch_days: {elevated: 7, high: 14}
//	  min_on_call_hours: 12         # incidents_per_12h_on_call needs this much on call
//	noise:
//	  transient_seconds: 300        # resolved within this many seconds: transient
//	  repeat_window: 24h            # Go duration: look-back of the repeat rule
//	  repeat_count: 2               # earlier same-signature incidents in the window
//	alert_load: 200                 # team flag: alerts in one ISO week
//	handoff:
//	  watch_pages: 3                # handoff notes: watch signatures paging more often in the shift
//	hide_names: false               # reports: replace responder names (leadership report)
//	deliver:                        # oncall-health run: where digests go (type Deliver)
//	  slack_webhook_url_env: SLACK_WEBHOOK_URL
//	holidays:                       # on-call hours: public holiday calendars (type Holidays)
//	  default: US
//	  teams: {PTEAM01: GB}
//	  users: {PUSER01: DE-BY}
//	  extra: [2026-12-24]
//	fairness: {flag_ratio: 2}       # flag one person above 2 x the team's median share
//	pay:                            # on-call pay export (type Pay); absent: no amounts
//	  currency: EUR
//	  rates: {weeknight: {level_1: 4, level_2: 2}, weekend: {level_1: 6, level_2: 3}}
type Config struct {
	// TimeZone is the IANA name of the report time zone in which periods
	// (ISO weeks, months) start and end. Default "UTC".
	TimeZone string `yaml:"time_zone"`
	// DefaultTimeZone is the IANA zone in which the hour classes of a user
	// without a time zone, with one the tz database does not know, or
	// deleted from PagerDuty (named by notifications only) are taken.
	// Empty (the default) means TimeZone.
	DefaultTimeZone string `yaml:"default_time_zone"`
	// Hours are the default hour classes of every team.
	Hours Hours `yaml:"hours"`
	// TeamHours overrides Hours per team id; empty fields inherit Hours.
	TeamHours map[string]Hours `yaml:"team_hours"`
	// Burnout holds the thresholds of the burnout rules.
	Burnout Burnout `yaml:"burnout"`
	// Noise holds the transient and repeat rules.
	Noise Noise `yaml:"noise"`
	// AlertLoad is the number of alerts of a team in one ISO week from which
	// the team gets the alert_load flag. Default 200.
	AlertLoad int `yaml:"alert_load"`
	// Handoff holds the options of the handoff notes.
	Handoff HandoffConfig `yaml:"handoff"`
	// HideNames asks the reports to hide responder names (for the leadership
	// report). Compute itself always fills names. Default false.
	HideNames bool `yaml:"hide_names"`
	// Deliver says where `oncall-health run` sends the digests; it also
	// applies HideNames to everything it sends. Default: nowhere.
	Deliver Deliver `yaml:"deliver"`
	// Holidays chooses the public holiday calendars of the on-call hours
	// (kind "holiday"). Default: none, and then no day is a holiday.
	Holidays Holidays `yaml:"holidays"`
	// Fairness holds the flag of the on-call fairness table.
	Fairness FairnessConfig `yaml:"fairness"`
	// Pay prices on-call hours and pages for the pay export; nil (the
	// default) exports the hours without amounts.
	Pay *Pay `yaml:"pay"`
}

// HandoffConfig holds the options of the handoff notes (oncall-health handoff).
type HandoffConfig struct {
	// WatchPages: a signature that paged more than this many times in the
	// shift is listed under "what to watch". Default 3.
	WatchPages int `yaml:"watch_pages"`
}

// Hours are local clock times "HH:MM" (00:00..24:00) in the responder's time
// zone. Business hours apply Monday to Friday, sleep hours every day and may
// wrap past midnight; everything else is "off". Sleep wins over business.
type Hours struct {
	BusinessStart string `yaml:"business_start"` // default "08:00"
	BusinessEnd   string `yaml:"business_end"`   // default "18:00" (exclusive)
	SleepStart    string `yaml:"sleep_start"`    // default "22:00"
	SleepEnd      string `yaml:"sleep_end"`      // default "08:00" (exclusive)
}

// Threshold is one burnout rule's two levels. Which comparison applies (>=
// or >) is fixed per rule by the spec.
type Threshold struct {
	Elevated float64 `yaml:"elevated"`
	High     float64 `yaml:"high"`
}

// Burnout holds the burnout rule thresholds of docs/metrics.md.
type Burnout struct {
	SleepInterruptions        Threshold `yaml:"sleep_interruptions"`          // count, >=; default 2 / 5
	AfterHoursInterruptions   Threshold `yaml:"after_hours_interruptions"`    // count, >=; default 10 / 20
	Interruptions             Threshold `yaml:"interruptions"`                // count, >=; default 25 / 50
	IncidentsPer12hOnCall     Threshold `yaml:"incidents_per_12h_on_call"`    // ratio, >; default 2 / 4
	OnCallShare28d            Threshold `yaml:"on_call_share_28d"`            // share 0..1, >; default 0.25 / 0.5
	LongestOnCallStretchDays  Threshold `yaml:"longest_on_call_stretch_days"` // days, elevated >, high >=; default 7 / 14
	MinOnCallHoursForIncident float64   `yaml:"min_on_call_hours"`            // hours; default 12
}

// Noise holds the noise (toil) rules.
type Noise struct {
	// TransientSeconds: an incident resolved at most this many seconds after
	// creation is transient. Default 300.
	TransientSeconds float64 `yaml:"transient_seconds"`
	// RepeatWindow is the look-back of the repeat rule. Default 24h.
	RepeatWindow Duration `yaml:"repeat_window"`
	// RepeatCount: an incident is a repeat when at least this many earlier
	// incidents with its signature were created in the window. Default 2.
	RepeatCount int `yaml:"repeat_count"`
}

// Duration is a time.Duration written in YAML as a Go duration ("24h").
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: not a duration like \"24h\": %q", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// DefaultConfig returns the defaults of docs/metrics.md.
func DefaultConfig() Config {
	return Config{
		TimeZone: "UTC",
		Hours:    Hours{BusinessStart: "08:00", BusinessEnd: "18:00", SleepStart: "22:00", SleepEnd: "08:00"},
		Burnout: Burnout{
			SleepInterruptions:        Threshold{2, 5},
			AfterHoursInterruptions:   Threshold{10, 20},
			Interruptions:             Threshold{25, 50},
			IncidentsPer12hOnCall:     Threshold{2, 4},
			OnCallShare28d:            Threshold{0.25, 0.50},
			LongestOnCallStretchDays:  Threshold{7, 14},
			MinOnCallHoursForIncident: 12,
		},
		Noise:     Noise{TransientSeconds: 300, RepeatWindow: Duration(24 * time.Hour), RepeatCount: 2},
		AlertLoad: 200,
		Deliver:   Deliver{SMTP: SMTP{Port: 587}},
		Handoff:   HandoffConfig{WatchPages: 3},
		Fairness:  FairnessConfig{FlagRatio: 2},
	}
}

// LoadConfig reads a YAML config file over DefaultConfig. Unknown keys, wrong
// types and impossible values are errors that wrap ErrConfig and name the key.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%w: read %s: %w", ErrConfig, path, err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// ParseConfig parses YAML config text over DefaultConfig, as LoadConfig.
func ParseConfig(b []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: %s", ErrConfig, nameKeys(b, err))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// nameKeys rewrites yaml.v3's "line N: ..." messages to name the key at that
// line ("key burnout.interruptions.high (line N): ...").
func nameKeys(src []byte, err error) string {
	var root yaml.Node
	paths := map[int]string{}
	if yaml.Unmarshal(src, &root) == nil {
		walkKeys(&root, "", paths)
	}
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for i, m := range msgs {
		msgs[i] = lineRE.ReplaceAllStringFunc(m, func(s string) string {
			n, _ := strconv.Atoi(lineRE.FindStringSubmatch(s)[1])
			if p, ok := paths[n]; ok {
				return fmt.Sprintf("key %s (line %d): ", p, n)
			}
			return s
		})
	}
	return strings.Join(msgs, "; ")
}

// walkKeys records, per source line, the dotted path of the key (or value) on it.
func walkKeys(n *yaml.Node, prefix string, paths map[int]string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walkKeys(c, prefix, paths)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			// Deeper keys are walked later and overwrite their line.
			paths[k.Line] = p
			if v.Kind != yaml.MappingNode {
				paths[v.Line] = p
			}
			walkKeys(v, p, paths)
		}
	}
}

// Validate checks every value; errors wrap ErrConfig and name the key.
func (c Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: key %s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	if _, err := loadZone(c.TimeZone); err != nil {
		return bad("time_zone", "unknown IANA time zone %q", c.TimeZone)
	}
	if c.DefaultTimeZone != "" {
		if _, err := loadZone(c.DefaultTimeZone); err != nil {
			return bad("default_time_zone", "unknown IANA time zone %q", c.DefaultTimeZone)
		}
	}
	if _, err := c.Hours.seconds("hours", nil); err != nil {
		return err
	}
	teams := make([]string, 0, len(c.TeamHours))
	for id := range c.TeamHours {
		teams = append(teams, id)
	}
	sort.Strings(teams)
	for _, id := range teams {
		if _, err := c.TeamHours[id].seconds("team_hours."+id, &c.Hours); err != nil {
			return err
		}
	}
	rules := []struct {
		key string
		t   Threshold
	}{
		{"sleep_interruptions", c.Burnout.SleepInterruptions},
		{"after_hours_interruptions", c.Burnout.AfterHoursInterruptions},
		{"interruptions", c.Burnout.Interruptions},
		{"incidents_per_12h_on_call", c.Burnout.IncidentsPer12hOnCall},
		{"on_call_share_28d", c.Burnout.OnCallShare28d},
		{"longest_on_call_stretch_days", c.Burnout.LongestOnCallStretchDays},
	}
	finite := func(key string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad(key, "must be a finite number, got %v", v)
		}
		return nil
	}
	for _, r := range rules {
		key := "burnout." + r.key
		if err := finite(key+".elevated", r.t.Elevated); err != nil {
			return err
		}
		if err := finite(key+".high", r.t.High); err != nil {
			return err
		}
		if r.t.Elevated < 0 {
			return bad(key+".elevated", "must not be negative, got %v", r.t.Elevated)
		}
		if r.t.High < 0 {
			return bad(key+".high", "must not be negative, got %v", r.t.High)
		}
		if r.t.Elevated > r.t.High {
			return bad(key+".elevated", "%v is above high (%v)", r.t.Elevated, r.t.High)
		}
	}
	if err := finite("burnout.min_on_call_hours", c.Burnout.MinOnCallHoursForIncident); err != nil {
		return err
	}
	if err := finite("noise.transient_seconds", c.Noise.TransientSeconds); err != nil {
		return err
	}
	if c.Burnout.MinOnCallHoursForIncident < 0 {
		return bad("burnout.min_on_call_hours", "must not be negative")
	}
	if c.Noise.TransientSeconds < 0 {
		return bad("noise.transient_seconds", "must not be negative")
	}
	if c.Noise.RepeatWindow <= 0 {
		return bad("noise.repeat_window", "must be positive")
	}
	if c.Noise.RepeatCount < 1 {
		return bad("noise.repeat_count", "must be at least 1")
	}
	if c.Handoff.WatchPages < 0 {
		return bad("handoff.watch_pages", "must not be negative")
	}
	if c.AlertLoad < 1 {
		return bad("alert_load", "must be at least 1")
	}
	if err := c.validateHours(); err != nil {
		return err
	}
	return c.Deliver.validate()
}

// hourSeconds are Hours in seconds after local midnight.
type hourSeconds struct{ businessStart, businessEnd, sleepStart, sleepEnd int }

// seconds parses h; empty fields come from base (nil: they are required).
func (h Hours) seconds(key string, base *Hours) (hourSeconds, error) {
	get := func(name, v, def string) (int, error) {
		if v == "" && base != nil {
			v = def
		}
		s, err := parseClock(v)
		if err != nil {
			return 0, fmt.Errorf("%w: key %s.%s: %w", ErrConfig, key, name, err)
		}
		return s, nil
	}
	var b Hours
	if base != nil {
		b = *base
	}
	var out hourSeconds
	var err error
	if out.businessStart, err = get("business_start", h.BusinessStart, b.BusinessStart); err != nil {
		return out, err
	}
	if out.businessEnd, err = get("business_end", h.BusinessEnd, b.BusinessEnd); err != nil {
		return out, err
	}
	if out.sleepStart, err = get("sleep_start", h.SleepStart, b.SleepStart); err != nil {
		return out, err
	}
	if out.sleepEnd, err = get("sleep_end", h.SleepEnd, b.SleepEnd); err != nil {
		return out, err
	}
	if out.businessStart >= out.businessEnd {
		return out, fmt.Errorf("%w: key %s.business_start: must be before business_end", ErrConfig, key)
	}
	if out.sleepStart == out.sleepEnd {
		return out, fmt.Errorf("%w: key %s.sleep_start: must differ from sleep_end", ErrConfig, key)
	}
	return out, nil
}

// parseClock reads "HH:MM" (00:00..24:00) as seconds after midnight.
func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("want a clock time \"HH:MM\", got %q", s)
	}
	return h*3600 + m*60, nil
}

// loadZone loads an IANA zone; "" and "Local" are refused (they are not
// names of a zone).
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}

// FallbackZone returns the name of the zone for users without a usable time
// zone: DefaultTimeZone, else TimeZone.
func (c Config) FallbackZone() string {
	if c.DefaultTimeZone != "" {
		return c.DefaultTimeZone
	}
	return c.TimeZone
}

// Location returns the report time zone (UTC when invalid; Validate refuses that).
func (c Config) Location() *time.Location {
	loc, err := loadZone(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
