package reports

import (
	"errors"
	"testing"

	"github.com/oncall-health/oncall-health/analysis"
)

// TestHourWording checks how configured hours are worded, by the
// classification of analysis: sleep every day (wins), business Monday to
// Friday, off the rest. Each want is derived by hand in its comment.
func TestHourWording(t *testing.T) {
	tests := []struct {
		name          string
		h             analysis.Hours
		describe      string
		shaded        string
		sleepHours    []int // heat-map hours shaded
		notSleepHours []int
	}{
		{
			// Defaults: weekdays off 18–22; weekend off 08–22.
			name:          "defaults",
			h:             analysis.Hours{},
			describe:      "business 08:00–18:00 Mon–Fri, sleep 22:00–08:00 every day, off 18:00–22:00 Mon–Fri and 08:00–22:00 Sat–Sun",
			shaded:        "Shaded hours 22:00–08:00 are sleep hours.",
			sleepHours:    []int{0, 7, 22, 23},
			notSleepHours: []int{8, 21},
		},
		{
			// Sleep 23:30–07:00 cuts nothing from business 08–18; hour 23
			// holds sleep from 23:30, so it is shaded, and the shading is
			// not exact: the text says so.
			name:          "half hour",
			h:             analysis.Hours{SleepStart: "23:30", SleepEnd: "07:00"},
			describe:      "business 08:00–18:00 Mon–Fri, sleep 23:30–07:00 every day, off 07:00–08:00, 18:00–23:30 Mon–Fri and 07:00–23:30 Sat–Sun",
			shaded:        "Shaded hours hold sleep time (sleep hours 23:30–07:00).",
			sleepHours:    []int{23, 6},
			notSleepHours: []int{7, 22},
		},
		{
			// A siesta 12–13 inside business 08–18 splits business in two;
			// sleep does not wrap midnight, off does (a run through midnight
			// is one range): weekdays 18–08, weekend days 13–12.
			name:          "siesta",
			h:             analysis.Hours{SleepStart: "12:00", SleepEnd: "13:00"},
			describe:      "business 08:00–12:00, 13:00–18:00 Mon–Fri, sleep 12:00–13:00 every day, off 18:00–08:00 Mon–Fri and 13:00–12:00 Sat–Sun",
			shaded:        "Shaded hours 12:00–13:00 are sleep hours.",
			sleepHours:    []int{12},
			notSleepHours: []int{11, 13, 0},
		},
		{
			// Sleep 06:00–20:00 covers business 08–18 wholly.
			name:          "night shift",
			h:             analysis.Hours{SleepStart: "06:00", SleepEnd: "20:00"},
			describe:      "no business hours, sleep 06:00–20:00 every day, off 20:00–06:00 Mon–Fri and 20:00–06:00 Sat–Sun",
			shaded:        "Shaded hours 06:00–20:00 are sleep hours.",
			sleepHours:    []int{6, 19},
			notSleepHours: []int{5, 20},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := specOf(tc.h, analysis.DefaultConfig().Hours)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.describe(); got != tc.describe {
				t.Errorf("describe:\n got %q\nwant %q", got, tc.describe)
			}
			if got := s.shadedText(); got != tc.shaded {
				t.Errorf("shadedText: got %q, want %q", got, tc.shaded)
			}
			for _, h := range tc.sleepHours {
				if !s.sleepHour(h) {
					t.Errorf("hour %02d not shaded", h)
				}
			}
			for _, h := range tc.notSleepHours {
				if s.sleepHour(h) {
					t.Errorf("hour %02d shaded", h)
				}
			}
		})
	}
}

// TestHoursRefused: a clock time that is not "HH:MM" is ErrHours from Render.
func TestHoursRefused(t *testing.T) {
	m := &analysis.Metrics{Period: analysis.Period{Kind: "week", Label: "2026-W46"}}
	_, err := Render(Input{Current: m, Options: Options{TeamHours: map[string]analysis.Hours{"T1": {SleepStart: "25:00"}}}})
	if !errors.Is(err, ErrHours) {
		t.Fatalf("err %v, want ErrHours", err)
	}
}
