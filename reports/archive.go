package reports

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/internal/atomicfile"
)

// ArchiveEntry is one period written by a range run of `report`.
type ArchiveEntry struct {
	Metrics *analysis.Metrics // the period's metrics (Period.Kind "week" or "month")
	Dir     string            // the period's directory relative to the archive directory, e.g. "2026-W44"
	// Hours says the directory holds the month's oncall-hours.html
	// (HoursFile), which the row then links to.
	Hours bool
}

// WriteArchive writes dir/index.html (IndexFile), the page of a range run
// that lists its periods: one section for weeks and one for months (a kind
// with no entry has none), each a chart of pages per period (oldest first,
// split by hour class) above a table, newest period first, whose rows link
// to <Dir>/index.html (and, for an entry with Hours, to its
// oncall-hours.html) and show the period's org figures: pages (count),
// after-hours share (percent), incidents (count), MTTA and MTTR p50 (as
// durations, from seconds), toil ratio (percent) and responders at high and
// at elevated burnout risk (counts). Periods are ordered by Period.Start
// whatever the order of entries; periods without incidents or pages get a
// row too.
//
// Empty entries, an entry with nil Metrics (ErrNoMetrics), a Period.Kind
// other than "week" or "month" (ErrPeriodKind) or a bad Dir (ErrArchiveDir)
// is an error, and then nothing is written.
//
// The page names nobody, so opts.HideNames changes nothing; GeneratedAt and
// Version go to the footer and MetricsFile is unused. dir is created if
// missing; the file is written to a temporary file and renamed into place,
// with mode 0600. It returns the file names written, relative to dir.
func WriteArchive(dir string, entries []ArchiveEntry, opts Options) ([]string, error) {
	data, err := renderArchive(entries, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create archive dir: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, IndexFile), data); err != nil {
		return nil, fmt.Errorf("write %s: %w", IndexFile, err)
	}
	return []string{IndexFile}, nil
}

// archiveRow is one period in a table of the archive page.
type archiveRow struct {
	Title      string // "week 2026-W44"
	Href       string // "<Dir>/index.html"
	HoursHref  string // "<Dir>/oncall-hours.html", "" for none
	Range      string // the period's dates in its time zone
	Pages      string
	AfterHours string
	Incidents  string
	MTTA       string
	MTTR       string
	Toil       string
	High       int
	Elevated   int
}

// archiveSection is the weeks or the months of the archive page.
type archiveSection struct {
	ID      string // element id: "weeks" or "months"
	Heading string
	Lead    string
	Column  string // heading of the period column
	Chart   *chartView
	Rows    []archiveRow // newest first
}

type archivePage struct {
	Meta     pageMeta
	Sections []archiveSection
}

// archiveItem is a validated entry with its link.
type archiveItem struct {
	m     *analysis.Metrics
	href  string
	hours string // link to the period's HoursFile, "" for none
}

