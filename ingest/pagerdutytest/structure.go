package pagerdutytest

import (
	"fmt"
	"strings"
	"time"
)

// Entity kinds in the key space of the short "P" IDs (kind<<24 | index).
const (
	kUser = iota + 1
	kTeam
	kService
	kPolicy
	kSchedule
	kContact
	kRule
	kIntegration
)

func (o *Org) shortID(kind, idx int) string { return o.pid.encode(uint64(kind)<<24 | uint64(idx)) }

type memberSpec struct{ name, zone string }

type svcSpec struct {
	name, desc string
	rate       float64
	kind       uint8
}

type teamSpec struct {
	name, desc, zone string
	rot              uint8
	delayMin         int
	members          []memberSpec
	night            []memberSpec // followSun: night region; nightLayer: the night owl
	services         []svcSpec
}

// The planted teams of every size.
var plantedTeams = []teamSpec{
	{name: OverloadedTeamName, desc: "Kubernetes, networking and load balancers", zone: "Europe/Berlin", rot: rotWeekly, delayMin: 15,
		members: []memberSpec{{"Lena Fischer", "Europe/Berlin"}, {"Jonas Becker", "Europe/Berlin"}, {"Priya Raman", "Asia/Kolkata"},
			{"Oliver Hughes", "Europe/London"}, {"Mateo García", "Europe/Madrid"}, {"Sofia Rossi", "Europe/Rome"}, {"Emil Lindqvist", "Europe/Stockholm"}},
		services: []svcSpec{{"k8s-cluster-eu", "Production Kubernetes cluster (EU)", 16, svcNormal}, {"edge-load-balancers", "Edge proxies and load balancers", 13, svcNormal}}},
	{name: StretchTeamName, desc: "Payment processing & ledger", zone: "America/New_York", rot: rotWeekly, delayMin: 10,
		members: []memberSpec{{StretchUserName, "America/New_York"}, {"Grace Kim", "America/New_York"}, {"Marcus Johnson", "America/New_York"},
			{"Ana Souza", "America/Sao_Paulo"}, {"Daniel Cohen", "America/New_York"}, {"Chloé Martin", "Europe/Paris"}},
		services: []svcSpec{{NastyServiceName, "Public payments API", 1.2, svcNormal}, {"ledger-db", "Ledger database cluster", 0.6, svcNormal}}},
	{name: FollowTheSunTeamName, desc: "iOS/Android backends, follow-the-sun", zone: "Europe/Berlin", rot: rotFollowSun, delayMin: 15,
		members:  []memberSpec{{"Hannah Schulz", "Europe/Berlin"}, {"Felix Wagner", "Europe/Berlin"}, {"Mia Hoffmann", "Europe/Berlin"}},
		night:    []memberSpec{{"Liam O'Connor", "Australia/Sydney"}, {"Charlotte Nguyen", "Australia/Sydney"}, {"Jack Wilson", "Australia/Sydney"}},
		services: []svcSpec{{"mobile-backend", "Mobile BFF", 1.5, svcNormal}, {"push-gateway", "APNs/FCM gateway", 0.8, svcNormal}}},
	{name: NightOwlTeamName, desc: "Warehouse and nightly batch", zone: NightOwlTimeZone, rot: rotNightLayer, delayMin: 15,
		members: []memberSpec{{"Ethan Brooks", "America/Denver"}, {"Olivia Chen", "America/Los_Angeles"}, {"Noah Patel", "America/Chicago"},
			{"Ava Martinez", "America/Chicago"}, {"Lucas Meyer", "America/Denver"}},
		night:    []memberSpec{{NightOwlUserName, NightOwlTimeZone}},
		services: []svcSpec{{NightlyServiceName, "Nightly ETL jobs", 0.4, svcNightly}, {"warehouse", "Analytics warehouse", 1, svcNormal}}},
	{name: "Search & Discovery", desc: "Search API and indexing", zone: "Asia/Kolkata", rot: rotWeekly, delayMin: 20,
		members: []memberSpec{{"Arjun Mehta", "Asia/Kolkata"}, {"Kavya Iyer", "Asia/Kolkata"}, {"Rohan Das", "Asia/Kolkata"},
			{"Sara Ahmed", "Europe/London"}, {"Yuki Tanaka", "Asia/Tokyo"}, {"Ishaan Kapoor", "Asia/Kolkata"}},
		services: []svcSpec{{"search-api", "Search API", 1, svcNormal}, {FlappingServiceName, "Index builders", 2, svcFlapping}}},
	{name: "Identity & Access", desc: "Login, SSO, tokens", zone: "America/Los_Angeles", rot: rotWeekly, delayMin: 30,
		members: []memberSpec{{UnusualZoneUserName, UnusualTimeZone}, {"Ben Carter", "America/Los_Angeles"}, {"Zoe Park", "America/Los_Angeles"},
			{"Diego Ramírez", "America/Mexico_City"}, {"Emma Wright", "America/Los_Angeles"}, {"Ryan Murphy", "America/Denver"}},
		services: []svcSpec{{"auth-service", "Authentication service", 1.2, svcNormal}, {"sso-gateway", "SAML/OIDC gateway", 0.6, svcNormal}}},
}

