package pagerdutytest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestAddNoteServed(t *testing.T) {
	org, err := Generate(Config{Size: Small, Seed: 3, Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	f := serve(t, org, Faults{})
	// The open, never acknowledged incident of the generator has no annotate
	// log entry (those come between an acknowledgement and a resolution).
	var inc string
	for i := range org.incidents {
		if org.titles[org.incidents[i].title] == OpenTriggeredTitle {
			inc = org.incID.encode(uint64(i))
		}
	}
	if inc == "" {
		t.Fatal("no open triggered incident")
	}
	user := org.users[0].name
	end := org.End()
	// Two notes before End, planted out of order, and one after End.
	if _, err := org.AddNote(inc, user, "second", end.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := org.AddNote(inc, user, "first <b>", end.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := org.AddNote(inc, user, "future", end.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := org.AddNote("NOPE", user, "x", end); err == nil {
		t.Error("AddNote on an unknown incident: no error")
	}
	status, _, body := f.get(t, "/incidents/"+inc+"/notes")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var r struct {
		Notes []struct {
			Content   string `json:"content"`
			CreatedAt string `json:"created_at"`
			User      struct{ Summary string }
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	// Oldest first; the note after End is not served yet.
	if len(r.Notes) != 2 || r.Notes[0].Content != "first <b>" || r.Notes[1].Content != "second" || r.Notes[0].User.Summary != user {
		t.Fatalf("notes = %+v", r.Notes)
	}
	if status, _, _ := f.get(t, "/incidents/PNOPE00/notes"); status != http.StatusNotFound {
		t.Errorf("unknown incident: status %d, want 404", status)
	}
}
