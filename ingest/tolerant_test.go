package ingest

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/PagerDuty/go-pagerduty"
)

// goodLogEntry and goodIncident are items as PagerDuty sends them.
const (
	goodLogEntry = `{"id":"R1","type":"notify_log_entry","created_at":"2026-11-10T03:04:05Z","user":{"id":"PU1","type":"user_reference"},"channel":{"type":"auto","notification":{"type":"sms_notification","status":"success"}},"incident":{"id":"Q1","type":"incident_reference"},"event_details":{"description":"x"}}`
	goodIncident = `{"id":"Q1","type":"incident","incident_number":7,"status":"resolved","created_at":"2026-11-10T03:04:05Z","resolve_reason":{"type":"merge_resolve_reason","incident":{"id":"Q0","type":"incident_reference"}},"teams":[{"id":"PT1","type":"team_reference"},{"id":"PT2","type":"team_reference"}]}`
)

// TestDecodePage: an item go-pagerduty cannot decode (a channel type that
// is a number panics its Channel.UnmarshalJSON; event_details with a
// number; a string incident_number) is skipped and reported, and the
// items around it are kept.
func TestDecodePage(t *testing.T) {
	for _, c := range []struct {
		name, key, bad string
		decode         func(body []byte) (kept int, bad int, err error)
	}{
		{"channel type a number", "log_entries", `{"id":"R2","type":"notify_log_entry","channel":{"type":7}}`, decodeAs[pagerduty.LogEntry]("log_entries")},
		{"event_details not strings", "log_entries", `{"id":"R3","type":"trigger_log_entry","event_details":{"n":1}}`, decodeAs[pagerduty.LogEntry]("log_entries")},
		{"incident_number a string", "incidents", `{"id":"Q2","incident_number":"#2"}`, decodeAs[pagerduty.Incident]("incidents")},
	} {
		t.Run(c.name, func(t *testing.T) {
			good := goodLogEntry
			if c.key == "incidents" {
				good = goodIncident
			}
			body := []byte(`{"` + c.key + `":[` + good + `,` + c.bad + `,` + good + `],"limit":100,"offset":0,"more":true,"total":null}`)
			kept, bad, err := c.decode(body)
			// Two good items around one bad one: 2 kept, 1 reported.
			if err != nil || kept != 2 || bad != 1 {
				t.Errorf("kept %d, bad %d, err %v; want 2, 1, nil", kept, bad, err)
			}
		})
	}
	// The fields the sync reads survive item-by-item decoding.
	items, meta, bad, err := decodePage[pagerduty.Incident]([]byte(`{"incidents":[`+goodIncident+`],"more":true,"total":3}`), "incidents")
	if err != nil || len(bad) != 0 || len(items) != 1 || !meta.More || meta.Total != 3 ||
		items[0].ResolveReason.Type != "merge_resolve_reason" || len(items[0].Teams) != 2 || items[0].IncidentNumber != 7 {
		t.Errorf("decoded %+v %+v %v %v", items, meta, bad, err)
	}
}

func decodeAs[T any](key string) func([]byte) (int, int, error) {
	return func(body []byte) (int, int, error) {
		items, _, bad, err := decodePage[T](body, key)
		return len(items), len(bad), err
	}
}

// FuzzDecodeItem: whatever one item holds, decoding its page never
// panics, and when the item is valid JSON the good items around it always
// decode (the page as a whole is only refused when it is not JSON).
func FuzzDecodeItem(f *testing.F) {
	for _, s := range []string{goodLogEntry, goodIncident, `{"channel":{"type":7}}`, `{"channel":{"type":null,"raw":[]}}`,
		`{"event_details":{"a":{"b":1}}}`, `{"incident_number":"x"}`, `null`, `[]`, `"x"`, `{"created_at":17}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, item string) {
		for _, c := range []struct{ key, good string }{{"log_entries", goodLogEntry}, {"incidents", goodIncident}} {
			body := []byte(`{"` + c.key + `":[` + c.good + `,` + item + `,` + c.good + `]}`)
			var kept, bad int
			var err error
			if c.key == "log_entries" {
				kept, bad, err = decodeAs[pagerduty.LogEntry](c.key)(body)
			} else {
				kept, bad, err = decodeAs[pagerduty.Incident](c.key)(body)
			}
			if !json.Valid([]byte(item)) {
				continue // the page is not JSON: refused whole, and that is fine
			}
			if err != nil {
				// A valid item can still make the array something else, e.g. `1],[2`.
				var arr []json.RawMessage
				var doc map[string]json.RawMessage
				if json.Unmarshal(body, &doc) == nil && json.Unmarshal(doc[c.key], &arr) == nil && len(arr) == 3 {
					t.Fatalf("%s: page refused: %v", c.key, err)
				}
				continue
			}
			if kept+bad != 3 || kept < 2 {
				t.Fatalf("%s: kept %d, bad %d of 3 with item %q", c.key, kept, bad, item)
			}
		}
	})
}

// BenchmarkDecodeLogEntryPage compares decodePage (tolerant) on a page of
// 100 log entries (with channels) of the fake with go-pagerduty's one
// json.Unmarshal of the whole page.
func BenchmarkDecodeLogEntryPage(b *testing.B) {
	f := newFixture(b, 1)
	req, _ := http.NewRequest(http.MethodGet, f.url+"/log_entries?limit=100&include%5B%5D=channels&since="+iso(f.org.End().AddDate(0, 0, -7))+"&until="+iso(f.org.End()), nil)
	req.Header.Set("Authorization", "Token token="+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.Run("tolerant", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if items, _, _, err := decodePage[pagerduty.LogEntry](body, "log_entries"); err != nil || len(items) != 100 {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("whole page", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var r pagerduty.ListLogEntryResponse
			if err := json.Unmarshal(body, &r); err != nil || len(r.LogEntries) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// TestDecodeLenient: one object (the re-fetch of an incident) keeps every
// field that decodes and names the ones left out.
func TestDecodeLenient(t *testing.T) {
	for _, c := range []struct {
		name, raw   string
		wantDropped []string
		wantErr     bool
	}{
		// goodIncident decodes whole: nothing left out.
		{"clean", goodIncident, nil, false},
		// A string incident_number and a number status: both left out, the
		// rest (id, created_at, resolve_reason, teams) kept.
		{"two odd fields", strings.Replace(strings.Replace(goodIncident, `"incident_number":7`, `"incident_number":"#7"`, 1), `"status":"resolved"`, `"status":7`, 1),
			[]string{"incident_number", "status"}, false},
		{"not an object", `[1,2]`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, dropped, err := decodeLenient[pagerduty.Incident](json.RawMessage(c.raw))
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if c.wantErr {
				return
			}
			var names []string
			for k := range dropped {
				names = append(names, k)
			}
			sort.Strings(names)
			if strings.Join(names, ",") != strings.Join(c.wantDropped, ",") {
				t.Errorf("dropped %v, want %v", names, c.wantDropped)
			}
			if in.ID != "Q1" || in.CreatedAt != "2026-11-10T03:04:05Z" || len(in.Teams) != 2 || in.ResolveReason.Type != "merge_resolve_reason" {
				t.Errorf("kept %+v, want id, created_at, two teams and the resolve reason of goodIncident", in)
			}
		})
	}
}
