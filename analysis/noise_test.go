package analysis

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSignature(t *testing.T) {
	cases := []struct {
		title, service, want string
	}{
		{"Disk FULL on host 10.0.0.12", "S1", "S1|disk full on host #"},
		{"Job 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed", "S1", "S1|job # failed"},
		// a hex run of 10 characters
		{"Hash DEADBEEF12 mismatch", "S1", "S1|hash # mismatch"},
		// no word boundaries: "5xx" -> "#xx"; whitespace runs -> one space
		{"5xx rate   high\t on api-2", "S1", "S1|#xx rate high on api-#"},
		{"  leading and trailing  ", "S1", "S1|leading and trailing"},
		// hex runs go before digit runs: 12345abc is one 8-character hex run
		{"error 12345abc", "S1", "S1|error #"},
		// "deadline" has an 'l': no hex run
		{"deadline exceeded", "S1", "S1|deadline exceeded"},
		// IPv4 before digits: the address is one '#', the port another
		{"from 192.168.1.1:8080", "S1", "S1|from #:#"},
		{"v1.2.3 released", "S1", "S1|v#.#.# released"},
		// the 200-character cut applies to the normalised title
		{strings.Repeat("z", 250), "S1", "S1|" + strings.Repeat("z", 200)},
		{"1234 " + strings.Repeat("y", 250), "S1", "S1|# " + strings.Repeat("y", 198)},
		// no service
		{"Ping", "", "|ping"},
	}
	p := newPlanter(t)
	for i, c := range cases {
		p.incident(fmt.Sprintf("I%02d", i), c.title, c.service, "", "", ts("2026-11-02T10:00:00Z").Add(time.Duration(i)*time.Hour), "")
	}
	p.compute("2026-W45") // derives a_incidents
	for i, c := range cases {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			var got string
			if err := p.db.QueryRow(`SELECT signature FROM a_incidents WHERE id = $1`, fmt.Sprintf("I%02d", i)).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("signature(%q) = %q, want %q", c.title, got, c.want)
			}
		})
	}
}

