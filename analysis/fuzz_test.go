package analysis

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/oncall-health/oncall-health/queries"
)

// Fuzz tests. Plain `go test` runs their seeds (below and in
// testdata/fuzz/<name>); `go test -fuzz FuzzSignature ./analysis` explores.

// FuzzSignature runs the signature normalisation of docs/metrics.md (the
// SQL of analysis-refresh-incidents) on arbitrary titles and checks what
// every normalised title must be: lower case, no digits, no whitespace but
// single spaces, not starting with a space, at most 200 characters, and
// stable when normalised again.
func FuzzSignature(f *testing.F) {
	for _, s := range []string{
		"Disk FULL on host 10.0.0.12",
		"Job 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed",
		"5xx rate   high\t on api-2",
		"  leading and trailing  ",
		"",
		" \t\r\n\f ",
		strings.Repeat("Zz9 ", 80),
		strings.Repeat("é", 199) + " x",
		"İSTANBUL ÄÖÜ ß ΣΑΣ",
		"e\u0301\u0301\u0301 combining",
		"no\u00a0break\u2003em space",
		"emoji 🔥🔥 42",
		"nul\x00byte",
		"bad utf8 \xff\xfe",
		"٣٤٥ arabic digits",
	} {
		f.Add(s)
	}
	p := newPlanter(f)
	ctx := context.Background()
	// One full refresh writes analysis_params, which the incidents step reads.
	if _, err := ensureFresh(ctx, p.db, DefaultConfig(), DeriveOptions{}); err != nil {
		f.Fatal(err)
	}
	at := ts("2026-11-02T10:00:00Z")
	norm := func(t *testing.T, title string) string {
		t.Helper()
		if _, err := p.db.Exec(`DELETE FROM incidents`); err != nil {
			t.Fatal(err)
		}
		if _, err := p.db.Exec(`INSERT INTO incidents (id, incident_number, title, status, service_id, created_at)
			VALUES ('I1', 1, $1, 'triggered', 'S1', $2)`, title, at); err != nil {
			t.Fatalf("insert title %q: %v", title, err)
		}
		if _, err := p.db.Exec(queries.Get("analysis-refresh-incidents")); err != nil {
			t.Fatalf("normalise %q: %v", title, err)
		}
		var sig string
		if err := p.db.QueryRow(`SELECT signature FROM a_incidents WHERE id = 'I1'`).Scan(&sig); err != nil {
			t.Fatalf("signature of %q: %v", title, err)
		}
		n, ok := strings.CutPrefix(sig, "S1|")
		if !ok {
			t.Fatalf("signature %q of %q does not start with the service id", sig, title)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, title string) {
		// Titles arrive as JSON strings: valid UTF-8 (encoding/json replaces
		// bad bytes with U+FFFD).
		title = strings.ToValidUTF8(title, "\uFFFD")
		n := norm(t, title)
		if !utf8.ValidString(n) {
			t.Fatalf("normalised %q is not valid UTF-8: %q", title, n)
		}
		if strings.ContainsFunc(n, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
			t.Errorf("normalised %q has upper case: %q", title, n)
		}
		if strings.ContainsFunc(n, func(r rune) bool { return r >= '0' && r <= '9' }) {
			t.Errorf("normalised %q has digits: %q", title, n)
		}
		// RE2's \s is [\t\n\f\r ]: runs of it become one space.
		if strings.ContainsAny(n, "\t\n\f\r") || strings.Contains(n, "  ") || strings.HasPrefix(n, " ") {
			t.Errorf("normalised %q has a whitespace run or leading space: %q", title, n)
		}
		if c := utf8.RuneCountInString(n); c > 200 {
			t.Errorf("normalised %q has %d characters, want at most 200", title, c)
		}
		// Normalising again changes nothing, but for one case: the spec
		// trims before the 200-character cut, so a cut can end on a space,
		// which the second pass trims.
		if again := norm(t, n); again != strings.TrimSuffix(n, " ") {
			t.Errorf("normalising %q again gives %q, want it unchanged", n, again)
		}
	})
}

// fuzzZones are the report time zones FuzzParsePeriod picks from: UTC, a
// DST zone, a half-hour one, one whose DST starts at midnight (Monday 00:00
// may not exist) and one that skipped a whole day (2011-12-30).
var fuzzZones = []string{"UTC", "Europe/Berlin", "America/St_Johns", "America/Sao_Paulo", "Pacific/Apia"}

