package analysis

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the tz database, independent of the host

	"github.com/oncall-health/oncall-health/queries"
)

// Local times come from tz_offsets, the UTC offsets of every user zone
// from Go's tz database (time/tzdata), joined by ASOF on the instant. The
// ICU extension of DuckDB 1.5 offers timezone(zone, instant) instead;
// measured on 1,000,000 instants in 40 zones (2026-12-02, DuckDB 1.5.6, 2
// shared cores under heavy load, 3 runs) it was 2-4 times slower than the
// ASOF join: 7.9-14.6 s against 3.3-4.8 s. So tz_offsets stays; the DST
// tests hold either way.
//
// tzFrom and tzUntil bound the transitions written to tz_offsets: the first
// row of a zone starts at tzFloor, the last ends at tzCeil. tzUntil is 2040:
// Go's tz database lists transitions up to 2037 and computes later ones from
// a rule, ever more slowly (walking a DST zone to 2100 took 0.5 s, to 2040
// under 0.1 ms). Instants after 2040 take the offset in force on 2040-01-01;
// PagerDuty history cannot reach that far.
var (
	tzFrom  = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	tzUntil = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	tzFloor = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	tzCeil  = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// zoneRows returns one "zone,from,until,offset" row (Unix seconds) per span of
// constant UTC offset of loc between tzFrom and tzUntil, walked with
// time.Time.ZoneBounds; the first and last rows are stretched to tzFloor and
// tzCeil. Adjacent spans with the same offset are merged.
func zoneRows(name string, loc *time.Location) []string {
	type span struct {
		from, until time.Time
		off         int
	}
	var spans []span
	t := tzFrom.In(loc)
	for t.Before(tzUntil) {
		start, end := t.ZoneBounds()
		_, off := t.Zone()
		if start.IsZero() || start.Before(tzFrom) {
			start = tzFrom
		}
		last := end.IsZero() || !end.Before(tzUntil)
		if last {
			end = tzUntil
		}
		if n := len(spans); n > 0 && spans[n-1].off == off {
			spans[n-1].until = end
		} else {
			spans = append(spans, span{start, end, off})
		}
		if last {
			break
		}
		if !end.After(t) {
			// ZoneBounds can return end == t at a year boundary past the
			// zone's table (Go extends it by the TZ rule year by year);
			// step a second to get past it. Same-offset spans merge.
			end = t.Add(time.Second)
		}
		t = end.In(loc)
	}
	spans[0].from = tzFloor
	spans[len(spans)-1].until = tzCeil
	rows := make([]string, len(spans))
	for i, s := range spans {
		rows[i] = name + "," + strconv.FormatInt(s.from.Unix(), 10) + "," +
			strconv.FormatInt(s.until.Unix(), 10) + "," + strconv.Itoa(s.off)
	}
	return rows
}

// refreshMu serialises refreshes of the derived tables within this process.
var refreshMu sync.Mutex

// configDigest covers every config value the derived a_* tables depend on,
// the schema version and the text of the statements that derive them: a new
// version of oncall-health that derives differently re-derives a database
// the old one derived.
func configDigest(cfg Config) string {
	h := sha256.New()
	fmt.Fprintf(h, "schema %d\x00", queries.LatestVersion())
	for _, d := range derivedTables {
		fmt.Fprintf(h, "%s\x00", queries.Get(d.step))
	}
	fmt.Fprintf(h, "%s\x00", queries.Get(scopeStep))
	fmt.Fprintf(h, "%+v|%v|%v|%d|%s", cfg.Hours, cfg.Noise.TransientSeconds, time.Duration(cfg.Noise.RepeatWindow), cfg.Noise.RepeatCount, cfg.FallbackZone())
	ids := make([]string, 0, len(cfg.TeamHours))
	for id := range cfg.TeamHours {
		ids = append(ids, id)
	}
	sortStrings(ids)
	for _, id := range ids {
		fmt.Fprintf(h, "|%s=%+v", id, cfg.TeamHours[id])
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// reach says which rows of a derived table an incremental derivation
// derives again (see Derive).
type reach int

const (
	// reachAll: the whole table, in every derivation (the default: a
	// table declared without a reach is recomputed, never patched). Its
	// statement rebuilds the table (CREATE OR REPLACE TABLE ... AS).
	reachAll reach = iota
	// reachIncidents: the rows of the incidents in
	// analysis_dirty_incidents: those created at or after the bound, whose
	// repeat status the statement computes from the incidents of the
	// repeat window (24 h by default) before each, and older ones that a
	// log entry at or after the bound acknowledged or resolved (a late
	// change).
	reachIncidents
	// reachIslands: per user, the rows at or after the start of the
	// notification island in progress at the bound (analysis_notify_from;
	// an island goes on while notifications are at most 60 s apart), else
	// at or after the bound; and the noise of older rows of late
	// incidents.
	reachIslands
	// reachCounts: the rows of the incidents of analysis_dirty_incidents
	// and of the interruptions derived again (analysis_dirty_counts).
	reachCounts
	// reachFullOnly: runs in a full derivation only (the sort into time
	// order; an incremental one appends the rows it derives).
	reachFullOnly
)

// derivedTable declares one step of the derivation: the statement of
// queries/analysis.sql that writes the a_* tables named, and its reach.
// A statement with a reach other than reachAll reads analysis_bounds (and
// the scope tables) and deletes and inserts the rows of its reach only;
// TestDeclaredReach checks that.
type derivedTable struct {
	step   string
	tables []string
	reach  reach
}

// derivedTables are the steps of a derivation, in order; the first
// firstSteps run before it decides whether it can be incremental (their
// tables feed that decision). A new derived table is one more line here
// (and its statement); without a reach it is recomputed whole every time.
var derivedTables = []derivedTable{
	{step: "analysis-refresh-users", tables: []string{"a_users"}},
	{step: "analysis-refresh-teams", tables: []string{"a_team_source", "a_teams", "a_team_members"}},
	{step: "analysis-refresh-incidents", tables: []string{"a_incidents"}, reach: reachIncidents},
	{step: "analysis-refresh-alerts", tables: []string{"a_alerts"}, reach: reachIncidents},
	{step: "analysis-refresh-notify", tables: []string{"a_notify"}, reach: reachIslands},
	{step: "analysis-refresh-interruptions", tables: []string{"a_interruptions"}, reach: reachIslands},
	{step: "analysis-refresh-incident-counts", tables: []string{"a_incident_counts"}, reach: reachCounts},
	// The on-call tables are small (one row per on-call segment, not per
	// page): recomputed whole, the 28-day on-call window of the reports
	// reads them as they are.
	{step: "analysis-refresh-segments", tables: []string{"a_segments"}},
	{step: "analysis-refresh-shifts", tables: []string{"a_shifts"}},
	{step: "analysis-refresh-user-oncall", tables: []string{"a_user_oncall"}},
	{step: "analysis-refresh-user-oncall-l1", tables: []string{"a_user_oncall_l1"}},
	{step: "analysis-refresh-team-oncall-l1", tables: []string{"a_team_oncall_l1"}},
	{step: "analysis-refresh-order", tables: []string{"a_incidents", "a_alerts", "a_interruptions", "a_incident_counts"}, reach: reachFullOnly},
}

// firstSteps is how many of derivedTables run before the decision.
const firstSteps = 2

// scopeStep writes the scope tables of an incremental derivation (empty in
// a full one); it runs after the first steps.
const scopeStep = "analysis-derive-scope"

// maxIncrementalShare: when more than this share of the incidents was
// created at or after the bound, a derivation derives everything (as fast,
// and the tables come out sorted).
const maxIncrementalShare = 0.5

// DeriveOptions tune one derivation.
type DeriveOptions struct {
	// Full derives every table whole, even when the last sync recorded
	// what it changed.
	Full bool
}

// Derivation says what a derivation did.
type Derivation struct {
	// Skipped: nothing changed since the last derivation.
	Skipped bool
	// Incremental: only what changed at or after From (UTC) was derived
	// again; else every table was derived whole.
	Incremental bool
	From        time.Time
	// Why a derivation that could have been incremental was not ("" when
	// it was, or when nothing was derived before).
	Why string
	// Steps are the statements run and their wall times.
	Steps []StepTime
	// Warnings name the users whose time zone is unknown.
	Warnings []string
}

// StepTime is the wall time of one statement of a derivation.
type StepTime struct {
	Step    string
	Elapsed time.Duration
}

// ensureFresh (when the source rows or the config changed since the last
// time) refreshes tz_offsets, the config tables and the derived a_* tables,
// incrementally when it can (Derive). db is migrated (queries.Open).
func ensureFresh(ctx context.Context, db *sql.DB, cfg Config, o DeriveOptions) (*Derivation, error) {
	refreshMu.Lock()
	defer refreshMu.Unlock()
	zones, err := userZones(ctx, db, cfg.FallbackZone())
	if err != nil {
		return nil, err
	}
	var fp string
	if err := db.QueryRowContext(ctx, queries.Get("analysis-fingerprint")).Scan(&fp); err != nil {
		return nil, fmt.Errorf("fingerprint sources: %w", err)
	}
	config := configDigest(cfg) + "|" + strings.Join(zones, ",")
	want := fp + "|" + config
	have, err := stateGet(ctx, db, "fingerprint")
	if err != nil {
		return nil, err
	}
	d := &Derivation{}
	if have == want && !o.Full {
		d.Skipped = true
	} else {
		haveStatic, err := stateGet(ctx, db, "static")
		if err != nil {
			return nil, err
		}
		if err := rebuild(ctx, db, cfg, zones, d, func(static string) (bool, time.Time, error) {
			switch {
			case o.Full:
				d.Why = "a full derivation was asked for"
				return false, time.Time{}, nil
			case have == "":
				d.Why = "no complete derivation before"
				return false, time.Time{}, nil
			case haveStatic != config+"|"+static:
				d.Why = "the configuration, the code, a user's time zone or a team changed"
				return false, time.Time{}, nil
			}
			return decideBound(ctx, db, d)
		}); err != nil {
			return nil, err
		}
		// The fingerprint covers tz_offsets, which the rebuild just wrote,
		// and sync_meta, from which it just took dirty_from.
		if err := db.QueryRowContext(ctx, queries.Get("analysis-fingerprint")).Scan(&fp); err != nil {
			return nil, fmt.Errorf("fingerprint sources: %w", err)
		}
		var static string
		if err := db.QueryRowContext(ctx, queries.Get("analysis-static-digest")).Scan(&static); err != nil {
			return nil, fmt.Errorf("digest static sources: %w", err)
		}
		if _, err := db.ExecContext(ctx, queries.Get("analysis-state-set"), "fingerprint", fp+"|"+config); err != nil {
			return nil, fmt.Errorf("write analysis state: %w", err)
		}
		if _, err := db.ExecContext(ctx, queries.Get("analysis-state-set"), "static", config+"|"+static); err != nil {
			return nil, fmt.Errorf("write analysis state: %w", err)
		}
	}
	if d.Warnings, err = zoneWarnings(ctx, db); err != nil {
		return nil, err
	}
	return d, nil
}

// stateGet reads key of analysis_state ("" when absent).
func stateGet(ctx context.Context, db *sql.DB, key string) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, queries.Get("analysis-state-get"), key).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return "", fmt.Errorf("read analysis state: %w", err)
	}
	return v, nil
}

