package analysis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		errKeys []string // substrings the error must contain; nil: no error
		check   func(t *testing.T, c Config)
	}{
		{name: "empty file gives defaults", yaml: "", check: func(t *testing.T, c Config) {
			d := DefaultConfig()
			if c.TimeZone != "UTC" || c.AlertLoad != 200 || c.Noise != d.Noise || c.Burnout != d.Burnout || c.Hours != d.Hours {
				t.Errorf("got %+v, want defaults", c)
			}
		}},
		{name: "full file", yaml: `
time_zone: Europe/Berlin
hours:
  business_start: "09:00"
team_hours:
  T1: {sleep_start: "23:30"}
burnout:
  interruptions: {elevated: 30, high: 60}
noise:
  repeat_window: 12h
  repeat_count: 3
  transient_seconds: 120
alert_load: 50
hide_names: true
`, check: func(t *testing.T, c Config) {
			if c.TimeZone != "Europe/Berlin" || c.Hours.BusinessStart != "09:00" || c.Hours.BusinessEnd != "18:00" ||
				c.TeamHours["T1"].SleepStart != "23:30" || c.Burnout.Interruptions != (Threshold{30, 60}) ||
				c.Burnout.SleepInterruptions != (Threshold{2, 5}) || time.Duration(c.Noise.RepeatWindow) != 12*time.Hour ||
				c.Noise.RepeatCount != 3 || c.Noise.TransientSeconds != 120 || c.AlertLoad != 50 || !c.HideNames {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "unknown top-level key", yaml: "alert_lod: 3\n", errKeys: []string{"alert_lod"}},
		{name: "unknown nested key", yaml: "burnout:\n  sleep:\n    high: 3\n", errKeys: []string{"burnout.sleep", "line 2"}},
		{name: "wrong type", yaml: "alert_load: lots\n", errKeys: []string{"alert_load", "line 1"}},
		{name: "wrong nested type", yaml: "noise:\n  repeat_count: [1]\n", errKeys: []string{"noise.repeat_count"}},
		{name: "bad duration", yaml: "noise:\n  repeat_window: forever\n", errKeys: []string{"noise.repeat_window"}},
		{name: "elevated above high", yaml: "burnout:\n  sleep_interruptions: {elevated: 6, high: 5}\n",
			errKeys: []string{"burnout.sleep_interruptions.elevated"}},
		{name: "negative threshold", yaml: "burnout:\n  on_call_share_28d: {elevated: -0.1}\n",
			errKeys: []string{"burnout.on_call_share_28d.elevated", "negative"}},
		{name: "negative transient", yaml: "noise:\n  transient_seconds: -1\n", errKeys: []string{"noise.transient_seconds"}},
		{name: "zero repeat count", yaml: "noise:\n  repeat_count: 0\n", errKeys: []string{"noise.repeat_count"}},
		{name: "zero alert load", yaml: "alert_load: 0\n", errKeys: []string{"alert_load"}},
		{name: "unknown zone", yaml: "time_zone: Mars/Base\n", errKeys: []string{"time_zone", "Mars/Base"}},
		{name: "bad clock", yaml: "hours:\n  sleep_end: \"8am\"\n", errKeys: []string{"hours.sleep_end"}},
		{name: "business start after end", yaml: "hours:\n  business_start: \"19:00\"\n", errKeys: []string{"hours.business_start"}},
		{name: "bad team clock", yaml: "team_hours:\n  T9: {business_end: \"25:00\"}\n", errKeys: []string{"team_hours.T9.business_end"}},
		{name: "not yaml", yaml: "alert_load: [\n", errKeys: []string{"config"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path)
			if c.errKeys == nil {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				c.check(t, cfg)
				return
			}
			if err == nil {
				t.Fatalf("LoadConfig: no error, want one naming %v", c.errKeys)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			for _, k := range c.errKeys {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %q", err, k)
				}
			}
		})
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, ErrConfig) {
		t.Errorf("missing file: %v, want ErrConfig", err)
	}
}

