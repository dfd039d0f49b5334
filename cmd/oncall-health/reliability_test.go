package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

// relEnd is the fixed end of the test organisations' history, a Monday:
// the last complete week is 2026-W46.
var relEnd = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

const relWeek = "2026-W46"

// relToken is the token the test fakes accept; distinctive, so a leak is
// found by a plain substring search.
const relToken = "pdtok-Q7xV3-s3cr3t-9f2e"

// fastRetries makes the CLI's client retry quickly in tests (the real
// backoff starts at 500 ms and an unreachable URL would take minutes).
func fastRetries(t *testing.T) {
	t.Helper()
	old := clientTuning
	clientTuning = ingest.ClientOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	t.Cleanup(func() { clientTuning = old })
}

// newOrg generates the small synthetic organisation's last 8 days: the
// week 2026-W46 and the day before.
func newOrg(t *testing.T) *pagerdutytest.Org {
	t.Helper()
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 3, End: relEnd, Days: 8})
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// mutator rewrites a decoded JSON response of the fake in place; path is
// the request's URL path.
type mutator func(path string, body any)

// serveOrg serves org with the fake API (accepting token) on loopback,
// through m when not nil, and returns the base URL.
func serveOrg(t *testing.T, org *pagerdutytest.Org, token string, faults pagerdutytest.Faults, m mutator) string {
	t.Helper()
	var h http.Handler = pagerdutytest.NewServer(org, pagerdutytest.Options{Token: token, Faults: faults, Now: org.End})
	if m != nil {
		h = rewriting(h, m)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// rewriting passes each successful JSON answer of next through m, one
// answer at a time (m may count what it rewrites).
func rewriting(next http.Handler, m mutator) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			var v any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&v); err == nil {
				mu.Lock()
				m(r.URL.Path, v)
				mu.Unlock()
				body, _ = json.Marshal(v)
			}
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// eachObject calls fn on every JSON object in v, depth first, parents first.
func eachObject(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		// The children as they were: fn may add objects, which are not walked.
		children := make([]any, 0, len(x))
		for _, c := range x {
			children = append(children, c)
		}
		fn(x)
		for _, c := range children {
			eachObject(c, fn)
		}
	case []any:
		for _, c := range x {
			eachObject(c, fn)
		}
	}
}

// syncOrg runs `sync` of org's whole history from url into db and fails
// the test unless it succeeds.
func syncOrg(t *testing.T, org *pagerdutytest.Org, url, db string) (stdout, stderr string) {
	t.Helper()
	code, out, errOut := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": relToken}, "sync", "--db", db, "--api-url", url,
		"--since", org.Start().Format(time.RFC3339), "--until", org.End().Format(time.RFC3339), "--rate", "0")
	if code != 0 {
		t.Fatalf("sync exit %d: %s", code, errOut)
	}
	return out, errOut
}

// shared is a database synced once per test binary, through retried
// faults, and reported once (so its derived tables are fresh and later
// reports of it are quick). Tests get copies of its bytes.
var shared struct {
	once             sync.Once
	db               []byte
	org              *pagerdutytest.Org
	stdout, stderr   string // of the sync
	rstdout, rstderr string // of the first report
}

// syncedDB writes a copy of the shared database into a new directory and
// returns its path.
func syncedDB(t *testing.T) (string, *pagerdutytest.Org) {
	t.Helper()
	shared.once.Do(func() {
		fastRetries(t)
		org := newOrg(t)
		// One request in ten fails (500, 502, a body cut short) and is retried.
		url := serveOrg(t, org, relToken, pagerdutytest.Faults{Seed: 2, Rate: 0.1,
			Kinds: []pagerdutytest.FaultKind{pagerdutytest.Fault500, pagerdutytest.Fault502, pagerdutytest.FaultCut}}, nil)
		path := filepath.Join(t.TempDir(), "pd.duckdb")
		shared.stdout, shared.stderr = syncOrg(t, org, url, path)
		code, out, errOut := runCmd(t, nil, "report", "--db", path, "--out", t.TempDir(), "--week", relWeek)
		if code != 0 {
			t.Fatalf("report exit %d: %s", code, errOut)
		}
		shared.rstdout, shared.rstderr = out, errOut
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + ".wal"); err == nil {
			t.Fatal("a closed database left a .wal file; copying the database alone would lose data")
		}
		shared.db, shared.org = b, org
	})
	if shared.db == nil {
		t.Fatal("the shared database could not be made; see the first test that asked for it")
	}
	path := filepath.Join(t.TempDir(), "pd.duckdb")
	if err := os.WriteFile(path, shared.db, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, shared.org
}

