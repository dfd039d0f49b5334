// Package golden compares a test's output with a file under testdata/ and
// rewrites the file when the test binary runs with -update.
//
// It is for tests only: importing it registers the -update flag in the test
// binary, one flag however many tests of the package use it.
//
//	go test ./reports -run TestGolden -update   # accept a change, then review git diff
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests produce")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// T is the part of *testing.T that Check uses.
type T interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// maxDiff is how much of a difference Check prints, in bytes; the rest is
// cut (the whole file is one -update and a git diff away).
const maxDiff = 8 << 10

// Check compares got with the file at path. With -update it writes got to
// path instead (creating its directory) and compares nothing. A missing
// file, or one that differs from got, fails the test with the line-wise
// difference (-want +got) and the command that rewrites it.
func Check(t T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden: %v (%s creates it)", err, rerun(t))
		return
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		if len(diff) > maxDiff {
			diff = diff[:maxDiff] + "\n… (difference cut)"
		}
		t.Errorf("differs from %s (-want +got); if intended, %s and review the diff:\n%s", path, rerun(t), diff)
	}
}

// rerun is the command that rewrites the golden files of t's test.
func rerun(t T) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return "go test -run '^" + name + "$' -update"
}
