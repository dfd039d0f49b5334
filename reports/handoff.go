package reports

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
)

// HandoffIndexFile is the page linking every handoff note of a run.
const HandoffIndexFile = "handoff.html"

// HandoffFile returns the file name of a policy's handoff note with
// extension ext ("md" or "html"): "handoff-<id>.<ext>", the id sanitised as
// in TeamFile.
func HandoffFile(policyID, ext string) string {
	return "handoff-" + strings.TrimSuffix(strings.TrimPrefix(TeamFile(policyID), "team-"), ".html") + "." + ext
}

// WriteHandoffs writes, into dir (created if missing), each note as
// handoff-<policy id>.md (plain Markdown for chat or a ticket) and
// handoff-<policy id>.html (self-contained, as the other reports), and
// handoff.html linking them all. It returns the names written, in order.
func WriteHandoffs(dir string, hs []*analysis.Handoff, opts Options) ([]string, error) {
	files, err := RenderHandoffs(hs, opts)
	if err != nil {
		return nil, err
	}
	return writeFiles(dir, "report", files)
}

// RenderHandoffs renders the files WriteHandoffs writes.
func RenderHandoffs(hs []*analysis.Handoff, opts Options) ([]File, error) {
	r := &run{opts: opts}
	var files []File
	var links []reportLink
	used := map[string]bool{}
	for _, h := range hs {
		v := newHandoffView(h)
		html := uniqueName(HandoffFile(h.PolicyID, "html"), used)
		md := strings.TrimSuffix(html, ".html") + ".md"
		files = append(files, File{Name: md, Data: v.markdown()})
		data, err := r.execute("handoff", handoffPage{Meta: r.meta(v.Title, v.Subtitle, false, false), V: v, MDFile: md})
		if err != nil {
			return nil, fmt.Errorf("render handoff %s: %w", h.PolicyID, err)
		}
		files = append(files, File{Name: html, Data: data})
		links = append(links, reportLink{Group: "Handoff notes", Title: v.Policy, Href: html,
			Text: fmt.Sprintf("handoff %s; %s open, %s in the shift (Markdown: %s)", v.At,
				fmtInt(len(h.Open)), plural(h.Shift.Pages, "page", "pages"), md)})
	}
	sub := "No level-1 shift ended in the database's history."
	if len(hs) > 0 {
		sub = plural(len(hs), "escalation policy", "escalation policies") + "; each note covers its last level-1 shift change"
	}
	data, err := r.execute("handoffindex", handoffIndexPage{Meta: r.meta("Shift handoff notes", sub, false, false), Links: links})
	if err != nil {
		return nil, fmt.Errorf("render handoff index: %w", err)
	}
	return append(files, File{Name: HandoffIndexFile, Data: data}), nil
}

type handoffPage struct {
	Meta   pageMeta
	V      handoffView
	MDFile string
}

type handoffIndexPage struct {
	Meta  pageMeta
	Links []reportLink
}

// handoffView is a Handoff worded for people; the Markdown and the HTML
// are written from it, so they say the same. Every field is plain text.
type handoffView struct {
	Title, Subtitle string
	Policy          string
	At              string // the handoff instant, UTC
	Shift           string // "[start, end) UTC (12 h)"
	Synced          string
	Who             []labelled
	Open            []openView
	Numbers         []labelled
	Baseline        string // what the averages are of
	Watch           []watchGroup
	Load            []string
}

type labelled struct{ Label, Text string }

type openView struct {
	Title, Service, Facts string
	Note                  string // "" for none
}

type watchGroup struct {
	Label string
	Items []string
}

const utcLayout = "2006-01-02 15:04 UTC"

func utc(t time.Time) string { return t.UTC().Format(utcLayout) }

// localText is a person's wall clock at the handoff, e.g. "Sat 09:00 JST,
// Asia/Tokyo".
func localText(t time.Time, zone string) string {
	return t.Format("Mon 15:04 MST") + ", " + zone
}