// checkOneLine fails unless stderr is exactly one line, without a stack trace.
func checkOneLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr holds a stack trace (%q): %q", bad, stderr)
		}
	}
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileAPIResponses: PagerDuty may add fields, send null for an
// optional value or leave an optional object out. A sync of such answers
// stores every item, and the report warns about unknown or missing user
// time zones (one line each, counted) and classifies those users in UTC.
func TestHostileAPIResponses(t *testing.T) {
	org := newOrg(t)
	var users atomic.Int64
	m := func(path string, body any) {
		if b, ok := body.(map[string]any); ok {
			b["x_future_field"] = []any{1, "x"} // in the envelope too
		}
		eachObject(body, func(o map[string]any) {
			// Fields this program has never heard of, in every resource and
			// reference (free-form maps such as event_details are left alone:
			// the API fixes their value types).
			if _, ok := o["id"]; ok {
				o["x_future_field"] = map[string]any{"nested": []any{1, nil, "x"}}
				o["x_null"] = nil
			}
			switch typ, _ := o["type"].(string); {
			case typ == "user":
				// Even users get an unknown zone, odd ones none at all.
				if users.Load()%2 == 0 {
					o["time_zone"] = "Mars/Olympus_Mons"
				} else {
					o["time_zone"] = nil
				}
				users.Add(1)
				delete(o, "email")
				o["teams"] = nil
				o["contact_methods"] = nil
			case typ == "service":
				o["teams"] = nil
				o["escalation_policy"] = nil
				o["description"] = nil
			case typ == "escalation_policy":
				o["teams"] = nil
				o["escalation_rules"] = nil
			case typ == "incident":
				for _, k := range []string{"assignments", "acknowledgements", "last_status_change_by", "priority", "teams", "urgency"} {
					o[k] = nil
				}
				delete(o, "alert_counts")
			case typ == "alert":
				o["body"] = nil
			case strings.HasSuffix(typ, "_log_entry"):
				o["channel"] = nil
				o["contexts"] = nil
				delete(o, "teams")
			}
		})
		if path == "/oncalls" {
			if b, ok := body.(map[string]any); ok {
				if list, ok := b["oncalls"].([]any); ok {
					for _, x := range list {
						if o, ok := x.(map[string]any); ok {
							o["schedule"] = nil
						}
					}
				}
			}
		}
	}
	dbPath := filepath.Join(t.TempDir(), "pd.duckdb")
	syncOrg(t, org, serveOrg(t, org, relToken, pagerdutytest.Faults{}, m), dbPath)
	if users.Load() == 0 {
		t.Fatal("the rewriting proxy saw no user objects; the test tested nothing")
	}

	db, err := queries.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	want := org.Counts()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// Every item the fake serves is stored once, extra and null fields or not.
	for _, table := range []string{"users", "teams", "services", "escalation_policies", "incidents", "alerts", "log_entries", "oncalls"} {
		// table names come from the constant list above.
		if got := count("SELECT count(*) FROM " + table); got != want[table] {
			t.Errorf("%s: %d rows, want %d (what the fake serves)", table, got, want[table])
		}
	}
	// The nulled and missing optional values are stored as NULL.
	for q, what := range map[string]string{
		`SELECT count(*) FROM users WHERE email IS NOT NULL OR (time_zone IS NOT NULL AND time_zone <> 'Mars/Olympus_Mons')`: "users with an email or a real zone",
		`SELECT count(*) FROM services WHERE team_id IS NOT NULL OR escalation_policy_id IS NOT NULL`:                        "services with a team or policy",
		`SELECT count(*) FROM log_entries WHERE channel_type IS NOT NULL OR notification_type IS NOT NULL`:                   "log entries with a channel",
		`SELECT count(*) FROM team_members`: "team memberships",
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d %s; every one was sent null or left out", n, what)
		}
	}
	db.Close()

	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", relWeek)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	if want["alerts"] == 0 {
		t.Fatal("the fake served no alerts; the null alert bodies were not exercised")
	}
	// One warning per user: each was given an unknown zone or none.
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	unknown, missing := 0, 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "warning: ") && strings.Contains(l, `unknown time zone "Mars/Olympus_Mons"; hour classes use UTC`):
			unknown++
		case strings.HasPrefix(l, "warning: ") && strings.Contains(l, "has no time zone; hour classes use UTC"):
			missing++
		default:
			t.Errorf("unexpected stderr line %q", l)
		}
	}
	// Users were numbered in the order served: even ones got the unknown
	// zone, so there are ceil(n/2) of them and floor(n/2) without a zone.
	n := want["users"]
	if unknown != (n+1)/2 || missing != n/2 {
		t.Errorf("%d unknown-zone and %d no-zone warnings, want %d and %d", unknown, missing, (n+1)/2, n/2)
	}
	// stdout counts them: one warning per user, n in all.
	if line := fmt.Sprintf("%d warnings about the data (see stderr)\n", n); !strings.Contains(stdout, line) {
		t.Errorf("stdout does not say %q:\n%s", line, stdout)
	}
	var mj struct {
		Responders []struct {
			ID       string `json:"id"`
			TimeZone string `json:"time_zone"`
		} `json:"responders"`
	}
	b, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mj); err != nil {
		t.Fatal(err)
	}
	if len(mj.Responders) == 0 {
		t.Fatal("no responders in the week; the UTC fallback was not exercised")
	}
	for _, r := range mj.Responders {
		if r.TimeZone != "UTC" {
			t.Errorf("responder %s has time_zone %q, want the UTC fallback", r.ID, r.TimeZone)
		}
	}
}

