package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

// hoursFixture is the on-call hours of a month with two people of team
// PDB0001, pay configured; names are given so that tests can plant payloads.
func hoursFixture(nameA, nameB, team string) *analysis.HoursReport {
	share := func(v float64) *float64 { return &v }
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var trend []analysis.WeekHours
	for i := 0; i < analysis.FairnessWeeks; i++ {
		s := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
		trend = append(trend, analysis.WeekHours{Start: s, End: s.AddDate(0, 0, 7),
			Hours: analysis.KindHours{Business: 50, Weeknight: 70 + float64(i), Weekend: 48, Holiday: float64(i % 3)}})
	}
	nights := analysis.FairnessMeasure{Measure: analysis.MeasureNights, Total: 8, Highest: share(0.75), HighestID: "PA", HighestName: nameA,
		Median: share(0.5), Ratio: share(1.5), Gini: share(0.25), Shares: []analysis.MemberShare{{UserID: "PA", Name: nameA, Value: 6, Share: 0.75}, {UserID: "PB", Name: nameB, Value: 2, Share: 0.25}}}
	sleep := analysis.FairnessMeasure{Measure: analysis.MeasureSleepPages, Total: 5, Highest: share(1), HighestID: "PB", HighestName: nameB,
		Median: share(0.5), Ratio: share(2), Gini: share(0.5), Flag: true}
	win := analysis.FairnessWindow{Start: start, End: start.AddDate(0, 1, 0), Members: 2, Measures: []analysis.FairnessMeasure{
		nights, {Measure: analysis.MeasureWeeknight}, {Measure: analysis.MeasureWeekend}, {Measure: analysis.MeasureHoliday}, sleep}}
	return &analysis.HoursReport{
		Calendars: []string{"US"},
		Responders: []analysis.ResponderHours{
			{ID: "PA", Name: nameA, TimeZone: "Asia/Kolkata", TeamIDs: []string{"PDB0001"}, Calendar: "US",
				Level1: analysis.KindHours{Business: 40, Weeknight: 60, Weekend: 24, Holiday: 8},
				Hours:  analysis.KindHours{Business: 40, Weeknight: 60, Weekend: 24, Holiday: 8}, Nights: 6, WeekendDays: 2, Holidays: 1,
				Pages: analysis.KindCounts{Business: 2, Weeknight: 1}, SleepPages: 0},
			{ID: "=PB", Name: nameB, TimeZone: "America/Los_Angeles", TeamIDs: []string{"PDB0001"},
				Level2: analysis.KindHours{Weeknight: 12.5}, Hours: analysis.KindHours{Weeknight: 12.5}, Nights: 2,
				Pages: analysis.KindCounts{Weeknight: 5}, SleepPages: 5},
		},
		Fairness:  []analysis.TeamFairness{{TeamID: "PDB0001", Name: team, Period: win, Last13Weeks: win}},
		Trend:     trend,
		Headline:  "Over the last 13 weeks, " + nameA + " carried 75 % of " + team + "'s nights on call (median 50 %).",
		FlagRatio: 2,
		Pay: &analysis.PayReport{Currency: "EUR", Rates: analysis.PayRates{Weeknight: analysis.LevelRates{Level1: 3, Level2: 1.5}},
			PerSleep: 10, Total: 1234.5, Responders: []analysis.PayRow{{UserID: "PA", Name: nameA, Amount: 1200}, {UserID: "=PB", Name: nameB, Amount: 34.5, CappedDays: 1}}},
	}
}

// hoursMonth is monthFixture with hoursFixture.
func hoursMonth() Input {
	in := monthFixture()
	in.Hours = hoursFixture("Ana Souza", "+Bo Li", "Databases")
	return in
}

