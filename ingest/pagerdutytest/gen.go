package pagerdutytest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Incident kinds of the generator.
const (
	ikNormal uint8 = iota
	ikStorm
	ikNightly
	ikOpenTriggered
	ikOpenAcked
	ikLateResolved
)

type pending struct {
	at     int64
	svc    int
	kind   uint8
	title  string
	alerts []int64 // storm: explicit alert times, first = at
}

// dayFactor shapes the incident rate by local hour and weekday: business
// hours busiest, evenings and weekends quieter, nights quietest.
func dayFactor(t time.Time) float64 {
	h := t.Hour()
	weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
	switch {
	case h >= 22 || h < 8:
		if weekend {
			return 0.1
		}
		return 0.12
	case weekend:
		return 0.45
	case h < 18:
		return 2.0
	default:
		return 0.8
	}
}

func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func lognormal(rng *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*rng.NormFloat64())
}

// generateDays simulates the UTC days [d0, d1) of history (day 0 starts at
// Start). Each day has its own random stream, so appending days later gives
// the same history as generating them at once.
func (o *Org) generateDays(d0, d1 int) {
	for d := d0; d < d1; d++ {
		rng := rand.New(rand.NewPCG(splitmix(uint64(o.cfg.Seed)), splitmix(uint64(d)<<1|1)))
		ds := o.start + int64(d)*day
		var ps []pending
		for si := range o.services {
			s := &o.services[si]
			for h := int64(0); h < 24; h++ {
				t := ds + h*3600
				n := poisson(rng, s.rate/24*dayFactor(time.Unix(t+1800, 0).In(s.loc)))
				for ; n > 0; n-- {
					ps = append(ps, pending{at: t + rng.Int64N(3600), svc: si, kind: ikNormal})
				}
			}
			stormP := 0.02
			if s.team == 0 {
				stormP = 0.12
			}
			if wd := time.Unix(ds+12*3600, 0).In(s.loc).Weekday(); wd == time.Saturday || wd == time.Sunday {
				stormP /= 3 // storms follow deploys and traffic
			}
			if rng.Float64() < stormP {
				ps = append(ps, o.storm(rng, si, ds)...)
			}
			if s.kind == svcNightly && rng.Float64() < 0.85 {
				lt := time.Unix(ds+12*3600, 0).In(s.loc)
				y, m, dd := lt.Date()
				t := time.Date(y, m, dd, 2, 0, 0, 0, s.loc).Unix() + rng.Int64N(150*60)
				if t >= ds && t < ds+day {
					ps = append(ps, pending{at: t, svc: si, kind: ikNightly,
						title: fmt.Sprintf("ETL job nightly_%s failed (exit code %d)", []string{"orders", "users", "events", "billing"}[rng.IntN(4)], 1+rng.IntN(3))})
				}
			}
		}
		ps = append(ps, o.planted(d, ds)...)
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].at < ps[j].at })
		for _, p := range ps {
			o.simulate(rng, p)
		}
		o.days = d + 1
	}
}

