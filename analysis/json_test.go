package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptyPeriod: a week with no data gives zeros, nulls and empty lists,
// byte for byte as the contract shows them. The planted team T1 has no
// activity and is still listed.
func TestEmptyPeriod(t *testing.T) {
	p := newPlanter(t)
	p.team("T1")
	p.user("U1", "Europe/Berlin")
	cfg := DefaultConfig()
	cfg.TimeZone = "Europe/Berlin"
	m := p.computeCfg("2026-W45", cfg)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// Week 45 in Berlin (CET, UTC+1 after 2026-10-25): Monday 2026-11-02
	// 00:00 CET = 2026-11-01T23:00:00Z, to 2026-11-08T23:00:00Z.
	want := `{
  "schema_version": 1,
  "period": {
    "kind": "week",
    "label": "2026-W45",
    "start": "2026-11-01T23:00:00Z",
    "end": "2026-11-08T23:00:00Z",
    "time_zone": "Europe/Berlin",
    "team_source": "teams"
  },
  "org": {
    "incidents": 0,
    "alerts": 0,
    "interruptions": {
      "total": 0,
      "business": 0,
      "off": 0,
      "sleep": 0
    },
    "after_hours_share": null,
    "mtta": {
      "count": 0,
      "mean": null,
      "p50": null,
      "p90": null
    },
    "mttr": {
      "count": 0,
      "mean": null,
      "p50": null,
      "p90": null
    },
    "auto_resolved": 0,
    "open_incidents": 0,
    "noise_incidents": 0,
    "noise_incident_share": null,
    "toil_ratio": null,
    "engaged_seconds": {
      "total": 0,
      "business": 0,
      "off": 0,
      "sleep": 0
    },
    "escalations": {
      "timeout": 0,
      "manual": 0
    },
    "snoozes": 0,
    "time_to_mobilize": {
      "count": 0,
      "mean": null,
      "p50": null,
      "p90": null
    }
  },
  "teams": [
    {
      "incidents": 0,
      "alerts": 0,
      "interruptions": {
        "total": 0,
        "business": 0,
        "off": 0,
        "sleep": 0
      },
      "after_hours_share": null,
      "mtta": {
        "count": 0,
        "mean": null,
        "p50": null,
        "p90": null
      },
      "mttr": {
        "count": 0,
        "mean": null,
        "p50": null,
        "p90": null
      },
      "auto_resolved": 0,
      "open_incidents": 0,
      "noise_incidents": 0,
      "noise_incident_share": null,
      "toil_ratio": null,
      "engaged_seconds": {
        "total": 0,
        "business": 0,
        "off": 0,
        "sleep": 0
      },
      "escalations": {
        "timeout": 0,
        "manual": 0
      },
      "snoozes": 0,
      "time_to_mobilize": {
        "count": 0,
        "mean": null,
        "p50": null,
        "p90": null
      },
      "id": "T1",
      "name": "Team T1",
      "alerts_per_shift": {
        "shifts": 0,
        "mean": null,
        "p50": null,
        "max": null
      },
      "alerts_per_12h_on_call": null,
      "flags": [],
      "busiest_shifts": []
    }
  ],
  "responders": [],
  "noisy_alerts": []
}`
	if string(b) != want {
		t.Errorf("empty period JSON:\n%s\nwant:\n%s", b, want)
	}
}

// jsonKeys returns the keys of every object in document order, with the
// path of arrays collapsed ("teams[]"), first occurrence only.
func jsonKeys(t *testing.T, b []byte) map[string][]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	out := map[string][]string{}
	var walk func(path string)
	walk = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				k, _ := dec.Token()
				keys = append(keys, k.(string))
				walk(path + "." + k.(string))
			}
			dec.Token()
			if _, seen := out[path]; !seen {
				out[path] = keys
			}
		case json.Delim('['):
			for dec.More() {
				walk(path + "[]")
			}
			dec.Token()
		}
	}
	walk("")
	return out
}

