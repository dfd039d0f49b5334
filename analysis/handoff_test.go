package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

// ackBy plants an acknowledgement by user (agent_id, as sync stores it).
func (p *planter) ackBy(incident, user string, at time.Time) {
	p.n++
	p.exec(`INSERT INTO log_entries (id, type, created_at, incident_id, agent_id, agent_type)
		VALUES ($1, 'acknowledge', $2, $3, $4, 'user_reference')`, fmt.Sprintf("LE%06d", p.n), at, incident, user)
}

func (p *planter) note(id, incident, user string, at time.Time, content string) {
	p.exec(`INSERT INTO incident_notes (id, incident_id, user_id, user_name, content, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, incident, user, "Name "+user, content, at)
}

func (p *planter) synced(at time.Time) {
	for _, r := range []string{"incidents", "log_entries", "oncalls"} {
		p.exec(`INSERT INTO sync_state (resource, watermark, updated_at) VALUES ($1, $2, $2)`, r, at)
	}
}

// plantFollowTheSun plants policy PSUN: 12-hour level-1 shifts that follow
// the sun across three zones (uT Asia/Tokyo, uL Europe/London, uN
// America/New_York, in that order from 2026-11-02T00:00Z; shift k runs
// [base + 12h k, base + 12h (k+1)) for user k mod 3), uM (UTC) at level 2
// all week. Shift 9 (uT, [11-06 12:00Z, 11-07 00:00Z)) is the one handed
// over at T = 2026-11-07T00:00Z to shift 10 (uL, until 12:00Z). The
// database is synced through 11-07 06:00Z.
func plantFollowTheSun(t *testing.T) *planter {
	p := newPlanter(t)
	p.team("T1")
	p.policy("PSUN", "T1")
	p.service("S1", "T1", "PSUN")
	p.service("S2", "T1", "PSUN")
	users := []string{"uT", "uL", "uN"}
	for u, tz := range map[string]string{"uT": "Asia/Tokyo", "uL": "Europe/London", "uN": "America/New_York", "uM": "UTC"} {
		p.user(u, tz)
		p.member("T1", u)
	}
	base := ts("2026-11-02T00:00:00Z")
	for k := 0; k <= 10; k++ {
		s := base.Add(time.Duration(k) * 12 * time.Hour)
		p.oncall(users[k%3], "PSUN", 1, s.Format(time.RFC3339), s.Add(12*time.Hour).Format(time.RFC3339))
	}
	p.oncall("uM", "PSUN", 2, "2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z")
	p.synced(ts("2026-11-07T06:00:00Z"))

	inc := func(id, title, svc, created, resolved string) {
		p.incident(id, title, svc, "PSUN", "T1", ts(created), resolved)
		if resolved != "" {
			p.resolve(id, ts(resolved), "user_reference")
		}
	}
	// History: same signature as I1, 17 days before the shift (so I1's is
	// not new); outside every baseline shift.
	inc("H1", "Disk full on db-3", "S1", "2026-10-20T10:00:00Z", "2026-10-20T11:00:00Z")
	// Shift 0 (uT): B0, one business-hours page (15:00 JST Monday). It is
	// the 10th shift back, outside the baseline of 8.
	inc("B0", "Latency high on api", "S1", "2026-11-02T06:00:00Z", "2026-11-02T07:00:00Z")
	p.notify("uT", "B0", ts("2026-11-02T06:00:00Z"), "phone")
	// Shift 8 (uN): B1, one page at 01:00 EST (sleep), acked in 600 s,
	// resolved in 3600 s.
	inc("B1", "Latency high on api", "S2", "2026-11-06T06:00:00Z", "2026-11-06T07:00:00Z")
	p.notify("uN", "B1", ts("2026-11-06T06:00:00Z"), "phone")
	p.ackBy("B1", "uN", ts("2026-11-06T06:10:00Z"))

	// Shift 9, the handed-over one. Tokyo is UTC+9: 13:00Z is 22:00 JST.
	// F1, F2, F3: one signature ("health check failed on web #").
	inc("F1", "Health check failed on web 1", "S1", "2026-11-06T13:00:00Z", "2026-11-06T13:20:00Z")
	p.notify("uT", "F1", ts("2026-11-06T13:00:00Z"), "phone") // 22:00 JST: sleep
	p.ackBy("F1", "uT", ts("2026-11-06T13:01:00Z"))           // 60 s
	inc("F2", "Health check failed on web 2", "S1", "2026-11-06T14:00:00Z", "2026-11-06T14:20:00Z")
	p.notify("uT", "F2", ts("2026-11-06T14:00:00Z"), "sms") // 23:00 JST: sleep
	p.ackBy("F2", "uT", ts("2026-11-06T14:02:00Z"))         // 120 s
	// I1: open and acknowledged at the handoff, with notes.
	inc("I1", "Disk full on db-7", "S1", "2026-11-06T15:00:00Z", "")
	p.exec(`UPDATE incidents SET urgency = 'high' WHERE id = 'I1'`)
	p.notify("uT", "I1", ts("2026-11-06T15:00:00Z"), "phone") // 00:00 JST: sleep
	p.ackBy("I1", "uT", ts("2026-11-06T15:05:00Z"))           // 300 s
	p.notify("uM", "I1", ts("2026-11-06T15:30:00Z"), "push")  // level 2, 15:30 UTC Friday: business
	p.note("N1", "I1", "uT", ts("2026-11-06T15:30:00Z"), "Looking at it.")
	p.note("N2", "I1", "uT", ts("2026-11-06T16:00:00Z"), "Vendor ticket <#4411> open.")
	p.note("N3", "I1", "uL", ts("2026-11-07T01:00:00Z"), "After the handoff.")
	// F3: open, never acknowledged, two pages; a repeat (F1 and F2 in the
	// 24 h before it): flapping.
	inc("F3", "Health check failed on web 3", "S1", "2026-11-06T20:00:00Z", "")
	p.notify("uT", "F3", ts("2026-11-06T20:00:00Z"), "phone") // 05:00 JST: sleep
	p.notify("uT", "F3", ts("2026-11-06T20:05:00Z"), "phone") // 05:05 JST: sleep
	// I2: resolved a minute before the handoff. 08:00 JST Saturday: off.
	inc("I2", "Cache miss storm", "S2", "2026-11-06T23:00:00Z", "2026-11-06T23:59:00Z")
	p.notify("uT", "I2", ts("2026-11-06T23:00:00Z"), "phone")
	p.ackBy("I2", "uT", ts("2026-11-06T23:10:00Z")) // 600 s; resolved in 3540 s
	// I3: created and paged exactly at the handoff: the incoming shift's.
	inc("I3", "Queue backlog on ingest", "S1", "2026-11-07T00:00:00Z", "")
	p.notify("uL", "I3", ts("2026-11-07T00:00:00Z"), "phone")
	return p
}

func handoffsOf(t *testing.T, p *planter, o HandoffOptions) []*Handoff {
	t.Helper()
	hs, _, err := Handoffs(context.Background(), p.db, DefaultConfig(), o)
	if err != nil {
		t.Fatalf("Handoffs: %v", err)
	}
	return hs
}

func TestHandoffFollowTheSun(t *testing.T) {
	p := plantFollowTheSun(t)
	hs := handoffsOf(t, p, HandoffOptions{}) // at the last sync, 11-07 06:00Z
	if len(hs) != 1 {
		t.Fatalf("%d handoffs, want 1", len(hs))
	}
	h := hs[0]
	T := ts("2026-11-07T00:00:00Z")
	// The last shift ending at or before 06:00Z is shift 9, ending at 00:00Z.
	if !h.At.Equal(T) || !h.ShiftStart.Equal(ts("2026-11-06T12:00:00Z")) {
		t.Fatalf("shift [%s, %s), want [2026-11-06T12:00Z, %s)", h.ShiftStart, h.At, T)
	}
	t.Run("who", func(t *testing.T) {
		// Outgoing uT: 00:00Z is 09:00 JST on the 7th; incoming uL at 00:00
		// GMT until 12:00Z = 12:00 GMT; level 2 uM before and after.
		if len(h.Outgoing) != 1 || h.Outgoing[0].ID != "uT" || h.Outgoing[0].LocalAt.Format("2006-01-02 15:04 MST") != "2026-11-07 09:00 JST" {
			t.Errorf("outgoing %+v", h.Outgoing)
		}
		if len(h.Incoming) != 1 || h.Incoming[0].ID != "uL" || h.Incoming[0].LocalAt.Format("15:04 MST") != "00:00 GMT" ||
			!h.Incoming[0].Until.Equal(ts("2026-11-07T12:00:00Z")) || h.Incoming[0].UntilOpen {
			t.Errorf("incoming %+v", h.Incoming)
		}
		if len(h.OutgoingL2) != 1 || h.OutgoingL2[0].ID != "uM" || len(h.IncomingL2) != 1 || h.IncomingL2[0].ID != "uM" {
			t.Errorf("level 2: %+v / %+v", h.OutgoingL2, h.IncomingL2)
		}
	})
	t.Run("open", func(t *testing.T) {
		// I1 (15:00Z, 9 h old, acked, 2 pages: uT and uM) then F3 (20:00Z,
		// 4 h, not acked, held by the last notified uT, 2 pages). Not I2
		// (resolved 23:59Z) nor I3 (created at T: the incoming shift's).
		if len(h.Open) != 2 {
			t.Fatalf("open = %+v", h.Open)
		}
		i1, f3 := h.Open[0], h.Open[1]
		if i1.ID != "I1" || i1.AgeSeconds != 9*3600 || !i1.Acknowledged || i1.HolderID != "uT" || i1.Pages != 2 ||
			i1.Urgency != "high" || i1.Service != "S1" || i1.Flapping {
			t.Errorf("I1 = %+v", i1)
		}
		// Its latest note before T is N2 (N3 comes after the handoff).
		if i1.Note == nil || i1.Note.Content != "Vendor ticket <#4411> open." || i1.Note.Author != "Name uT" {
			t.Errorf("I1 note = %+v", i1.Note)
		}
		if f3.ID != "F3" || f3.AgeSeconds != 4*3600 || f3.Acknowledged || f3.HolderID != "uM" && f3.HolderID != "uT" || f3.Pages != 2 || !f3.Flapping || f3.Note != nil {
			t.Errorf("F3 = %+v", f3)
		}
		if f3.HolderID != "uT" {
			t.Errorf("F3 holder %s, want uT (last notified)", f3.HolderID)
		}
	})
	t.Run("numbers", func(t *testing.T) {
		n := h.Shift
		// Pages in [12:00Z, 00:00Z): uT F1, F2, I1, F3 twice, I2 = 6, of
		// which 5 in sleep (22:00..05:05 JST; I2 at 08:00 JST is off); uM
		// 1 (I1). I3's page at T is not counted.
		if n.Pages != 7 || n.SleepPages != 5 || len(n.PerPerson) != 2 || n.PerPerson[0] != (PersonPages{"uT", "Name uT", 6, 5}) ||
			n.PerPerson[1] != (PersonPages{"uM", "Name uM", 1, 0}) {
			t.Errorf("pages %d sleep %d per person %+v", n.Pages, n.SleepPages, n.PerPerson)
		}
		// Incidents F1, F2, I1, F3 (S1) and I2 (S2).
		if n.Incidents != 5 || len(n.ByService) != 2 || n.ByService[0] != (ServiceCount{"S1", "S1", 4}) || n.ByService[1] != (ServiceCount{"S2", "S2", 1}) {
			t.Errorf("incidents %d by service %+v", n.Incidents, n.ByService)
		}
		// MTTA (60 + 120 + 300 + 600) / 4 = 270; MTTR F1 1200, F2 1200, I2
		// 3540: 1980. Noise: F3 (repeat) of 5 = 0.2.
		if !eqPtr(n.MTTA, f64(270)) || !eqPtr(n.MTTR, f64(1980)) || n.Noise != 1 || !eqPtr(n.NoiseShare, f64(0.2)) {
			t.Errorf("MTTA %s MTTR %s noise %d share %s", fmtPtr(n.MTTA), fmtPtr(n.MTTR), n.Noise, fmtPtr(n.NoiseShare))
		}
		// Baseline: shifts 1..8 (8 shifts); only shift 8 has an incident
		// (B1: 1 page in sleep, 01:00 EST; acked 600 s, resolved 3600 s,
		// not noise). B0 in shift 0 is the 9th shift back and left out.
		b := h.Baseline
		if h.BaselineCount != 8 || b == nil || b.Pages != 1.0/8 || b.SleepPages != 1.0/8 || b.Incidents != 1.0/8 ||
			!eqPtr(b.MTTA, f64(600)) || !eqPtr(b.MTTR, f64(3600)) || !eqPtr(b.NoiseShare, f64(0)) {
			t.Errorf("baseline %d %+v", h.BaselineCount, b)
		}
	})
	t.Run("watch", func(t *testing.T) {
		w := h.Watch
		// health check: 4 pages (F1, F2, F3 twice) > 3; disk: 2.
		if len(w.Paged) != 1 || w.Paged[0].Signature != "S1|health check failed on web #" || w.Paged[0].Count != 4 {
			t.Errorf("paged %+v", w.Paged)
		}
		// New: health check (3 incidents, first 13:00Z) and cache miss
		// storm; disk full is not (H1, 17 days earlier).
		if len(w.New) != 2 || w.New[0].Count != 3 || w.New[1].Signature != "S2|cache miss storm" {
			t.Errorf("new %+v", w.New)
		}
		if len(w.Flapping) != 1 || w.Flapping[0].ID != "F3" {
			t.Errorf("flapping %+v", w.Flapping)
		}
		// F1 resolved 13:20Z, then F2 (14:00Z) and F3: 2; F2 resolved
		// 14:20Z, then F3: 1. I2 did not come back.
		if len(w.Reopened) != 2 || w.Reopened[0].ID != "F1" || w.Reopened[0].Times != 2 ||
			!w.Reopened[0].NextAt.Equal(ts("2026-11-06T14:00:00Z")) || w.Reopened[1].ID != "F2" || w.Reopened[1].Times != 1 {
			t.Errorf("reopened %+v", w.Reopened)
		}
	})
	t.Run("load", func(t *testing.T) {
		// uT, 7 days to T: 7 pages (B0 business, I2 off, 5 sleep): sleep 5
		// reaches high (5). After hours 6 < 10; incidents 6 per 48 h on
		// call = 1.5 per 12 h, not above 2. Engaged after hours: F1
		// 13:01-13:20Z (19 min), F2 14:02-14:20Z (18 min), I1 from
		// 15:05Z, open (to the last sync 06:00Z, under 24 h), clipped to
		// T: 8 h 55 min; I2 (23:10-23:59Z) inside I1 counts once. 572 min
		// = 9.533 h, all sleep (22:00-08:00 JST) but 08:00-09:00 JST
		// Saturday (off): >= 8, high.
		if len(h.Load) != 1 || h.Load[0].ID != "uT" || h.Load[0].SleepPages != 5 || h.Load[0].Risk != "high" ||
			len(h.Load[0].Reasons) != 2 || h.Load[0].Reasons[0].Rule != "sleep_interruptions" ||
			h.Load[0].Reasons[1].Rule != "after_hours_engaged_hours" || math.Abs(h.Load[0].Reasons[1].Value-572.0/60) > 1e-9 ||
			h.Load[0].Reasons[1].Level != "high" {
			t.Errorf("load %+v", h.Load)
		}
	})
	t.Run("at_instant", func(t *testing.T) {
		// --at exactly T: shift 9 ended at or before it.
		if hs := handoffsOf(t, p, HandoffOptions{At: T}); !hs[0].At.Equal(T) {
			t.Errorf("at T: handoff %s", hs[0].At)
		}
		// A second earlier: shift 8 (uN) handed to uT at 12:00Z; I3's page
		// belongs to no earlier shift either.
		hs := handoffsOf(t, p, HandoffOptions{At: T.Add(-time.Second)})
		if !hs[0].At.Equal(ts("2026-11-06T12:00:00Z")) || hs[0].Outgoing[0].ID != "uN" || hs[0].Incoming[0].ID != "uT" {
			t.Errorf("at T-1s: %s %+v -> %+v", hs[0].At, hs[0].Outgoing, hs[0].Incoming)
		}
	})
}

func TestHandoffAcrossDST(t *testing.T) {
	p := newPlanter(t)
	p.team("T2")
	p.policy("PDST", "T2")
	p.service("S9", "T2", "PDST")
	p.user("uA", "Europe/Berlin")
	p.user("uB", "Europe/Berlin")
	// Berlin leaves summer time at 2026-10-25T01:00Z. uA's shift runs
	// from Saturday 20:00 CEST (18:00Z) to Sunday 20:00 CET (19:00Z): 25 h.
	p.oncall("uA", "PDST", 1, "2026-10-24T18:00:00Z", "2026-10-25T19:00:00Z")
	p.oncall("uB", "PDST", 1, "2026-10-25T19:00:00Z", "2026-10-26T19:00:00Z")
	p.synced(ts("2026-10-26T00:00:00Z"))
	p.incident("D1", "Backup late", "S9", "PDST", "T2", ts("2026-10-25T00:30:00Z"), "2026-10-25T02:00:00Z")
	p.resolve("D1", ts("2026-10-25T02:00:00Z"), "user_reference")
	p.notify("uA", "D1", ts("2026-10-25T00:30:00Z"), "phone") // 02:30 CEST: sleep
	p.notify("uA", "D1", ts("2026-10-25T01:30:00Z"), "phone") // 02:30 CET, the second 02:30: sleep
	hs := handoffsOf(t, p, HandoffOptions{Policies: []string{"PDST"}})
	h := hs[0]
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if !h.At.Equal(ts("2026-10-25T19:00:00Z")) || h.At.Sub(h.ShiftStart) != 25*time.Hour ||
		h.ShiftStart.In(berlin).Format("15:04 MST") != "20:00 CEST" {
		t.Errorf("shift [%s, %s)", h.ShiftStart, h.At)
	}
	if h.Outgoing[0].LocalAt.Format("15:04 MST") != "20:00 CET" || h.Incoming[0].ID != "uB" ||
		h.Incoming[0].LocalUntil.Format("Mon 15:04 MST") != "Mon 20:00 CET" {
		t.Errorf("who: %+v -> %+v", h.Outgoing, h.Incoming)
	}
	if h.Shift.Pages != 2 || h.Shift.SleepPages != 2 {
		t.Errorf("pages %d sleep %d, want 2 and 2", h.Shift.Pages, h.Shift.SleepPages)
	}
	if h.Baseline != nil || len(h.Open) != 0 {
		t.Errorf("baseline %+v open %+v, want none", h.Baseline, h.Open)
	}
}

func TestHandoffErrors(t *testing.T) {
	p := plantFollowTheSun(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    HandoffOptions
		want error
	}{
		{"after_sync", HandoffOptions{At: ts("2026-11-07T06:00:01Z")}, ErrNotSynced},
		{"unknown_policy", HandoffOptions{Policies: []string{"PNOPE"}}, ErrUnknownPolicy},
		{"no_shift_yet", HandoffOptions{At: ts("2026-11-02T11:00:00Z"), Policies: []string{"PSUN"}}, ErrNoShift},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Handoffs(ctx, p.db, DefaultConfig(), tc.o); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// All policies and no shift yet: no note, no error.
	hs, _, err := Handoffs(ctx, p.db, DefaultConfig(), HandoffOptions{At: ts("2026-11-02T11:00:00Z")})
	if err != nil || len(hs) != 0 {
		t.Errorf("no shift yet: %v, %d notes", err, len(hs))
	}
	// Never synced.
	q := newPlanter(t)
	if _, _, err := Handoffs(ctx, q.db, DefaultConfig(), HandoffOptions{}); !errors.Is(err, ErrNotSynced) {
		t.Errorf("never synced: %v", err)
	}
}

// TestHandoffInstantRule: at the handoff instant T the incoming shift owns
// every event. An incident resolved exactly at T is still open at the
// handoff; one acknowledged exactly at T is not acknowledged at it; one
// created exactly at T is not open at it.
func TestHandoffInstantRule(t *testing.T) {
	p := newPlanter(t)
	p.team("T")
	p.policy("P", "T")
	p.service("S", "T", "P")
	p.user("u1", "UTC")
	p.user("u2", "UTC")
	p.oncall("u1", "P", 1, "2026-11-02T00:00:00Z", "2026-11-02T12:00:00Z")
	p.oncall("u2", "P", 1, "2026-11-02T12:00:00Z", "2026-11-03T00:00:00Z")
	p.synced(ts("2026-11-02T18:00:00Z"))
	T := ts("2026-11-02T12:00:00Z")
	p.incident("R", "Resolved at T", "S", "P", "T", ts("2026-11-02T11:00:00Z"), "2026-11-02T12:00:00Z")
	p.resolve("R", T, "user_reference")
	p.incident("A", "Acked at T", "S", "P", "T", ts("2026-11-02T11:30:00Z"), "")
	p.ackBy("A", "u2", T)
	p.incident("C", "Created at T", "S", "P", "T", T, "")
	h := handoffsOf(t, p, HandoffOptions{})[0]
	if !h.At.Equal(T) || len(h.Open) != 2 || h.Open[0].ID != "R" || h.Open[1].ID != "A" || h.Open[1].Acknowledged {
		t.Fatalf("at %s open %+v; want R and A (A not acknowledged)", h.At, h.Open)
	}
	// The shift's incidents are R and A; neither was resolved or
	// acknowledged before T, so MTTA and MTTR are undefined.
	if h.Shift.Incidents != 2 || h.Shift.MTTA != nil || h.Shift.MTTR != nil {
		t.Errorf("incidents %d MTTA %s MTTR %s", h.Shift.Incidents, fmtPtr(h.Shift.MTTA), fmtPtr(h.Shift.MTTR))
	}
}
