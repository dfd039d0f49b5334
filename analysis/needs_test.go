package analysis

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/ingest"
)

// TestPeriodNeeds: what a period's metrics read of the synced resources.
func TestPeriodNeeds(t *testing.T) {
	d := func(m, dd int) time.Time { return time.Date(2026, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	longRepeat := DefaultConfig()
	longRepeat.Noise.RepeatWindow = Duration(72 * time.Hour)
	needs := func(incFrom, to, onFrom time.Time) []ingest.Need {
		return []ingest.Need{
			{Resource: "incidents", From: incFrom, To: to},
			{Resource: "log_entries", From: incFrom, To: to},
			{Resource: "oncalls", From: onFrom, To: to},
		}
	}
	for _, c := range []struct {
		name string
		p    Period
		cfg  Config
		want []ingest.Need
	}{
		{
			// 2026-W46 is [9 Nov, 16 Nov): incidents and log entries from
			// the 24 h of the repeat rule before it, 8 Nov; on-calls from
			// 28 days before its end, 16 Nov - 28 d = 19 Oct.
			name: "a week", p: mustWeek(t, "2026-W46", time.UTC), cfg: def,
			want: needs(d(11, 8), d(11, 16), d(10, 19)),
		},
		{
			// A 72 h repeat window reaches back three days: 6 Nov.
			name: "a week, longer repeat window", p: mustWeek(t, "2026-W46", time.UTC), cfg: longRepeat,
			want: needs(d(11, 6), d(11, 16), d(10, 19)),
		},
		{
			// October's rule weeks are the ISO weeks overlapping it, from
			// Monday 28 Sep (W40) to Monday 2 Nov (the end of W44):
			// incidents from 27 Sep (a day before) to 2 Nov; on-calls from
			// the first rule week's end, 5 Oct, less 28 days: 7 Sep.
			name: "a month", p: mustMonth(t, "2026-10", time.UTC), cfg: def,
			want: needs(d(9, 27), d(11, 2), d(9, 7)),
		},
		{
			// In New York (EST from 1 Nov, UTC-5): W46 is 9 Nov 05:00 UTC
			// to 16 Nov 05:00 UTC; a day before, 8 Nov 05:00; 28 days of
			// 24 h before the end, as the burnout rule takes them (on the
			// UTC instant, not the local clock), 19 Oct 05:00 UTC.
			name: "a week in New York", p: mustWeek(t, "2026-W46", ny), cfg: def,
			want: needs(d(11, 8).Add(5*time.Hour), d(11, 16).Add(5*time.Hour), d(10, 19).Add(5*time.Hour)),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, c.p.Needs(c.cfg)); diff != "" {
				t.Errorf("needs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSyncTargets: on Monday 16 Nov 2026 00:00 UTC the last complete week
// is 2026-W46 and the last complete month 2026-10, in that order.
func TestSyncTargets(t *testing.T) {
	var got []string
	for _, tg := range SyncTargets(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), DefaultConfig()) {
		got = append(got, tg.Label)
	}
	if diff := cmp.Diff([]string{"2026-W46", "2026-10"}, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}
