package pagerdutytest

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the generator needs IANA zones on any machine
)

// Size selects the shape of the generated organisation.
type Size string

// Sizes.
const (
	// Small is for the demo and tests: about 40 users, 6 teams, 13 services,
	// 56 days and a few thousand incidents.
	Small Size = "small"
	// Large is for benchmarks: 500 responders, one year, more than a million
	// alerts and three million log entries.
	Large Size = "large"
)

// DefaultEnd is the end of generated history when Config.End is zero.
var DefaultEnd = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// Config says what to generate. End is the exclusive end of generated history
// (UTC, truncated to whole seconds); the zero value means DefaultEnd. Days is
// the history length in days; 0 means the size's default (small: 56 days,
// large: 365).
type Config struct {
	Size Size
	Seed int64
	End  time.Time
	Days int
}

// ErrBadConfig is returned by Generate for an unknown size or a negative
// number of days.
var ErrBadConfig = errors.New("pagerdutytest: bad config")

// Names of planted teams, users and services (the same for every seed).
const (
	OverloadedTeamName   = "Platform Infrastructure"
	FollowTheSunTeamName = "Mobile Apps"
	NightOwlTeamName     = "Data Platform"
	StretchTeamName      = "Payments"
	NightOwlUserName     = "Nadia Okafor"
	NightOwlTimeZone     = "America/Denver"
	StretchUserName      = "Tomasz Wiśniewski"
	UnusualZoneUserName  = "Aroha Tane"
	UnusualTimeZone      = "Pacific/Chatham"
	FlappingServiceName  = "search-indexer"
	NightlyServiceName   = "etl-nightly"
	NastyServiceName     = "payments-api"
	NoTeamServiceName    = "legacy-cron"
	// TiedTeamName's two members each hold two identical 6-hour segments
	// every day (07:00-13:00 UTC): level 1 of one of the team's policies and
	// level 2 of the other. TiedUserName is level 1 of TiedTeamName's
	// "Escalation" policy and level 2 of its "Components" policy.
	TiedTeamName = "Status Page"
	TiedUserName = "Inês Duarte"

	OpenTriggeredTitle    = "Replica lag above threshold on ledger-db (never acknowledged)"
	OpenAcknowledgedTitle = "Settlement export stuck (acknowledged, still open)"
	LateResolvedTitle     = "Certificate renewal failing for checkout.example.com"

	// TransientShare is the share of ordinary incidents that the integration
	// resolves within 60-290 s.
	TransientShare = 0.12
	// OverrideShare is the share of the weeks of a weekly level-1 schedule
	// that hold one short (3-9 h) override.
	OverrideShare = 0.15
)

// NastyTitles are planted verbatim as incident titles on NastyServiceName.
var NastyTitles = []string{
	`<script>alert(1)</script> in checkout page`,
	`<img src=x onerror=alert(document.cookie)> rendered in receipt`,
	`Customer said "it's broken" & left`,
	`'; DROP TABLE incidents; --`,
	`Fehler: Zahlungsübermittlung für Müller GmbH fehlgeschlagen`,
	`決済サービスの応答遅延 (日本語)`,
	`🔥 payments latency p99 > 2s 🚨`,
	"Tab\tand back\\slash and 100% _wildcard_ LIKE '%x%'",
}

// FlappingTitles are the title templates of FlappingServiceName; each %s is
// filled with a number, hex id, UUID or IPv4 address that varies.
var FlappingTitles = []string{
	"Indexer lag %s ms on shard %s",
	"Reindex job %s failed",
	"Health check failed for %s:9200",
	"Segment merge stuck at commit %s",
}

// Rule is one notification rule of a user: how (push, sms, phone, email) and
// after how many seconds of an assignment it fires.
type Rule struct {
	Channel      string // "push", "sms", "phone" or "email"
	DelaySeconds int
}

// User describes a generated user.
type User struct {
	ID, Name, Email, TimeZone string
	TeamIDs                   []string
	Rules                     []Rule // high-urgency rules; low urgency notifies by email only
}

