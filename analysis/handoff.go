package analysis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/oncall-health/oncall-health/queries"
)

// Handoff notes (issue 17): what the next person on call needs to know at
// a level-1 shift change of one escalation policy.
//
// The rule at the handoff instant: shifts are half-open [start, end), so
// everything that happens exactly at the handoff instant T (a page, an
// incident created, acknowledged or resolved) belongs to the incoming
// shift. "At the handoff" means after every event before T: an incident
// is open at the handoff when it was created before T and not resolved
// before T, acknowledged when acknowledged before T. The outgoing shift's
// figures count events in [start, T).

// ErrUnknownPolicy is returned by Handoffs for a policy id that is not in
// the database; the CLI maps it to exit status 2.
var ErrUnknownPolicy = errors.New("unknown escalation policy")

// ErrNotSynced is returned by Handoffs when the database was not synced up
// to the instant asked for (or never synced).
var ErrNotSynced = errors.New("database not synced far enough")

// ErrNoShift is returned for a named policy that has no level-1 shift
// ending at or before the instant asked for.
var ErrNoShift = errors.New("no level-1 shift ended")

// BaselineShifts is how many earlier shifts of the same policy the shift's
// numbers are compared with.
const BaselineShifts = 8

// newSignatureDays is the look-back, in days, of "new this shift".
const newSignatureDays = 28

// Handoff is the handoff note of one policy's level-1 shift change.
type Handoff struct {
	PolicyID   string
	PolicyName string
	TeamID     string
	// At is the handoff instant T (UTC): the outgoing shift's end and the
	// incoming shift's start.
	At time.Time
	// ShiftStart is the outgoing shift's start (UTC); the shift is
	// [ShiftStart, At). With several outgoing responders, the earliest.
	ShiftStart time.Time
	// SyncedThrough is the instant up to which the database is synced.
	SyncedThrough time.Time
	// Outgoing and Incoming are on call at level 1 just before and at At;
	// OutgoingL2 and IncomingL2 the same at level 2. Incoming[i].Until is
	// the end of the incoming shift (the sync time when it is still open
	// there: UntilOpen).
	Outgoing, Incoming     []HandoffPerson
	OutgoingL2, IncomingL2 []HandoffPerson
	// Open are the incidents open at the handoff, oldest first.
	Open []OpenIncident
	// Shift are the outgoing shift's numbers; Baseline the mean of the same
	// figures over the policy's up to BaselineShifts shifts before it
	// (BaselineCount of them; nil when there were none).
	Shift         ShiftNumbers
	Baseline      *ShiftAverages
	BaselineCount int
	Watch         Watch
	// Load is each outgoing level-1 responder's load.
	Load []Load
}

// HandoffPerson is a responder at the handoff, with their wall clock at At.
type HandoffPerson struct {
	ID, Name string
	Zone     string    // IANA zone the local times are in (the fallback zone when unknown)
	LocalAt  time.Time // At in Zone
	// Until is the end of their run on call at this level (UTC), LocalUntil
	// the same in Zone. UntilOpen says the run ends at the sync time: an
	// on-call without an end, which the derived tables end there.
	Until      time.Time
	LocalUntil time.Time
	UntilOpen  bool
}

// OpenIncident is an incident open at the handoff.
type OpenIncident struct {
	ID, Title          string
	ServiceID, Service string
	Urgency            string // high | low ("" when not given)
	CreatedAt          time.Time
	AgeSeconds         float64 // At - CreatedAt, seconds
	Acknowledged       bool    // acknowledged before At
	HolderID, Holder   string  // last acknowledger before At, else last user notified ("" none)
	Pages              int     // its interruptions before At
	Signature          string
	Flapping           bool // the noise repeat rule holds for it (see Watch.Flapping)
	Note               *Note
}

// Note is an incident's latest note before the handoff. sync fetches the
// notes of incidents open when it runs, so an incident resolved since has
// none stored.
type Note struct {
	Author    string
	Content   string
	CreatedAt time.Time
}

