package analysis

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/oncall-health/oncall-health/queries"
)

// planter plants rows into a fresh, migrated DuckDB file.
type planter struct {
	t  testing.TB
	db *sql.DB
	n  int // id counter for generated log entry ids
}

func newPlanter(t testing.TB) *planter {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "test.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := queries.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return &planter{t: t, db: db}
}

func (p *planter) exec(q string, args ...any) {
	p.t.Helper()
	if _, err := p.db.Exec(q, args...); err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
}

// null turns "" into SQL NULL.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func (p *planter) user(id, tz string) {
	p.exec(`INSERT INTO users (id, name, time_zone) VALUES ($1, $2, $3)`, id, "Name "+id, null(tz))
}

func (p *planter) team(id string) {
	p.exec(`INSERT INTO teams (id, name) VALUES ($1, $2)`, id, "Team "+id)
}

func (p *planter) member(team, user string) {
	p.exec(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, team, user)
}

func (p *planter) service(id, team, policy string) {
	p.exec(`INSERT INTO services (id, name, escalation_policy_id, team_id) VALUES ($1, $1, $2, $3)`, id, null(policy), null(team))
}

func (p *planter) policy(id, team string) {
	p.exec(`INSERT INTO escalation_policies (id, name, team_id) VALUES ($1, $1, $2)`, id, null(team))
}

// incident plants an incident; resolved "" leaves the incident's own
// resolved_at NULL.
func (p *planter) incident(id, title, service, policy, team string, created time.Time, resolved string) {
	var r any
	if resolved != "" {
		r = ts(resolved)
	}
	p.exec(`INSERT INTO incidents (id, incident_number, title, status, service_id, escalation_policy_id, team_id, created_at, resolved_at)
		VALUES ($1, 1, $2, 'triggered', $3, $4, $5, $6, $7)`, id, title, null(service), null(policy), null(team), created, r)
}

func (p *planter) alert(id, incident string, at time.Time) {
	p.exec(`INSERT INTO alerts (id, incident_id, created_at) VALUES ($1, $2, $3)`, id, incident, at)
}

func (p *planter) logEntry(typ string, at time.Time, incident, user, agentType, channel string) {
	p.n++
	p.exec(`INSERT INTO log_entries (id, type, created_at, incident_id, user_id, agent_type, notification_type)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, fmt.Sprintf("LE%06d", p.n), typ, at, null(incident), null(user), null(agentType), null(channel))
}

func (p *planter) notify(user, incident string, at time.Time, channel string) {
	p.logEntry("notify", at, incident, user, "", channel)
}

func (p *planter) ack(incident string, at time.Time) {
	p.logEntry("acknowledge", at, incident, "", "user_reference", "")
}

func (p *planter) resolve(incident string, at time.Time, agentType string) {
	p.logEntry("resolve", at, incident, "", agentType, "")
}

func (p *planter) oncall(user, policy string, level int, start, end string) {
	var e any
	if end != "" {
		e = ts(end)
	}
	p.exec(`INSERT INTO oncalls (user_id, escalation_policy_id, escalation_level, start_at, end_at) VALUES ($1, $2, $3, $4, $5)`,
		user, policy, level, ts(start), e)
}

// compute runs Compute for the week or month label in UTC with the defaults.
func (p *planter) compute(label string) *Metrics {
	p.t.Helper()
	return p.computeCfg(label, DefaultConfig())
}

func (p *planter) computeCfg(label string, cfg Config) *Metrics {
	p.t.Helper()
	loc := cfg.Location()
	var per Period
	var err error
	if len(label) == 8 && label[5] == 'W' {
		per, err = ParseWeek(label, loc)
	} else {
		per, err = ParseMonth(label, loc)
	}
	if err != nil {
		p.t.Fatal(err)
	}
	m, err := Compute(context.Background(), p.db, per, cfg)
	if err != nil {
		p.t.Fatalf("Compute(%s): %v", label, err)
	}
	return m
}

func responderByID(t testing.TB, m *Metrics, id string) Responder {
	t.Helper()
	for _, r := range m.Responders {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no responder %s in %+v", id, m.Responders)
	return Responder{}
}

func teamByID(t testing.TB, m *Metrics, id string) Team {
	t.Helper()
	for _, tm := range m.Teams {
		if tm.ID == id {
			return tm
		}
	}
	t.Fatalf("no team %s", id)
	return Team{}
}

func f64(v float64) *float64 { return &v }

func eqPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

func fmtPtr(a *float64) string {
	if a == nil {
		return "null"
	}
	return fmt.Sprint(*a)
}