// TestTokenNeverLeaks greps everything a sync and a report produce (output,
// errors, the database file and its rows, every report) for the token, with
// retried faults on the way; failing runs (a rejected token) too. It also
// checks that the database and the reports are readable by their owner only.
func TestTokenNeverLeaks(t *testing.T) {
	fastRetries(t)
	dbPath, org := syncedDB(t)
	dir := filepath.Dir(dbPath)
	out := filepath.Join(dir, "reports")
	// The shared database's sync went through retried faults.
	texts := []string{shared.stdout, shared.stderr, shared.rstdout, shared.rstderr}
	code, stdout, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", relWeek)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	texts = append(texts, stdout, stderr)
	// A token the API refuses, and an API that fails every request.
	rejecting := serveOrg(t, org, "another-token", pagerdutytest.Faults{}, nil)
	failing := serveOrg(t, org, relToken, pagerdutytest.Faults{Rate: 1, Kinds: []pagerdutytest.FaultKind{pagerdutytest.Fault500}}, nil)
	for _, u := range []string{rejecting, failing} {
		code, stdout, stderr := runCmd(t, map[string]string{"PAGERDUTY_TOKEN": relToken}, "sync", "--db",
			filepath.Join(t.TempDir(), "x.duckdb"), "--api-url", u)
		if code != 1 {
			t.Errorf("sync against %s: exit %d, want 1 (%s)", u, code, stderr)
		}
		texts = append(texts, stdout, stderr)
	}
	for i, s := range texts {
		if strings.Contains(s, relToken) {
			t.Errorf("output %d holds the token: %q", i, s)
		}
	}

	t.Run("files", func(t *testing.T) {
		n := 0
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Error(err)
				return nil
			}
			n++
			if bytes.Contains(b, []byte(relToken)) {
				t.Errorf("%s holds the token", path)
			}
			return nil
		})
		// pd.duckdb, metrics.json, index.html and the team and noise reports.
		if n < 4 {
			t.Errorf("only %d files searched; want the database and the reports", n)
		}
	})

	t.Run("database rows", func(t *testing.T) {
		// Raw file bytes may be compressed; read every value of every table.
		db, err := sql.Open("duckdb", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		all := dumpAll(t, db)
		// Control: the dump does hold what was synced, so the search can
		// find a string that is there (a user's e-mail address).
		if u := org.Users(); len(u) == 0 || !strings.Contains(all, u[0].Email) {
			t.Fatalf("the dump of every table lacks the first user's e-mail; the search would find nothing")
		}
		if strings.Contains(all, relToken) {
			t.Error("a database row holds the token")
		}
	})

	t.Run("owner-only permissions", func(t *testing.T) {
		// The database holds names and e-mail addresses, the reports names.
		check := func(path string, want os.FileMode) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Error(err)
				return
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s has mode %v, want %v", path, got, want)
			}
		}
		check(dbPath, 0o600)
		check(out, 0o700)
		entries, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				check(filepath.Join(out, e.Name()), 0o700)
			} else {
				check(filepath.Join(out, e.Name()), 0o600)
			}
		}
		if len(entries) < 3 {
			t.Errorf("%d report files, want metrics.json, index.html and reports", len(entries))
		}
	})
}

