package ingest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// TestAlertsOverOffsetCap: one incident with more alerts than the offset
// cap lets a client page through. Its alerts are fetched by status
// (statuses[]=triggered, then resolved), each part under the cap, so all
// are stored; a part still over the cap is stored up to the cap with a
// warning naming the incident.
func TestAlertsOverOffsetCap(t *testing.T) {
	for _, c := range []struct {
		name                      string
		alerts                    int
		wantTriggered, wantResolv int
		warnings                  int
	}{
		// 10,050 alerts: 5,025 of each status (even ones resolved); each
		// part fits under the cap, nothing is lost.
		{"split by status", 10050, 5025, 5025, 0},
		// 20,002 alerts: 10,001 of each; each part is over the cap and
		// stops at 10,000 (offset 9,900 is the last page PagerDuty serves).
		{"each part over the cap", 20002, 10000, 10000, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 3, End: testEnd, Days: 2})
			if err != nil {
				t.Fatal(err)
			}
			srv := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: testToken,
				Shapes: pagerdutytest.Shapes{ManyAlerts: pagerdutytest.ManyAlerts{Number: 1, Alerts: c.alerts}}})
			hs := httptest.NewServer(srv)
			defer hs.Close()
			f := &fixture{org: org, srv: srv, url: hs.URL}
			db := openDB(t, filepath.Join(t.TempDir(), "pd.duckdb"))
			st := f.sync(t, db, f.client(ClientOptions{}), Options{})
			var trig, res int
			if err := db.QueryRow(`SELECT count(*) FILTER (WHERE a.status = 'triggered'), count(*) FILTER (WHERE a.status = 'resolved')
				FROM alerts a JOIN incidents i ON i.id = a.incident_id WHERE i.incident_number = 1`).Scan(&trig, &res); err != nil {
				t.Fatal(err)
			}
			if trig != c.wantTriggered || res != c.wantResolv {
				t.Errorf("stored %d triggered, %d resolved; want %d, %d", trig, res, c.wantTriggered, c.wantResolv)
			}
			n := 0
			for _, w := range st.Warnings {
				if strings.Contains(w, "alerts of incident") && strings.Contains(w, "offset cap") {
					n++
				}
			}
			if n != c.warnings {
				t.Errorf("warnings %q, want %d about the offset cap", st.Warnings, c.warnings)
			}
		})
	}
}

// TestWholeListOverOffsetCap: a list no filter splits (users) that goes on
// past the offset cap is stored as far as PagerDuty serves it, 10,000
// users (pages at offsets 0 to 9,900), with a warning, instead of failing.
func TestWholeListOverOffsetCap(t *testing.T) {
	pd := &fakePD{ListUsersFunc: func(_ context.Context, o pagerduty.ListUsersOptions) (*pagerduty.ListUsersResponse, error) {
		if o.Offset+o.Limit > OffsetCap {
			return nil, fmt.Errorf("HTTP 400: offset+limit exceeds 10000")
		}
		r := &pagerduty.ListUsersResponse{APIListObject: pagerduty.APIListObject{More: true}}
		for i := range o.Limit {
			r.Users = append(r.Users, pagerduty.User{APIObject: pagerduty.APIObject{ID: fmt.Sprintf("U%05d", o.Offset+i)}, Name: "u"})
		}
		return r, nil
	}}
	s, db := syncerOn(t, pd, Options{})
	n, err := usersResource().sync(context.Background(), s)
	if err != nil {
		t.Fatalf("sync users: %v", err)
	}
	var stored int
	if err := db.QueryRow(`SELECT count(*) FROM users`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if n != OffsetCap || stored != OffsetCap {
		t.Errorf("%d users received, %d stored; want %d", n, stored, OffsetCap)
	}
	if len(s.warnings) != 1 || !strings.Contains(s.warnings[0], "users: PagerDuty lets a client page through 10000 items") {
		t.Errorf("warnings %q, want one about users and the cap", s.warnings)
	}
}

// TestHistoryStart: sync_meta 'history_start' is the first sync's Since; a
// later incremental sync with an earlier (default) Since leaves it, a
// --full sync from earlier moves it back.
func TestHistoryStart(t *testing.T) {
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 3, End: testEnd, Days: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: testToken})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	f := &fixture{org: org, srv: srv, url: hs.URL}
	db := openDB(t, filepath.Join(t.TempDir(), "pd.duckdb"))
	start := func() string {
		var at string
		if err := db.QueryRow(`SELECT strftime(value_at, '%Y-%m-%d') FROM sync_meta WHERE key = 'history_start'`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	day := func(d int) time.Time { return org.End().AddDate(0, 0, -d) }
	for _, c := range []struct {
		name  string
		o     Options
		after string
	}{
		{"first sync: its since", Options{Since: day(2)}, "2026-11-14"},
		{"incremental from earlier: unchanged", Options{Since: day(3)}, "2026-11-14"},
		{"full from earlier: moved back", Options{Since: day(3), Full: true}, "2026-11-13"},
	} {
		f.sync(t, db, f.client(ClientOptions{}), c.o)
		if got := start(); got != c.after {
			t.Errorf("%s: history_start %s, want %s", c.name, got, c.after)
		}
	}
}