// TestJSONKeyOrder checks every object's keys, in order, against the
// contract of docs/metrics.md (plus the added busiest_shifts), on a
// document with every list filled.
func TestJSONKeyOrder(t *testing.T) {
	p := newPlanter(t)
	plantTotals(p)
	p.policy("EP1", "T1")
	p.oncall("U1", "EP1", 1, "2026-11-02T00:00:00Z", "2026-11-02T12:00:00Z")
	p.member("T1", "U1")
	// U1: 5 sleep pages to get a reason.
	p.pages("U1", "zz", ts("2026-11-03T02:00:00Z"), 5)
	m := p.compute("2026-W45")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	totals := []string{"incidents", "alerts", "interruptions", "after_hours_share", "mtta", "mttr", "auto_resolved",
		"open_incidents", "noise_incidents", "noise_incident_share", "toil_ratio",
		// added by issue 19 (engagement and escalation)
		"engaged_seconds", "escalations", "snoozes", "time_to_mobilize"}
	want := map[string][]string{
		"":                          {"schema_version", "period", "org", "teams", "responders", "noisy_alerts"},
		".period":                   {"kind", "label", "start", "end", "time_zone", "team_source"},
		".org":                      totals,
		".org.interruptions":        {"total", "business", "off", "sleep"},
		".org.mtta":                 {"count", "mean", "p50", "p90"},
		".org.mttr":                 {"count", "mean", "p50", "p90"},
		".teams[]":                  append(append([]string{}, totals...), "id", "name", "alerts_per_shift", "alerts_per_12h_on_call", "flags", "busiest_shifts"),
		".teams[].alerts_per_shift": {"shifts", "mean", "p50", "max"},
		".teams[].busiest_shifts[]": {"user_id", "user_name", "escalation_policy_id", "start", "end", "alerts", "escalations"},
		".org.engaged_seconds":      {"total", "business", "off", "sleep"},
		".org.escalations":          {"timeout", "manual"},
		".org.time_to_mobilize":     {"count", "mean", "p50", "p90"},
		".responders[]": {"id", "name", "time_zone", "team_ids", "on_call_seconds", "on_call_seconds_level_1",
			"interruptions", "incidents", "incidents_per_12h_on_call", "risk", "reasons", "engaged_seconds", "mtta"},
		".responders[].interruptions": {"total", "business", "off", "sleep"},
		".responders[].reasons[]":     {"rule", "value", "threshold", "level"},
		".noisy_alerts[]": {"signature", "service_id", "sample_title", "incidents", "alerts", "interruptions",
			"after_hours_interruptions", "auto_resolved_share", "p50_seconds_to_resolve", "noise_incidents", "escalations"},
	}
	got := jsonKeys(t, b)
	for path, keys := range want {
		if strings.Join(got[path], ",") != strings.Join(keys, ",") {
			t.Errorf("keys of %q:\n got %v\nwant %v", path, got[path], keys)
		}
	}
	// U1 is a member of T1: team_ids ["T1"].
	if r := responderByID(t, m, "U1"); len(r.TeamIDs) != 1 || r.TeamIDs[0] != "T1" {
		t.Errorf("U1 team_ids = %v", r.TeamIDs)
	}
	// U2 is a member of no team: [] (not null).
	if !strings.Contains(string(b), `"id":"U2","name":"Name U2","time_zone":"UTC","team_ids":[]`) {
		t.Errorf("U2 team_ids not []: %s", b)
	}
}

func TestWriteJSON(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &Metrics{SchemaVersion: 1, Teams: []Team{}, Responders: []Responder{}, NoisyAlerts: []NoisyAlert{}}
	if err := WriteJSON(path, m); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	var back Metrics
	if err := json.Unmarshal(b, &back); err != nil || back.SchemaVersion != 1 {
		t.Errorf("read back: %v, %+v", err, back)
	}
	// Only metrics.json is left: the temporary file was renamed.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want 1", len(entries))
	}
	// A directory that does not exist: an error, no panic.
	if err := WriteJSON(filepath.Join(dir, "nope", "m.json"), m); err == nil {
		t.Error("WriteJSON into a missing directory: no error")
	}
}

// TestWriteCompactJSON: the compact file is the indented one without its
// whitespace (json.Compact of it, byte for byte), on one line.
func TestWriteCompactJSON(t *testing.T) {
	dir := t.TempDir()
	m := &Metrics{SchemaVersion: 1, Period: Period{Kind: "week", Label: "2026-W46"}, Teams: []Team{{ID: "T1", Name: "A team"}}, Responders: []Responder{}, NoisyAlerts: []NoisyAlert{}}
	ind, cmp := filepath.Join(dir, "indented.json"), filepath.Join(dir, "compact.json")
	if err := WriteJSON(ind, m); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompactJSON(cmp, m); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(ind)
	b, _ := os.ReadFile(cmp)
	var want bytes.Buffer
	if err := json.Compact(&want, a); err != nil {
		t.Fatal(err)
	}
	want.WriteByte('\n')
	if !bytes.Equal(b, want.Bytes()) || bytes.Count(b, []byte("\n")) != 1 || len(b) >= len(a) {
		t.Errorf("compact file (%d bytes) is not the indented one (%d bytes) compacted:\n%s", len(b), len(a), b)
	}
}

// TestRefresh: new rows after a Compute are seen by the next one (the
// derived tables are rebuilt when the sources change), including a new
// user time zone.
func TestRefresh(t *testing.T) {
	p := newPlanter(t)
	p.user("U1", "UTC")
	p.notify("U1", "I1", ts("2026-11-02T12:00:00Z"), "phone")
	if got := p.compute("2026-W45").Org.Interruptions.Total; got != 1 {
		t.Fatalf("first compute: %d interruptions, want 1", got)
	}
	// U2 in New York, paged at 12:30Z Monday = 07:30 EST: sleep.
	p.user("U2", "America/New_York")
	p.notify("U2", "I1", ts("2026-11-02T12:30:00Z"), "phone")
	m := p.compute("2026-W45")
	if m.Org.Interruptions != (Interruptions{Total: 2, Business: 1, Sleep: 1}) {
		t.Errorf("after new rows: %+v, want 2 (1 business, 1 sleep)", m.Org.Interruptions)
	}
	var zones int
	if err := p.db.QueryRowContext(context.Background(), `SELECT count(DISTINCT zone) FROM tz_offsets`).Scan(&zones); err != nil {
		t.Fatal(err)
	}
	if zones != 2 {
		t.Errorf("tz_offsets holds %d zones, want 2 (UTC, America/New_York)", zones)
	}
}