func TestHoursFiles(t *testing.T) {
	files, err := Render(hoursMonth())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Name] = string(f.Data)
	}
	page, ok := got[HoursFile]
	if !ok {
		t.Fatalf("no %s among %d files", HoursFile, len(files))
	}
	for _, want := range []string{
		"Over the last 13 weeks, Ana Souza carried 75 % of Databases&#39;s nights on call (median 50 %).",
		"Holiday calendars in use: US.",
		`<a href="oncall-pay.csv">`,
		"Total 1,234.50 EUR.",
		"1,200.00 EUR",
		`<span class="badge elevated">uneven</span>`, // sleep pages: flagged
	} {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %q", HoursFile, want)
		}
	}
	if !strings.Contains(got[IndexFile], `href="`+HoursFile+`"`) || !strings.Contains(got[IndexFile], `href="`+PayFile+`"`) {
		t.Errorf("index.html does not link %s and %s", HoursFile, PayFile)
	}
	rows, err := csv.NewReader(strings.NewReader(got[PayFile])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("csv rows = %d, want header + 2", len(rows))
	}
	// The second row: id and name starting with = and + are kept from
	// being formulas; level 2 weeknight 12.5 h; amount 34.50 with 1 capped day.
	b := rows[2]
	col := func(name string) string {
		for i, h := range rows[0] {
			if h == name {
				return b[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if col("user_id") != "'=PB" || col("name") != "'+Bo Li" || col("level_2_weeknight_hours") != "12.50" ||
		col("amount") != "34.50" || col("currency") != "EUR" || col("capped_days") != "1" || col("sleep_pages") != "5" {
		t.Errorf("csv row = %v", b)
	}
	// Without pay: no amounts.
	in := hoursMonth()
	in.Hours.Pay = nil
	csvNoPay := PayCSV(in.Hours)
	if r, _ := csv.NewReader(bytes.NewReader(csvNoPay)).ReadAll(); r[1][len(r[1])-2] != "" {
		t.Errorf("amount without pay = %q, want empty", r[1][len(r[1])-2])
	}
	// No calendar: the page says so.
	in.Hours.Calendars = nil
	files, err = Render(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == HoursFile && !strings.Contains(string(f.Data), "No holiday calendar is configured") {
			t.Error("no-calendar note missing")
		}
		if f.Name == HoursFile && !strings.Contains(string(f.Data), "No pay is configured") {
			t.Error("no-pay note missing")
		}
	}
}

func TestFairnessLine(t *testing.T) {
	h := hoursFixture("Ana Souza", "Bo Li", "Databases")
	want := "Fairness, last 13 weeks: Ana Souza carried 75 % of the team's nights on call (median 50 % of 2 people). One person carries more than 2× the median of: sleep pages."
	if got := fairnessLine(h, "PDB0001"); got != want {
		t.Errorf("line = %q\nwant   %q", got, want)
	}
	if got := fairnessLine(h, "POTHER"); got != "" {
		t.Errorf("other team: %q", got)
	}
	// A week's team report shows it.
	in := weekFixture()
	in.Hours = h
	files, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == TeamFile("PDB0001") && !strings.Contains(string(f.Data), "Ana Souza carried 75 %") {
			t.Errorf("%s lacks the fairness line", f.Name)
		}
	}
}

func TestArchiveHoursLink(t *testing.T) {
	entries := []ArchiveEntry{{Metrics: weekFixture().Current, Dir: "w"}, {Metrics: monthFixture().Current, Dir: "2026-10", Hours: true}}
	data, err := renderArchive(entries, weekFixture().Options)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `href="2026-10/`+HoursFile+`"`); n != 1 {
		t.Errorf("archive links the month's hours page %d times, want 1", n)
	}
	if strings.Contains(string(data), `href="w/`+HoursFile+`"`) {
		t.Error("archive links a week's hours page")
	}
}

// xssHours is xssFixture("month") with hoursFixture whose names are payloads.
func xssHours() Input {
	in := xssFixture("month")
	in.Hours = hoursFixture(xssPayloads[0]+" "+xssPayloads[5], xssPayloads[1]+" "+xssPayloads[6], xssPayloads[7])
	in.Hours.Responders[0].TimeZone = xssPayloads[8]
	in.Hours.Pay.Currency = xssPayloads[3]
	return in
}
