package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// ErrLocked means another process (a running sync, say) holds the database.
var ErrLocked = errors.New("database is in use by another oncall-health process")

// ErrCorrupt means the file is not a DuckDB database this program can read.
var ErrCorrupt = errors.New("database file cannot be read")

// MemoryLimit caps the memory DuckDB accounts for (it spills to disk beyond
// it; what it does not account for comes on top). Deriving the report
// tables of a year of a large account, the step that needs the most,
// peaked at 1.1 GiB of RSS with DuckDB's default (80 % of RAM), at 1.1 GiB
// with 640MB, and at 893 MiB with 480MB; at 400MB an earlier version of
// the derivation ran out of memory (see BENCHMARKS.md).
const MemoryLimit = "480MB"

// AllocatorFlushThreshold is how much freed memory DuckDB's allocator keeps
// before it returns memory to the system (DuckDB's default: 128MB). The
// derivation frees and allocates much between its statements; with 8MB it
// peaked at 794 MiB of RSS instead of 893 MiB.
const AllocatorFlushThreshold = "8MB"

// Open opens (creating it if needed) the DuckDB database at path with
// owner-only permissions and migrates it to LatestVersion.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
		fi, _ := os.Stat(path)
		if fi != nil && fi.Size() == 0 {
			// DuckDB refuses an empty file as "not a database"; let it create one.
			os.Remove(path)
		}
	}
	db, err := sql.Open("duckdb", path+"?memory_limit="+MemoryLimit+"&allocator_flush_threshold="+AllocatorFlushThreshold)
	if err != nil {
		return nil, classifyOpen(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classifyOpen(path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		if errors.Is(err, ErrSchemaTooNew) {
			return nil, fmt.Errorf("open %s: %w; use the newer oncall-health that wrote it", path, err)
		}
		// A file cut short opens but fails at its first read.
		return nil, classifyOpen(path, err)
	}
	return db, nil
}

func classifyOpen(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock"):
		return fmt.Errorf("open %s: %w", path, ErrLocked)
	case strings.Contains(msg, "not a valid DuckDB database") || strings.Contains(msg, "Serialization Error") ||
		strings.Contains(msg, "IO Error"):
		return fmt.Errorf("open %s: %w (%v); it is damaged or not a DuckDB database: move it aside and sync into a new file", path, ErrCorrupt, err)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Damaged reports whether err is DuckDB failing to read a damaged database
// file. A file cut short can open (its catalog intact) and fail only when a
// statement reads a block past its end, long after Open.
func Damaged(err error) bool {
	return err != nil && !errors.Is(err, ErrCorrupt) && strings.Contains(err.Error(), "Could not read enough bytes from file")
}
