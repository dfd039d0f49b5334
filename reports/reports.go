package reports

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // period ranges are shown in the report time zone

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/internal/atomicfile"
)

// Sentinel errors callers may test with errors.Is.
var (
	// ErrNoMetrics is returned when Input.Current is nil, and by
	// WriteArchive for no entries or an entry with nil Metrics.
	ErrNoMetrics = errors.New("reports: no metrics for the reported period")
	// ErrPeriodKind is returned when Current.Period.Kind (or an archive
	// entry's Period.Kind) is neither "week" nor "month".
	ErrPeriodKind = errors.New(`reports: period kind must be "week" or "month"`)
	// ErrArchiveDir is returned by WriteArchive when an entry's Dir is
	// empty, not a relative path below the archive directory (absolute,
	// leading "..", or holding ':', '?', '#' or '\'), or another entry's.
	ErrArchiveDir = errors.New("reports: archive entry dir must be a distinct relative path below the archive directory")
)

// Options are presentation switches.
type Options struct {
	// HideNames replaces responder names by counts in the leadership report,
	// the index and summary.md (team reports keep names: they go to the team).
	HideNames bool
	// GeneratedAt is shown in every footer (shown in UTC); zero omits it.
	GeneratedAt time.Time
	// Version of oncall-health, shown in footers.
	Version string
	// MetricsFile is the name of the metrics.json written next to the
	// reports, linked from index.html; "" for no link.
	MetricsFile string
	// ArchiveHref links every page to the page of all periods of a range
	// run (WriteArchive), e.g. "../index.html"; "" for no link.
	ArchiveHref string
	// Hours are the default hour classes the metrics were computed with
	// (analysis.Config.Hours) and TeamHours their per-team overrides
	// (analysis.Config.TeamHours; empty fields inherit Hours). Every
	// sentence, label and shaded heat-map hour that names hours takes them
	// from here; empty fields of Hours are analysis.DefaultConfig's.
	Hours     analysis.Hours
	TeamHours map[string]analysis.Hours
	// AssetsHref is the relative URL, as seen from the pages written, of a
	// directory that WriteAssets wrote, ending in '/' (e.g. "assets/" or
	// "../assets/"): pages then load the stylesheet and ECharts from there
	// and carry neither. "" (the default) writes self-contained pages, each
	// with the stylesheet and ECharts inline.
	AssetsHref string
}

// Service describes a PagerDuty service for display: its name and the team
// that owns it. Both may be empty.
type Service struct {
	Name   string
	TeamID string
}

// Input is everything one run of Write renders.
type Input struct {
	// Current is the reported period.
	Current *analysis.Metrics
	// History holds earlier periods of the same kind, oldest first (up to 8
	// weeks or 6 months are used); may be empty.
	History []*analysis.Metrics
	// Heatmaps counts Current's interruptions by local weekday × hour, keyed
	// by team id; key "" is the whole organisation. May be nil.
	Heatmaps map[string]*analysis.Heatmap
	// Services maps service id to its name and owning team. It names
	// services in the noisy-alert audit and attributes noisy alerts to team
	// reports. May be nil: then services show by id and team reports show
	// the organisation's noisiest alerts, saying so.
	Services map[string]Service
	// Hours are Current's on-call hours, fairness and pay
	// (analysis.Computer.OnCallHours). With them a month gains
	// oncall-hours.html and oncall-pay.csv, and each team report of a week
	// a fairness line. May be nil.
	Hours   *analysis.HoursReport
	Options Options
}

// Limits of the history used for comparisons.
const (
	maxWeeks  = 8
	maxMonths = 6
)

// File names of the fixed reports.
const (
	IndexFile      = "index.html"
	LeadershipFile = "leadership.html"
	NoisyFile      = "noisy-alerts.html"
	SummaryFile    = "summary.md"
)

// TeamFile returns the file name of a team's weekly report:
// "team-<id>.html", with any character other than ASCII letters, digits,
// '-' and '_' in the id replaced by '_'.
func TeamFile(teamID string) string {
	var b strings.Builder
	for _, r := range teamID {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		b.WriteByte('_')
	}
	return "team-" + b.String() + ".html"
}

// Write writes the reports for in.Current.Period.Kind into dir (created if
// missing) and returns the names of the files written, in writing order.
// For "week": one team report per team, noisy-alerts.html, index.html and
// summary.md; for "month": leadership.html, noisy-alerts.html, index.html
// and summary.md. Each file is written to a temporary file in dir and renamed
// into place, with mode 0600.
func Write(dir string, in Input) ([]string, error) {
	files, err := Render(in)
	if err != nil {
		return nil, err
	}
	return writeFiles(dir, "report", files)
}

// writeFiles writes files into dir (created if missing; what names it in
// errors), each to a temporary file renamed into place with mode 0600,
// and returns the names written, in order.
func writeFiles(dir, what string, files []File) ([]string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create %s dir: %w", what, err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.Name), f.Data); err != nil {
			return names, fmt.Errorf("write %s: %w", f.Name, err)
		}
		names = append(names, f.Name)
	}
	return names, nil
}