// TestWALOwnerOnly: while a sync writes, DuckDB's write-ahead log holds
// the rows (names, e-mail addresses) on disk; it must be owner-only too.
func TestWALOwnerOnly(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", relToken)
	org := newOrg(t)
	// Every request takes 20 ms: the sync runs for seconds, its log on disk.
	url := serveOrg(t, org, relToken, pagerdutytest.Faults{Rate: 1, Kinds: []pagerdutytest.FaultKind{pagerdutytest.FaultSlow},
		SlowDelay: 20 * time.Millisecond}, nil)
	dbPath := filepath.Join(t.TempDir(), "pd.duckdb")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"sync", "--db", dbPath, "--api-url", url, "--since", org.Start().Format(time.RFC3339),
			"--until", org.End().Format(time.RFC3339), "--rate", "0"}, &out, &errb)
	}()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("the sync ended (exit %d) before its write-ahead log was seen", code)
		default:
		}
		fi, err := os.Stat(dbPath + ".wal")
		if err != nil {
			continue
		}
		if got := fi.Mode().Perm(); got&0o077 != 0 {
			t.Errorf("%s.wal has mode %v, want owner-only", filepath.Base(dbPath), got)
		}
		return
	}
	t.Fatal("no write-ahead log appeared during the sync")
}

// dumpAll returns every value of every table of db as text.
func dumpAll(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		// The table names come from the database's own catalogue, not from input.
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// checkNoPartialFiles fails when dir holds a temporary file of an atomic
// write (".name.*.tmp", internal/atomicfile) or an HTML file that is cut short.
func checkNoPartialFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return
		}
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			t.Errorf("temporary file %s left behind", name)
		}
		if e.Type().IsRegular() && strings.HasSuffix(name, ".html") {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			if !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</html>")) {
				t.Errorf("%s is cut short (%d bytes)", name, len(b))
			}
		}
		if e.Type().IsRegular() && name == "metrics.json" {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			if !json.Valid(b) {
				t.Errorf("metrics.json is cut short (%d bytes)", len(b))
			}
		}
	}
}