// decideBound reads the bound the syncs since the last derivation recorded
// (sync_meta 'dirty_from'): no bound, or one at or before which more than
// maxIncrementalShare of the incidents were created, means a full
// derivation.
func decideBound(ctx context.Context, db *sql.DB, d *Derivation) (bool, time.Time, error) {
	var from time.Time
	err := db.QueryRowContext(ctx, queries.Get("analysis-dirty-from")).Scan(&from)
	if err == sql.ErrNoRows {
		d.Why = "the sources changed without a sync recording from when"
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("read the sync's change bound: %w", err)
	}
	from = from.UTC()
	var all, after int64
	if err := db.QueryRowContext(ctx, queries.Get("analysis-dirty-share"), from).Scan(&all, &after); err != nil {
		return false, time.Time{}, fmt.Errorf("read the sync's change bound: %w", err)
	}
	if float64(after) > maxIncrementalShare*float64(all) {
		d.Why = fmt.Sprintf("%d of %d incidents changed", after, all)
		return false, time.Time{}, nil
	}
	return true, from, nil
}

// userZones returns the loadable zones of all users plus "UTC" and the
// fallback zone, sorted.
func userZones(ctx context.Context, db *sql.DB, fallback string) ([]string, error) {
	rows, err := db.QueryContext(ctx, queries.Get("analysis-user-zones"))
	if err != nil {
		return nil, fmt.Errorf("list user time zones: %w", err)
	}
	defer rows.Close()
	set := map[string]bool{"UTC": true, fallback: true}
	for rows.Next() {
		var z string
		if err := rows.Scan(&z); err != nil {
			return nil, fmt.Errorf("list user time zones: %w", err)
		}
		if _, err := loadZone(z); err == nil {
			set[z] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list user time zones: %w", err)
	}
	out := make([]string, 0, len(set))
	for z := range set {
		out = append(out, z)
	}
	sortStrings(out)
	return out, nil
}

// rebuild writes tz_offsets, analysis_hours and analysis_params from cfg
// (in one transaction that also forgets the old fingerprint), then derives
// the a_* tables, one statement and commit at a time: the first steps,
// then decide (given the static digest) says whether the rest is
// incremental and from when, then the scope and the other steps. At the
// end it forgets sync_meta 'dirty_from'. It records in d what it did. The
// caller writes the new fingerprint when it succeeded.
func rebuild(ctx context.Context, db *sql.DB, cfg Config, zones []string, d *Derivation,
	decide func(static string) (bool, time.Time, error)) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refresh analysis tables: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var rows []string
	for _, z := range zones {
		loc, lerr := loadZone(z)
		if lerr != nil {
			continue
		}
		rows = append(rows, zoneRows(z, loc)...)
	}
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-tz-delete")); err != nil {
		return fmt.Errorf("refresh tz_offsets: %w", err)
	}
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-tz-insert"), strings.Join(rows, ";")); err != nil {
		return fmt.Errorf("refresh tz_offsets: %w", err)
	}
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-hours-delete")); err != nil {
		return fmt.Errorf("write hours: %w", err)
	}
	def, err := cfg.Hours.seconds("hours", nil)
	if err != nil {
		return err
	}
	put := func(team string, h hourSeconds) error {
		_, err := tx.ExecContext(ctx, queries.Get("analysis-hours-insert"), team,
			h.businessStart, h.businessEnd, h.sleepStart, h.sleepEnd)
		if err != nil {
			return fmt.Errorf("write hours: %w", err)
		}
		return nil
	}
	if err = put("", def); err != nil {
		return err
	}
	for team, h := range cfg.TeamHours {
		if team == "" {
			continue
		}
		hs, herr := h.seconds("team_hours."+team, &cfg.Hours)
		if herr != nil {
			return herr
		}
		if err = put(team, hs); err != nil {
			return err
		}
	}
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-params-delete")); err != nil {
		return fmt.Errorf("write noise params: %w", err)
	}
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-params-insert"), cfg.Noise.TransientSeconds,
		time.Duration(cfg.Noise.RepeatWindow).Seconds(), cfg.Noise.RepeatCount, cfg.FallbackZone()); err != nil {
		return fmt.Errorf("write noise params: %w", err)
	}
	// Until the new fingerprint is written, the tables are not fresh: a
	// derivation cut short (a crash, a kill) is redone by the next one.
	if _, err = tx.ExecContext(ctx, queries.Get("analysis-state-delete"), "fingerprint"); err != nil {
		return fmt.Errorf("refresh analysis tables: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("refresh analysis tables: %w", err)
	}
	// Each step commits on its own: in one transaction for all steps,
	// the derivation of a year of the large organisation peaked at
	// 1,124-1,187 MiB of RSS; per-step commits with MemoryLimit 480MB
	// peaked at 893 MiB. No reader sees the half-built tables: the
	// database is open in this process only (ErrLocked). (A duplicated
	// on-call stretch once blamed on DuckDB here came from our union
	// statements ordering tied segments differently in two windows; see
	// analysis-refresh-user-oncall and TestUnionProperty.)
	run := func(step string, args ...any) error {
		began := time.Now()
		if _, err := db.ExecContext(ctx, queries.Get(step), args...); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		d.Steps = append(d.Steps, StepTime{step, time.Since(began)})
		return nil
	}
	for _, t := range derivedTables[:firstSteps] {
		if err := run(t.step); err != nil {
			return err
		}
	}
	var static string
	if err := db.QueryRowContext(ctx, queries.Get("analysis-static-digest")).Scan(&static); err != nil {
		return fmt.Errorf("digest static sources: %w", err)
	}
	incremental, from, err := decide(static)
	if err != nil {
		return err
	}
	d.Incremental, d.From = incremental, from
	if !incremental {
		from = tzFrom
	}
	if err := run("analysis-bounds-set", incremental, from); err != nil {
		return err
	}
	if err := run(scopeStep); err != nil {
		return err
	}
	for _, t := range derivedTables[firstSteps:] {
		if incremental && t.reach == reachFullOnly {
			continue
		}
		if err := run(t.step); err != nil {
			return err
		}
	}
	if err := run("analysis-bounds-set", false, tzFrom); err != nil {
		return err
	}
	return run("analysis-dirty-from-clear")
}