// FuzzParsePeriod checks ParseWeek and ParseMonth on arbitrary labels: an
// error wraps ErrBadPeriod and is one line; a period round-trips its label,
// starts on a Monday (the 1st) at local midnight or the first instant of
// that day, is as long as a week (month), and Previous ends where it starts.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-W46", "2026-W53", "2025-W53", "2026-W00", "2026-W01", "2020-W53", "0000-W01",
		"9999-W52", "2011-W52", "2026-10", "2026-13", "2026-00", "0000-01", "9999-12", "2026-w46", "2026-W4", "", "2026-W46\n"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(4))
	}
	f.Fuzz(func(t *testing.T, label string, zone uint8) {
		loc, err := time.LoadLocation(fuzzZones[int(zone)%len(fuzzZones)])
		if err != nil {
			t.Fatal(err)
		}
		check := func(kind string, p Period, err error) {
			t.Helper()
			if err != nil {
				if !errors.Is(err, ErrBadPeriod) {
					t.Errorf("%s(%q): error %v does not wrap ErrBadPeriod", kind, label, err)
				}
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Errorf("%s(%q): error is not one line: %q", kind, label, err)
				}
				return
			}
			if p.Kind != kind || p.Label != label {
				t.Errorf("%s(%q) = %s %q: label does not round-trip", kind, label, p.Kind, p.Label)
			}
			if !p.Start.Before(p.End) || p.Start.Location() != time.UTC || p.End.Location() != time.UTC {
				t.Errorf("%s(%q): bad bounds %v .. %v", kind, label, p.Start, p.End)
			}
			s := p.Start.In(loc)
			// Local midnight, or the first instant of the day when a DST
			// change skips midnight (America/Sao_Paulo until 2019).
			if h := s.Hour(); h != 0 && h != 1 {
				t.Errorf("%s(%q) in %s starts at %v, not at the start of a day", kind, label, loc, s)
			}
			length := p.End.Sub(p.Start)
			if kind == "week" {
				if s.Weekday() != time.Monday && !(loc.String() == "Pacific/Apia" && s.Year() == 2011) {
					t.Errorf("week %q in %s starts on %v", label, loc, s.Weekday())
				}
				// 7 days give or take an hour of DST; Apia's week 2011-W52
				// lost a whole day.
				if length < 6*24*time.Hour-time.Hour || length > 7*24*time.Hour+time.Hour {
					t.Errorf("week %q in %s is %v long", label, loc, length)
				}
			} else {
				if s.Day() != 1 && !(loc.String() == "Pacific/Apia" && s.Year() == 2011) {
					t.Errorf("month %q in %s starts on day %d", label, loc, s.Day())
				}
				if length < 27*24*time.Hour || length > 31*24*time.Hour+time.Hour {
					t.Errorf("month %q in %s is %v long", label, loc, length)
				}
			}
			if prev := p.Previous(); !prev.End.Equal(p.Start) || prev.Kind != kind {
				t.Errorf("%s %q: the previous period %+v does not end where it starts (%v)", kind, label, prev, p.Start)
			}
		}
		p, err := ParseWeek(label, loc)
		check("week", p, err)
		p, err = ParseMonth(label, loc)
		check("month", p, err)
	})
}

// FuzzParseConfig checks ParseConfig on arbitrary YAML: it never panics; an
// error wraps ErrConfig; an accepted config validates, has finite
// thresholds, and survives a YAML round trip unchanged.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"",
		"time_zone: Europe/Berlin\nhours: {business_start: \"09:00\", business_end: \"17:30\"}\n",
		"team_hours:\n  PTEAM01: {sleep_start: \"23:00\"}\n",
		"burnout:\n  interruptions: {elevated: 1, high: 2}\n  min_on_call_hours: 6\n",
		"burnout:\n  on_call_share_28d: {elevated: .nan, high: .inf}\n",
		"noise: {transient_seconds: 60, repeat_window: 90m, repeat_count: 3}\n",
		"noise: {repeat_window: 0s}\n",
		"alert_load: -1\n",
		"hide_names: yes\n",
		"unknown: 1\n",
		"hours: [1, 2]\n",
		"a: &a [*a, *a]\n",
		"--- \n...\n",
		"time_zone: Local\n",
		"hours: {business_start: \"24:00\", business_end: \"24:00\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := ParseConfig(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("accepted config does not validate: %v", err)
		}
		for _, v := range []float64{cfg.Burnout.Interruptions.Elevated, cfg.Burnout.Interruptions.High,
			cfg.Burnout.OnCallShare28d.Elevated, cfg.Burnout.OnCallShare28d.High, cfg.Noise.TransientSeconds,
			cfg.Burnout.MinOnCallHoursForIncident} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("accepted a non-finite value: %+v", cfg)
			}
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal %+v: %v", cfg, err)
		}
		again, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("the accepted config, written back, is refused: %v\n%s", err, out)
		}
		if d := cmp.Diff(cfg, again, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("config changes in a YAML round trip (-first +second):\n%s", d)
		}
	})
}