var plantedManagers = []memberSpec{{"Katrin Vogel", "Europe/Berlin"}, {"Samuel Adeyemi", "America/New_York"}, {"Meera Nair", "Asia/Kolkata"}}

// lateManager is the fourth manager of every size, added after every other
// user so that no ID moves: with four managers sharing the level-2
// rotation, each holds it one week in four (25 % of the time, not more).
var lateManager = memberSpec{"Ruth Abebe", "Europe/London"}

var firstNames = strings.Fields("Alex Sam Jordan Taylor Morgan Casey Riley Jamie Avery Quinn Harper Rowan Elif Mateus Ingrid Kenji Amara Tariq Leila Viktor Nora Oskar Freya Idris Maya Rafael Sven Aiko Kofi Lucia Henrik Zainab Pablo Astrid Dmitri Chiara Tomás Ayşe Björn Wei")
var lastNames = strings.Fields("Smith Jensen Novak Silva Kowalski Yamamoto Haddad Larsen Moreau Costa Petrov Okoye Brennan Varga Lindgren Suzuki Rahman Dubois Ferreira Nakamura Horvat Andersen Mendes Sato Kaya Müller Hansen Romero Ivanova Byrne")
var genericZones = []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles",
	"Europe/London", "Asia/Tokyo", "America/Chicago", "America/Sao_Paulo", "Europe/Warsaw", "Asia/Singapore"}
var genericTeamWords = strings.Fields("Checkout Billing Catalog Inventory Shipping Fraud Messaging Notifications Growth Ads Pricing Reviews Loyalty Recommendations Media Storage Observability Networking Databases Queueing Gateway Partners Support Compliance Reporting Onboarding Accounts Maps Video Chat Security Edge Cache Builds Releases Mail Calendar Docs Payroll Tax Analytics Experiments Localization Ledger")

var ruleSets = [][]rule{
	{{chPush, 0}, {chEmail, 0}, {chSMS, 60}, {chPhone, 300}},
	{{chPush, 0}, {chEmail, 0}, {chPhone, 180}},
	{{chSMS, 0}, {chEmail, 0}, {chPhone, 120}},
	{{chPhone, 0}, {chEmail, 0}},
	{{chPush, 0}, {chSMS, 60}, {chPhone, 300}},
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("pagerdutytest: zone %q: %v", name, err))
	}
	return loc
}

