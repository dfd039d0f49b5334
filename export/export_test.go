package export

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/queries"
)

// title has a comma, quotes and a newline: CSV must quote it and read it
// back whole.
const title = "disk \"full\", on\nhost-1"

// plant opens a database in a temporary directory and plants one user,
// team, policy and service, incidents I1 (2026-10-31 23:30 UTC, with an
// alert, an SMS page and a resolve) and I2 (2026-11-02 13:00), and one
// level-1 on-call from 2026-11-02 09:00; then derives the report tables as
// a command does before it exports.
func plant(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := queries.Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO users (id, name, time_zone) VALUES ('U1', 'Name U1', 'Europe/Berlin')`, nil},
		{`INSERT INTO teams (id, name) VALUES ('T1', 'Team T1')`, nil},
		{`INSERT INTO team_members (team_id, user_id) VALUES ('T1', 'U1')`, nil},
		{`INSERT INTO escalation_policies (id, name, team_id) VALUES ('EP1', 'EP1', 'T1')`, nil},
		{`INSERT INTO services (id, name, escalation_policy_id, team_id) VALUES ('S1', 'S1', 'EP1', 'T1')`, nil},
		{`INSERT INTO incidents (id, incident_number, title, status, service_id, escalation_policy_id, team_id, created_at)
		  VALUES ('I1', 1, $1, 'triggered', 'S1', 'EP1', 'T1', TIMESTAMP '2026-10-31 23:30:00')`, []any{title}},
		{`INSERT INTO incidents (id, incident_number, title, status, service_id, escalation_policy_id, team_id, created_at)
		  VALUES ('I2', 2, 'cpu high', 'triggered', 'S1', 'EP1', 'T1', TIMESTAMP '2026-11-02 13:00:00')`, nil},
		{`INSERT INTO alerts (id, incident_id, created_at) VALUES ('A1', 'I1', TIMESTAMP '2026-10-31 23:30:00')`, nil},
		{`INSERT INTO log_entries (id, type, created_at, incident_id, user_id, notification_type)
		  VALUES ('LE1', 'notify', TIMESTAMP '2026-10-31 23:30:05', 'I1', 'U1', 'sms')`, nil},
		{`INSERT INTO log_entries (id, type, created_at, incident_id, agent_type)
		  VALUES ('LE2', 'resolve', TIMESTAMP '2026-11-01 00:10:00', 'I1', 'user_reference')`, nil},
		{`INSERT INTO oncalls (user_id, escalation_policy_id, escalation_level, start_at, end_at)
		  VALUES ('U1', 'EP1', 1, TIMESTAMP '2026-11-02 09:00:00', TIMESTAMP '2026-11-09 09:00:00')`, nil},
		{`INSERT INTO permanent_oncalls (user_id, escalation_policy_id, escalation_level, last_seen_at)
		  VALUES ('U1', 'EP1', 2, TIMESTAMP '2026-11-09 09:00:00')`, nil},
		{`INSERT INTO incident_teams (incident_id, team_id, position) VALUES ('I1', 'T1', 0), ('I1', 'T2', 1)`, nil},
		{`INSERT INTO service_teams (service_id, team_id, position) VALUES ('S1', 'T1', 0)`, nil},
		{`INSERT INTO escalation_policy_teams (escalation_policy_id, team_id, position) VALUES ('EP1', 'T1', 0)`, nil},
		{`INSERT INTO incident_notes (id, incident_id, user_id, user_name, content, created_at)
		  VALUES ('N1', 'I1', 'U1', 'Name U1', 'restarted host-1', TIMESTAMP '2026-10-31 23:40:00')`, nil},
		{`INSERT INTO sync_meta (key, value_at) VALUES ('history_start', TIMESTAMP '2026-10-01 00:00:00')`, nil},
	} {
		if _, err := db.Exec(s.q, s.args...); err != nil {
			t.Fatalf("%s: %v", s.q, err)
		}
	}
	if _, err := analysis.Derive(ctx, db, analysis.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	return db
}

// wantRows are the rows planted, per exported table: incident_facts has one
// row per incident (2), interruptions one per page (the one SMS), shifts
// the one level-1 on-call; incident_teams the two teams of I1; the other
// tables the one row planted in each.
var wantRows = map[string]int{
	"users": 1, "teams": 1, "team_members": 1, "services": 1, "escalation_policies": 1,
	"incidents": 2, "alerts": 1, "log_entries": 2, "oncalls": 1,
	"permanent_oncalls": 1, "incident_teams": 2, "service_teams": 1, "escalation_policy_teams": 1,
	"incident_notes": 1, "sync_meta": 1,
	"incident_facts": 2, "interruptions": 1, "shifts": 1,
}

// reader is the DuckDB table function reading an exported file of format.
var reader = map[string]string{
	"parquet": `SELECT count(*) FROM read_parquet($1)`,
	"csv":     `SELECT count(*) FROM read_csv($1, header = true)`,
}

func TestWrite(t *testing.T) {
	db := plant(t)
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			names, err := Write(context.Background(), db, dir, Options{Format: format})
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			if len(names) != len(Tables) {
				t.Errorf("wrote %d files, want %d", len(names), len(Tables))
			}
			for _, table := range Tables {
				if _, ok := wantRows[table]; !ok {
					t.Errorf("%s: exported but no row count planted for it", table)
				}
			}
			for table, n := range wantRows {
				path := filepath.Join(dir, table+"."+format)
				fi, err := os.Stat(path)
				if err != nil {
					t.Errorf("%s: %v", table, err)
					continue
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", table, fi.Mode().Perm())
				}
				var got int
				if err := db.QueryRow(reader[format], path).Scan(&got); err != nil {
					t.Errorf("read back %s: %v", table, err)
					continue
				}
				if got != n {
					t.Errorf("%s: %d rows read back, want %d", table, got, n)
				}
			}
			var back string
			q := map[string]string{
				"parquet": `SELECT title FROM read_parquet($1) WHERE id = 'I1'`,
				"csv":     `SELECT title FROM read_csv($1, header = true) WHERE id = 'I1'`,
			}[format]
			if err := db.QueryRow(q, filepath.Join(dir, "incidents."+format)).Scan(&back); err != nil {
				t.Fatal(err)
			}
			if back != title {
				t.Errorf("title read back %q, want %q", back, title)
			}
			assertOnly(t, dir, names)
		})
	}
	if _, err := Write(context.Background(), db, t.TempDir(), Options{Format: "xlsx"}); !errors.Is(err, ErrFormat) {
		t.Errorf("format xlsx: err = %v, want ErrFormat", err)
	}
	if _, err := Write(context.Background(), db, t.TempDir(), Options{Format: "csv", Partition: "day"}); !errors.Is(err, ErrPartition) {
		t.Errorf("partition day: err = %v, want ErrPartition", err)
	}
}

// TestWriteByMonth: --partition month writes the large tables in the Hive
// layout, one month=YYYY-MM directory per month (UTC) of the time column,
// readable with hive_partitioning, and the small tables as single files.
func TestWriteByMonth(t *testing.T) {
	db := plant(t)
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			// A second export over the first replaces it.
			for range 2 {
				if _, err := Write(context.Background(), db, dir, Options{Format: format, Partition: "month"}); err != nil {
					t.Fatalf("export: %v", err)
				}
			}
			// The planted times: I1, A1, LE1 in 2026-10 (23:30 on the 31st
			// UTC, already November in Berlin: the month is UTC's); LE2 at
			// 00:10 on 2026-11-01; I2, the on-call and its shift in 2026-11;
			// the page LE1 is 2026-10.
			want := map[string]map[string]int{
				"incidents":      {"2026-10": 1, "2026-11": 1},
				"alerts":         {"2026-10": 1},
				"log_entries":    {"2026-10": 1, "2026-11": 1},
				"oncalls":        {"2026-11": 1},
				"incident_facts": {"2026-10": 1, "2026-11": 1},
				"interruptions":  {"2026-10": 1},
				"shifts":         {"2026-11": 1},
			}
			for table, months := range want {
				for month, n := range months {
					glob := filepath.Join(dir, table, "month="+month, "*."+format)
					files, _ := filepath.Glob(glob)
					if len(files) == 0 {
						t.Errorf("%s: no file %s", table, glob)
						continue
					}
					for _, f := range files {
						if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
							t.Errorf("%s: mode %v (%v), want 0600", f, fi.Mode().Perm(), err)
						}
					}
					var got int
					if err := db.QueryRow(reader[format], glob).Scan(&got); err != nil {
						t.Errorf("read back %s: %v", glob, err)
						continue
					}
					if got != n {
						t.Errorf("%s month %s: %d rows, want %d", table, month, got, n)
					}
				}
				dirs, _ := filepath.Glob(filepath.Join(dir, table, "month=*"))
				if len(dirs) != len(months) {
					t.Errorf("%s: month directories %v, want %d", table, dirs, len(months))
				}
			}
			// The query README shows, over the whole layout.
			var n int
			q := map[string]string{
				"parquet": `SELECT count(*) FROM read_parquet($1, hive_partitioning = true) WHERE month = '2026-11'`,
				"csv":     `SELECT count(*) FROM read_csv($1, header = true, hive_partitioning = true) WHERE month = '2026-11'`,
			}[format]
			if err := db.QueryRow(q, filepath.Join(dir, "incidents", "*", "*."+format)).Scan(&n); err != nil || n != 1 {
				t.Errorf("incidents of 2026-11 over the layout: %d (%v), want 1 (I2)", n, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "users."+format)); err != nil {
				t.Errorf("users is not one file: %v", err)
			}
		})
	}
}

// TestWriteHostilePath: the output directory's name is SQL-like, with
// quotes, semicolons and a comment. The paths go to DuckDB as parameters,
// so the export writes every file and runs nothing else: the users table
// is still there afterwards.
func TestWriteHostilePath(t *testing.T) {
	db := plant(t)
	dir := filepath.Join(t.TempDir(), `x'); DROP TABLE users; --"; COPY users TO '`)
	for _, o := range []Options{{Format: "parquet"}, {Format: "csv", Partition: "month"}} {
		names, err := Write(context.Background(), db, dir, o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("%+v: %v", o, err)
			}
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Errorf("users after the export: %d rows (%v), want 1", n, err)
	}
}

// assertOnly checks that dir holds exactly names: no temporary directory
// or file is left behind.
func assertOnly(t *testing.T, dir string, names []string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	want := append([]string(nil), names...)
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Errorf("%s holds %v, want %v", dir, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s holds %v, want %v", dir, got, want)
			return
		}
	}
}
