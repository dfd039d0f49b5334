package analysis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oncall-health/oncall-health/queries"
)

// The on-call unions and shifts are derived in SQL with window functions.
// TestUnionProperty checks them against a union computed in Go, on hundreds
// of random segment sets that are full of the cases that break a window
// computation: exact duplicates, identical start and end on other policies
// and levels, nested, touching, overlapping, zero-length and open-ended
// segments.

// propSeg is one on-call segment as a_segments holds it (end resolved).
type propSeg struct {
	user, policy string
	level        int
	start, end   time.Time
}

// propInterval is one stretch of a union: [start, end).
type propInterval struct {
	Key        string // user, team, or user|policy|level for shifts
	Start, End time.Time
	Alerts     int64 // shifts only
}

// unionOf merges half-open intervals: sorted by start, a segment joins the
// current stretch when it starts at or before the stretch's end. Zero-length
// segments hold no time and are dropped first.
func unionOf(key string, segs [][2]time.Time) []propInterval {
	var iv [][2]time.Time
	for _, s := range segs {
		if s[1].After(s[0]) {
			iv = append(iv, s)
		}
	}
	slices.SortFunc(iv, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var out []propInterval
	for _, s := range iv {
		if n := len(out); n > 0 && !s[0].After(out[n-1].End) {
			if s[1].After(out[n-1].End) {
				out[n-1].End = s[1]
			}
			continue
		}
		out = append(out, propInterval{Key: key, Start: s[0], End: s[1]})
	}
	return out
}

// propSet is one random segment set: its own users, policies and teams, so
// that many sets share one database without touching each other.
type propSet struct {
	oncalls   []propSeg         // rows of oncalls; a zero end is NULL (open)
	dups      []int             // indexes into the resolved segments, stored twice more
	policies  map[string]string // policy -> team ("" for none)
	alerts    map[string][]time.Time
	watermark time.Time
}

var propBase = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// genPropSet draws n segments on a coarse grid (whole hours, at times six
// hours, so starts and ends tie often) for up to 4 users on up to 3
// policies of 2 teams.
func genPropSet(r *rand.Rand, id, n int) propSet {
	set := propSet{policies: map[string]string{}, alerts: map[string][]time.Time{}}
	users := 1 + r.IntN(4)
	npol := 1 + r.IntN(3)
	var pols []string
	for p := range npol {
		name := fmt.Sprintf("s%d-P%d", id, p)
		pols = append(pols, name)
		switch r.IntN(3) {
		case 0:
			set.policies[name] = "" // no team: "unassigned"
		default:
			set.policies[name] = fmt.Sprintf("s%d-T%d", id, r.IntN(2))
		}
	}
	hour := func() time.Time {
		if r.IntN(2) == 0 {
			return propBase.Add(time.Duration(r.IntN(14*4)) * 6 * time.Hour)
		}
		return propBase.Add(time.Duration(r.IntN(14*24)) * time.Hour)
	}
	lengths := []time.Duration{0, time.Hour, 6 * time.Hour, 12 * time.Hour, 12 * time.Hour, 24 * time.Hour, 36 * time.Hour, 7 * 24 * time.Hour}
	type key struct {
		u, p  string
		l     int
		start time.Time
	}
	seen := map[key]bool{}
	add := func(s propSeg) {
		k := key{s.user, s.policy, s.level, s.start}
		if seen[k] { // the primary key of oncalls
			return
		}
		seen[k] = true
		set.oncalls = append(set.oncalls, s)
	}
	for len(set.oncalls) < n {
		u := fmt.Sprintf("s%d-U%d", id, r.IntN(users))
		p := pols[r.IntN(len(pols))]
		l := 1 + r.IntN(3)
		if r.IntN(3) > 0 {
			l = 1
		}
		k := len(set.oncalls)
		switch c := r.IntN(10); {
		case c < 3 && k > 0: // identical start and end on another policy or level
			o := set.oncalls[r.IntN(k)]
			add(propSeg{o.user, pols[r.IntN(len(pols))], 1 + r.IntN(3), o.start, o.end})
		case c < 4 && k > 0: // touching: starts where another ends
			o := set.oncalls[r.IntN(k)]
			if !o.end.IsZero() {
				add(propSeg{o.user, p, l, o.end, o.end.Add(lengths[r.IntN(len(lengths))])})
			}
		case c < 5 && k > 0: // nested inside another
			o := set.oncalls[r.IntN(k)]
			if !o.end.IsZero() && o.end.Sub(o.start) >= 2*time.Hour {
				add(propSeg{o.user, p, l, o.start.Add(time.Hour), o.end.Add(-time.Hour)})
			}
		case c < 6: // open-ended: runs to the last sync's watermark
			add(propSeg{u, p, l, hour(), time.Time{}})
		default: // on the grid, overlapping others by chance
			s := hour()
			add(propSeg{u, p, l, s, s.Add(lengths[r.IntN(len(lengths))])})
		}
	}
	// Every set has a watermark; open segments that start after it have
	// zero length (the end is at least the start).
	set.watermark = propBase.Add(time.Duration(10*24+r.IntN(6*24)) * time.Hour)
	for i := 0; i < n/5; i++ {
		set.dups = append(set.dups, r.IntN(n))
	}
	for _, p := range pols {
		for range r.IntN(20) {
			set.alerts[p] = append(set.alerts[p], hour().Add(time.Duration(r.IntN(2))*time.Hour))
		}
	}
	return set
}

// resolved returns the set's a_segments rows: open segments end at the
// watermark, never before their start; then the duplicates.
func (s propSet) resolved() []propSeg {
	var out []propSeg
	for _, o := range s.oncalls {
		if o.end.IsZero() {
			o.end = s.watermark
			if o.end.Before(o.start) {
				o.end = o.start
			}
		}
		out = append(out, o)
	}
	for _, i := range s.dups {
		out = append(out, out[i], out[i])
	}
	return out
}

func (s propSet) team(policy string) string {
	if t := s.policies[policy]; t != "" {
		return t
	}
	return "unassigned"
}

// reference computes three derived tables of the set in Go, and the level-1
// segments of each team: policies without a team share the team
// "unassigned" across sets, so the caller unites those over all sets.
func (s propSet) reference() (user, userL1, shifts []propInterval, teamL1 map[string][][2]time.Time) {
	by := func(keep func(propSeg) bool, key func(propSeg) string) map[string][][2]time.Time {
		m := map[string][][2]time.Time{}
		for _, g := range s.resolved() {
			if keep(g) {
				m[key(g)] = append(m[key(g)], [2]time.Time{g.start, g.end})
			}
		}
		return m
	}
	all := func(propSeg) bool { return true }
	l1 := func(g propSeg) bool { return g.level == 1 }
	collect := func(m map[string][][2]time.Time) []propInterval {
		var out []propInterval
		for k, segs := range m {
			out = append(out, unionOf(k, segs)...)
		}
		return out
	}
	user = collect(by(all, func(g propSeg) string { return g.user }))
	userL1 = collect(by(l1, func(g propSeg) string { return g.user }))
	teamL1 = by(l1, func(g propSeg) string { return s.team(g.policy) })
	shifts = collect(by(l1, func(g propSeg) string { return g.user + "|" + g.policy + "|1" }))
	for i, sh := range shifts {
		policy := strings.Split(sh.Key, "|")[1]
		for _, a := range s.alerts[policy] {
			if !a.Before(sh.Start) && a.Before(sh.End) {
				shifts[i].Alerts++
			}
		}
	}
	return user, userL1, shifts, teamL1
}

func TestUnionProperty(t *testing.T) {
	// Sizes: mostly small sets, some of a few hundred segments and three of
	// 3,000, about 16,000 segments in all, in one database so that DuckDB
	// runs its windows over partitions of every size at once.
	r := rand.New(rand.NewPCG(13, 2026))
	var sets []propSet
	for i := range 400 {
		n := 1 + r.IntN(30)
		switch {
		case i%100 == 0:
			n = 3000
		case i%20 == 0:
			n = 200 + r.IntN(300)
		}
		sets = append(sets, genPropSet(r, i, n))
	}

	p := newPlanter(t)
	var want [4][]propInterval
	teams := map[string][][2]time.Time{}
	for _, s := range sets {
		for pol, team := range s.policies {
			p.policy(pol, team)
		}
		u, l1, sh, tl1 := s.reference()
		want[0] = append(want[0], u...)
		want[1] = append(want[1], l1...)
		want[3] = append(want[3], sh...)
		for team, segs := range tl1 {
			teams[team] = append(teams[team], segs...)
		}
	}
	for team, segs := range teams {
		want[2] = append(want[2], unionOf(team, segs)...)
	}
	// The statements under test read a_segments and a_alerts; plant them
	// through the segments step (open ends, teams) and directly.
	p.exec(`CREATE TABLE prop_oncalls (user_id VARCHAR, escalation_policy_id VARCHAR, escalation_level INTEGER, start_at TIMESTAMP, end_at TIMESTAMP, watermark TIMESTAMP)`)
	appendRows := func(table string, cols int, rows [][]any) {
		t.Helper()
		const batch = 500
		for len(rows) > 0 {
			n := min(batch, len(rows))
			var b strings.Builder
			var args []any
			b.WriteString("INSERT INTO " + table + " VALUES ")
			for i, row := range rows[:n] {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("(")
				for j := range cols {
					if j > 0 {
						b.WriteString(",")
					}
					args = append(args, row[j])
					fmt.Fprintf(&b, "$%d", len(args))
				}
				b.WriteString(")")
			}
			p.exec(b.String(), args...)
			rows = rows[n:]
		}
	}
	var oncallRows, alertRows [][]any
	for _, s := range sets {
		for _, o := range s.oncalls {
			var end any
			if !o.end.IsZero() {
				end = o.end
			}
			oncallRows = append(oncallRows, []any{o.user, o.policy, o.level, o.start, end, s.watermark})
		}
		for pol, ats := range s.alerts {
			for _, a := range ats {
				alertRows = append(alertRows, []any{fmt.Sprintf("A%d", len(alertRows)), pol, a})
			}
		}
	}
	appendRows("prop_oncalls", 6, oncallRows)
	// Each set has its own watermark; the real step takes one from
	// sync_state, so the open ends are resolved here the same way
	// (greatest(start, coalesce(end, watermark))) and the step's own SQL
	// is checked by TestOnCall.
	p.exec(`CREATE OR REPLACE TABLE a_segments AS
		SELECT o.user_id, o.escalation_policy_id, o.escalation_level, o.start_at,
		       greatest(o.start_at, coalesce(o.end_at, o.watermark)) AS end_at,
		       coalesce(ep.team_id, 'unassigned') AS team_id, false AS permanent
		FROM prop_oncalls o LEFT JOIN escalation_policies ep ON ep.id = o.escalation_policy_id`)
	// Exact duplicates: each listed segment twice more.
	var dupRows [][]any
	for _, s := range sets {
		res := s.resolved()
		for _, g := range res[len(s.oncalls):] {
			dupRows = append(dupRows, []any{g.user, g.policy, g.level, g.start, g.end, s.team(g.policy)})
		}
	}
	for i := range dupRows {
		dupRows[i] = append(dupRows[i], false)
	}
	appendRows("a_segments", 7, dupRows)
	p.exec(`CREATE OR REPLACE TABLE a_alerts (id VARCHAR, escalation_policy_id VARCHAR, created_at TIMESTAMP)`)
	appendRows("a_alerts", 3, alertRows)

	for _, step := range []string{
		"analysis-refresh-shifts",
		"analysis-refresh-user-oncall",
		"analysis-refresh-user-oncall-l1",
		"analysis-refresh-team-oncall-l1",
	} {
		p.exec(queries.Get(step))
	}

	read := func(q string) []propInterval {
		t.Helper()
		rows, err := p.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []propInterval
		for rows.Next() {
			var iv propInterval
			if err := rows.Scan(&iv.Key, &iv.Start, &iv.End, &iv.Alerts); err != nil {
				t.Fatal(err)
			}
			iv.Start, iv.End = iv.Start.UTC(), iv.End.UTC()
			out = append(out, iv)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := [4][]propInterval{
		read(`SELECT user_id, start_at, end_at, 0 FROM a_user_oncall`),
		read(`SELECT user_id, start_at, end_at, 0 FROM a_user_oncall_l1`),
		read(`SELECT team_id, start_at, end_at, 0 FROM a_team_oncall_l1`),
		read(`SELECT user_id || '|' || escalation_policy_id || '|' || escalation_level, start_at, end_at, alerts FROM a_shifts`),
	}
	sortIv := func(a, b propInterval) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return a.Start.Compare(b.Start)
	}
	total := 0
	for _, s := range sets {
		total += len(s.resolved())
	}
	t.Logf("%d sets, %d segments (with duplicates); %d user stretches", len(sets), total, len(want[0]))
	for i, name := range []string{"a_user_oncall", "a_user_oncall_l1", "a_team_oncall_l1", "a_shifts"} {
		slices.SortFunc(want[i], sortIv)
		slices.SortFunc(got[i], sortIv)
		missing, extra := ivDiff(want[i], got[i])
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s differs from the reference union: %d stretches missing, %d extra; first ones:\n%s",
				name, len(missing), len(extra), cmp.Diff(missing[:min(5, len(missing))], extra[:min(5, len(extra))]))
		}
	}
}

// ivDiff returns the intervals of want not in got and those of got not in
// want (as multisets).
func ivDiff(want, got []propInterval) (missing, extra []propInterval) {
	n := map[propInterval]int{}
	for _, iv := range got {
		n[iv]++
	}
	for _, iv := range want {
		if n[iv] > 0 {
			n[iv]--
			continue
		}
		missing = append(missing, iv)
	}
	for _, iv := range got {
		if n[iv] > 0 {
			n[iv]--
			extra = append(extra, iv)
		}
	}
	return missing, extra
}
