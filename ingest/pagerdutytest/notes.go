package pagerdutytest

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"
)

// noteContent is the text of every generated note (an annotate log entry's).
const noteContent = "Looking into it, see runbook."

// plantedNote is a note a test added with AddNote.
type plantedNote struct {
	inc     int
	at      int64 // Unix seconds
	user    int
	content string
	id      string
}

// AddNote plants a note by the user named userName on the incident with id
// incidentID at instant at (whole seconds). GET /incidents/{id}/notes
// serves it from at on (once at is before End), besides the notes of the
// incident's annotate log entries. It returns the note's id.
func (o *Org) AddNote(incidentID, userName, content string, at time.Time) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k, ok := o.incID.decode(incidentID)
	if !ok || k >= uint64(len(o.incidents)) {
		return "", fmt.Errorf("add note: no incident %q", incidentID)
	}
	u := o.userIndex(userName)
	if u < 0 {
		return "", fmt.Errorf("add note: no user %q", userName)
	}
	if content == "" {
		return "", errors.New("add note: empty content")
	}
	id := fmt.Sprintf("PNOTE%04d", len(o.notes)+1)
	o.notes = append(o.notes, plantedNote{inc: int(k), at: at.Unix(), user: u, content: content, id: id})
	return id, nil
}

// listNotes serves GET /incidents/{id}/notes: the incident's notes created
// before End, oldest first. PagerDuty does not page this list.
func (s *Server) listNotes(q url.Values, id string) ([]byte, *apiError) {
	i, err := s.incidentByID(id)
	if err != nil {
		return nil, err
	}
	loc, err := parseZone(q)
	if err != nil {
		return nil, err
	}
	o := s.org
	type note struct {
		id, content string
		at          int64
		user        int
	}
	var ns []note
	inc := &o.incidents[i]
	for k := 0; k < int(inc.nLogs); k++ {
		l := int(inc.firstLog) + k
		e := &o.logs[l]
		if e.kind == leAnnotate && e.at < o.end {
			ns = append(ns, note{id: o.logID.encode(o.logKey(l)), content: noteContent, at: e.at, user: int(e.user)})
		}
	}
	for _, p := range o.notes {
		if p.inc == i && p.at < o.end {
			ns = append(ns, note{id: p.id, content: p.content, at: p.at, user: p.user})
		}
	}
	sort.SliceStable(ns, func(a, b int) bool { return ns[a].at < ns[b].at })
	b := []byte(`{"notes":[`)
	for k, n := range ns {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendStr(b, n.id)
		b = append(b, `,"user":`...)
		b = o.userRef(b, n.user)
		b = append(b, `,"channel":{"summary":"The PagerDuty website or APIs"},"content":`...)
		b = appendStr(b, n.content)
		b = append(b, `,"created_at":`...)
		b = appendTime(b, n.at, loc)
		b = append(b, `,"updated_at":`...)
		b = appendTime(b, n.at, loc)
		b = append(b, '}')
	}
	return append(b, "]}"...), nil
}
