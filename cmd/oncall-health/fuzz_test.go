package main

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseDate checks the --since/--until parser on arbitrary text: an
// error is a usage error (exit 2) on one line; a date is in UTC and reads
// back as itself. Plain `go test` runs the seeds (below and in
// testdata/fuzz/FuzzParseDate).
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-02", "2026-02-30", "2026-01-02T15:04:05Z", "2026-01-02T15:04:05+05:30",
		"2026-01-02T15:04:05.123456789-07:00", "yesterday", "2026-1-2", "0000-01-01", "9999-12-31T23:59:59Z", "2026-01-02\n"} {
		f.Add(s)
	}
	// Seeds with the instant they name, worked out by hand: an offset is
	// subtracted to reach UTC (15:04:05 at +05:30 is 09:34:05 UTC, at
	// -07:00 it is 22:04:05 UTC), a bare date is midnight UTC. A parser that
	// relabels the wall time as UTC fails here, whatever the fuzzer finds.
	for s, want := range map[string]time.Time{
		"2026-01-02":                          time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		"2026-01-02T15:04:05Z":                time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
		"2026-01-02T15:04:05+05:30":           time.Date(2026, 1, 2, 9, 34, 5, 0, time.UTC),
		"2026-01-02T15:04:05.123456789-07:00": time.Date(2026, 1, 2, 22, 4, 5, 123456789, time.UTC),
		"2026-01-01T01:00:00+02:00":           time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC),
	} {
		f.Add(s)
		got, err := parseDate("since", s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			f.Errorf("parseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDate("since", s)
		if err != nil {
			if !isUsage(err) {
				t.Errorf("parseDate(%q): %v is not a usage error", s, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("parseDate(%q): error is not one line: %q", s, err)
			}
			return
		}
		if s == "" {
			if !d.IsZero() {
				t.Errorf("parseDate(\"\") = %v, want the zero time (flag not given)", d)
			}
			return
		}
		if d.Location() != time.UTC {
			t.Errorf("parseDate(%q) = %v, not in UTC", s, d)
		}
		again, err := parseDate("since", d.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(d) {
			t.Errorf("parseDate(%q) = %v does not read back: %v, %v", s, d, again, err)
		}
	})
}
