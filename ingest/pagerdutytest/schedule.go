package pagerdutytest

import (
	"math/rand/v2"
	"sort"
	"time"
)

const day = 86400

// daysSinceEpoch numbers the calendar date of t in its location.
func daysSinceEpoch(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / day
}

// weekOf numbers the Monday-based week of a day number (1970-01-01 was a Thursday).
func weekOf(days int64) int64 { return (days + 3) / 7 }

// buildSchedules computes every schedule's final segments over the generated
// range [start-14 d, end+35 d), overrides applied and touching segments of
// the same user merged.
func (o *Org) buildSchedules() {
	from, to := o.start-14*day, o.end+35*day
	o.overs = o.overs[:0]
	var stretchSched = -1
	for si := range o.scheds {
		sc := &o.scheds[si]
		if sc.level == 1 && o.policies[sc.ep].team >= 0 && o.teams[o.policies[sc.ep].team].name == StretchTeamName {
			stretchSched = si
		}
	}
	for si := range o.scheds {
		sc := &o.scheds[si]
		var base []seg
		switch sc.kind {
		case rotWeekly:
			base = o.weeklySegs(sc, si, from, to)
		case rotFollowSun:
			for d := from/day - 1; d*day < to; d++ {
				wk := weekOf(d)
				ds := d*day + 7*3600
				base = append(base, seg{ds, ds + 12*3600, int32(sc.members[int(wk)%len(sc.members)])},
					seg{ds + 12*3600, ds + 24*3600, int32(sc.members2[int(wk)%len(sc.members2)])})
			}
		case rotMirror:
			base = append([]seg(nil), o.scheds[sc.mirror].segs...)
		case rotDay12:
			for d := from/day - 1; d*day < to; d++ {
				ds := d*day + 7*3600
				base = append(base, seg{ds, ds + 6*3600, int32(sc.members[0])})
			}
		case rotNightLayer:
			t0 := time.Unix(from-day, 0).In(sc.loc)
			y, m, dd := t0.Date()
			for k := 0; ; k++ {
				d8 := time.Date(y, m, dd+k, 8, 0, 0, 0, sc.loc)
				if d8.Unix() >= to {
					break
				}
				d22 := time.Date(y, m, dd+k, 22, 0, 0, 0, sc.loc)
				n8 := time.Date(y, m, dd+k+1, 8, 0, 0, 0, sc.loc)
				wk := weekOf(daysSinceEpoch(d8))
				base = append(base, seg{d8.Unix(), d22.Unix(), int32(sc.members[int(wk)%len(sc.members)])},
					seg{d22.Unix(), n8.Unix(), int32(sc.members2[0])})
			}
		}
		var ovs []override
		if sc.kind == rotWeekly && sc.level == 1 {
			ovs = o.overridesFor(sc, si, base, si == stretchSched)
		}
		sc.segs = applyOverrides(base, ovs)
		o.overs = append(o.overs, ovs...)
	}
}

// weeklySegs rotates members weekly, handing off on Mondays at 09:00 in the
// schedule's zone; the rotation is offset by the schedule's index unless
// the schedule fixes its offset.
func (o *Org) weeklySegs(sc *schedule, si int, from, to int64) []seg {
	t := time.Unix(from, 0).In(sc.loc)
	wd := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	d -= wd + 7
	var out []seg
	for k := 0; ; k++ {
		h := time.Date(y, m, d+7*k, 9, 0, 0, 0, sc.loc)
		if h.Unix() >= to {
			break
		}
		next := time.Date(y, m, d+7*k+7, 9, 0, 0, 0, sc.loc)
		wk := weekOf(daysSinceEpoch(h))
		off := int64(si)
		if sc.fixed {
			off = int64(sc.offset)
		}
		u := sc.members[int(wk+off)%len(sc.members)]
		out = append(out, seg{h.Unix(), next.Unix(), int32(u)})
	}
	return out
}

// overridesFor plants short overrides in about a third of the weeks and, on
// the stretch schedule, the 3-day override after StretchUserName's week.
func (o *Org) overridesFor(sc *schedule, si int, base []seg, stretch bool) []override {
	var out []override
	skip := map[int]bool{}
	if stretch {
		su := o.userIndex(StretchUserName)
		for k := 0; k+1 < len(base); k++ {
			if base[k].start >= o.start+7*day && int(base[k].user) == su && base[k].end < o.end {
				o.stretch = [2]int64{base[k].start, base[k+1].start + 3*day}
				out = append(out, override{sched: si, user: su, start: base[k+1].start, end: base[k+1].start + 3*day})
				skip[k], skip[k+1] = true, true
				break
			}
		}
	}
	for k, b := range base {
		if skip[k] || len(sc.members) < 2 {
			continue
		}
		wk := weekOf(daysSinceEpoch(time.Unix(b.start, 0).In(sc.loc)))
		rng := rand.New(rand.NewPCG(splitmix(uint64(o.cfg.Seed)^uint64(si)<<32), uint64(wk)))
		if rng.Float64() >= OverrideShare {
			continue
		}
		bt := time.Unix(b.start, 0).In(sc.loc)
		y, m, d := bt.Date()
		st := time.Date(y, m, d+rng.IntN(7), 8+rng.IntN(10), 0, 0, 0, sc.loc).Unix()
		en := st + int64(3+rng.IntN(7))*3600
		if st < b.start || en > b.end {
			continue
		}
		u := sc.members[rng.IntN(len(sc.members))]
		if int32(u) == b.user {
			u = sc.members[(indexOf(sc.members, u)+1)%len(sc.members)]
		}
		out = append(out, override{sched: si, user: u, start: st, end: en})
	}
	return out
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// applyOverrides cuts the overrides into base and merges touching segments of
// the same user.
func applyOverrides(base []seg, ovs []override) []seg {
	segs := base
	for _, ov := range ovs {
		var next []seg
		for _, s := range segs {
			if s.end <= ov.start || s.start >= ov.end {
				next = append(next, s)
				continue
			}
			if s.start < ov.start {
				next = append(next, seg{s.start, ov.start, s.user})
			}
			if s.end > ov.end {
				next = append(next, seg{ov.end, s.end, s.user})
			}
		}
		next = append(next, seg{ov.start, ov.end, int32(ov.user)})
		sort.Slice(next, func(i, j int) bool { return next[i].start < next[j].start })
		segs = next
	}
	var out []seg
	for _, s := range segs {
		if n := len(out); n > 0 && out[n-1].user == s.user && out[n-1].end == s.start {
			out[n-1].end = s.end
			continue
		}
		out = append(out, s)
	}
	return out
}

// onCall returns who is on call on schedule si at t, or -1.
func (o *Org) onCall(si int, t int64) int {
	segs := o.scheds[si].segs
	i := sort.Search(len(segs), func(i int) bool { return segs[i].start > t }) - 1
	if i < 0 || t >= segs[i].end {
		return -1
	}
	return int(segs[i].user)
}