// storm plans a burst of 30-100 alerts within 2-8 minutes on service si,
// grouped into 3-10 incidents.
func (o *Org) storm(rng *rand.Rand, si int, ds int64) []pending {
	s := &o.services[si]
	t0 := ds + rng.Int64N(day-900)
	for try := 0; try < 8 && rng.Float64()*2 > dayFactor(time.Unix(t0, 0).In(s.loc)); try++ {
		t0 = ds + rng.Int64N(day-900) // prefer busy local hours
	}
	n := 30 + rng.IntN(71)
	win := int64(120 + rng.IntN(361))
	times := make([]int64, n)
	for i := range times {
		times[i] = t0 + rng.Int64N(win+1)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	k := 3 + rng.IntN(8)
	var out []pending
	for g := 0; g < k; g++ {
		lo, hi := g*n/k, (g+1)*n/k
		if lo == hi {
			continue
		}
		title := fmt.Sprintf("Connection refused: %s upstream 10.0.%d.%d", s.name, rng.IntN(8), 2+rng.IntN(250))
		out = append(out, pending{at: times[lo], svc: si, kind: ikStorm, title: title, alerts: times[lo:hi]})
	}
	o.storms = append(o.storms, Storm{ServiceID: s.id, Start: time.Unix(times[0], 0).UTC(), End: time.Unix(times[n-1], 0).UTC(), Alerts: n, Incidents: len(out)})
	return out
}

// planted returns the hand-placed incidents of day d of the base history.
func (o *Org) planted(d int, ds int64) []pending {
	if d >= o.baseDays {
		return nil
	}
	var out []pending
	nasty, _ := o.serviceIndex(NastyServiceName)
	for i, t := range NastyTitles {
		if d == (1+2*i)%o.baseDays {
			out = append(out, pending{at: ds + 14*3600 + int64(i)*60, svc: nasty, kind: ikNormal, title: t})
		}
	}
	ledger, _ := o.serviceIndex("ledger-db")
	switch d {
	case o.baseDays - 3:
		out = append(out, pending{at: ds + 10*3600, svc: ledger, kind: ikOpenTriggered, title: OpenTriggeredTitle})
	case o.baseDays - 2:
		out = append(out, pending{at: ds + 11*3600, svc: nasty, kind: ikOpenAcked, title: OpenAcknowledgedTitle})
	case o.baseDays / 2:
		out = append(out, pending{at: ds + 15*3600, svc: nasty, kind: ikLateResolved, title: LateResolvedTitle})
	}
	return out
}

func (o *Org) serviceIndex(name string) (int, bool) {
	for i := range o.services {
		if o.services[i].name == name {
			return i, true
		}
	}
	return 0, false
}

var genericTitles = []string{
	"High error rate on %s: %d%% 5xx",
	"Latency p99 above %d ms on %s",
	"%s pod CrashLoopBackOff (restarts: %d)",
	"Disk usage %d%% on %s-db-%d",
	"Queue depth high on %s (%d messages)",
	"Certificate for %s expires in %d days",
	"Memory pressure on %s node %d",
}

func (o *Org) normalTitle(rng *rand.Rand, s *service) string {
	if s.kind == svcFlapping {
		switch rng.IntN(4) {
		case 0:
			return fmt.Sprintf(FlappingTitles[0], fmt.Sprint(200+rng.IntN(9000)), fmt.Sprint(rng.IntN(32)))
		case 1:
			return fmt.Sprintf(FlappingTitles[1], fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Int64N(1<<48)))
		case 2:
			return fmt.Sprintf(FlappingTitles[2], fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
		default:
			return fmt.Sprintf(FlappingTitles[3], fmt.Sprintf("%012x", rng.Int64N(1<<48)))
		}
	}
	switch k := rng.IntN(len(genericTitles)); k {
	case 0:
		return fmt.Sprintf(genericTitles[0], s.name, 5+rng.IntN(60))
	case 1:
		return fmt.Sprintf(genericTitles[1], 300+rng.IntN(5000), s.name)
	case 2:
		return fmt.Sprintf(genericTitles[2], s.name, 3+rng.IntN(40))
	case 3:
		return fmt.Sprintf(genericTitles[3], 85+rng.IntN(15), s.name, rng.IntN(6))
	case 4:
		return fmt.Sprintf(genericTitles[4], s.name, 1000+rng.IntN(90000))
	case 5:
		return fmt.Sprintf(genericTitles[5], s.name, 1+rng.IntN(14))
	default:
		return fmt.Sprintf(genericTitles[6], s.name, rng.IntN(40))
	}
}

// simulate plays one incident's life and stores it with its alerts and log
// entries.
func (o *Org) simulate(rng *rand.Rand, p pending) {
	s := &o.services[p.svc]
	ep := &o.policies[s.ep]
	idx := len(o.incidents)
	t0 := p.at
	title := p.title
	if title == "" {
		title = o.normalTitle(rng, s)
	}
	inc := incident{created: t0, title: o.intern(title), service: uint16(p.svc), firstAlert: uint32(len(o.alerts)), firstLog: uint32(len(o.logs))}
	if p.kind == ikNormal && s.kind == svcNormal && rng.Float64() < 0.15 {
		inc.urgency = 1
	}
	l1 := o.onCall(ep.sched[0], t0)
	escAt := t0 + int64(ep.delay)

	var ackAt, resolveAt int64
	resolver := agUser
	switch p.kind {
	case ikOpenTriggered:
	case ikOpenAcked:
		ackAt = t0 + 240
	case ikLateResolved:
		ackAt = t0 + 420
		resolveAt = t0 + 3*day
	default:
		transientP := TransientShare
		switch {
		case s.kind == svcFlapping:
			transientP = 0.7
		case p.kind == ikStorm:
			transientP = 0.4
		case p.kind == ikNightly:
			transientP = 0
		}
		r := rng.Float64()
		switch {
		case r < transientP:
			resolveAt = t0 + 60 + rng.Int64N(231)
			resolver = agIntegrationAPI
			if rng.Float64() < 0.15 {
				ackAt = t0 + 20 + rng.Int64N(resolveAt-t0-20)
			}
		case r < transientP+0.06:
			resolveAt = t0 + int64(s.autoResolve)
			resolver = agServiceTimeout
		default:
			if rng.Float64() < 0.06 {
				ackAt = escAt + 30 + int64(lognormal(rng, 180, 0.8))
			} else {
				ackAt = t0 + 10 + int64(lognormal(rng, 140, 0.9))
			}
			res := int64(lognormal(rng, 35*60, 1.1)) + 60
			if rng.Float64() < 0.02 {
				res += int64(1+rng.IntN(4)) * day
			}
			resolveAt = ackAt + res
			if rng.Float64() < 0.15 {
				resolver = agServiceAuto
			}
		}
	}
	if n := len(p.alerts); n > 0 && resolveAt > 0 && resolveAt <= p.alerts[n-1] {
		resolveAt = p.alerts[n-1] + 30 + rng.Int64N(300) // a storm incident resolves after its last alert
	}
	escalates := (ackAt == 0 || ackAt > escAt) && (resolveAt == 0 || resolveAt > escAt)
	l2 := -1
	if escalates {
		l2 = o.onCall(ep.sched[1], escAt)
	}
	ackBy := l1
	if ackAt > 0 && escalates && l2 >= 0 && rng.Float64() < 0.75 {
		ackBy = l2
	}

	var logs []logEntry
	add := func(e logEntry) { e.inc = uint32(idx); logs = append(logs, e) }
	add(logEntry{at: t0, kind: leTrigger, user: int16(l1), sub: agIntegrationAPI, level: 1})
	notify := func(u, level int, from int64) {
		if u < 0 {
			return
		}
		rules := o.users[u].rules
		if inc.urgency == 1 {
			rules = []rule{{chEmail, 0}}
		}
		for _, r := range rules {
			ts := from + int64(r.delay)
			if r.delay > 0 && ((ackAt > 0 && ackAt <= ts) || (resolveAt > 0 && resolveAt <= ts)) {
				continue
			}
			if o.onCall(ep.sched[level-1], ts) != u {
				continue // handed off meanwhile: PagerDuty's rule would go elsewhere
			}
			add(logEntry{at: ts, kind: leNotify, user: int16(u), sub: r.ch, level: uint8(level)})
		}
	}
	notify(l1, 1, t0)
	if escalates && l2 >= 0 {
		add(logEntry{at: escAt, kind: leEscalate, user: int16(l2), level: 2, sub: agServiceTimeout})
		notify(l2, 2, escAt)
	}
	if ackAt > 0 {
		add(logEntry{at: ackAt, kind: leAck, user: int16(ackBy), sub: uint8(rng.IntN(2))})
		if resolveAt > ackAt+120 && rng.Float64() < 0.25 {
			add(logEntry{at: ackAt + 60 + rng.Int64N(resolveAt-ackAt-60), kind: leAnnotate, user: int16(ackBy)})
		}
	}
	if resolveAt > 0 {
		e := logEntry{at: resolveAt, kind: leResolve, sub: resolver, user: -1}
		if resolver == agUser {
			e.user = int16(ackBy)
		}
		add(e)
	}
	sort.SliceStable(logs, func(i, j int) bool { return logs[i].at < logs[j].at })
	for i := range logs {
		logs[i].seq = uint8(i)
	}
	o.logs = append(o.logs, logs...)
	inc.nLogs = uint8(len(logs))

	// Alerts: storms bring their own; others 1 + Poisson extra, while open.
	sev := uint8(3)
	if inc.urgency == 1 {
		sev = 1
	}
	times := p.alerts
	if times == nil {
		times = []int64{t0}
		extra := poisson(rng, o.extraAlerts())
		t := t0
		for ; extra > 0; extra-- {
			t += 1 + int64(rng.ExpFloat64()*120)
			if resolveAt > 0 && t >= resolveAt {
				break
			}
			times = append(times, t)
		}
	}
	for _, t := range times {
		o.alerts = append(o.alerts, alert{at: t, inc: uint32(idx), title: inc.title, severity: sev})
	}
	inc.nAlerts = uint16(len(times))
	o.incidents = append(o.incidents, inc)
}

func (o *Org) extraAlerts() float64 {
	if o.cfg.Size == Large {
		return 1.2
	}
	return 0.6
}
