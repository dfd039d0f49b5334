package analysis

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"
)

// genNotify is one generated notify log entry.
type genNotify struct {
	id       string
	user     string
	incident string
	at       time.Time
	channel  string
}

// generateNotifications makes a seeded, bursty set of notifications over
// October and November 2026 (across the DST changes of Sydney, Europe and
// New York) for users in zones with odd offsets, no zone and a bad zone.
func generateNotifications(seed int64) (zones map[string]string, ns []genNotify) {
	r := rand.New(rand.NewSource(seed))
	zoneList := []string{"UTC", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Asia/Kathmandu",
		"America/St_Johns", "Europe/Berlin", "", "Nowhere/Land"}
	zones = map[string]string{}
	for i := 0; i < 27; i++ {
		zones[fmt.Sprintf("U%02d", i)] = zoneList[i%len(zoneList)]
	}
	channels := []string{"phone", "sms", "push", "email"}
	from := ts("2026-09-28T00:00:00Z")
	span := int64(70 * 24 * 3600)
	n := 0
	for b := 0; b < 1500; b++ {
		user := fmt.Sprintf("U%02d", r.Intn(27))
		at := from.Add(time.Duration(r.Int63n(span)) * time.Second)
		// a burst of 1..5 notifications, 0..90 s apart (some exactly 60 s)
		k := 1 + r.Intn(5)
		for j := 0; j < k; j++ {
			n++
			ns = append(ns, genNotify{
				id:       fmt.Sprintf("LE%07d", n),
				user:     user,
				incident: fmt.Sprintf("I%03d", r.Intn(300)),
				at:       at,
				channel:  channels[r.Intn(len(channels))],
			})
			step := []int{0, 30, 59, 60, 61, 90}[r.Intn(6)]
			at = at.Add(time.Duration(step) * time.Second)
		}
	}
	return zones, ns
}

// referenceInterruptions applies the spec's rules in plain Go: per user,
// phone/SMS/push notifications in time order (log entry id breaking ties),
// anchored 60 s window, hour class in the user's zone (the fallback zone
// when unknown: config default_time_zone, else the report time zone)
// with the default hours. It returns per user the interruptions in
// [start, end) and the distinct incidents of their first notifications.
func referenceInterruptions(zones map[string]string, fallback *time.Location, ns []genNotify, start, end time.Time) (map[string]Interruptions, map[string]int) {
	byUser := map[string][]genNotify{}
	for _, n := range ns {
		if n.channel == "email" {
			continue
		}
		byUser[n.user] = append(byUser[n.user], n)
	}
	out := map[string]Interruptions{}
	incidents := map[string]int{}
	for user, list := range byUser {
		sort.Slice(list, func(i, j int) bool {
			if !list[i].at.Equal(list[j].at) {
				return list[i].at.Before(list[j].at)
			}
			return list[i].id < list[j].id
		})
		loc, err := loadZone(zones[user])
		if err != nil {
			loc = fallback
		}
		seen := map[string]bool{}
		var anchor time.Time
		for i, n := range list {
			if i > 0 && n.at.Sub(anchor) <= 60*time.Second {
				continue // joins the current interruption
			}
			anchor = n.at
			if n.at.Before(start) || !n.at.Before(end) {
				continue
			}
			c := out[user]
			c.Total++
			l := n.at.In(loc)
			sod := l.Hour()*3600 + l.Minute()*60 + l.Second()
			wd := l.Weekday()
			switch {
			case sod >= 22*3600 || sod < 8*3600:
				c.Sleep++
			case wd >= time.Monday && wd <= time.Friday && sod < 18*3600:
				c.Business++
			default:
				c.Off++
			}
			out[user] = c
			if !seen[n.incident] {
				seen[n.incident] = true
				incidents[user]++
			}
		}
	}
	return out, incidents
}