// TestTeamHours: a team's own hours decide the class of its incidents'
// pages. Team T9 sleeps 23:00..07:00 and works 07:00..18:00.
func TestTeamHours(t *testing.T) {
	p := newPlanter(t)
	p.user("U1", "UTC")
	p.incident("I1", "x", "", "", "T9", ts("2026-11-02T07:30:00Z"), "")
	p.incident("I2", "y", "", "", "T1", ts("2026-11-02T07:30:00Z"), "")
	// Mon 07:30 UTC: business for T9, sleep for T1 (default hours).
	p.notify("U1", "I1", ts("2026-11-02T07:30:00Z"), "phone")
	// Mon 22:30 UTC (I2 of T1): sleep by default hours.
	p.notify("U1", "I2", ts("2026-11-02T22:30:00Z"), "phone")
	// Tue 22:30 UTC on I1 (T9): off for T9 (sleep starts 23:00).
	p.notify("U1", "I1", ts("2026-11-03T22:30:00Z"), "phone")
	cfg := DefaultConfig()
	cfg.TeamHours = map[string]Hours{"T9": {BusinessStart: "07:00", SleepStart: "23:00", SleepEnd: "07:00"}}
	m := p.computeCfg("2026-W45", cfg)
	if got := teamByID(t, m, "T9").Interruptions; got != (Interruptions{Total: 2, Business: 1, Off: 1}) {
		t.Errorf("T9 = %+v, want 1 business 1 off", got)
	}
	if got := teamByID(t, m, "T1").Interruptions; got != (Interruptions{Total: 1, Sleep: 1}) {
		t.Errorf("T1 = %+v, want 1 sleep", got)
	}
}

func TestParsePeriod(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		label      string
		loc        *time.Location
		start, end string
		wantErr    bool
	}{
		{"2026-W46", time.UTC, "2026-11-09T00:00:00Z", "2026-11-16T00:00:00Z", false},
		// 2026-W01 starts Mon 2025-12-29 (Jan 1 2026 is a Thursday).
		{"2026-W01", time.UTC, "2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z", false},
		// 2026 has 53 ISO weeks (it starts on a Thursday).
		{"2026-W53", time.UTC, "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z", false},
		{"2025-W53", time.UTC, "", "", true},
		// The week of New York's fall back has 7 days + 1 hour in UTC:
		// Mon 10-26 00:00 EDT (04:00Z) to Mon 11-02 00:00 EST (05:00Z).
		{"2026-W44", ny, "2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z", false},
		{"2026-10", time.UTC, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", false},
		{"2026-03", ny, "2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z", false},
		{"2026-12", time.UTC, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", false},
		{"2026-W00", time.UTC, "", "", true},
		{"2026-W7", time.UTC, "", "", true},
		{"2026-13", time.UTC, "", "", true},
		{"2026-00", time.UTC, "", "", true},
		{"26-10", time.UTC, "", "", true},
		{"", time.UTC, "", "", true},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			var p Period
			var err error
			if strings.Contains(c.label, "W") || c.label == "" {
				p, err = ParseWeek(c.label, c.loc)
			} else {
				p, err = ParseMonth(c.label, c.loc)
			}
			if c.wantErr {
				if !errors.Is(err, ErrBadPeriod) {
					t.Fatalf("err = %v, want ErrBadPeriod", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !p.Start.Equal(ts(c.start)) || !p.End.Equal(ts(c.end)) || p.Label != c.label || p.TimeZone != c.loc.String() {
				t.Errorf("got %+v, want %s .. %s", p, c.start, c.end)
			}
			if p.Start.Location() != time.UTC {
				t.Errorf("start not in UTC: %v", p.Start)
			}
		})
	}
	// A month label is no week and vice versa.
	if _, err := ParseWeek("2026-10", time.UTC); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("ParseWeek(2026-10) = %v", err)
	}
	if _, err := ParseMonth("2026-W10", time.UTC); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("ParseMonth(2026-W10) = %v", err)
	}
}

