package analysis

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/oncall-health/oncall-health/internal/atomicfile"
	"github.com/oncall-health/oncall-health/queries"
)

// unassignedTeam is the team of incidents with no team and no service team.
const unassignedTeam = "unassigned"

// Compute derives the report tables (Derive) and returns the metrics of
// period p: one period, on its own. A command derives once and computes its
// periods with a Computer, which computes each period once.
func Compute(ctx context.Context, db *sql.DB, p Period, cfg Config) (*Metrics, error) {
	if _, err := Derive(ctx, db, cfg); err != nil {
		return nil, err
	}
	c, err := NewComputer(ctx, db, cfg)
	if err != nil {
		return nil, err
	}
	return c.Compute(ctx, p)
}

// Computer computes periods of one database with one config, from the
// derived tables as they are: the command derives them first (Derive,
// with the same config); the database must not be synced while the
// Computer is in use. Each period is computed once and its
// *Metrics returned to every later caller, which must not modify it. A
// Computer is safe for concurrent use.
type Computer struct {
	db       *sql.DB
	cfg      Config
	warnings []string

	mu   sync.Mutex
	memo map[string]*computed // by Period.Label
}

// computed is one period's result, ready when done is closed.
type computed struct {
	done chan struct{}
	m    *Metrics
	err  error
}

// NewComputer validates cfg and returns a Computer of db with cfg. It does
// not derive: db's report tables are those the last Derive wrote.
func NewComputer(ctx context.Context, db *sql.DB, cfg Config) (*Computer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	warnings, err := zoneWarnings(ctx, db)
	if err != nil {
		return nil, err
	}
	return &Computer{db: db, cfg: cfg, warnings: warnings, memo: map[string]*computed{}}, nil
}

// Warnings are the warnings about the data (users whose time zone is
// unknown), the same as every computed Metrics.Warnings.
func (c *Computer) Warnings() []string { return c.warnings }