// File is one rendered report.
type File struct {
	Name string
	Data []byte
}

// Render renders the reports Write would write, without touching the disk.
func Render(in Input) ([]File, error) {
	if in.Current == nil {
		return nil, ErrNoMetrics
	}
	kind := in.Current.Period.Kind
	if kind != "week" && kind != "month" {
		return nil, fmt.Errorf("%w: got %q", ErrPeriodKind, kind)
	}
	hours, err := newHourSet(in.Options)
	if err != nil {
		return nil, err
	}
	r := newRun(in)
	r.hours = hours
	var files []File
	var links []reportLink
	add := func(name string, data []byte, l reportLink) {
		files = append(files, File{Name: name, Data: data})
		if l.Title != "" {
			l.Href = name
			links = append(links, l)
		}
	}
	if kind == "week" {
		used := map[string]bool{}
		for i := range r.cur.Teams {
			t := &r.cur.Teams[i]
			name := uniqueName(TeamFile(t.ID), used)
			data, err := r.renderTeam(t, name)
			if err != nil {
				return nil, fmt.Errorf("render team %s: %w", t.ID, err)
			}
			add(name, data, reportLink{Title: "Team " + teamLabel(t), Text: teamLinkText(t, r), Group: "Team reports"})
		}
	} else {
		data, err := r.renderLeadership()
		if err != nil {
			return nil, fmt.Errorf("render leadership: %w", err)
		}
		add(LeadershipFile, data, reportLink{Title: "Leadership summary", Text: "KPIs, trends and teams ranked by risk", Group: "Organisation reports"})
		if in.Hours != nil {
			data, err := r.renderHours(in.Hours)
			if err != nil {
				return nil, fmt.Errorf("render on-call hours: %w", err)
			}
			add(HoursFile, data, reportLink{Title: "On-call hours, fairness and pay", Text: "business, weeknight, weekend and holiday hours per person, fairness per team, 13-week trend", Group: "Organisation reports"})
			add(PayFile, PayCSV(in.Hours), reportLink{Title: "Pay export", Text: PayFile + ": hours per kind and level, pages and amounts per person, for payroll", Group: "Organisation reports"})
		}
	}
	data, err := r.renderNoisy()
	if err != nil {
		return nil, fmt.Errorf("render noisy alerts: %w", err)
	}
	add(NoisyFile, data, reportLink{Title: "Noisy-alert audit", Text: fmt.Sprintf("%s ranked with a suggested action each", plural(len(r.cur.NoisyAlerts), "alert signature", "alert signatures")), Group: "Organisation reports"})
	summary := r.renderSummary(links)
	indexLinks := append(append([]reportLink(nil), links...), reportLink{Group: "Organisation reports", Title: "Digest for chat or e-mail", Text: "summary.md: the week's figures in a few lines of Markdown", Href: SummaryFile})
	if kind == "month" {
		indexLinks[len(indexLinks)-1].Text = "summary.md: the month's figures in a few lines of Markdown"
	}
	data, err = r.renderIndex(indexLinks)
	if err != nil {
		return nil, fmt.Errorf("render index: %w", err)
	}
	add(IndexFile, data, reportLink{})
	add(SummaryFile, summary, reportLink{})
	return files, nil
}

func uniqueName(name string, used map[string]bool) string {
	base := strings.TrimSuffix(name, ".html")
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d.html", base, i)
	}
	used[name] = true
	return name
}

// run holds what every page of one Write needs.
type run struct {
	in      Input
	cur     *analysis.Metrics
	hist    []*analysis.Metrics // newest last, capped to maxWeeks/maxMonths
	opts    Options
	hours   hourSet // the hour classes of opts.Hours and opts.TeamHours
	buf     bytes.Buffer
	chartID int
}

func newRun(in Input) *run {
	limit := maxWeeks
	if in.Current.Period.Kind == "month" {
		limit = maxMonths
	}
	var hist []*analysis.Metrics
	for _, h := range in.History {
		if h != nil && h.Period.Kind == in.Current.Period.Kind && h.Period.Start.Before(in.Current.Period.Start) {
			hist = append(hist, h)
		}
	}
	if len(hist) > limit {
		hist = hist[len(hist)-limit:]
	}
	return &run{in: in, cur: in.Current, hist: hist, opts: in.Options}
}

// nextID returns a fresh element id for a chart.
func (r *run) nextID(prefix string) string {
	r.chartID++
	return fmt.Sprintf("%s-%d", prefix, r.chartID)
}

// prev returns the period just before Current, or nil.
func (r *run) prev() *analysis.Metrics {
	if len(r.hist) == 0 {
		return nil
	}
	return r.hist[len(r.hist)-1]
}

func teamLabel(t *analysis.Team) string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}