// TestNoise: repeats over all history, ties, transient, and the noisy list.
// Week 2026-W45 = [2026-11-02, 2026-11-09) UTC.
func TestNoise(t *testing.T) {
	p := newPlanter(t)
	p.user("U1", "UTC")
	p.user("U2", "UTC")
	n := 0
	rep := func(id, at string) {
		// "CPU high on host N" normalises to "cpu high on host #".
		n++
		p.incident(id, fmt.Sprintf("CPU high on host %d", n), "S1", "", "", ts(at), "")
		p.resolve(id, ts(at).Add(time.Hour), "user_reference") // not transient
		p.alert("A"+id, id, ts(at))
	}
	rep("R1", "2026-11-01T22:00:00Z") // week before
	rep("R2", "2026-11-01T23:00:00Z") // week before
	rep("R3", "2026-11-02T00:00:00Z") // R1, R2 in [t-24h, t): repeat
	rep("R4", "2026-11-02T23:00:00Z") // window starts 11-01 23:00 (inclusive): R2, R3: repeat
	rep("R5", "2026-11-03T00:00:01Z") // window starts 11-02 00:00:01: R4 only: no
	rep("P", "2026-11-05T00:00:00Z")  // P, Q, R at the same instant: none is
	rep("Q", "2026-11-05T00:00:00Z")  // earlier than the others, and R5 is
	rep("R", "2026-11-05T00:00:00Z")  // more than 24 h before: no
	rep("S", "2026-11-05T00:00:01Z")  // P, Q, R earlier: repeat
	// D1: auto-resolved after 120 s, never acked: transient. Two pages.
	p.incident("D1", "Disk full", "S2", "", "", ts("2026-11-03T10:00:00Z"), "")
	p.resolve("D1", ts("2026-11-03T10:02:00Z"), "integration_reference")
	p.notify("U1", "D1", ts("2026-11-03T10:00:10Z"), "phone") // Tue business
	p.notify("U2", "D1", ts("2026-11-03T19:00:00Z"), "phone") // Tue off
	p.incident("Z1", "zzz", "S1", "", "", ts("2026-11-04T10:00:00Z"), "")
	p.incident("Z2", "aaa", "S1", "", "", ts("2026-11-04T11:00:00Z"), "")
	// 55 more signatures (one service each), one incident each.
	for i := 0; i < 55; i++ {
		p.incident(fmt.Sprintf("X%02d", i), "x", fmt.Sprintf("SV%02d", i), "", "", ts("2026-11-06T10:00:00Z"), "")
	}

	m := p.compute("2026-W45")
	// Period incidents: R3 R4 R5 P Q R S (7) + D1 + Z1 Z2 + 55 = 65.
	// Noise: R3, R4, S (repeats) and D1 (transient) = 4.
	if m.Org.Incidents != 65 || m.Org.NoiseIncidents != 4 || !eqPtr(m.Org.NoiseIncidentShare, f64(4.0/65)) {
		t.Errorf("incidents %d, noise %d, share %s; want 65, 4, 4/65", m.Org.Incidents, m.Org.NoiseIncidents, fmtPtr(m.Org.NoiseIncidentShare))
	}
	// Toil: both pages are on D1 (noise): 2/2.
	if !eqPtr(m.Org.ToilRatio, f64(1)) {
		t.Errorf("toil_ratio = %s, want 1", fmtPtr(m.Org.ToilRatio))
	}
	// Noisy list: 59 signatures, cut at 50. Disk (2 interruptions) first;
	// cpu (7 incidents) next; then 1-incident signatures by signature:
	// "S1|aaa" < "S1|zzz" < "SV00|x" ... ("1" sorts before "V").
	if len(m.NoisyAlerts) != 50 {
		t.Fatalf("noisy alerts = %d rows, want 50", len(m.NoisyAlerts))
	}
	wantDisk := NoisyAlert{Signature: "S2|disk full", ServiceID: "S2", SampleTitle: "Disk full", Incidents: 1,
		Interruptions: 2, AfterHoursInterruptions: 1, AutoResolvedShare: f64(1), P50SecondsToResolve: f64(120), NoiseIncidents: 1}
	// cpu: R3..S; sample = the earliest title (R3 = host 3); 7 alerts;
	// every one resolved after 3600 s; 3 repeats.
	wantCPU := NoisyAlert{Signature: "S1|cpu high on host #", ServiceID: "S1", SampleTitle: "CPU high on host 3", Incidents: 7,
		Alerts: 7, AutoResolvedShare: f64(0), P50SecondsToResolve: f64(3600), NoiseIncidents: 3}
	for i, w := range []NoisyAlert{wantDisk, wantCPU} {
		g := m.NoisyAlerts[i]
		if g.Signature != w.Signature || g.ServiceID != w.ServiceID || g.SampleTitle != w.SampleTitle || g.Incidents != w.Incidents ||
			g.Alerts != w.Alerts || g.Interruptions != w.Interruptions || g.AfterHoursInterruptions != w.AfterHoursInterruptions ||
			!eqPtr(g.AutoResolvedShare, w.AutoResolvedShare) || !eqPtr(g.P50SecondsToResolve, w.P50SecondsToResolve) ||
			g.NoiseIncidents != w.NoiseIncidents {
			t.Errorf("noisy[%d] = %+v, want %+v", i, g, w)
		}
	}
	wantSigs := []string{"S1|aaa", "S1|zzz", "SV00|x"}
	for i, s := range wantSigs {
		if got := m.NoisyAlerts[2+i].Signature; got != s {
			t.Errorf("noisy[%d] = %q, want %q", 2+i, got, s)
		}
	}
	if last := m.NoisyAlerts[49]; last.Signature != "SV45|x" || last.P50SecondsToResolve != nil || !eqPtr(last.AutoResolvedShare, f64(0)) {
		t.Errorf("noisy[49] = %+v, want SV45|x, unresolved", last)
	}

	// Config: repeat_count 1 makes R5 a repeat too (R4 within 24 h): 5.
	cfg := DefaultConfig()
	cfg.Noise.RepeatCount = 1
	if got := p.computeCfg("2026-W45", cfg).Org.NoiseIncidents; got != 5 {
		t.Errorf("noise with repeat_count 1 = %d, want 5", got)
	}
	// transient_seconds 100: D1 (120 s) is still transient by the auto rule: 4.
	cfg = DefaultConfig()
	cfg.Noise.TransientSeconds = 100
	if got := p.computeCfg("2026-W45", cfg).Org.NoiseIncidents; got != 4 {
		t.Errorf("noise with transient_seconds 100 = %d, want 4", got)
	}
	// repeat_window 1h: R3 has only R2 in [23:00, 00:00): no; R4 none; S
	// has P, Q, R: repeat. Noise: S + D1 = 2.
	cfg = DefaultConfig()
	cfg.Noise.RepeatWindow = Duration(time.Hour)
	if got := p.computeCfg("2026-W45", cfg).Org.NoiseIncidents; got != 2 {
		t.Errorf("noise with repeat_window 1h = %d, want 2", got)
	}
}