// ShiftNumbers are one shift's figures. Means are seconds, nil when nothing
// was acknowledged (resolved) before the shift's end.
type ShiftNumbers struct {
	Pages      int // interruptions on the policy's incidents
	SleepPages int // of which in the paged person's sleep hours
	PerPerson  []PersonPages
	Incidents  int // incidents of the policy created in the shift
	ByService  []ServiceCount
	MTTA       *float64 // mean seconds to acknowledge, incidents acknowledged before the end
	MTTR       *float64 // mean seconds to resolve, incidents resolved before the end
	Noise      int
	NoiseShare *float64 // Noise / Incidents, nil when no incident
}

// ShiftAverages are the means of ShiftNumbers over earlier shifts; MTTA,
// MTTR and NoiseShare average the shifts where they are defined.
type ShiftAverages struct {
	Pages, SleepPages, Incidents float64
	MTTA, MTTR, NoiseShare       *float64
}

// PersonPages counts one person's pages in the shift.
type PersonPages struct {
	ID, Name     string
	Pages, Sleep int
}

// ServiceCount counts the shift's incidents of one service.
type ServiceCount struct {
	ServiceID, Service string
	Incidents          int
}

// Watch is what the incoming responder should keep an eye on.
type Watch struct {
	// WatchPages is Config.Handoff.WatchPages: Paged lists signatures that
	// paged more than that many times in the shift.
	WatchPages int
	Paged      []SignatureCount
	// New are signatures of the shift's incidents not seen (on any
	// incident) in the 28 days before the shift's start.
	New []SignatureCount
	// Flapping are open incidents that are repeats under the noise rule:
	// at least noise.repeat_count earlier incidents of their signature in
	// noise.repeat_window before them, still firing at the handoff.
	Flapping []OpenIncident
	// Reopened are incidents resolved in the shift after which an
	// incident of the same signature was created before the handoff.
	Reopened []Reopened
}

// SignatureCount is a signature with an example title and a count (pages
// for Watch.Paged, incidents for Watch.New).
type SignatureCount struct {
	Signature, Title string
	Count            int
}

// Reopened is an incident resolved in the shift that came back.
type Reopened struct {
	ID, Title  string
	ResolvedAt time.Time
	NextAt     time.Time // the first same-signature incident after the resolution
	Times      int       // same-signature incidents created from the resolution to the handoff
}

// Load is an outgoing responder's load: pages in their sleep hours this
// shift, and their burnout risk over the 7 days before the handoff
// (the weekly rules of spec/metrics.md applied to [At - 7 days, At)).
type Load struct {
	ID, Name   string
	SleepPages int
	Pages      int
	Risk       string // none | elevated | high
	Reasons    []Reason
}

// SyncedThrough returns the instant up to which incidents, log entries and
// on-calls are all synced; ok is false when the database was never synced.
func SyncedThrough(ctx context.Context, db *sql.DB) (t time.Time, ok bool, err error) {
	var nt sql.NullTime
	if err := db.QueryRowContext(ctx, queries.Get("handoff-synced-through")).Scan(&nt); err != nil {
		return time.Time{}, false, fmt.Errorf("sync state: %w", err)
	}
	return nt.Time.UTC(), nt.Valid, nil
}

// HandoffOptions select the handoffs to write.
type HandoffOptions struct {
	// At: the handoff is the level-1 shift change that happened most
	// recently at or before At. Zero means the last sync (SyncedThrough).
	At time.Time
	// Policies are the escalation policy ids; empty means every policy
	// that has a level-1 shift ending at or before At.
	Policies []string
}

