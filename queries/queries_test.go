package queries

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNamed(t *testing.T) {
	got := map[string]string{}
	text := "-- file comment, before any name\n-- name: a\nSELECT 1;\n\n-- name: b\n-- about b\nSELECT 2;\n"
	if err := parseNamed("x.sql", text, got); err != nil {
		t.Fatal(err)
	}
	// Two statements; text before the first header belongs to none.
	if len(got) != 2 || got["a"] != "SELECT 1;" || got["b"] != "-- about b\nSELECT 2;" {
		t.Errorf("parsed %q", got)
	}
	if err := parseNamed("y.sql", "-- name: a\nSELECT 3;", got); err == nil || !strings.Contains(err.Error(), `"a" defined twice`) {
		t.Errorf("duplicate name: err = %v", err)
	}
}

// TestEveryStatementPrepares prepares every embedded statement against a
// migrated database, except those that read a staged Arrow view (they exist
// only during a sync) or the view export_rows (made by an export-TABLE
// statement on the export's connection; export's tests run them all).
func TestEveryStatementPrepares(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "q.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for _, name := range Names() {
		q := Get(name)
		// read a staged view, a copy of one, or the export's view
		if strings.Contains(q, "staged_") || strings.Contains(q, "FROM new_") ||
			strings.Contains(q, "COPY export_rows") {
			continue
		}
		n++
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		st.Close()
	}
	if n < 30 {
		t.Errorf("prepared only %d statements", n)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// A second Migrate has nothing to do and must not fail.
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var v int
	if err := db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != LatestVersion() {
		t.Errorf("schema version %d, want %d", v, LatestVersion())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// The database holds names and e-mail addresses: owner only.
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
	// A database written by a newer program is refused, not altered.
	if _, err := db.Exec(`INSERT INTO schema_migrations (version) VALUES ($1)`, LatestVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, path); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("open newer database: err = %v, want ErrSchemaTooNew", err)
	}
}
