package reports

import (
	"html"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/internal/golden"
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// handoffFixture is a follow-the-sun handoff: Tokyo hands over to London
// at 2026-11-07T00:00Z, with two incidents open and one flapping.
func handoffFixture() *analysis.Handoff {
	T := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
	tokyo, london := mustZone("Asia/Tokyo"), mustZone("Europe/London")
	until := T.Add(12 * time.Hour)
	person := func(id, name string, loc *time.Location, u time.Time) analysis.HandoffPerson {
		return analysis.HandoffPerson{ID: id, Name: name, Zone: loc.String(), LocalAt: T.In(loc), Until: u, LocalUntil: u.In(loc)}
	}
	f3 := analysis.OpenIncident{ID: "F3", Title: "Health check failed on web 3", ServiceID: "S1", Service: "web", CreatedAt: T.Add(-4 * time.Hour),
		AgeSeconds: 4 * 3600, HolderID: "uT", Holder: "Aiko Sato", Pages: 2, Flapping: true}
	mtta, mttr, noise := 270.0, 1980.0, 0.2
	bm, br, bn := 600.0, 3600.0, 0.0
	return &analysis.Handoff{
		PolicyID: "PSUN", PolicyName: "Web follow-the-sun", TeamID: "T1",
		At: T, ShiftStart: T.Add(-12 * time.Hour), SyncedThrough: T.Add(6 * time.Hour),
		Outgoing:   []analysis.HandoffPerson{person("uT", "Aiko Sato", tokyo, T)},
		Incoming:   []analysis.HandoffPerson{person("uL", "Liam Hughes", london, until)},
		OutgoingL2: []analysis.HandoffPerson{person("uM", "Mia Lind", time.UTC, T.Add(24*time.Hour))},
		IncomingL2: []analysis.HandoffPerson{person("uM", "Mia Lind", time.UTC, T.Add(24*time.Hour))},
		Open: []analysis.OpenIncident{
			{ID: "I1", Title: "Disk full on db-7 [prod] *now*", ServiceID: "S1", Service: "web", Urgency: "high", CreatedAt: T.Add(-9 * time.Hour),
				AgeSeconds: 9 * 3600, Acknowledged: true, HolderID: "uT", Holder: "Aiko Sato", Pages: 2,
				Note: &analysis.Note{Author: "Aiko Sato", Content: "Vendor ticket <#4411> open.", CreatedAt: T.Add(-8 * time.Hour)}},
			f3,
		},
		Shift: analysis.ShiftNumbers{Pages: 7, SleepPages: 5,
			PerPerson: []analysis.PersonPages{{ID: "uT", Name: "Aiko Sato", Pages: 6, Sleep: 5}, {ID: "uM", Name: "Mia Lind", Pages: 1}},
			Incidents: 5, ByService: []analysis.ServiceCount{{ServiceID: "S1", Service: "web", Incidents: 4}, {ServiceID: "S2", Service: "cache", Incidents: 1}},
			MTTA: &mtta, MTTR: &mttr, Noise: 1, NoiseShare: &noise},
		Baseline:      &analysis.ShiftAverages{Pages: 0.125, SleepPages: 0.125, Incidents: 0.125, MTTA: &bm, MTTR: &br, NoiseShare: &bn},
		BaselineCount: 8,
		Watch: analysis.Watch{WatchPages: 3,
			Paged:    []analysis.SignatureCount{{Signature: "S1|health check failed on web #", Title: "Health check failed on web 1", Count: 4}},
			New:      []analysis.SignatureCount{{Signature: "S1|health check failed on web #", Title: "Health check failed on web 1", Count: 3}, {Signature: "S2|cache miss storm", Title: "Cache miss storm", Count: 1}},
			Flapping: []analysis.OpenIncident{f3},
			Reopened: []analysis.Reopened{{ID: "F1", Title: "Health check failed on web 1", ResolvedAt: T.Add(-10*time.Hour - 40*time.Minute), NextAt: T.Add(-10 * time.Hour), Times: 2}},
		},
		Load: []analysis.Load{{ID: "uT", Name: "Aiko Sato", SleepPages: 5, Pages: 6, Risk: "high",
			Reasons: []analysis.Reason{{Rule: "sleep_interruptions", Value: 5, Threshold: 5, Level: "high"}}}},
	}
}

// quietHandoffFixture has nothing open, nothing to watch and no baseline.
func quietHandoffFixture() *analysis.Handoff {
	T := time.Date(2026, 10, 25, 19, 0, 0, 0, time.UTC)
	berlin := mustZone("Europe/Berlin")
	p := func(id, name string, u time.Time) analysis.HandoffPerson {
		return analysis.HandoffPerson{ID: id, Name: name, Zone: "Europe/Berlin", LocalAt: T.In(berlin), Until: u, LocalUntil: u.In(berlin)}
	}
	return &analysis.Handoff{
		PolicyID: "PDST", PolicyName: "Backups", At: T, ShiftStart: T.Add(-25 * time.Hour), SyncedThrough: T.Add(5 * time.Hour),
		Outgoing: []analysis.HandoffPerson{p("uA", "Anna Berg", T)}, Incoming: []analysis.HandoffPerson{p("uB", "Ben Vogt", T.Add(24*time.Hour))},
		Open:  []analysis.OpenIncident{},
		Shift: analysis.ShiftNumbers{PerPerson: []analysis.PersonPages{}, ByService: []analysis.ServiceCount{}},
		Watch: analysis.Watch{WatchPages: 3},
		Load:  []analysis.Load{{ID: "uA", Name: "Anna Berg", Risk: "none"}},
	}
}

// TestHandoffMarkdownGolden compares each note's Markdown with
// testdata/handoff/<file>.golden (-update rewrites them).
func TestHandoffMarkdownGolden(t *testing.T) {
	files, err := RenderHandoffs([]*analysis.Handoff{handoffFixture(), quietHandoffFixture()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if want := []string{"handoff-PSUN.md", "handoff-PSUN.html", "handoff-PDST.md", "handoff-PDST.html", HandoffIndexFile}; !cmp.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".md") {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", "handoff", f.Name+".golden"), f.Data)
		})
	}
}

