package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Run("replaces the file, owner only, no temporary left", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "metrics.json")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, []byte("new\n")); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "new\n" {
			t.Errorf("content %q, want %q", b, "new\n")
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("mode %o, want 600", m)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("%d entries in the directory, want only metrics.json", len(entries))
		}
	})
	t.Run("failed rename removes the temporary file", func(t *testing.T) {
		dir := t.TempDir()
		// A directory in the way: a file cannot be renamed over it.
		path := filepath.Join(dir, "index.html")
		if err := os.Mkdir(path, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, "x"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, []byte("<html></html>")); err == nil {
			t.Fatal("Write over a directory: no error")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != "index.html" {
			t.Errorf("directory holds %d entries, want only index.html (no temporary)", len(entries))
		}
	})
}
