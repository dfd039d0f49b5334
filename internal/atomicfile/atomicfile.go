// Package atomicfile writes a file so that readers see either the old file or
// the whole new one, never a part: the data goes to a temporary file in the
// same directory, is synced, and is renamed over the path.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path with mode 0600 (owner only) by way of a
// temporary file ".<name>.*.tmp" next to it, which is removed when any step
// fails. The errors are the os package's, unwrapped: callers say what they
// were writing.
func Write(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		_ = f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