// zoneWarnings names the users whose time zone is empty or unknown.
func zoneWarnings(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, queries.Get("analysis-unknown-zone-users"))
	if err != nil {
		return nil, fmt.Errorf("check user time zones: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, z, used string
		var deleted bool
		if err := rows.Scan(&id, &z, &deleted, &used); err != nil {
			return nil, fmt.Errorf("check user time zones: %w", err)
		}
		switch {
		case deleted:
			out = append(out, fmt.Sprintf("user %s was notified but is no longer in PagerDuty (a deleted user); named \"deleted user %s\", hour classes use %s", id, id, used))
		case z == "":
			out = append(out, fmt.Sprintf("user %s has no time zone; hour classes use %s", id, used))
		default:
			out = append(out, fmt.Sprintf("user %s has unknown time zone %q; hour classes use %s", id, z, used))
		}
	}
	return out, rows.Err()
}

// Derive validates cfg and brings the derived a_* tables and tz_offsets up
// to date with the synced rows and cfg; a database whose rows and cfg did
// not change since the last Derive is not derived again. It is the one
// derivation of a command, which calls it once: sync at its end, report
// and export before they read. A Computer and export.Write take the
// derived tables as they are. It returns the warnings about users whose
// time zone is unknown. Derive is DeriveWith without options.
func Derive(ctx context.Context, db *sql.DB, cfg Config) ([]string, error) {
	d, err := DeriveWith(ctx, db, cfg, DeriveOptions{})
	if err != nil {
		return nil, err
	}
	return d.Warnings, nil
}

