package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a T that records what Check says instead of failing.
type recorder struct {
	errs  []string
	fatal bool
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return "TestSomething/sub" }
func (r *recorder) Errorf(f string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(f, a...))
}
func (r *recorder) Fatalf(f string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(f, a...))
	r.fatal = true
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "want.golden")

	// Missing file: fatal, and says how to create it.
	r := &recorder{}
	Check(r, path, []byte("x\n"))
	if !r.fatal || len(r.errs) != 1 || !strings.Contains(r.errs[0], "go test -run '^TestSomething$' -update") {
		t.Errorf("missing file: %+v", r)
	}

	// -update writes the file (and its directory) and compares nothing.
	*update = true
	r = &recorder{}
	Check(r, path, []byte("one\ntwo\n"))
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\ntwo\n" || len(r.errs) != 0 {
		t.Fatalf("update: file %q, %v, errors %v", b, err, r.errs)
	}

	// The same bytes pass.
	r = &recorder{}
	Check(r, path, []byte("one\ntwo\n"))
	if len(r.errs) != 0 {
		t.Errorf("same bytes: %v", r.errs)
	}

	// One byte more fails (not fatally), with the line that differs.
	r = &recorder{}
	Check(r, path, []byte("one\ntwo!\n"))
	if r.fatal || len(r.errs) != 1 || !strings.Contains(r.errs[0], "two!") || !strings.Contains(r.errs[0], "-want +got") {
		t.Errorf("different bytes: %+v", r)
	}

	// A trailing newline alone is a difference too.
	r = &recorder{}
	Check(r, path, []byte("one\ntwo"))
	if len(r.errs) != 1 {
		t.Errorf("missing final newline passed: %+v", r)
	}
}
