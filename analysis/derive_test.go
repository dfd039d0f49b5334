package analysis

import (
	"context"
	"testing"
)

// TestDerive: after a sync, Derive derives the tables Compute reads, so
// the first report does not pay for it.
func TestDerive(t *testing.T) {
	p := newPlanter(t)
	p.user("U1", "Europe/Berlin")
	p.service("S1", "", "")
	p.incident("I1", "disk full", "S1", "", "", ts("2026-11-02T12:30:00Z"), "")
	count := func() int {
		var n int
		if err := p.db.QueryRow(`SELECT count(*) FROM a_incidents`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Migrations create a_incidents empty; the one planted incident appears
	// only once the tables are derived.
	if n := count(); n != 0 {
		t.Fatalf("a_incidents has %d rows before Derive, want 0", n)
	}
	if _, err := Derive(context.Background(), p.db, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("a_incidents has %d rows after Derive, want 1", n)
	}
	bad := DefaultConfig()
	bad.AlertLoad = -1
	if _, err := Derive(context.Background(), p.db, bad); err == nil {
		t.Error("Derive accepted an invalid config")
	}
}
