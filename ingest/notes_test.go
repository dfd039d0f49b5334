package ingest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
)

// TestSyncNotes: sync fetches the notes of open incidents only, counts them
// in its stats, and a second sync adds a new note without duplicating.
func TestSyncNotes(t *testing.T) {
	f := newFixture(t, 1)
	db := openDB(t, filepath.Join(t.TempDir(), "notes.duckdb"))
	trig := f.org.IncidentIDs(pagerdutytest.OpenTriggeredTitle)
	acked := f.org.IncidentIDs(pagerdutytest.OpenAcknowledgedTitle)
	if len(trig) != 1 || len(acked) != 1 {
		t.Fatalf("open incidents of the generator: %v %v", trig, acked)
	}
	user := f.org.Users()[0].Name
	end := f.org.End()
	plant := func(inc, content string, at time.Time) {
		t.Helper()
		if _, err := f.org.AddNote(inc, user, content, at); err != nil {
			t.Fatal(err)
		}
	}
	plant(trig[0], "Failover ruled out; watching lag.", end.Add(-time.Hour))
	plant(acked[0], "Vendor ticket #4411 open.", end.Add(-2*time.Hour))

	st := f.sync(t, db, f.client(ClientOptions{}), Options{})
	var open int
	if err := db.QueryRow(`SELECT count(*) FROM incidents WHERE status <> 'resolved'`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	// One request per open incident, and none for a resolved one.
	if got := f.srv.Requests()["GET /incidents/{id}/notes"]; got != int64(open) || open < 2 {
		t.Errorf("notes requests = %d, open incidents = %d (want equal, at least the 2 planted)", got, open)
	}
	var stored, onResolved int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE i.status = 'resolved')
		FROM incident_notes n JOIN incidents i ON i.id = n.incident_id`).Scan(&stored, &onResolved); err != nil {
		t.Fatal(err)
	}
	if onResolved != 0 {
		t.Errorf("%d notes of resolved incidents stored", onResolved)
	}
	items := -1
	for _, r := range st.Resources {
		if r.Resource == "incident_notes" {
			items = r.Items
		}
	}
	if items != stored || stored < 2 {
		t.Errorf("stats say %d notes, %d stored (want equal, at least 2)", items, stored)
	}
	var content, inc string
	var at time.Time
	if err := db.QueryRow(`SELECT content, incident_id, created_at FROM incident_notes WHERE content LIKE 'Failover%'`).Scan(&content, &inc, &at); err != nil {
		t.Fatal(err)
	}
	if inc != trig[0] || !at.Equal(end.Add(-time.Hour)) {
		t.Errorf("planted note stored as %q on %s at %s", content, inc, at)
	}

	// A day later: one more note on the open incident; the first is not
	// duplicated.
	f.srv.Append(1)
	plant(trig[0], "Lag back under 5 s.", f.org.End().Add(-time.Minute))
	f.sync(t, db, f.client(ClientOptions{}), Options{Until: f.org.End()})
	var again int
	if err := db.QueryRow(`SELECT count(*) FROM incident_notes WHERE incident_id = $1`, trig[0]).Scan(&again); err != nil {
		t.Fatal(err)
	}
	if again != 2 {
		t.Errorf("notes of %s after the second sync = %d, want 2 (the first and the new one)", trig[0], again)
	}
}
