package analysis

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestExport(t *testing.T) {
	p := newPlanter(t)
	p.user("U1", "Europe/Berlin")
	p.team("T1")
	p.member("T1", "U1")
	p.policy("EP1", "T1")
	p.service("S1", "T1", "EP1")
	// A title with a comma, quotes and a newline: CSV must quote it and read
	// it back whole.
	title := "disk \"full\", on\nhost-1"
	p.incident("I1", title, "S1", "EP1", "T1", ts("2026-11-02T12:30:00Z"), "")
	p.incident("I2", "cpu high", "S1", "EP1", "T1", ts("2026-11-02T13:00:00Z"), "")
	p.alert("A1", "I1", ts("2026-11-02T12:30:00Z"))
	p.notify("U1", "I1", ts("2026-11-02T12:30:05Z"), "sms")
	p.resolve("I1", ts("2026-11-02T12:40:00Z"), "user_reference")
	p.oncall("U1", "EP1", 1, "2026-11-02T09:00:00Z", "2026-11-09T09:00:00Z")

	// Rows planted above, per exported file. incident_facts has one row per
	// incident (2); interruptions one per page (the one SMS); shifts the one
	// level-1 segment.
	want := map[string]int{
		"users": 1, "teams": 1, "team_members": 1, "services": 1, "escalation_policies": 1,
		"incidents": 2, "alerts": 1, "log_entries": 2, "oncalls": 1,
		"incident_facts": 2, "interruptions": 1, "shifts": 1,
	}
	for _, format := range []string{"parquet", "csv"} {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "export")
			files, err := Export(context.Background(), p.db, DefaultConfig(), dir, format)
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			if len(files) != len(ExportTables) {
				t.Errorf("wrote %d files, want %d", len(files), len(ExportTables))
			}
			reader := map[string]string{
				"parquet": `SELECT count(*) FROM read_parquet($1)`,
				"csv":     `SELECT count(*) FROM read_csv($1, header = true)`,
			}[format]
			for table, n := range want {
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
				if err := p.db.QueryRow(reader, path).Scan(&got); err != nil {
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
			if err := p.db.QueryRow(q, filepath.Join(dir, "incidents."+format)).Scan(&back); err != nil {
				t.Fatal(err)
			}
			if back != title {
				t.Errorf("title read back %q, want %q", back, title)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}
	if _, err := Export(context.Background(), p.db, DefaultConfig(), t.TempDir(), "xlsx"); !errors.Is(err, ErrFormat) {
		t.Errorf("format xlsx: err = %v, want ErrFormat", err)
	}
}