// Team describes a generated team.
type Team struct{ ID, Name string }

// Service describes a generated service.
type Service struct {
	ID, Name, TeamID, EscalationPolicyID string // TeamID is "" for NoTeamServiceName
}

// EscalationPolicy describes a generated policy: level 1 and level 2
// schedules, escalating after EscalationDelay without an acknowledgement.
type EscalationPolicy struct {
	ID, Name, TeamID string
	ScheduleIDs      [2]string
	EscalationDelay  time.Duration
}

// Segment is one on-call segment as /oncalls serves it.
type Segment struct {
	UserID, EscalationPolicyID, ScheduleID string
	Level                                  int
	Start, End                             time.Time
}

// Override is a schedule override: UserID replaces whoever was scheduled.
type Override struct {
	ScheduleID, UserID string
	Start, End         time.Time
}

// Storm is a planted burst of alerts on one service.
type Storm struct {
	ServiceID  string
	Start, End time.Time // first and last alert
	Alerts     int
	Incidents  int
}

const (
	chPush uint8 = iota + 1
	chSMS
	chPhone
	chEmail
)

var channelNames = [...]string{"", "push", "sms", "phone", "email"}

type rule struct {
	ch    uint8
	delay int32
}

type user struct {
	id, name, email, tz, phone, title string
	loc                               *time.Location
	teams                             []int
	rules                             []rule
	color                             string
}

type team struct{ id, name, desc string }

type service struct {
	id, name, desc string
	team, ep       int // team -1: none
	loc            *time.Location
	rate           float64 // incidents per day before daily/weekly shaping
	kind           uint8
	integrationID  string
	autoResolve    int // seconds
}

const (
	svcNormal uint8 = iota
	svcFlapping
	svcNightly
)

type policy struct {
	id, name string
	team     int
	delay    int32 // seconds before escalating to level 2
	sched    [2]int
}

const (
	rotWeekly uint8 = iota
	rotFollowSun
	rotNightLayer
	rotDay12  // members[0] every day 07:00-13:00 UTC
	rotMirror // the segments of schedule mirror, overrides included
)

type schedule struct {
	id, name string
	ep       int
	level    int
	kind     uint8
	loc      *time.Location
	members  []int // weekly: rotation; followSun: day region; nightLayer: day layer
	members2 []int // followSun: night region; nightLayer: [night owl]
	fixed    bool  // weekly: rotate with offset (else offset by the schedule's index)
	offset   int   // weekly with fixed: members[(week + offset) % len] holds the week
	mirror   int   // rotMirror: the schedule copied
	segs     []seg // sorted, non-overlapping, covering the generated range
}

type seg struct {
	start, end int64
	user       int32
}

type override struct {
	sched      int
	user       int
	start, end int64
}

// incident is the compact form of an incident; number is its index + 1.
type incident struct {
	created    int64
	title      uint32
	firstAlert uint32
	firstLog   uint32
	service    uint16
	nAlerts    uint16
	nLogs      uint8
	urgency    uint8 // 0 high, 1 low
}

type alert struct {
	at       int64
	inc      uint32
	title    uint32
	severity uint8
}

// Log entry kinds.
const (
	leTrigger uint8 = iota
	leNotify
	leAck
	leEscalate
	leResolve
	leAnnotate
)

// Agents of trigger and resolve entries (logEntry.sub).
const (
	agUser uint8 = iota
	agIntegrationAPI
	agServiceAuto
	agServiceTimeout
)

type logEntry struct {
	at    int64
	inc   uint32
	user  int16 // notify: notified; ack/resolve by user: the user; escalate: new assignee; trigger: level-1 assignee
	kind  uint8
	sub   uint8 // notify: channel; resolve/trigger: agent kind; ack: 0 web, 1 mobile
	level uint8
	seq   uint8
}

