package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	_ "github.com/marcboeker/go-duckdb" // registers the "duckdb" driver
)

// ErrLocked means another process (a running sync, say) holds the database.
var ErrLocked = errors.New("database is in use by another oncall-health process")

// ErrCorrupt means the file is not a DuckDB database this program can read.
var ErrCorrupt = errors.New("database file cannot be read")

// MemoryLimit caps DuckDB's own memory (it spills to disk beyond it). The
// derivation of the report tables of a year of a large account peaked at
// 1.1 GiB of RSS without it and at 862 MiB with it, in the same 20 s.
const MemoryLimit = "480MB"

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
	db, err := sql.Open("duckdb", path+"?memory_limit="+MemoryLimit)
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