// TestInterruptionsCrossCheck compares the SQL interruptions per responder
// and hour class with referenceInterruptions on generated data.
func TestInterruptionsCrossCheck(t *testing.T) {
	zones, ns := generateNotifications(20261102)
	p := newPlanter(t)
	tx, err := p.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for u, z := range zones {
		if _, err := tx.Exec(`INSERT INTO users (id, name, time_zone) VALUES ($1, $1, $2)`, u, null(z)); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range ns {
		if _, err := tx.Exec(`INSERT INTO log_entries (id, type, created_at, incident_id, user_id, notification_type)
			VALUES ($1, 'notify', $2, $3, $4, $5)`, n.id, n.at, n.incident, n.user, n.channel); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.TimeZone = "Europe/Berlin"
	for _, label := range []string{"2026-W41", "2026-W44", "2026-W45", "2026-10", "2026-11"} {
		t.Run(label, func(t *testing.T) {
			m := p.computeCfg(label, cfg)
			// No default_time_zone: users without a usable zone are
			// classified in the report zone, Europe/Berlin.
			want, wantInc := referenceInterruptions(zones, cfg.Location(), ns, m.Period.Start, m.Period.End)
			got := map[string]Responder{}
			var org Interruptions
			for _, r := range m.Responders {
				got[r.ID] = r
			}
			for u, w := range want {
				org.Total += w.Total
				org.Business += w.Business
				org.Off += w.Off
				org.Sleep += w.Sleep
				if got[u].Interruptions != w {
					t.Errorf("%s (%q): SQL %+v, Go %+v", u, zones[u], got[u].Interruptions, w)
				}
				if got[u].Incidents != wantInc[u] {
					t.Errorf("%s: SQL %d incidents, Go %d", u, got[u].Incidents, wantInc[u])
				}
			}
			for u, r := range got {
				if _, ok := want[u]; !ok {
					t.Errorf("%s: SQL has %+v, Go none", u, r.Interruptions)
				}
			}
			if m.Org.Interruptions != org || org.Total == 0 {
				t.Errorf("org: SQL %+v, Go %+v", m.Org.Interruptions, org)
			}
		})
	}
}

// TestOnCallCrossCheck compares on-call seconds per responder (all levels
// and level 1, union clipped to the period) with a plain Go union over
// generated segments that overlap, touch and nest.
func TestOnCallCrossCheck(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	type seg struct {
		user       string
		level      int
		start, end time.Time
	}
	var segs []seg
	base := ts("2026-10-20T00:00:00Z")
	for i := 0; i < 400; i++ {
		s := base.Add(time.Duration(r.Intn(30*24)) * time.Hour)
		// lengths in whole hours so that touching ends are common
		e := s.Add(time.Duration(1+r.Intn(48)) * time.Hour)
		segs = append(segs, seg{fmt.Sprintf("U%d", r.Intn(8)), 1 + r.Intn(3), s, e})
	}
	p := newPlanter(t)
	p.policy("EP1", "")
	p.policy("EP2", "")
	for u := 0; u < 8; u++ {
		p.user(fmt.Sprintf("U%d", u), "UTC")
	}
	seen := map[string]bool{}
	for i, s := range segs {
		pol := []string{"EP1", "EP2"}[i%2]
		key := fmt.Sprint(s.user, pol, s.level, s.start)
		if seen[key] {
			continue // primary key: one segment per user, policy, level, start
		}
		seen[key] = true
		p.oncall(s.user, pol, s.level, s.start.Format(time.RFC3339), s.end.Format(time.RFC3339))
	}
	// union returns the seconds of [from, to) covered by the segments of
	// user (level 1 only when l1).
	union := func(user string, l1 bool, from, to time.Time) float64 {
		covered := map[int64]bool{} // hours since base (all ends are whole hours)
		for i, s := range segs {
			pol := []string{"EP1", "EP2"}[i%2]
			if s.user != user || (l1 && s.level != 1) || !seen[fmt.Sprint(s.user, pol, s.level, s.start)] {
				continue
			}
			for h := s.start; h.Before(s.end); h = h.Add(time.Hour) {
				if !h.Before(from) && h.Before(to) {
					covered[h.Unix()] = true
				}
			}
		}
		return float64(len(covered) * 3600)
	}
	for _, label := range []string{"2026-W44", "2026-W45", "2026-11"} {
		t.Run(label, func(t *testing.T) {
			m := p.compute(label)
			for u := 0; u < 8; u++ {
				id := fmt.Sprintf("U%d", u)
				all, l1 := union(id, false, m.Period.Start, m.Period.End), union(id, true, m.Period.Start, m.Period.End)
				var got Responder
				for _, r := range m.Responders {
					if r.ID == id {
						got = r
					}
				}
				if got.OnCallSeconds != all || got.OnCallSecondsLevel1 != l1 {
					t.Errorf("%s: SQL %v / %v, Go %v / %v", id, got.OnCallSeconds, got.OnCallSecondsLevel1, all, l1)
				}
			}
		})
	}
}