// Org is a generated organisation. Its methods are safe for concurrent use.
type Org struct {
	mu       sync.RWMutex
	cfg      Config
	start    int64
	end      int64        // guarded by mu
	endNow   atomic.Int64 // copy of end for End(), which must not take mu: Options.Now may be End
	baseDays int
	days     int // generated days so far

	users    []user
	teams    []team
	services []service
	policies []policy
	scheds   []schedule
	overs    []override
	stretch  [2]int64
	storms   []Storm

	notes []plantedNote // planted by AddNote (notes.go)

	titles   []string
	titleIdx map[string]uint32

	incidents []incident
	alerts    []alert
	logs      []logEntry
	byTime    []uint32 // log indexes sorted by (at, key)
	notifs    []uint32 // indexes of notify entries sorted by (at, key)
	segs      []segRef // all segments sorted by (policy, level, start)

	pid, incID, alertID, logID, notifID idCodec
}

type segRef struct {
	sched int32
	i     int32
}

// Generate builds the organisation cfg describes. The result depends only on
// (Size, Seed, End, Days).
func Generate(cfg Config) (*Org, error) {
	if cfg.Size != Small && cfg.Size != Large {
		return nil, fmt.Errorf("generate: size %q: %w", cfg.Size, ErrBadConfig)
	}
	if cfg.Days < 0 {
		return nil, fmt.Errorf("generate: days %d: %w", cfg.Days, ErrBadConfig)
	}
	if cfg.End.IsZero() {
		cfg.End = DefaultEnd
	}
	cfg.End = cfg.End.UTC().Truncate(time.Second)
	if cfg.Days == 0 {
		cfg.Days = 56
		if cfg.Size == Large {
			cfg.Days = 365
		}
	}
	o := &Org{cfg: cfg, baseDays: cfg.Days}
	o.end = cfg.End.Unix()
	o.endNow.Store(o.end)
	o.start = o.end - int64(cfg.Days)*86400
	o.pid = newIDCodec('P', 31, 6, cfg.Seed, 1)
	o.incID = newIDCodec('Q', 64, 13, cfg.Seed, 2)
	o.alertID = newIDCodec('P', 64, 13, cfg.Seed, 3)
	o.logID = newIDCodec('R', 64, 13, cfg.Seed, 4)
	o.notifID = newIDCodec('P', 60, 12, cfg.Seed, 5)
	o.titleIdx = map[string]uint32{}
	o.buildStructure()
	o.buildSchedules()
	o.generateDays(0, cfg.Days)
	o.index()
	return o, nil
}

// Start returns the start of generated history (UTC).
func (o *Org) Start() time.Time { return time.Unix(o.start, 0).UTC() }

// End returns the exclusive end of the history served so far (UTC). It
// does not lock, so Options.Now may be org.End.
func (o *Org) End() time.Time { return time.Unix(o.endNow.Load(), 0).UTC() }

// append extends history by days more days.
func (o *Org) append(days int) {
	if days <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.end += int64(days) * 86400
	o.endNow.Store(o.end)
	o.buildSchedules()
	o.generateDays(o.days, o.days+days)
	o.index()
}

// index rebuilds the time-sorted indexes after generation.
func (o *Org) index() {
	o.titleIdx = nil // only needed while generating a batch; rebuilt lazily
	if cap(o.byTime) < len(o.logs) {
		o.byTime = make([]uint32, 0, len(o.logs))
	}
	o.byTime = o.byTime[:0]
	o.notifs = o.notifs[:0]
	for i := range o.logs {
		o.byTime = append(o.byTime, uint32(i))
	}
	logs := o.logs
	less := func(a, b uint32) bool {
		x, y := &logs[a], &logs[b]
		if x.at != y.at {
			return x.at < y.at
		}
		return a < b // generation order = (incident, seq)
	}
	sort.Slice(o.byTime, func(i, j int) bool { return less(o.byTime[i], o.byTime[j]) })
	for _, i := range o.byTime {
		if logs[i].kind == leNotify {
			o.notifs = append(o.notifs, i)
		}
	}
	o.segs = o.segs[:0]
	for si := range o.scheds {
		for j := range o.scheds[si].segs {
			o.segs = append(o.segs, segRef{int32(si), int32(j)})
		}
	}
	sort.Slice(o.segs, func(i, j int) bool {
		a, b := o.segs[i], o.segs[j]
		sa, sb := &o.scheds[a.sched], &o.scheds[b.sched]
		if sa.ep != sb.ep {
			return sa.ep < sb.ep
		}
		if sa.level != sb.level {
			return sa.level < sb.level
		}
		x, y := sa.segs[a.i], sb.segs[b.i]
		if x.start != y.start {
			return x.start < y.start
		}
		return a.sched < b.sched
	})
}