// buildStructure creates users, teams, services, policies and the schedule
// definitions (segments come from buildSchedules).
func (o *Org) buildStructure() {
	specs := append([]teamSpec(nil), plantedTeams...)
	nMgr := len(plantedManagers)
	managers := append([]memberSpec(nil), plantedManagers...)
	if o.cfg.Size == Large {
		n := 0
		for g := 0; g < 44; g++ {
			word := genericTeamWords[g%len(genericTeamWords)]
			ts := teamSpec{name: "Team " + word, desc: word + " services", zone: genericZones[g%len(genericZones)], rot: rotWeekly, delayMin: 10 + 5*(g%4)}
			for m := 0; m < 10; m++ {
				name := firstNames[n%len(firstNames)] + " " + lastNames[(n/len(firstNames)+n)%len(lastNames)]
				name = fmt.Sprintf("%s %d", name, n) // keep names unique
				zone := genericZones[(g+m/4)%len(genericZones)]
				ts.members = append(ts.members, memberSpec{name, zone})
				n++
			}
			lw := strings.ToLower(word)
			ts.services = []svcSpec{{lw + "-api", word + " API", 12.5, svcNormal}, {lw + "-worker", word + " workers", 12.5, svcNormal},
				{lw + "-db", word + " database", 12.5, svcNormal}}
			if g%5 == 0 {
				ts.services[1].kind = svcFlapping
			}
			specs = append(specs, ts)
		}
		for m := 0; m < 22; m++ {
			managers = append(managers, memberSpec{fmt.Sprintf("Manager %s %d", lastNames[m%len(lastNames)], m), genericZones[m%len(genericZones)]})
		}
		nMgr = len(managers)
	}

	addUser := func(ms memberSpec, ti int) int {
		i := len(o.users)
		u := user{id: o.shortID(kUser, i), name: ms.name, tz: ms.zone, loc: mustZone(ms.zone)}
		local := strings.ToLower(strings.NewReplacer(" ", ".", "'", "").Replace(ms.name))
		u.email = fmt.Sprintf("%s@example.com", asciiFold(local))
		u.phone = fmt.Sprintf("+1555%07d", 100000+i*37)
		u.color = []string{"green", "red", "purple", "teal", "orange", "blue"}[i%6]
		u.title = []string{"Software Engineer", "Senior Engineer", "SRE", "Staff Engineer"}[i%4]
		u.rules = ruleSets[(i+int(uint64(o.cfg.Seed)%5))%len(ruleSets)]
		if ms.name == NightOwlUserName {
			u.rules = []rule{{chPush, 0}, {chPhone, 60}, {chEmail, 0}}
		}
		if ti >= 0 {
			u.teams = []int{ti}
		}
		o.users = append(o.users, u)
		return i
	}

	platformPrimary := -1
	mgrIdx := make([]int, nMgr)
	for m := range managers {
		mgrIdx[m] = addUser(managers[m], -1)
		o.users[mgrIdx[m]].title = "Engineering Manager"
	}
	var mgrScheds []int // the level-2 schedules: every manager, one rotation in the same phase
	for ti, ts := range specs {
		o.teams = append(o.teams, team{id: o.shortID(kTeam, ti), name: ts.name, desc: ts.desc})
		var members, night []int
		for _, ms := range ts.members {
			members = append(members, addUser(ms, ti))
		}
		for _, ms := range ts.night {
			night = append(night, addUser(ms, ti))
		}
		m1, m2 := mgrIdx[(ti/2)%nMgr], mgrIdx[(ti/2+1)%nMgr]
		o.users[m1].teams = appendUnique(o.users[m1].teams, ti)
		o.users[m2].teams = appendUnique(o.users[m2].teams, ti)
		loc := mustZone(ts.zone)
		l2 := schedule{name: ts.name + " Managers", kind: rotWeekly, loc: mustZone("Europe/London"), fixed: true}
		if ti == 0 {
			// OverloadedTeamName escalates to a secondary of its own: the
			// member who is primary 3 weeks later (whose last primary week
			// was 4 weeks before, out of the 28-day window).
			l2 = schedule{name: ts.name + " Secondary", kind: rotWeekly, loc: loc, members: members, fixed: true, offset: len(o.scheds) + 3}
		}
		pi := o.addPolicy(ts.name+" Escalation", ti, int32(ts.delayMin*60),
			schedule{name: ts.name + " Primary", kind: ts.rot, loc: loc, members: members, members2: night}, l2)
		if ti == 0 {
			platformPrimary = o.policies[pi].sched[0]
		} else {
			mgrScheds = append(mgrScheds, o.policies[pi].sched[1])
		}
		for _, ss := range ts.services {
			o.addService(ss, ti, pi, loc)
		}
	}
	// The team-less legacy service, covered by whoever is the platform
	// primary (its level 1 mirrors OverloadedTeamName's, overrides and
	// all, so it adds no on-call time of its own).
	berlin := mustZone("Europe/Berlin")
	pi := o.addPolicy("Legacy Escalation", -1, 30*60,
		schedule{name: "Legacy on-call", kind: rotMirror, loc: berlin, mirror: platformPrimary},
		schedule{name: "Legacy managers", kind: rotWeekly, loc: mustZone("Europe/London"), fixed: true})
	mgrScheds = append(mgrScheds, o.policies[pi].sched[1])
	o.addService(svcSpec{NoTeamServiceName, "Old cron host nobody owns", 0.3, svcNormal}, -1, pi, berlin)

	// The tied team, added last so that no other ID moves: two people, two
	// policies without services, the same 6-hour day segments at level 1
	// of one policy and level 2 of the other.
	ti := len(o.teams)
	o.teams = append(o.teams, team{id: o.shortID(kTeam, ti), name: TiedTeamName, desc: "Public status page and its components"})
	lisbon := mustZone("Europe/Lisbon")
	a := addUser(memberSpec{TiedUserName, "Europe/Lisbon"}, ti)
	b := addUser(memberSpec{"Kwame Mensah", "Africa/Accra"}, ti)
	o.addPolicy(TiedTeamName+" Escalation", ti, 15*60,
		schedule{name: TiedTeamName + " Primary", kind: rotDay12, loc: lisbon, members: []int{a}},
		schedule{name: TiedTeamName + " Backup", kind: rotDay12, loc: lisbon, members: []int{b}})
	o.addPolicy(TiedTeamName+" Components Escalation", ti, 15*60,
		schedule{name: TiedTeamName + " Components Primary", kind: rotDay12, loc: lisbon, members: []int{b}},
		schedule{name: TiedTeamName + " Components Backup", kind: rotDay12, loc: lisbon, members: []int{a}})

	// The fourth manager, last of all, a manager of the last two planted
	// teams; then level 2 of every team's policy and of the legacy one is
	// one weekly rotation of every manager, handing off on Mondays 09:00
	// London time, the same person on every policy in a week.
	lm := addUser(lateManager, -1)
	o.users[lm].title = "Engineering Manager"
	o.users[lm].teams = []int{4, 5}
	all := append(append([]int(nil), mgrIdx...), lm)
	for _, si := range mgrScheds {
		o.scheds[si].members = all
	}
}

