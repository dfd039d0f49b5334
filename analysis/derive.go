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
// and the text of the statements that derive them: a new version of
// oncall-health that derives differently re-derives a database the old one
// derived.
func configDigest(cfg Config) string {
	h := sha256.New()
	for _, step := range refreshSteps {
		fmt.Fprintf(h, "%s\x00", queries.Get(step))
	}
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

// refreshSteps are the statements that rebuild the a_* tables, in order.
var refreshSteps = []string{
	"analysis-refresh-users",
	"analysis-refresh-teams",
	"analysis-refresh-incidents",
	"analysis-refresh-alerts",
	"analysis-refresh-notify",
	"analysis-refresh-interruptions",
	"analysis-refresh-incident-counts",
	"analysis-refresh-segments",
	"analysis-refresh-shifts",
	"analysis-refresh-user-oncall",
	"analysis-refresh-user-oncall-l1",
	"analysis-refresh-team-oncall-l1",
	"analysis-refresh-order",
}

// ensureFresh (when the source rows or the config changed since the last
// time) refreshes tz_offsets, the config tables and every derived a_*
// table. db is migrated (queries.Open). It returns the warnings about users
// whose time zone is unknown.
func ensureFresh(ctx context.Context, db *sql.DB, cfg Config) ([]string, error) {
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
	want := fp + "|" + configDigest(cfg) + "|" + strings.Join(zones, ",")
	var have string
	err = db.QueryRowContext(ctx, queries.Get("analysis-state-get"), "fingerprint").Scan(&have)
	if err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("read analysis state: %w", err)
	}
	if have != want {
		if err := rebuild(ctx, db, cfg, zones); err != nil {
			return nil, err
		}
		// The fingerprint covers tz_offsets, which the rebuild just wrote.
		if err := db.QueryRowContext(ctx, queries.Get("analysis-fingerprint")).Scan(&fp); err != nil {
			return nil, fmt.Errorf("fingerprint sources: %w", err)
		}
		want = fp + "|" + configDigest(cfg) + "|" + strings.Join(zones, ",")
		if _, err := db.ExecContext(ctx, queries.Get("analysis-state-set"), "fingerprint", want); err != nil {
			return nil, fmt.Errorf("write analysis state: %w", err)
		}
	}
	return zoneWarnings(ctx, db)
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
// (in one transaction that also forgets the old fingerprint), then
// recreates the a_* tables, one statement and commit at a time. The caller
// writes the new fingerprint when it succeeded.
func rebuild(ctx context.Context, db *sql.DB, cfg Config, zones []string) (err error) {
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
	// Each step commits on its own: in one transaction for all steps, the
	// derivation of a year of the large organisation peaked at
	// 1,124-1,187 MiB of RSS; per-step commits with MemoryLimit 480MB
	// peaked at 893 MiB. No reader sees the half-built tables: the
	// database is open in this process only (ErrLocked). (A duplicated
	// on-call stretch once blamed on DuckDB here came from our union
	// statements ordering tied segments differently in two windows; see
	// analysis-refresh-user-oncall and TestUnionProperty.)
	for _, step := range refreshSteps {
		if _, err := db.ExecContext(ctx, queries.Get(step)); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	}
	return nil
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
// time zone is unknown.
func Derive(ctx context.Context, db *sql.DB, cfg Config) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return ensureFresh(ctx, db, cfg)
}