// xssHandoff is handoffFixture with payloads in every text from PagerDuty.
func xssHandoff() *analysis.Handoff {
	h := handoffFixture()
	p := func(i int) string { return xssPayloads[i%len(xssPayloads)] }
	h.PolicyName = p(0) + " " + p(5)
	h.Outgoing[0].Name = p(1)
	h.Incoming[0].Name = p(6)
	h.Open[0].Title, h.Open[0].Service, h.Open[0].Holder = p(0), p(3), p(7)
	h.Open[0].Note.Content, h.Open[0].Note.Author = p(6)+" "+p(1), p(5)
	h.Watch.Paged[0].Title = p(5)
	h.Load[0].Name = p(7)
	return h
}

// TestHandoffEscaping: payloads never reach the HTML unescaped, and the
// Markdown escapes HTML and link syntax.
func TestHandoffEscaping(t *testing.T) {
	files, err := RenderHandoffs([]*analysis.Handoff{xssHandoff()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		s := string(f.Data)
		if strings.HasSuffix(f.Name, ".md") {
			// Every < of the Markdown is escaped.
			if i := strings.Index(strings.ReplaceAll(s, `\<`, ""), "<"); i >= 0 {
				t.Errorf("%s holds an unescaped <", f.Name)
			}
			continue
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "</script><script>window"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s holds %q unescaped", f.Name, bad)
			}
		}
		if !strings.Contains(s, attrEscaped(cspInline())) {
			t.Errorf("%s has not the reports' CSP", f.Name)
		}
	}
	md := string(files[0].Data)
	if !strings.Contains(md, `\<script\>alert(1)\</script\>`) {
		t.Errorf("Markdown does not escape the title payload:\n%s", md)
	}
	if !strings.Contains(string(files[1].Data), html.EscapeString(xssPayloads[0])) {
		t.Error("HTML does not show the title payload as text")
	}
}

// writeHandoffFixture writes the handoff notes (and an XSS variant) for
// the browser test and returns the HTML files.
func writeHandoffFixture(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for name, hs := range map[string][]*analysis.Handoff{
		"handoff":     {handoffFixture(), quietHandoffFixture()},
		"xss-handoff": {xssHandoff()},
	} {
		dir := filepath.Join(root, name)
		names, err := WriteHandoffs(dir, hs, Options{GeneratedAt: time.Date(2026, 11, 7, 6, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if strings.HasSuffix(n, ".html") {
				out = append(out, filepath.Join(dir, n))
			}
		}
	}
	return out
}