// archiveHref checks an entry's Dir and returns the link to its index.html.
func archiveHref(dir string, used map[string]bool) (string, error) {
	clean := path.Clean(filepath.ToSlash(dir))
	switch {
	case dir == "" || clean == ".":
		return "", fmt.Errorf("%w: empty", ErrArchiveDir)
	case filepath.IsAbs(dir) || strings.HasPrefix(clean, "/"):
		return "", fmt.Errorf("%w: %q is absolute", ErrArchiveDir, dir)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return "", fmt.Errorf("%w: %q leaves the archive directory", ErrArchiveDir, dir)
	case strings.ContainsAny(clean, `:?#\`):
		return "", fmt.Errorf("%w: %q holds one of : ? # \\", ErrArchiveDir, dir)
	case used[clean]:
		return "", fmt.Errorf("%w: %q is used twice", ErrArchiveDir, dir)
	}
	used[clean] = true
	return clean + "/" + IndexFile, nil
}

// renderArchive renders the page WriteArchive writes.
func renderArchive(entries []ArchiveEntry, opts Options) ([]byte, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("archive has no entries: %w", ErrNoMetrics)
	}
	items := make([]archiveItem, 0, len(entries))
	used := map[string]bool{}
	for i, e := range entries {
		if e.Metrics == nil {
			return nil, fmt.Errorf("archive entry %d (dir %q): %w", i, e.Dir, ErrNoMetrics)
		}
		if k := e.Metrics.Period.Kind; k != "week" && k != "month" {
			return nil, fmt.Errorf("archive entry %d (dir %q): %w: got %q", i, e.Dir, ErrPeriodKind, k)
		}
		href, err := archiveHref(e.Dir, used)
		if err != nil {
			return nil, fmt.Errorf("archive entry %d: %w", i, err)
		}
		it := archiveItem{m: e.Metrics, href: href}
		if e.Hours {
			it.hours = strings.TrimSuffix(href, IndexFile) + HoursFile
		}
		items = append(items, it)
	}
	// Oldest first; on equal starts a month before a week, then by label,
	// so the order never depends on the order of entries.
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].m.Period, items[j].m.Period
		switch {
		case !a.Start.Equal(b.Start):
			return a.Start.Before(b.Start)
		case a.Kind != b.Kind:
			return a.Kind == "month"
		}
		return a.Label < b.Label
	})

	hours, err := newHourSet(opts)
	if err != nil {
		return nil, err
	}
	r := &run{opts: opts, hours: hours}
	p := archivePage{Meta: r.meta(archiveTitle(items), archiveSubtitle(items), false, true)}
	all := make([]*analysis.Metrics, len(items))
	for i, it := range items {
		all[i] = it.m
	}
	p.Meta.Hours = hours.footerText(nil, all...)
	for _, kind := range []string{"week", "month"} {
		var of []*analysis.Metrics
		var hrefs, hours []string
		for _, it := range items {
			if it.m.Period.Kind == kind {
				of = append(of, it.m)
				hrefs = append(hrefs, it.href)
				hours = append(hours, it.hours)
			}
		}
		if len(of) > 0 {
			s := r.archiveSection(kind, of, hrefs)
			for i := range s.Rows {
				s.Rows[i].HoursHref = hours[len(hours)-1-i] // rows are newest first
			}
			p.Sections = append(p.Sections, s)
		}
	}
	return r.execute("archive", p)
}

// archiveSection builds the section of one kind from its periods, oldest
// first, with their links.
func (r *run) archiveSection(kind string, ms []*analysis.Metrics, hrefs []string) archiveSection {
	s := archiveSection{ID: "weeks", Heading: "Weeks", Column: "Week",
		Lead: fmt.Sprintf("%s, newest first. Open a week for its team reports, noisy-alert audit and digest. Lower is better for every figure.", plural(len(ms), "ISO week", "ISO weeks"))}
	if kind == "month" {
		s = archiveSection{ID: "months", Heading: "Months", Column: "Month",
			Lead: fmt.Sprintf("%s, newest first. Open a month for its leadership summary, noisy-alert audit and digest. Lower is better for every figure.", plural(len(ms), "calendar month", "calendar months"))}
	}
	cats := make([]string, len(ms))
	var b, o, sl []float64
	for i, m := range ms {
		cats[i] = m.Period.Label
		b = append(b, float64(m.Org.Interruptions.Business))
		o = append(o, float64(m.Org.Interruptions.Off))
		sl = append(sl, float64(m.Org.Interruptions.Sleep))
	}
	c := periodBars(r.nextID("pages"), fmt.Sprintf("Pages per %s by hour class, oldest %s first", kind, kind), cats, []barSeries{
		{Name: "Business hours", Color: colBusiness, Values: b},
		{Name: "Off hours", Color: colOff, Values: o},
		{Name: "Sleep hours", Color: colSleep, Values: sl},
	})
	s.Chart = &c
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		high, elev := riskCounts(m)
		s.Rows = append(s.Rows, archiveRow{
			Title:      periodTitle(m.Period),
			Href:       hrefs[i],
			Range:      periodRange(m.Period.Start, m.Period.End, m.Period.TimeZone),
			Pages:      fmtInt(m.Org.Interruptions.Total),
			AfterHours: fmtShare(m.Org.AfterHoursShare),
			Incidents:  fmtInt(m.Org.Incidents),
			MTTA:       fmtSeconds(m.Org.MTTA.P50),
			MTTR:       fmtSeconds(m.Org.MTTR.P50),
			Toil:       fmtShare(m.Org.ToilRatio),
			High:       high,
			Elevated:   elev,
		})
	}
	return s
}

// archiveTitle names the first period (earliest start) and the last
// (latest end) of the sorted items.
func archiveTitle(items []archiveItem) string {
	first, last := items[0].m.Period, items[0].m.Period
	for _, it := range items[1:] {
		if p := it.m.Period; !p.End.Before(last.End) {
			last = p
		}
	}
	if first.Kind == last.Kind && first.Label == last.Label {
		return "On-call health: reports for " + first.Label
	}
	return "On-call health: reports from " + first.Label + " to " + last.Label
}

// archiveSubtitle counts the periods and words the span they cover, in the
// time zone of the first period.
func archiveSubtitle(items []archiveItem) string {
	var weeks, months int
	start, end := items[0].m.Period.Start, items[0].m.Period.End
	for _, it := range items {
		p := it.m.Period
		if p.Kind == "week" {
			weeks++
		} else {
			months++
		}
		if p.End.After(end) {
			end = p.End
		}
	}
	var counts []string
	if weeks > 0 {
		counts = append(counts, plural(weeks, "week", "weeks"))
	}
	if months > 0 {
		counts = append(counts, plural(months, "month", "months"))
	}
	return strings.Join(counts, " and ") + " · " + spanRange(start, end, items[0].m.Period.TimeZone)
}

// spanRange words a span of periods in time zone tz, like periodRange but
// with the year on both ends, e.g. "Mon 3 Nov 2025 – Sun 1 Nov 2026
// (Europe/Berlin)". end is exclusive.
func spanRange(start, end time.Time, tz string) string {
	return rangeText(start, end, tz, "Mon 2 Jan 2006")
}
