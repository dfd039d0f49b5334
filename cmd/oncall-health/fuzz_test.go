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