func TestPeriodNavigation(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		name string
		got  Period
		want string // label
	}{
		// Wed 2026-11-18: last complete week is W46 (Nov 9..16).
		{"last complete week midweek", LastCompleteWeek(ts("2026-11-18T12:00:00Z"), time.UTC), "2026-W46"},
		// Monday 00:00 exactly: the week that just ended.
		{"last complete week at monday 00:00", LastCompleteWeek(ts("2026-11-16T00:00:00Z"), time.UTC), "2026-W46"},
		// Mon 2026-11-16 03:00Z is still Sunday 22:00 in New York: W45.
		{"last complete week in new york", LastCompleteWeek(ts("2026-11-16T03:00:00Z"), ny), "2026-W45"},
		{"previous week across a year", mustWeek(t, "2026-W01", time.UTC).Previous(), "2025-W52"},
		{"previous of week 53", mustWeek(t, "2026-W53", time.UTC).Previous(), "2026-W52"},
		{"previous month across a year", mustMonth(t, "2026-01", time.UTC).Previous(), "2025-12"},
		{"previous month", mustMonth(t, "2026-03", ny).Previous(), "2026-02"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got.Label != c.want {
				t.Errorf("label = %s, want %s", c.got.Label, c.want)
			}
			want := mustAny(t, c.want, c.got.location())
			if !c.got.Start.Equal(want.Start) || !c.got.End.Equal(want.End) || c.got.Kind != want.Kind {
				t.Errorf("got %+v, want %+v", c.got, want)
			}
		})
	}
	// Whole ISO weeks overlapping November 2026: W44 (Oct 26) .. W49 (Nov 30).
	ws := mustMonth(t, "2026-11", time.UTC).weeksOverlapping()
	if len(ws) != 6 || ws[0].Label != "2026-W44" || ws[5].Label != "2026-W49" {
		t.Errorf("weeks overlapping 2026-11 = %v", ws)
	}
}

func mustWeek(t *testing.T, l string, loc *time.Location) Period {
	p, err := ParseWeek(l, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustMonth(t *testing.T, l string, loc *time.Location) Period {
	p, err := ParseMonth(l, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustAny(t *testing.T, l string, loc *time.Location) Period {
	if strings.Contains(l, "W") {
		return mustWeek(t, l, loc)
	}
	return mustMonth(t, l, loc)
}

// TestComputeRejectsBadConfig: Compute validates its config (ErrConfig).
func TestComputeRejectsBadConfig(t *testing.T) {
	p := newPlanter(t)
	cfg := DefaultConfig()
	cfg.Burnout.Interruptions = Threshold{Elevated: 60, High: 50}
	per, _ := ParseWeek("2026-W45", time.UTC)
	if _, err := Compute(context.Background(), p.db, per, cfg); !errors.Is(err, ErrConfig) {
		t.Errorf("Compute with elevated > high: %v, want ErrConfig", err)
	}
}

func TestParseRange(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		label, kind string
		loc         *time.Location
		n           int    // periods
		first, last string // labels of the first and last period
	}{
		// 2025 has 52 ISO weeks: W45..W52 is 8, W01..W44 is 44 more.
		{"2025-W45..2026-W44", "week", time.UTC, 52, "2025-W45", "2026-W44"},
		// 2026 has 53 ISO weeks (1 January 2026 is a Thursday): W52, W53, then 2027-W01.
		{"2026-W52..2027-W01", "week", time.UTC, 3, "2026-W52", "2027-W01"},
		// November 2025 to October 2026: twelve months across the year end.
		{"2025-11..2026-10", "month", berlin, 12, "2025-11", "2026-10"},
		{"2026-03", "month", berlin, 1, "2026-03", "2026-03"},
		{"2026-W10..2026-W10", "week", berlin, 1, "2026-W10", "2026-W10"},
	} {
		t.Run(c.label, func(t *testing.T) {
			ps, err := ParseRange(c.label, c.kind, c.loc)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != c.n || ps[0].Label != c.first || ps[len(ps)-1].Label != c.last {
				t.Fatalf("got %d periods %s..%s, want %d %s..%s", len(ps), ps[0].Label, ps[len(ps)-1].Label, c.n, c.first, c.last)
			}
			for i := 1; i < len(ps); i++ { // contiguous and oldest first
				if !ps[i].Start.Equal(ps[i-1].End) || ps[i].Kind != c.kind {
					t.Fatalf("period %d (%s) does not follow %s", i, ps[i].Label, ps[i-1].Label)
				}
			}
		})
	}
	for _, c := range []struct{ label, kind string }{
		{"2026-W44..2025-W45", "week"}, // backwards
		{"2026-10..2026-W44", "month"}, // mixed kinds
		{"2026-W44..", "week"},         // empty end
		{"2026-10", "week"},            // a month as a week
		{"2026-10", "year"},            // unknown kind
		{"2000-W01..2026-W01", "week"}, // 26 years: more than MaxRangePeriods
	} {
		if _, err := ParseRange(c.label, c.kind, time.UTC); !errors.Is(err, ErrBadPeriod) {
			t.Errorf("ParseRange(%q, %q) = %v, want ErrBadPeriod", c.label, c.kind, err)
		}
	}
}