func peopleText(ps []analysis.HandoffPerson, until bool) string {
	if len(ps) == 0 {
		return "nobody on call"
	}
	var out []string
	for _, p := range ps {
		s := fmt.Sprintf("%s (%s)", p.Name, localText(p.LocalAt, p.Zone))
		if until {
			if p.UntilOpen {
				s += fmt.Sprintf(", on call past the last sync (%s)", utc(p.Until))
			} else {
				s += fmt.Sprintf(", until %s (%s)", p.LocalUntil.Format("Mon 2 Jan 15:04 MST"), utc(p.Until))
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func avgText(v float64) string { return "avg " + fmtNum(v) }

func newHandoffView(h *analysis.Handoff) handoffView {
	name := h.PolicyName
	if name == "" {
		name = h.PolicyID
	}
	v := handoffView{
		Policy: name,
		At:     utc(h.At),
		Shift: fmt.Sprintf("%s to %s (%s)", utc(h.ShiftStart), utc(h.At),
			fmtHours(h.At.Sub(h.ShiftStart).Seconds())),
		Synced: utc(h.SyncedThrough),
	}
	v.Title = "Handoff: " + name
	v.Subtitle = "Level-1 shift change at " + v.At + " · shift " + v.Shift
	v.Who = []labelled{
		{"Outgoing, level 1", peopleText(h.Outgoing, false)},
		{"Incoming, level 1", peopleText(h.Incoming, true)},
		{"Outgoing, level 2", peopleText(h.OutgoingL2, false)},
		{"Incoming, level 2", peopleText(h.IncomingL2, true)},
	}
	for _, o := range h.Open {
		ack := "not acknowledged"
		if o.Acknowledged {
			ack = "acknowledged"
		}
		holder := "nobody"
		if o.Holder != "" {
			holder = o.Holder
		}
		urg := o.Urgency
		if urg == "" {
			urg = "urgency unknown"
		}
		ov := openView{Title: o.Title, Service: o.Service,
			Facts: fmt.Sprintf("%s old, %s, %s, held by %s, paged %s", fmtDur(o.AgeSeconds), urg, ack, holder, times(o.Pages))}
		if o.Flapping {
			ov.Facts += ", flapping"
		}
		if o.Note != nil {
			ov.Note = fmt.Sprintf("Latest note (%s, %s): %s", o.Note.Author, utc(o.Note.CreatedAt), o.Note.Content)
		}
		v.Open = append(v.Open, ov)
	}
	n, b := h.Shift, h.Baseline
	cmp := func(s string, avg func(*analysis.ShiftAverages) string) string {
		if b == nil {
			return s
		}
		return s + " (" + avg(b) + ")"
	}
	var per []string
	for _, p := range n.PerPerson {
		per = append(per, fmt.Sprintf("%s %s (%s in sleep hours)", p.Name, fmtInt(p.Pages), fmtInt(p.Sleep)))
	}
	var svcs []string
	for _, s := range n.ByService {
		svcs = append(svcs, fmt.Sprintf("%s %s", s.Service, fmtInt(s.Incidents)))
	}
	v.Numbers = []labelled{
		{"Pages", cmp(fmtInt(n.Pages), func(a *analysis.ShiftAverages) string { return avgText(a.Pages) })},
		{"In sleep hours", cmp(fmtInt(n.SleepPages), func(a *analysis.ShiftAverages) string { return avgText(a.SleepPages) })},
		{"Pages per person", orNone(strings.Join(per, "; "))},
		{"Incidents", cmp(fmtInt(n.Incidents), func(a *analysis.ShiftAverages) string { return avgText(a.Incidents) })},
		{"Incidents by service", orNone(strings.Join(svcs, "; "))},
		{"MTTA", cmp(fmtSeconds(n.MTTA), func(a *analysis.ShiftAverages) string { return "avg " + fmtSeconds(a.MTTA) })},
		{"MTTR", cmp(fmtSeconds(n.MTTR), func(a *analysis.ShiftAverages) string { return "avg " + fmtSeconds(a.MTTR) })},
		{"Noise share", cmp(fmtShare(n.NoiseShare), func(a *analysis.ShiftAverages) string { return "avg " + fmtShare(a.NoiseShare) })},
	}
	if b == nil {
		v.Baseline = "No earlier shift of this policy to compare with."
	} else {
		v.Baseline = fmt.Sprintf("In brackets: the average of the policy's %s before.", plural(h.BaselineCount, "shift", "shifts"))
	}
	w := h.Watch
	var paged, fresh, flap, back []string
	for _, s := range w.Paged {
		paged = append(paged, fmt.Sprintf("%s: %s", s.Title, plural(s.Count, "page", "pages")))
	}
	for _, s := range w.New {
		fresh = append(fresh, fmt.Sprintf("%s: %s", s.Title, plural(s.Count, "incident", "incidents")))
	}
	for _, o := range w.Flapping {
		flap = append(flap, fmt.Sprintf("%s (%s): open %s, paged %s", o.Title, o.Service, fmtDur(o.AgeSeconds), times(o.Pages)))
	}
	for _, r := range w.Reopened {
		back = append(back, fmt.Sprintf("%s: resolved %s, back %s (%s since)", r.Title, utc(r.ResolvedAt), utc(r.NextAt), times(r.Times)))
	}
	for _, g := range []watchGroup{
		{fmt.Sprintf("Paged more than %s in the shift", times(w.WatchPages)), paged},
		{"New this shift (not seen in the 28 days before)", fresh},
		{"Flapping, still firing at the handoff", flap},
		{"Resolved in the shift, then came back", back},
	} {
		if len(g.Items) > 0 {
			v.Watch = append(v.Watch, g)
		}
	}
	for _, l := range h.Load {
		s := fmt.Sprintf("%s: %s in sleep hours this shift (of %s); burnout risk over the 7 days to the handoff: %s",
			l.Name, plural(l.SleepPages, "page", "pages"), fmtInt(l.Pages), l.Risk)
		var why []string
		for _, rs := range l.Reasons {
			why = append(why, strings.Replace(reasonText(rs, true), "this week", "in 7 days", 1))
		}
		if len(why) > 0 {
			s += " (" + strings.Join(why, "; ") + ")"
		}
		if analysis.RiskRank(l.Risk) > 0 || l.SleepPages > 0 {
			s += ". Consider offering relief."
		}
		v.Load = append(v.Load, s)
	}
	return v
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// markdown is the note as plain Markdown: headings, bullets and bold
// labels only, so that it pastes into Slack or a ticket. Text from
// PagerDuty is escaped (mdEscape) and never starts a line.
func (v handoffView) markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Handoff: %s\n\n", mdEscape(v.Policy))
	fmt.Fprintf(&b, "Level-1 shift change at %s. Shift: %s. Data synced through %s.\n\n", v.At, v.Shift, v.Synced)
	b.WriteString("## Who\n\n")
	for _, l := range v.Who {
		fmt.Fprintf(&b, "- **%s:** %s\n", l.Label, mdEscape(l.Text))
	}
	fmt.Fprintf(&b, "\n## Still open at the handoff (%d)\n\n", len(v.Open))
	if len(v.Open) == 0 {
		b.WriteString("- Nothing open.\n")
	}
	for i, o := range v.Open {
		fmt.Fprintf(&b, "%d. **%s** (%s): %s\n", i+1, mdEscape(o.Title), mdEscape(o.Service), mdEscape(o.Facts))
		if o.Note != "" {
			fmt.Fprintf(&b, "   - %s\n", mdEscape(o.Note))
		}
	}
	b.WriteString("\n## The shift in numbers\n\n")
	for _, l := range v.Numbers {
		fmt.Fprintf(&b, "- **%s:** %s\n", l.Label, mdEscape(l.Text))
	}
	fmt.Fprintf(&b, "\n%s\n", v.Baseline)
	b.WriteString("\n## What to watch\n\n")
	if len(v.Watch) == 0 {
		b.WriteString("- Nothing stood out.\n")
	}
	for _, g := range v.Watch {
		fmt.Fprintf(&b, "- **%s:**\n", g.Label)
		for _, it := range g.Items {
			fmt.Fprintf(&b, "   - %s\n", mdEscape(it))
		}
	}
	b.WriteString("\n## Load on the outgoing person\n\n")
	for _, l := range v.Load {
		fmt.Fprintf(&b, "- %s\n", mdEscape(l))
	}
	b.WriteString("\nShifts are half-open: a page exactly at the handoff instant belongs to the incoming shift.\n")
	return b.Bytes()
}