// TestReportOutputFailures: when the output cannot be written, report exits
// 1 with one line and leaves no half-written file. Tests run as root, where
// chmod does not stop writes, so the failures are made without permissions:
// the output path is a file, a report's name is taken by a directory (the
// rename of the finished temporary file fails), and the disk fills (a file
// size limit, RLIMIT_FSIZE, in a child process).
func TestReportOutputFailures(t *testing.T) {
	// The shared database's derived tables are fresh: the runs below only
	// read it.
	dbPath, _ := syncedDB(t)
	t.Run("out is a file", func(t *testing.T) {
		out := writeFile(t, filepath.Join(t.TempDir(), "out"), "x")
		code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", relWeek)
		if code != 1 {
			t.Errorf("exit %d, want 1 (%s)", code, stderr)
		}
		checkOneLine(t, stderr)
		if !strings.Contains(stderr, "output directory") {
			t.Errorf("stderr %q does not name the output directory", stderr)
		}
	})
	for _, taken := range []string{"metrics.json", "index.html"} {
		t.Run(taken+" is a directory", func(t *testing.T) {
			out := t.TempDir()
			if err := os.MkdirAll(filepath.Join(out, taken, "keep"), 0o700); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", relWeek)
			t.Logf("exit %d: %s", code, stderr)
			if code != 1 {
				t.Errorf("exit %d, want 1 (%s)", code, stderr)
			}
			checkOneLine(t, stderr)
			if !strings.Contains(stderr, taken) {
				t.Errorf("stderr %q does not name %s", stderr, taken)
			}
			checkNoPartialFiles(t, out)
		})
	}
	// The disk fills (RLIMIT_FSIZE in a child) part way through each
	// writer: half the size of metrics.json (written first, by
	// analysis.WriteJSON), half of index.html (or just above metrics.json) and 256 KiB (report pages,
	// by the reports' atomic writer: summary.md, index.html and the pages
	// with ECharts inlined), and for export half of its largest file. Every
	// file left in the output is then whole: byte for byte the one an
	// unlimited run writes.
	//
	// The report cases run --self-contained: by default report writes the
	// shared assets (ECharts, 556 kB) first, and a limit under that size
	// would stop it there, before metrics.json or any page is written.
	// "disk full in the shared assets" covers the default.
	good := filepath.Join(t.TempDir(), "good")
	if code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", good, "--week", relWeek, "--self-contained"); code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	goodShared := filepath.Join(t.TempDir(), "good-shared")
	if code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", goodShared, "--week", relWeek); code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	goodExport := filepath.Join(t.TempDir(), "good-export")
	if code, _, stderr := runCmd(t, nil, "export", "--db", dbPath, "--out", goodExport, "--format", "csv"); code != 0 {
		t.Fatalf("export exit %d: %s", code, stderr)
	}
	size := func(path string) int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	largest := int64(0)
	exports, _ := os.ReadDir(goodExport)
	for _, e := range exports {
		largest = max(largest, size(filepath.Join(goodExport, e.Name())))
	}
	for _, tc := range []struct {
		name  string
		cmd   string
		limit int64
		good  string
	}{
		{"disk full in metrics.json", "report", size(filepath.Join(good, "metrics.json")) / 2, good},
		{"disk full in a large page", "report", max(size(filepath.Join(good, "index.html"))/2, size(filepath.Join(good, "metrics.json"))+1), good},
		{"disk full", "report", diskFullLimit, good},
		{"disk full in an export", "export", largest / 2, goodExport},
		{"disk full in the shared assets", "report-shared", diskFullLimit, goodShared},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			cmd := exec.Command(os.Args[0], "-test.run=^TestReportDiskFullChild$")
			cmd.Env = append(os.Environ(), "OH_DISKFULL_CHILD=1", "OH_DB="+dbPath, "OH_OUT="+out,
				"OH_CMD="+tc.cmd, fmt.Sprintf("OH_LIMIT=%d", tc.limit))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := cmd.ProcessState.ExitCode()
			t.Logf("limit %d bytes: exit %d: %s", tc.limit, code, stderr.String())
			if code != 1 {
				t.Errorf("exit %d (%v), want 1; stderr %q", code, err, stderr.String())
			}
			checkOneLine(t, stderr.String())
			// EFBIG: Go says "file too large", DuckDB "File too large".
			if !strings.Contains(strings.ToLower(stderr.String()), "file too large") {
				t.Errorf("stderr %q does not say the write failed for lack of room", stderr.String())
			}
			checkNoPartialFiles(t, out)
			checkWhole(t, out, tc.good)
		})
	}
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: chmod does not stop root's writes (the cases above cover failed writes)")
		}
		out := t.TempDir()
		if err := os.Chmod(out, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(out, 0o700) })
		code, _, stderr := runCmd(t, nil, "report", "--db", dbPath, "--out", out, "--week", relWeek)
		if code != 1 {
			t.Errorf("exit %d, want 1 (%s)", code, stderr)
		}
		checkOneLine(t, stderr)
		checkNoPartialFiles(t, out)
	})
}

// checkWhole fails unless every file in dir equals the file of the same
// name in good (what an unlimited run wrote).
func checkWhole(t *testing.T, dir, good string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		want, err := os.ReadFile(filepath.Join(good, e.Name()))
		if err != nil {
			t.Errorf("%s: not written by an unlimited run", e.Name())
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is cut short or differs: %d bytes, an unlimited run wrote %d", e.Name(), len(got), len(want))
		}
	}
}

// diskFullLimit is the file size limit of the disk-full child: above the
// size of metrics.json, far below a report with ECharts inlined.
const diskFullLimit = 256 << 10

// TestReportDiskFullChild is the child process of TestReportOutputFailures'
// "disk full" case: it runs report with writes limited to diskFullLimit
// bytes per file, or OH_LIMIT, (EFBIG past it, as on a full disk); export
// instead when OH_CMD=export. Run directly, it skips.
func TestReportDiskFullChild(t *testing.T) {
	if os.Getenv("OH_DISKFULL_CHILD") != "1" {
		t.Skip("helper process of TestReportOutputFailures")
	}
	// run ignores SIGXFSZ (DuckDB's threads too), so a write past the
	// limit fails with EFBIG.
	limit := uint64(diskFullLimit)
	fmt.Sscan(os.Getenv("OH_LIMIT"), &limit)
	lim := syscall.Rlimit{Cur: limit, Max: limit}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(3)
	}
	args := []string{"report", "--db", os.Getenv("OH_DB"), "--out", os.Getenv("OH_OUT"), "--week", relWeek, "--self-contained"}
	switch os.Getenv("OH_CMD") {
	case "report-shared":
		args = args[:len(args)-1]
	case "export":
		args = []string{"export", "--db", os.Getenv("OH_DB"), "--out", os.Getenv("OH_OUT"), "--format", "csv"}
	}
	code := run(context.Background(), args, os.Stdout, os.Stderr)
	os.Exit(code)
}
