package main

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/oncall-health/oncall-health/ingest"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

// TestMain lets the test binary be the oncall-health command of the
// scripts in testdata/script: testscript runs it as a child process under
// that name, so each script's env lines are the child's whole environment.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"oncall-health": func() {
			// The client retries quickly, as fastRetries makes it in
			// the in-process tests: an unreachable URL would take
			// minutes with the real backoff.
			clientTuning = ingest.ClientOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs every testdata/script/*.txtar: the CLI's answers to
// wrong calls and bad input (exit status, the one line on stderr). A new
// case is a new file; TESTING.md says which commands a script has.
func TestScript(t *testing.T) {
	// Fixtures made once in Go and handed to the scripts: a synced
	// database (copied into a script's $WORK by gooddb), one whose schema
	// is newer than this program's (newerdb), one cut in half (cutdb), a
	// loopback URL where nothing listens ($DEAD_URL) and a fake API that
	// accepts another token than $TOKEN ($OTHER_TOKEN_URL).
	good, _ := syncedDB(t)
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(t.TempDir(), "newer.duckdb")
	db, err := queries.Open(context.Background(), newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newerBytes, err := os.ReadFile(newer)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + ln.Addr().String()
	ln.Close()
	otherToken := serveOrg(t, newOrg(t), "some-other-token", pagerdutytest.Faults{}, nil)

	writeTo := func(b []byte) func(ts *testscript.TestScript, neg bool, args []string) {
		return func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 1 {
				ts.Fatalf("usage: DBCMD file")
			}
			ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("NL", "\n")
			env.Setenv("TOKEN", relToken)
			env.Setenv("DEAD_URL", deadURL)
			env.Setenv("OTHER_TOKEN_URL", otherToken)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":   cmdExits,
			"oneline": cmdOneLine,
			"gooddb":  writeTo(goodBytes),
			"newerdb": writeTo(newerBytes),
			"cutdb":   writeTo(goodBytes[:len(goodBytes)/2]),
		},
	})
}

// cmdExits is the script command `exits N prog args...`: it runs prog as
// exec does (its stdout and stderr are then matched by stdout and stderr)
// and fails unless prog ends with exit status N.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("exits: %v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// cmdOneLine is the script command `oneline stderr` (or stdout, or a
// file): it fails unless the text is exactly one line, ended by a newline,
// with nothing of a stack trace in it. `! oneline` inverts the line count
// only.
func cmdOneLine(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: oneline stdout|stderr|file")
	}
	text := ts.ReadFile(args[0])
	one := strings.Count(text, "\n") == 1 && strings.HasSuffix(text, "\n")
	if one == neg {
		ts.Fatalf("%s is one line: %v, want %v: %q", args[0], one, !neg, text)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(text, bad) {
			ts.Fatalf("%s holds a stack trace (%q): %q", args[0], bad, text)
		}
	}
}