// DeriveWith is Derive with options; it says what it did.
//
// # Incremental derivation
//
// Every window of rows a sync stores lowers sync_meta 'dirty_from' to the
// window's start (ingest), so after an incremental sync it holds the
// earliest instant any incident, alert, log entry or on-call it wrote can
// touch: the earliest watermark less the look-back. A derivation then
// derives again only the rows that sources changed at or after that bound
// can change, each table within its declared reach (derivedTables):
// incidents created at or after it and the repeat window before each,
// older incidents a later acknowledge or resolve changed (the late change
// of ingest's lateIncidents), their alerts, the notifications and
// interruptions from the island in progress at the bound, and the
// per-incident counts of all of these. Tables declared without a reach
// (the users, teams and on-call tables, small) are recomputed whole, and
// the 28-day on-call window of the reports reads the on-call unions as
// they are. The rows derived again are appended, so the tables stay close
// to time order; a full derivation sorts them.
//
// A derivation derives everything (Derivation.Why says why) when:
// o.Full; nothing was derived completely before (a first sync, or a
// derivation cut short); the config, the schema version (every migration
// since) or the statements changed; a user's zone, the team source or the
// team of a service or escalation policy changed, since those can change
// any row (a new user counts, also a deleted user first named); the
// sources changed without a sync recording a bound; or more than half of
// the incidents were created at or after the bound. It ends by forgetting
// the bound, in the derivation's last steps: one cut short is redone in
// full by the next.
func DeriveWith(ctx context.Context, db *sql.DB, cfg Config, o DeriveOptions) (*Derivation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return ensureFresh(ctx, db, cfg, o)
}
