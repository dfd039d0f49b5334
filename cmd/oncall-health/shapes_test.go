package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// The end-to-end tests of issue 14's shapes through `report`: each syncs
// the 8-day organisation (newOrg: 2026-11-08 to 2026-11-16) from the fake
// serving one shape, writes the report of 2026-W46 (2026-11-09 to
// 2026-11-16, all inside the synced range) and checks the figures the shape
// affects against what the planted data give, derived in the comments,
// mostly beside the same organisation synced without the shape.

// w46 is the reported week and its bounds.
const w46 = "2026-W46"

var (
	w46Start = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	w46End   = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
)

// classes are interruptions by hour class.
type classes struct{ Total, Business, Off, Sleep int }

// totals are the org's (or a team's) figures the shape tests read.
type totals struct {
	Incidents     int     `json:"incidents"`
	Alerts        int     `json:"alerts"`
	Interruptions classes `json:"interruptions"`
	MTTR          struct {
		Count int     `json:"count"`
		Mean  float64 `json:"mean"`
	} `json:"mttr"`
	OpenIncidents int `json:"open_incidents"`
}

// shapeMetrics is the part of metrics.json the shape tests read.
type shapeMetrics struct {
	Period struct {
		TeamSource string `json:"team_source"`
	} `json:"period"`
	Org   totals `json:"org"`
	Teams []struct {
		totals
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"teams"`
	Responders []struct {
		ID            string  `json:"id"`
		Name          string  `json:"name"`
		TimeZone      string  `json:"time_zone"`
		OnCallSeconds float64 `json:"on_call_seconds"`
		Interruptions classes `json:"interruptions"`
	} `json:"responders"`
	raw []byte
}

func (m shapeMetrics) responder(t *testing.T, id string) (name, zone string, onCall float64, in classes) {
	t.Helper()
	for _, r := range m.Responders {
		if r.ID == id {
			return r.Name, r.TimeZone, r.OnCallSeconds, r.Interruptions
		}
	}
	t.Fatalf("no responder %s in metrics.json", id)
	return
}

// reportOn writes the report of week on dbPath (extra flags appended) and
// returns metrics.json, stdout and stderr.
func reportOn(t *testing.T, dbPath, week string, extra ...string) (shapeMetrics, string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd(t, nil, append([]string{"report", "--db", dbPath, "--out", out, "--week", week}, extra...)...)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := shapeMetrics{raw: b}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m, stdout, stderr
}

// syncReport syncs org served with sh (syncShapes) and reports 2026-W46.
func syncReport(t *testing.T, org *pagerdutytest.Org, sh pagerdutytest.Shapes, extra ...string) (shapeMetrics, string, *sql.DB) {
	t.Helper()
	stdout, dbPath, db := syncShapes(t, org, sh)
	db.Close() // the report opens the file itself
	m, _, _ := reportOn(t, dbPath, w46, extra...)
	db, err := sql.Open("duckdb", dbPath+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return m, stdout, db
}

// TestShapeReports: the report's figures under each shape that changes
// them, beside the same organisation synced plain.
func TestShapeReports(t *testing.T) {
	org := newOrg(t)
	plain, _, plainDB := syncReport(t, org, pagerdutytest.Shapes{})

	t.Run("no teams", func(t *testing.T) {
		// Shape 1. Each escalation policy stands as a team: its incidents
		// are the week's incidents on that policy (incidents.escalation_
		// policy_id, as the fake sent them), and the policies together hold
		// all of the org's incidents, none unassigned.
		m, _, db := syncReport(t, org, pagerdutytest.Shapes{NoTeams: 402})
		sum := 0
		for _, tm := range m.Teams {
			want := count(t, db, `SELECT count(*) FROM incidents WHERE escalation_policy_id = $1 AND created_at >= $2 AND created_at < $3`,
				tm.ID, w46Start, w46End)
			if tm.Incidents != want {
				t.Errorf("policy %s: %d incidents, want %d", tm.ID, tm.Incidents, want)
			}
			sum += tm.Incidents
		}
		if sum != plain.Org.Incidents || m.Org.Incidents != plain.Org.Incidents || sum == 0 {
			t.Errorf("policies hold %d incidents, org %d; want the plain org's %d", sum, m.Org.Incidents, plain.Org.Incidents)
		}
	})

	t.Run("permanent on-call", func(t *testing.T) {
		// Shape 4. The manager named directly at level 3 is on call from the
		// first sync's --since (2026-11-08) to the last sync (2026-11-16):
		// clipped to the week, the whole week, 7 x 86,400 = 604,800 s (the
		// union over levels: the manager's own level-2 weeks lie inside it).
		// Without the shape the manager is on call less than the whole week
		// (one week in four on level 2, from Monday 09:00 London).
		m, _, _ := syncReport(t, org, pagerdutytest.Shapes{PermanentOncall: true})
		user, _ := org.PermanentManager()
		if _, _, on, _ := m.responder(t, user); on != 604800 {
			t.Errorf("permanent manager on call %v s in the week, want 604,800", on)
		}
		for _, r := range plain.Responders {
			if r.ID == user && r.OnCallSeconds >= 604800 {
				t.Errorf("without the shape the manager is on call %v s: the test shows nothing", r.OnCallSeconds)
			}
		}
	})

	t.Run("several teams", func(t *testing.T) {
		// Shape 5. Services, policies and every fifth incident carry a second
		// team; attribution stays with the first (incidents.team_id), so
		// every team's figures are the plain sync's, team by team.
		m, _, db := syncReport(t, org, pagerdutytest.Shapes{SecondTeam: true})
		if n := count(t, db, `SELECT count(*) FROM incident_teams WHERE position = 1 AND incident_id IN
			(SELECT id FROM incidents WHERE created_at >= $1 AND created_at < $2)`, w46Start, w46End); n == 0 {
			t.Fatal("no incident of the week on two teams: the test shows nothing")
		}
		want := map[string]totals{}
		for _, tm := range plain.Teams {
			want[tm.ID] = tm.totals
		}
		for _, tm := range m.Teams {
			if w, ok := want[tm.ID]; !ok || tm.Incidents != w.Incidents || tm.Alerts != w.Alerts || tm.Interruptions != w.Interruptions {
				t.Errorf("team %s: %+v, want the plain sync's %+v", tm.ID, tm.totals, w)
			}
		}
		if len(m.Teams) != len(plain.Teams) {
			t.Errorf("%d teams, want %d", len(m.Teams), len(plain.Teams))
		}
	})

	t.Run("deleted user", func(t *testing.T) {
		// Shape 6. The night owl (America/Denver) is deleted from /users but
		// still paged. With default_time_zone America/Denver the fallback
		// zone is their own, so their pages are the plain sync's, class by
		// class; they are named "deleted user <id>"; report warns once.
		id, _ := org.UserID(pagerdutytest.NightOwlUserName)
		cfg := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(cfg, []byte("default_time_zone: "+pagerdutytest.NightOwlTimeZone+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		stdout, dbPath, db := syncShapes(t, org, pagerdutytest.Shapes{DeletedUser: pagerdutytest.NightOwlUserName})
		db.Close()
		m, rout, rerr := reportOn(t, dbPath, w46, "--config", cfg)
		name, zone, _, in := m.responder(t, id)
		_, _, _, want := plain.responder(t, id)
		if name != "deleted user "+id || zone != pagerdutytest.NightOwlTimeZone || in != want || want.Sleep == 0 {
			t.Errorf("deleted user: %q %s %+v, want %q %s %+v (sleep > 0)", name, zone, in, "deleted user "+id, pagerdutytest.NightOwlTimeZone, want)
		}
		// In UTC (the default fallback) the same pages fall in other classes:
		// Denver's 22:00-08:00 is 05:00-15:00 UTC, mostly UTC business hours.
		utc, _, _ := reportOn(t, dbPath, w46)
		_, uzone, _, uin := utc.responder(t, id)
		if uzone != "UTC" || uin.Total != want.Total || uin.Sleep >= want.Sleep {
			t.Errorf("in UTC: %s %+v, want UTC, total %d and fewer than %d sleep pages", uzone, uin, want.Total, want.Sleep)
		}
		line := "warning: user " + id + " was notified but is no longer in PagerDuty"
		if strings.Count(stdout, line) != 1 || strings.Count(rerr, line) != 1 || !strings.Contains(rout, "warnings about the data") {
			t.Errorf("want one %q after sync and one after report:\nsync: %s\nreport: %s %s", line, stdout, rout, rerr)
		}
	})

	t.Run("no time zone", func(t *testing.T) {
		// Shape 6. The week's first responder not in UTC gets a null zone:
		// the report shows them in the fallback zone, UTC by default.
		var id, name, zone string
		for _, r := range plain.Responders {
			if r.TimeZone != "UTC" {
				id, name, zone = r.ID, r.Name, r.TimeZone
				break
			}
		}
		m, _, _ := syncReport(t, org, pagerdutytest.Shapes{NoTimeZone: name})
		if _, got, _, _ := m.responder(t, id); got != "UTC" || zone == "" {
			t.Errorf("zoneless %s in %q, want UTC (was %q)", name, got, zone)
		}
	})

	t.Run("merged", func(t *testing.T) {
		// Shape 7. The fake merges the resolved incidents numbered 10, 20,
		// ...: those of the week leave MTTR (its count drops by exactly
		// their number) and their pages stay (interruptions unchanged).
		m, _, _ := syncReport(t, org, pagerdutytest.Shapes{Merged: true})
		merged := count(t, plainDB, `SELECT count(*) FROM incidents WHERE status = 'resolved' AND incident_number % $1 = 0
			AND created_at >= $2 AND created_at < $3`, pagerdutytest.MergeEvery, w46Start, w46End)
		if merged == 0 || m.Org.MTTR.Count != plain.Org.MTTR.Count-merged {
			t.Errorf("MTTR over %d incidents, want the plain %d less %d merged", m.Org.MTTR.Count, plain.Org.MTTR.Count, merged)
		}
		if m.Org.Interruptions != plain.Org.Interruptions || m.Org.Incidents != plain.Org.Incidents {
			t.Errorf("merged: %+v %d, want the plain %+v %d", m.Org.Interruptions, m.Org.Incidents, plain.Org.Interruptions, plain.Org.Incidents)
		}
	})

	t.Run("undecodable items", func(t *testing.T) {
		// Shape 8. About one incident in 50 is undecodable and skipped: the
		// week's incidents are the plain sync's less the corrupt ones created
		// in it (pagerdutytest.Corrupt of the id).
		m, _, _ := syncReport(t, org, pagerdutytest.Shapes{BadItems: true})
		rows, err := plainDB.Query(`SELECT id FROM incidents WHERE created_at >= $1 AND created_at < $2`, w46Start, w46End)
		if err != nil {
			t.Fatal(err)
		}
		corrupt := 0
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			if pagerdutytest.Corrupt(id) {
				corrupt++
			}
		}
		rows.Close()
		if corrupt == 0 || m.Org.Incidents != plain.Org.Incidents-corrupt {
			t.Errorf("%d incidents, want the plain %d less %d corrupt", m.Org.Incidents, plain.Org.Incidents, corrupt)
		}
	})

	t.Run("many alerts", func(t *testing.T) {
		// Shape 10. One incident of the week (the first created on Tuesday
		// 2026-11-10) gets 10,050 alerts of its own, one second apart, so
		// all inside the week: more than the offset cap, fetched by status
		// (5,025 resolved, 5,025 triggered). The org's alerts are the plain
		// ones less that incident's own plus 10,050.
		var number, own int
		if err := plainDB.QueryRow(`SELECT i.incident_number, (SELECT count(*) FROM alerts a WHERE a.incident_id = i.id)
			FROM incidents i WHERE i.created_at >= '2026-11-10' ORDER BY i.created_at LIMIT 1`).Scan(&number, &own); err != nil {
			t.Fatal(err)
		}
		m, _, _ := syncReport(t, org, pagerdutytest.Shapes{ManyAlerts: pagerdutytest.ManyAlerts{Number: number, Alerts: 10050}})
		if want := plain.Org.Alerts - own + 10050; m.Org.Alerts != want {
			t.Errorf("%d alerts, want %d - %d + 10,050 = %d", m.Org.Alerts, plain.Org.Alerts, own, want)
		}
	})
}

// TestSameFiguresThroughTheWire: an OAuth token (shape 2), an API URL with
// a path and a trailing slash in front of the fake (shape 3, as behind a
// proxy or with https://api.eu.pagerduty.com/) and long runs of 429s that
// carry only ratelimit-reset: 0 (shape 9) change how the sync talks to
// PagerDuty, not what it stores: the week's metrics.json is byte for byte
// the plain sync's. The 429s: after every 40 requests answered, 30 in a
// row are refused, more than the 8 retries a 5xx gets, so the sync must
// keep going; it retries each one (retries in the summary = 429s served)
// and waits at least MinBackoff (1 ms in these tests) between them despite
// the reset of 0 s.
func TestSameFiguresThroughTheWire(t *testing.T) {
	org := newOrg(t)
	plain, _, _ := syncReport(t, org, pagerdutytest.Shapes{})
	const key, oauth = "pdkey-wire", "pdoauth-wire-8c1f"
	span := []string{"--rate", "0", "--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339)}
	for _, c := range []struct {
		name   string
		opts   pagerdutytest.Options
		env    map[string]string
		suffix string
	}{
		{"oauth", pagerdutytest.Options{OAuthToken: oauth}, map[string]string{"PAGERDUTY_OAUTH_TOKEN": oauth, "PAGERDUTY_TOKEN": ""}, ""},
		{"path prefix", pagerdutytest.Options{PathPrefix: "/pagerduty"}, nil, "/pagerduty/"},
		{"rate limited", pagerdutytest.Options{Shapes: pagerdutytest.Shapes{RateLimited: pagerdutytest.RateLimited{Every: 40, Run: 30}}}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			fastRetries(t)
			c.opts.Token, c.opts.Now = key, org.End
			fake := pagerdutytest.NewServer(org, c.opts)
			var mu sync.Mutex
			limitedAt := map[string]time.Time{} // request URL: when its last 429 was sent
			var gaps []time.Duration            // between a 429 and the same request again
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				u := r.URL.String()
				mu.Lock()
				if at, ok := limitedAt[u]; ok {
					gaps = append(gaps, time.Since(at))
					delete(limitedAt, u)
				}
				mu.Unlock()
				rec := httptest.NewRecorder()
				fake.ServeHTTP(rec, r)
				if rec.Code == http.StatusTooManyRequests {
					mu.Lock()
					limitedAt[u] = time.Now()
					mu.Unlock()
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			}))
			t.Cleanup(hs.Close)
			env := c.env
			if env == nil {
				env = map[string]string{"PAGERDUTY_TOKEN": key, "PAGERDUTY_OAUTH_TOKEN": ""}
			}
			db := filepath.Join(t.TempDir(), "pd.duckdb")
			code, stdout, stderr := runCmd(t, env, append([]string{"sync", "--db", db, "--api-url", hs.URL + c.suffix}, span...)...)
			if code != 0 {
				t.Fatalf("sync: exit %d: %s", code, stderr)
			}
			m, rout, rerr := reportOn(t, db, w46)
			if string(m.raw) != string(plain.raw) {
				t.Errorf("metrics.json differs from the plain sync's")
			}
			for _, s := range []string{stdout, stderr, rout, rerr} {
				if strings.Contains(s, oauth) || strings.Contains(s, key) {
					t.Errorf("output holds a token")
				}
			}
			if c.name != "rate limited" {
				return
			}
			n := fake.RateLimitedCount()
			if want := fmt.Sprintf(" %d retries,", n); n < 30 || !strings.Contains(stdout, "sync done:") || !strings.Contains(stdout, want) {
				t.Errorf("%d 429s served; summary lacks %q:\n%s", n, want, stdout)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, g := range gaps {
				if g < time.Millisecond {
					t.Errorf("retried %v after a 429 with ratelimit-reset 0, want at least 1 ms", g)
					break
				}
			}
			if len(gaps) < 30 {
				t.Errorf("%d retries after 429s seen", len(gaps))
			}
		})
	}
}
