// Package queries holds every SQL statement of oncall-health as embedded .sql
// files, and the numbered schema migrations that create the database.
//
// A query file holds one or more statements, each introduced by a header line
// "-- name: NAME". Get returns a statement's text by name; statements take
// positional parameters ($1, $2, ...) only, never text built from input.
//
// Migrations live in migrations/NNN_description.sql and are applied in order
// by Migrate, each in its own transaction, recording the version in
// schema_migrations.
package queries

import (
	"bufio"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed *.sql migrations/*.sql
var files embed.FS

// ErrSchemaTooNew is returned by Migrate when the database was written by a
// newer oncall-health whose schema this binary does not know.
var ErrSchemaTooNew = errors.New("database schema is newer than this program")

var (
	loadOnce sync.Once
	byName   map[string]string
	loadErr  error
)

func load() {
	byName = map[string]string{}
	paths, err := fs.Glob(files, "*.sql")
	if err != nil {
		loadErr = err
		return
	}
	for _, p := range paths {
		b, err := files.ReadFile(p)
		if err != nil {
			loadErr = err
			return
		}
		if err := parseNamed(p, string(b), byName); err != nil {
			loadErr = err
			return
		}
	}
}

// parseNamed splits a file into statements at "-- name:" headers.
func parseNamed(file, text string, into map[string]string) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("%s: query %q defined twice", file, name)
		}
		into[name] = strings.TrimSpace(body.String())
		body.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// Get returns the statement named name. It panics on an unknown name: names
// are compile-time constants, and a test loads every one of them.
func Get(name string) string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(fmt.Sprintf("queries: %v", loadErr))
	}
	q, ok := byName[name]
	if !ok {
		panic(fmt.Sprintf("queries: no query named %q", name))
	}
	return q
}

// Names lists every named statement, sorted.
func Names() []string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(fmt.Sprintf("queries: %v", loadErr))
	}
	out := make([]string, 0, len(byName))
	for n := range byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	paths, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, p := range paths {
		base := path.Base(p)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// LatestVersion is the schema version this binary writes.
func LatestVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(fmt.Sprintf("queries: %v", err))
	}
	return len(ms)
}

// Migrate brings the database up to LatestVersion. It returns ErrSchemaTooNew
// when the database has a version this binary does not know.
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("%w: database has version %d, this program knows up to %d", ErrSchemaTooNew, current, len(ms))
	}
	for _, m := range ms[current:] {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}