// Handoffs derives the report tables (see Derive) and returns the handoff
// note of each policy asked for, in policy id order, and the warnings of
// Derive. It fails with ErrNotSynced when At is after the last sync, with
// ErrUnknownPolicy for an unknown policy id and ErrNoShift for a named
// policy without a shift that ended.
func Handoffs(ctx context.Context, db *sql.DB, cfg Config, o HandoffOptions) ([]*Handoff, []string, error) {
	warnings, err := Derive(ctx, db, cfg)
	if err != nil {
		return nil, nil, err
	}
	synced, ok, err := SyncedThrough(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("%w: the database was never synced; run sync first", ErrNotSynced)
	}
	at := o.At.UTC()
	if o.At.IsZero() {
		at = synced
	}
	if at.After(synced) {
		return nil, nil, fmt.Errorf("%w: last synced through %s, %s before the handoff time %s",
			ErrNotSynced, synced.Format(time.RFC3339), AgeText(at.Sub(synced)), at.Format(time.RFC3339))
	}
	type pol struct{ name, team string }
	pols := map[string]pol{}
	var ids []string
	if err := eachRow(ctx, db, "escalation policies", queries.Get("handoff-policies"), nil, func(rows *sql.Rows) error {
		var id string
		var p pol
		if err := rows.Scan(&id, &p.name, &p.team); err != nil {
			return err
		}
		pols[id] = p
		ids = append(ids, id)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	named := len(o.Policies) > 0
	if named {
		for _, id := range o.Policies {
			if _, ok := pols[id]; !ok {
				return nil, nil, fmt.Errorf("%w %q", ErrUnknownPolicy, id)
			}
		}
		ids = uniqueSorted(o.Policies)
	}
	var out []*Handoff
	for _, id := range ids {
		h, err := handoff(ctx, db, cfg, id, at, synced)
		if err != nil {
			return nil, nil, err
		}
		if h == nil {
			if named {
				return nil, nil, fmt.Errorf("%w: policy %s has no level-1 shift that ended at or before %s",
					ErrNoShift, id, at.Format(time.RFC3339))
			}
			continue
		}
		h.PolicyName, h.TeamID = pols[id].name, pols[id].team
		out = append(out, h)
	}
	return out, warnings, nil
}

// AgeText words a duration for an error message: "3 d 4 h", "5 h 40 min",
// "12 min".
func AgeText(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m >= 24*60:
		return fmt.Sprintf("%d d %d h", m/(24*60), m%(24*60)/60)
	case m >= 60:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return fmt.Sprintf("%d min", m)
}

func uniqueSorted(s []string) []string {
	c := append([]string(nil), s...)
	sortStrings(c)
	out := c[:0]
	for i, v := range c {
		if i == 0 || v != c[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// handoff builds policy's note for the last shift change at or before at;
// nil when the policy has no level-1 shift that ended by then.
func handoff(ctx context.Context, db *sql.DB, cfg Config, policy string, at, synced time.Time) (*Handoff, error) {
	wrap := func(what string, err error) error { return fmt.Errorf("handoff %s: %s: %w", policy, what, err) }
	h := &Handoff{PolicyID: policy, SyncedThrough: synced}
	rows, err := db.QueryContext(ctx, queries.Get("handoff-last-shift"), policy, at)
	if err != nil {
		return nil, wrap("last shift", err)
	}
	for rows.Next() {
		var p HandoffPerson
		var start, end time.Time
		if err := rows.Scan(&p.ID, &p.Name, &p.Zone, &start, &end); err != nil {
			rows.Close()
			return nil, wrap("last shift", err)
		}
		if h.ShiftStart.IsZero() || start.Before(h.ShiftStart) {
			h.ShiftStart = start.UTC()
		}
		h.At = end.UTC()
		p.Until = end.UTC()
		h.Outgoing = append(h.Outgoing, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("last shift", err)
	}
	if len(h.Outgoing) == 0 {
		return nil, nil
	}
	T := h.At
	for i := range h.Outgoing {
		localize(&h.Outgoing[i], T, synced)
	}
	// Level 2 just before T: on call at the last microsecond of the shift.
	before := T.Add(-time.Microsecond)
	for _, q := range []struct {
		level int
		at    time.Time
		into  *[]HandoffPerson
	}{{1, T, &h.Incoming}, {2, before, &h.OutgoingL2}, {2, T, &h.IncomingL2}} {
		ps, err := onCall(ctx, db, policy, q.level, q.at, T, synced)
		if err != nil {
			return nil, wrap("on call", err)
		}
		*q.into = ps
	}
	if h.Open, err = openIncidents(ctx, db, policy, T); err != nil {
		return nil, wrap("open incidents", err)
	}
	if h.Shift, err = shiftNumbers(ctx, db, policy, h.ShiftStart, T); err != nil {
		return nil, wrap("shift numbers", err)
	}
	if err := baseline(ctx, db, policy, h); err != nil {
		return nil, wrap("baseline", err)
	}
	if h.Watch, err = watch(ctx, db, cfg, policy, h); err != nil {
		return nil, wrap("watch", err)
	}
	vals, err := burnoutWeek(ctx, db, Period{Kind: "week", Label: "7 days to " + T.Format(time.RFC3339), Start: T.AddDate(0, 0, -7), End: T})
	if err != nil {
		return nil, wrap("burnout", err)
	}
	for _, p := range h.Outgoing {
		l := Load{ID: p.ID, Name: p.Name, Risk: RiskNone, Reasons: []Reason{}}
		for _, pp := range h.Shift.PerPerson {
			if pp.ID == p.ID {
				l.Pages, l.SleepPages = pp.Pages, pp.Sleep
			}
		}
		if v, ok := vals[p.ID]; ok {
			a := assess(v, cfg.Burnout)
			l.Risk, l.Reasons = a.risk, a.reasons
		}
		h.Load = append(h.Load, l)
	}
	return h, nil
}

// localize fills p's local times at T and at p.Until.
func localize(p *HandoffPerson, T, synced time.Time) {
	loc, err := time.LoadLocation(p.Zone)
	if err != nil {
		loc, p.Zone = time.UTC, "UTC"
	}
	p.LocalAt = T.In(loc)
	p.Until = p.Until.UTC()
	p.LocalUntil = p.Until.In(loc)
	p.UntilOpen = p.Until.Equal(synced)
}

func onCall(ctx context.Context, db *sql.DB, policy string, level int, at, T, synced time.Time) ([]HandoffPerson, error) {
	rows, err := db.QueryContext(ctx, queries.Get("handoff-on-call"), policy, level, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HandoffPerson
	for rows.Next() {
		var p HandoffPerson
		if err := rows.Scan(&p.ID, &p.Name, &p.Zone, &p.Until); err != nil {
			return nil, err
		}
		localize(&p, T, synced)
		out = append(out, p)
	}
	return out, rows.Err()
}

func openIncidents(ctx context.Context, db *sql.DB, policy string, T time.Time) ([]OpenIncident, error) {
	rows, err := db.QueryContext(ctx, queries.Get("handoff-open"), policy, T)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OpenIncident{}
	for rows.Next() {
		var o OpenIncident
		var pages int64
		var content, author sql.NullString
		var noteAt sql.NullTime
		if err := rows.Scan(&o.ID, &o.Title, &o.ServiceID, &o.Service, &o.Urgency, &o.CreatedAt, &o.Acknowledged,
			&o.HolderID, &o.Holder, &pages, &o.Signature, &o.Flapping, &content, &author, &noteAt); err != nil {
			return nil, err
		}
		o.CreatedAt = o.CreatedAt.UTC()
		o.AgeSeconds = T.Sub(o.CreatedAt).Seconds()
		o.Pages = int(pages)
		if content.Valid {
			o.Note = &Note{Author: author.String, Content: content.String, CreatedAt: noteAt.Time.UTC()}
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// shiftNumbers are the figures of policy's shift [start, end).
func shiftNumbers(ctx context.Context, db *sql.DB, policy string, start, end time.Time) (ShiftNumbers, error) {
	n := ShiftNumbers{PerPerson: []PersonPages{}, ByService: []ServiceCount{}}
	rows, err := db.QueryContext(ctx, queries.Get("handoff-pages"), policy, start, end)
	if err != nil {
		return n, err
	}
	for rows.Next() {
		var p PersonPages
		var pages, sleep int64
		if err := rows.Scan(&p.ID, &p.Name, &pages, &sleep); err != nil {
			rows.Close()
			return n, err
		}
		p.Pages, p.Sleep = int(pages), int(sleep)
		n.Pages += p.Pages
		n.SleepPages += p.Sleep
		n.PerPerson = append(n.PerPerson, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	rows, err = db.QueryContext(ctx, queries.Get("handoff-incidents"), policy, start, end)
	if err != nil {
		return n, err
	}
	defer rows.Close()
	for rows.Next() {
		var svc sql.NullString
		var name string
		var count, acked, resolved, noise int64
		var mtta, mttr sql.NullFloat64
		if err := rows.Scan(&svc, &name, &count, &acked, &mtta, &resolved, &mttr, &noise); err != nil {
			return n, err
		}
		if svc.Valid {
			n.ByService = append(n.ByService, ServiceCount{ServiceID: svc.String, Service: name, Incidents: int(count)})
			continue
		}
		n.Incidents, n.Noise = int(count), int(noise)
		n.MTTA, n.MTTR = nullFloat(mtta), nullFloat(mttr)
		n.NoiseShare = ratio(float64(noise), float64(count))
	}
	return n, rows.Err()
}

// baseline averages the numbers of the policy's shifts before h's.
func baseline(ctx context.Context, db *sql.DB, policy string, h *Handoff) error {
	rows, err := db.QueryContext(ctx, queries.Get("handoff-previous-shifts"), policy, h.ShiftStart, BaselineShifts)
	if err != nil {
		return err
	}
	var wins [][2]time.Time
	for rows.Next() {
		var w [2]time.Time
		if err := rows.Scan(&w[0], &w[1]); err != nil {
			rows.Close()
			return err
		}
		wins = append(wins, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(wins) == 0 {
		return nil
	}
	var a ShiftAverages
	var mtta, mttr, noise []float64
	for _, w := range wins {
		n, err := shiftNumbers(ctx, db, policy, w[0], w[1])
		if err != nil {
			return err
		}
		a.Pages += float64(n.Pages)
		a.SleepPages += float64(n.SleepPages)
		a.Incidents += float64(n.Incidents)
		for _, p := range []struct {
			v   *float64
			all *[]float64
		}{{n.MTTA, &mtta}, {n.MTTR, &mttr}, {n.NoiseShare, &noise}} {
			if p.v != nil {
				*p.all = append(*p.all, *p.v)
			}
		}
	}
	k := float64(len(wins))
	a.Pages, a.SleepPages, a.Incidents = a.Pages/k, a.SleepPages/k, a.Incidents/k
	a.MTTA, a.MTTR, a.NoiseShare = mean(mtta), mean(mttr), mean(noise)
	h.Baseline, h.BaselineCount = &a, len(wins)
	return nil
}

func mean(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	s /= float64(len(v))
	return &s
}

func watch(ctx context.Context, db *sql.DB, cfg Config, policy string, h *Handoff) (Watch, error) {
	w := Watch{WatchPages: cfg.Handoff.WatchPages, Paged: []SignatureCount{}, New: []SignatureCount{},
		Flapping: []OpenIncident{}, Reopened: []Reopened{}}
	sigs := func(name string, args ...any) ([]SignatureCount, error) {
		rows, err := db.QueryContext(ctx, queries.Get(name), args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []SignatureCount{}
		for rows.Next() {
			var s SignatureCount
			var n int64
			if err := rows.Scan(&s.Signature, &s.Title, &n); err != nil {
				return nil, err
			}
			s.Count = int(n)
			out = append(out, s)
		}
		return out, rows.Err()
	}
	var err error
	if w.Paged, err = sigs("handoff-watch-paged", policy, h.ShiftStart, h.At, w.WatchPages); err != nil {
		return w, err
	}
	if w.New, err = sigs("handoff-watch-new", policy, h.ShiftStart, h.At); err != nil {
		return w, err
	}
	for _, o := range h.Open {
		if o.Flapping {
			w.Flapping = append(w.Flapping, o)
		}
	}
	rows, err := db.QueryContext(ctx, queries.Get("handoff-watch-reopened"), policy, h.ShiftStart, h.At)
	if err != nil {
		return w, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Reopened
		var n int64
		if err := rows.Scan(&r.ID, &r.Title, &r.ResolvedAt, &r.NextAt, &n); err != nil {
			return w, err
		}
		r.ResolvedAt, r.NextAt, r.Times = r.ResolvedAt.UTC(), r.NextAt.UTC(), int(n)
		w.Reopened = append(w.Reopened, r)
	}
	return w, rows.Err()
}