// Counts returns how many items the fake serves per resource: "users",
// "teams", "services", "escalation_policies", "incidents", "alerts",
// "log_entries" (all served by /log_entries), "notifications" (all served by
// /notifications) and "oncalls" (segments /oncalls returns for since=Start(),
// until=End()).
func (o *Org) Counts() map[string]int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	c := map[string]int{
		"users":               len(o.users),
		"teams":               len(o.teams),
		"services":            len(o.services),
		"escalation_policies": len(o.policies),
	}
	nInc := o.visibleIncidents()
	c["incidents"] = nInc
	alerts := 0
	for i := 0; i < nInc; i++ {
		alerts += o.visibleAlerts(i)
	}
	c["alerts"] = alerts
	c["log_entries"] = o.visibleLogs()
	c["notifications"] = sort.Search(len(o.notifs), func(i int) bool { return o.logs[o.notifs[i]].at >= o.end })
	c["oncalls"] = len(o.segmentsIn(o.start, o.end, nil))
	return c
}

func (o *Org) visibleIncidents() int {
	return sort.Search(len(o.incidents), func(i int) bool { return o.incidents[i].created >= o.end })
}

func (o *Org) visibleAlerts(i int) int {
	inc := &o.incidents[i]
	n := 0
	for k := 0; k < int(inc.nAlerts); k++ {
		if o.alerts[int(inc.firstAlert)+k].at < o.end {
			n++
		}
	}
	return n
}

func (o *Org) visibleLogs() int {
	return sort.Search(len(o.byTime), func(i int) bool { return o.logs[o.byTime[i]].at >= o.end })
}