// Compute returns the metrics of period p, computing them at the first call
// for p's label.
func (c *Computer) Compute(ctx context.Context, p Period) (*Metrics, error) {
	c.mu.Lock()
	r, ok := c.memo[p.Label]
	if !ok {
		r = &computed{done: make(chan struct{})}
		c.memo[p.Label] = r
	}
	c.mu.Unlock()
	if !ok {
		r.m, r.err = compute(ctx, c.db, p, c.cfg, c.warnings)
		if r.err != nil {
			c.mu.Lock()
			delete(c.memo, p.Label) // a later call may try again (after a cancelled context, say)
			c.mu.Unlock()
		}
		close(r.done)
	}
	select {
	case <-r.done:
		return r.m, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ComputeAll returns the metrics of every period of ps, in ps's order,
// computing up to ComputeParallelism periods at a time on separate
// connections.
func (c *Computer) ComputeAll(ctx context.Context, ps []Period) ([]*Metrics, error) {
	out := make([]*Metrics, len(ps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ComputeParallelism)
	for i, p := range ps {
		g.Go(func() error {
			m, err := c.Compute(gctx, p)
			out[i] = m
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// ComputeParallelism is how many periods ComputeAll computes at a time.
// Each period is a dozen small queries, each on DuckDB's own threads; on
// the 2-core benchmark machine two at a time were not measurably faster
// than one (the machine was shared when measured), so the default is one
// and every figure in BENCHMARKS.md was measured with it.
var ComputeParallelism = 1

// Heatmap is InterruptionHeatmap of period p.
func (c *Computer) Heatmap(ctx context.Context, p Period) (map[string]*Heatmap, error) {
	return heatmap(ctx, c.db, p)
}

// compute runs the period queries of p on the derived tables.
func compute(ctx context.Context, db *sql.DB, p Period, cfg Config, warnings []string) (*Metrics, error) {
	m := &Metrics{
		SchemaVersion: SchemaVersion,
		Period:        p,
		Teams:         []Team{},
		Responders:    []Responder{},
		NoisyAlerts:   []NoisyAlert{},
		Warnings:      warnings,
	}
	m.Period.Start = p.Start.UTC()
	m.Period.End = p.End.UTC()
	if err := db.QueryRowContext(ctx, queries.Get("analysis-team-source")).Scan(&m.Period.TeamSource); err != nil {
		return nil, fmt.Errorf("team source: %w", err)
	}

	totals := map[string]*Totals{} // "" = org
	tot := func(team string) *Totals {
		t, ok := totals[team]
		if !ok {
			t = &Totals{}
			totals[team] = t
		}
		return t
	}
	tot("")
	if err := incidentTotals(ctx, db, p, tot); err != nil {
		return nil, err
	}
	if err := alertTotals(ctx, db, p, func(team string, n int) { tot(team).Alerts = n }); err != nil {
		return nil, err
	}
	noiseInterruptions := map[string]int{}
	if err := interruptionTotals(ctx, db, p, tot, noiseInterruptions); err != nil {
		return nil, err
	}
	eng, err := engagementTotals(ctx, db, p, tot)
	if err != nil {
		return nil, err
	}
	for team, t := range totals {
		t.AfterHoursShare = ratio(float64(t.Interruptions.Off+t.Interruptions.Sleep), float64(t.Interruptions.Total))
		t.NoiseIncidentShare = ratio(float64(t.NoiseIncidents), float64(t.Incidents))
		t.ToilRatio = ratio(float64(noiseInterruptions[team]), float64(t.Interruptions.Total))
	}
	m.Org = *totals[""]

	teams, err := teamsOf(ctx, db, p, cfg, totals)
	if err != nil {
		return nil, err
	}
	m.Teams = teams

	if m.Responders, err = responders(ctx, db, p, cfg); err != nil {
		return nil, err
	}
	mtta, err := responderMTTA(ctx, db, p)
	if err != nil {
		return nil, err
	}
	for i := range m.Responders {
		r := &m.Responders[i]
		r.EngagedSeconds = eng.byUser[r.ID]
		r.MTTA = mtta[r.ID]
	}
	if m.NoisyAlerts, err = noisyAlerts(ctx, db, p); err != nil {
		return nil, err
	}
	return m, nil
}

// ratio is num/den, nil when den is 0.
func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}

func nullFloat(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

// durations builds a Durations; mean and quantiles are nil when count is 0.
func durations(count int64, mean, p50, p90 sql.NullFloat64) Durations {
	d := Durations{Count: int(count)}
	if count > 0 {
		d.Mean, d.P50, d.P90 = nullFloat(mean), nullFloat(p50), nullFloat(p90)
	}
	return d
}

func incidentTotals(ctx context.Context, db *sql.DB, p Period, tot func(string) *Totals) error {
	return eachRow(ctx, db, "incident totals", queries.Get("analysis-incident-totals"), p.bounds(), func(rows *sql.Rows) error {
		var team sql.NullString
		var n, ackN, resN, auto, open, noise int64
		var ackMean, ackP50, ackP90, resMean, resP50, resP90 sql.NullFloat64
		if err := rows.Scan(&team, &n, &ackN, &ackMean, &ackP50, &ackP90, &resN, &resMean, &resP50, &resP90,
			&auto, &open, &noise); err != nil {
			return err
		}
		t := tot(team.String)
		t.Incidents = int(n)
		t.MTTA = durations(ackN, ackMean, ackP50, ackP90)
		t.MTTR = durations(resN, resMean, resP50, resP90)
		t.AutoResolved, t.OpenIncidents, t.NoiseIncidents = int(auto), int(open), int(noise)
		return nil
	})
}

func alertTotals(ctx context.Context, db *sql.DB, p Period, set func(team string, n int)) error {
	return eachRow(ctx, db, "alert totals", queries.Get("analysis-alert-totals"), p.bounds(), func(rows *sql.Rows) error {
		var team sql.NullString
		var n int64
		if err := rows.Scan(&team, &n); err != nil {
			return err
		}
		set(team.String, int(n))
		return nil
	})
}

func interruptionTotals(ctx context.Context, db *sql.DB, p Period, tot func(string) *Totals, noise map[string]int) error {
	return eachRow(ctx, db, "interruption totals", queries.Get("analysis-interruption-totals"), p.bounds(), func(rows *sql.Rows) error {
		var team sql.NullString
		var n, business, off, sleep, nz int64
		if err := rows.Scan(&team, &n, &business, &off, &sleep, &nz); err != nil {
			return err
		}
		tot(team.String).Interruptions = Interruptions{Total: int(n), Business: int(business), Off: int(off), Sleep: int(sleep)}
		noise[team.String] = int(nz)
		return nil
	})
}

// teamsOf lists every team of the teams table, plus any other team id
// (such as "unassigned") that has incidents, alerts, interruptions or
// shifts in the period, sorted by id.
func teamsOf(ctx context.Context, db *sql.DB, p Period, cfg Config, totals map[string]*Totals) ([]Team, error) {
	set := teamSet{}
	if err := eachRow(ctx, db, "list teams", queries.Get("analysis-teams"), nil, func(rows *sql.Rows) error {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		set.add(id, name)
		return nil
	}); err != nil {
		return nil, err
	}
	for id := range totals {
		if id != "" {
			set.addID(id)
		}
	}
	if err := shiftFigures(ctx, db, p, set); err != nil {
		return nil, err
	}
	onCall, err := teamOnCallL1(ctx, db, p)
	if err != nil {
		return nil, err
	}
	loaded, err := alertLoaded(ctx, db, p, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Team, 0, len(set))
	for id, t := range set {
		if tt, ok := totals[id]; ok {
			t.Totals = *tt
		} else {
			t.Totals = Totals{}
		}
		if secs := onCall[id]; secs > 0 {
			t.AlertsPer12hOnCall = ratio(float64(t.Alerts), secs/43200)
		}
		if loaded[id] {
			t.Flags = append(t.Flags, "alert_load")
		}
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// teamSet holds the teams of one period by id while teamsOf gathers them.
type teamSet map[string]*Team

// add returns the team id, adding it with name when it is new.
func (s teamSet) add(id, name string) *Team {
	if t, ok := s[id]; ok {
		return t
	}
	t := &Team{ID: id, Name: name, Flags: []string{}, BusiestShifts: []Shift{}}
	s[id] = t
	return t
}

// addID is add for a team id not in the teams table: its name is the id,
// "Unassigned" for unassignedTeam.
func (s teamSet) addID(id string) *Team {
	if id == unassignedTeam {
		return s.add(id, "Unassigned")
	}
	return s.add(id, id)
}

// shiftFigures sets each team's alerts per shift {shifts, mean, p50, max}
// and its busiest shifts in period p, adding teams that have shifts.
func shiftFigures(ctx context.Context, db *sql.DB, p Period, set teamSet) error {
	if err := eachRow(ctx, db, "shift summary", queries.Get("analysis-shift-summary"), p.bounds(), func(rows *sql.Rows) error {
		var id string
		var n int64
		var mean, p50 sql.NullFloat64
		var max sql.NullInt64
		if err := rows.Scan(&id, &n, &mean, &p50, &max); err != nil {
			return err
		}
		t := set.addID(id)
		t.AlertsPerShift = AlertsPerShift{Shifts: int(n), Mean: nullFloat(mean), P50: nullFloat(p50)}
		if max.Valid {
			v := int(max.Int64)
			t.AlertsPerShift.Max = &v
		}
		return nil
	}); err != nil {
		return err
	}
	return eachRow(ctx, db, "busiest shifts", queries.Get("analysis-busiest-shifts"), p.bounds(), func(rows *sql.Rows) error {
		var id string
		var s Shift
		var alerts, escTimeout, escManual int64
		if err := rows.Scan(&id, &s.UserID, &s.UserName, &s.EscalationPolicyID, &s.Start, &s.End, &alerts,
			&escTimeout, &escManual); err != nil {
			return err
		}
		s.Escalations = Escalations{Timeout: int(escTimeout), Manual: int(escManual)}
		s.Start, s.End, s.Alerts = s.Start.UTC(), s.End.UTC(), int(alerts)
		t := set.addID(id)
		t.BusiestShifts = append(t.BusiestShifts, s)
		return nil
	})
}

// teamOnCallL1 is each team's level-1 on-call time in period p, in seconds
// by team id (the denominator of alerts per 12 h on call).
func teamOnCallL1(ctx context.Context, db *sql.DB, p Period) (map[string]float64, error) {
	onCall := map[string]float64{}
	if err := eachRow(ctx, db, "team on-call time", queries.Get("analysis-team-oncall-l1"), p.bounds(), func(rows *sql.Rows) error {
		var id string
		var secs float64
		if err := rows.Scan(&id, &secs); err != nil {
			return err
		}
		onCall[id] = secs
		return nil
	}); err != nil {
		return nil, err
	}
	return onCall, nil
}

// alertLoaded is the set of team ids flagged alert_load in period p: a
// week's alerts reach cfg.AlertLoad; a month flags when any whole ISO week
// overlapping it does.
func alertLoaded(ctx context.Context, db *sql.DB, p Period, cfg Config) (map[string]bool, error) {
	loaded := map[string]bool{}
	for _, w := range p.ruleWeeks() {
		if err := alertTotals(ctx, db, w, func(team string, n int) {
			if team != "" && n >= cfg.AlertLoad {
				loaded[team] = true
			}
		}); err != nil {
			return nil, err
		}
	}
	return loaded, nil
}

func responders(ctx context.Context, db *sql.DB, p Period, cfg Config) ([]Responder, error) {
	out, err := scanAll(ctx, db, "responders", queries.Get("analysis-responders"), p.bounds(), func(rows *sql.Rows) (Responder, error) {
		var r Responder
		var teams string
		var total, business, off, sleep, incidents int64
		if err := rows.Scan(&r.ID, &r.Name, &r.TimeZone, &teams, &r.OnCallSeconds, &r.OnCallSecondsLevel1,
			&total, &business, &off, &sleep, &incidents); err != nil {
			return r, err
		}
		r.TeamIDs = []string{}
		if teams != "" {
			r.TeamIDs = strings.Split(teams, ",")
		}
		r.Interruptions = Interruptions{Total: int(total), Business: int(business), Off: int(off), Sleep: int(sleep)}
		r.Incidents = int(incidents)
		if r.OnCallSeconds > 0 {
			r.IncidentsPer12hOnCall = ratio(float64(r.Incidents), r.OnCallSeconds/43200)
		}
		r.Risk, r.Reasons = RiskNone, []Reason{}
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	risks, err := burnout(ctx, db, p, cfg)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if a, ok := risks[out[i].ID]; ok {
			out[i].Risk, out[i].Reasons = a.risk, a.reasons
		}
	}
	return out, nil
}

func noisyAlerts(ctx context.Context, db *sql.DB, p Period) ([]NoisyAlert, error) {
	return scanAll(ctx, db, "noisy alerts", queries.Get("analysis-noisy-alerts"), p.bounds(), func(rows *sql.Rows) (NoisyAlert, error) {
		var a NoisyAlert
		var incidents, alerts, interruptions, afterHours, noise, escTimeout, escManual int64
		var auto, p50 sql.NullFloat64
		if err := rows.Scan(&a.Signature, &a.ServiceID, &a.SampleTitle, &incidents, &alerts, &interruptions,
			&afterHours, &auto, &p50, &noise, &escTimeout, &escManual); err != nil {
			return a, err
		}
		a.Escalations = Escalations{Timeout: int(escTimeout), Manual: int(escManual)}
		a.Incidents, a.Alerts, a.Interruptions = int(incidents), int(alerts), int(interruptions)
		a.AfterHoursInterruptions, a.NoiseIncidents = int(afterHours), int(noise)
		a.AutoResolvedShare, a.P50SecondsToResolve = nullFloat(auto), nullFloat(p50)
		return a, nil
	})
}

// InterruptionHeatmap counts the period's interruptions by the notified
// user's local weekday and hour, per team id of the interrupting incident;
// key "" is the whole organisation (always present). Teams without
// interruptions in the period have no entry.
func InterruptionHeatmap(ctx context.Context, db *sql.DB, p Period, cfg Config) (map[string]*Heatmap, error) {
	if _, err := Derive(ctx, db, cfg); err != nil {
		return nil, err
	}
	return heatmap(ctx, db, p)
}

func heatmap(ctx context.Context, db *sql.DB, p Period) (map[string]*Heatmap, error) {
	out := map[string]*Heatmap{"": {}}
	if err := eachRow(ctx, db, "heatmap", queries.Get("analysis-heatmap"), p.bounds(), func(rows *sql.Rows) error {
		var team string
		var dow, hour, n int64
		if err := rows.Scan(&team, &dow, &hour, &n); err != nil {
			return err
		}
		if dow < 1 || dow > 7 || hour < 0 || hour > 23 {
			return nil
		}
		h, ok := out[team]
		if !ok {
			h = &Heatmap{}
			out[team] = h
		}
		h[dow-1][hour] += int(n)
		out[""][dow-1][hour] += int(n)
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteJSON writes m as indented JSON to path atomically: a temporary file in
// the same directory, fsynced, then renamed over path. The file mode is 0600.
func WriteJSON(path string, m *Metrics) error {
	return writeJSON(path, m, true)
}

// WriteCompactJSON is WriteJSON without the indentation: the same keys and
// values on one line (one newline at the end), 40-45 % fewer bytes on a
// large organisation. `report` writes it for the periods of a range, where
// dozens of metrics.json add up (issue 18's 100 MB for a year).
func WriteCompactJSON(path string, m *Metrics) error {
	return writeJSON(path, m, false)
}

func writeJSON(path string, m *Metrics, indent bool) error {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(m, "", "  ")
	} else {
		b, err = json.Marshal(m)
	}
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	b = append(b, '\n')
	if err := atomicfile.Write(path, b); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

func sortStrings(s []string) { sort.Strings(s) }