func (o *Org) addPolicy(name string, ti int, delay int32, l1, l2 schedule) int {
	pi := len(o.policies)
	p := policy{id: o.shortID(kPolicy, pi), name: name, team: ti, delay: delay}
	for lvl, sc := range []schedule{l1, l2} {
		si := len(o.scheds)
		sc.id = o.shortID(kSchedule, si)
		sc.ep = pi
		sc.level = lvl + 1
		o.scheds = append(o.scheds, sc)
		p.sched[lvl] = si
	}
	o.policies = append(o.policies, p)
	return pi
}

func (o *Org) addService(ss svcSpec, ti, pi int, loc *time.Location) {
	si := len(o.services)
	o.services = append(o.services, service{id: o.shortID(kService, si), name: ss.name, desc: ss.desc, team: ti, ep: pi,
		loc: loc, rate: ss.rate, kind: ss.kind, integrationID: o.shortID(kIntegration, si), autoResolve: 4 * 3600})
}

func appendUnique(s []int, v int) []int {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// asciiFold maps the few non-ASCII letters of generated names to ASCII, for
// e-mail addresses.
func asciiFold(s string) string {
	r := strings.NewReplacer("ś", "s", "í", "i", "é", "e", "á", "a", "ü", "u", "ş", "s", "ö", "o", "ç", "c", "ã", "a", "ó", "o", "ø", "o")
	return r.Replace(s)
}