// segmentsIn returns the segments overlapping [since, until] (a point when
// equal), in /oncalls order; keep, if not nil, filters them.
func (o *Org) segmentsIn(since, until int64, keep func(sc *schedule, s seg) bool) []segRef {
	var out []segRef
	for _, r := range o.segs {
		sc := &o.scheds[r.sched]
		s := sc.segs[r.i]
		if since == until {
			if !(s.start <= since && since < s.end) {
				continue
			}
		} else if !(s.start < until && s.end > since) {
			continue
		}
		if keep != nil && !keep(sc, s) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (o *Org) userIndex(name string) int {
	for i := range o.users {
		if o.users[i].name == name {
			return i
		}
	}
	return -1
}

// UserID returns the ID of the user called name.
func (o *Org) UserID(name string) (string, bool) {
	i := o.userIndex(name)
	if i < 0 {
		return "", false
	}
	return o.users[i].id, true
}

// TeamID returns the ID of the team called name.
func (o *Org) TeamID(name string) (string, bool) {
	for _, t := range o.teams {
		if t.name == name {
			return t.id, true
		}
	}
	return "", false
}

// ServiceID returns the ID of the service called name.
func (o *Org) ServiceID(name string) (string, bool) {
	for _, s := range o.services {
		if s.name == name {
			return s.id, true
		}
	}
	return "", false
}

// Users describes every user, in /users order.
func (o *Org) Users() []User {
	out := make([]User, len(o.users))
	for i, u := range o.users {
		out[i] = User{ID: u.id, Name: u.name, Email: u.email, TimeZone: u.tz}
		for _, t := range u.teams {
			out[i].TeamIDs = append(out[i].TeamIDs, o.teams[t].id)
		}
		for _, r := range u.rules {
			out[i].Rules = append(out[i].Rules, Rule{Channel: channelNames[r.ch], DelaySeconds: int(r.delay)})
		}
	}
	return out
}

// Teams describes every team.
func (o *Org) Teams() []Team {
	out := make([]Team, len(o.teams))
	for i, t := range o.teams {
		out[i] = Team{ID: t.id, Name: t.name}
	}
	return out
}

// Services describes every service.
func (o *Org) Services() []Service {
	out := make([]Service, len(o.services))
	for i, s := range o.services {
		out[i] = Service{ID: s.id, Name: s.name, EscalationPolicyID: o.policies[s.ep].id}
		if s.team >= 0 {
			out[i].TeamID = o.teams[s.team].id
		}
	}
	return out
}

// EscalationPolicies describes every escalation policy.
func (o *Org) EscalationPolicies() []EscalationPolicy {
	out := make([]EscalationPolicy, len(o.policies))
	for i, p := range o.policies {
		out[i] = EscalationPolicy{ID: p.id, Name: p.name,
			ScheduleIDs:     [2]string{o.scheds[p.sched[0]].id, o.scheds[p.sched[1]].id},
			EscalationDelay: time.Duration(p.delay) * time.Second}
		if p.team >= 0 {
			out[i].TeamID = o.teams[p.team].id
		}
	}
	return out
}

// Segments returns the on-call segments /oncalls serves for [since, until],
// in its order.
func (o *Org) Segments(since, until time.Time) []Segment {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []Segment
	for _, r := range o.segmentsIn(since.Unix(), until.Unix(), nil) {
		sc := &o.scheds[r.sched]
		sg := sc.segs[r.i]
		out = append(out, Segment{UserID: o.users[sg.user].id, EscalationPolicyID: o.policies[sc.ep].id, ScheduleID: sc.id,
			Level: sc.level, Start: time.Unix(sg.start, 0).UTC(), End: time.Unix(sg.end, 0).UTC()})
	}
	return out
}

// Overrides lists the schedule overrides, in start order.
func (o *Org) Overrides() []Override {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make([]Override, 0, len(o.overs))
	for _, v := range o.overs {
		out = append(out, Override{ScheduleID: o.scheds[v.sched].id, UserID: o.users[v.user].id,
			Start: time.Unix(v.start, 0).UTC(), End: time.Unix(v.end, 0).UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// Stretch returns the planted continuous on-call stretch of StretchUserName
// (10 days: a weekly shift plus a 3-day override).
func (o *Org) Stretch() (start, end time.Time) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return time.Unix(o.stretch[0], 0).UTC(), time.Unix(o.stretch[1], 0).UTC()
}

// Storms lists the planted alert storms that started before End, in time
// order.
func (o *Org) Storms() []Storm {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []Storm
	for _, s := range o.storms {
		if s.Start.Unix() < o.end {
			out = append(out, s)
		}
	}
	return out
}

// IncidentIDs returns the IDs of the incidents served with this exact title,
// oldest first (e.g. OpenTriggeredTitle, or one of NastyTitles).
func (o *Org) IncidentIDs(title string) []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []string
	for i, n := 0, o.visibleIncidents(); i < n; i++ {
		if o.titles[o.incidents[i].title] == title {
			out = append(out, o.incID.encode(uint64(i)))
		}
	}
	return out
}

// IncidentID returns the ID of the incident with the given incident_number
// (1-based), whether or not it is visible yet.
func (o *Org) IncidentID(number int) string { return o.incID.encode(uint64(number - 1)) }

func (o *Org) intern(s string) uint32 {
	if o.titleIdx == nil {
		o.titleIdx = make(map[string]uint32, len(o.titles))
		for i, t := range o.titles {
			o.titleIdx[t] = uint32(i)
		}
	}
	if i, ok := o.titleIdx[s]; ok {
		return i
	}
	i := uint32(len(o.titles))
	o.titles = append(o.titles, s)
	o.titleIdx[s] = i
	return i
}
