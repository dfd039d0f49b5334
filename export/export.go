// Package export writes the synced tables of a database and the derived
// tables the metrics are computed from (incident facts, interruptions,
// shifts) as Parquet (zstd) or CSV files, with DuckDB's own COPY ... TO:
// no row passes through Go. It takes the derived tables as they are: the
// command derives them first (analysis.Derive).
package export

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oncall-health/oncall-health/queries"
)

// ErrFormat is returned by Write for a format other than parquet or csv.
var ErrFormat = errors.New("unknown export format")

// ErrPartition is returned by Write for a partitioning other than "" or
// "month".
var ErrPartition = errors.New("unknown export partitioning")

// Tables are the tables Write writes, in order: the raw synced tables (with
// the permanent on-calls, every team membership, incident notes and
// sync_meta, without which on-call time cannot be recomputed), then
// the derived incident facts, interruptions and shifts.
var Tables = []string{
	"users", "teams", "team_members", "services", "escalation_policies",
	"incidents", "alerts", "log_entries", "oncalls",
	"permanent_oncalls", "incident_teams", "service_teams", "escalation_policy_teams",
	"incident_notes", "sync_meta",
	"incident_facts", "interruptions", "shifts",
}

// monthTables are the tables Partition "month" splits by the month (UTC) of
// their time column: the ones that grow with the history. The others are
// small and stay one file each.
var monthTables = map[string]bool{
	"incidents": true, "alerts": true, "log_entries": true, "oncalls": true,
	"incident_facts": true, "interruptions": true, "shifts": true,
}

// Options say how Write writes.
type Options struct {
	// Format is "parquet" (zstd-compressed) or "csv" (with a header; NULL
	// as an empty field; instants in UTC as 2026-11-02 12:30:00).
	Format string
	// Partition "" writes one file TABLE.FORMAT per table. "month" writes
	// each of the large tables as a directory in the Hive layout that Spark,
	// Trino, Athena, BigQuery external tables and DuckDB read directly:
	// TABLE/month=2026-10/data_0.FORMAT, one directory per month of the
	// table's time column (incidents, alerts and log entries by created_at,
	// on-calls and shifts by start_at, interruptions by at), the month
	// column in the directory name only.
	Partition string
}

// Write writes each of Tables into dir (created, mode 0700, if missing) and
// returns the names written there: TABLE.FORMAT files, and TABLE
// directories for the partitioned tables. Everything is first written into
// a new temporary directory inside dir, made readable by its owner only
// (files 0600, directories 0700), then renamed into place one table at a
// time, replacing what an earlier export wrote under the same name; a
// failed export leaves no temporary files behind. Paths go to DuckDB as
// statement parameters, never as SQL text.
func Write(ctx context.Context, db *sql.DB, dir string, o Options) (names []string, err error) {
	if o.Format != "parquet" && o.Format != "csv" {
		return nil, fmt.Errorf("%w %q: want parquet or csv", ErrFormat, o.Format)
	}
	if o.Partition != "" && o.Partition != "month" {
		return nil, fmt.Errorf("%w %q: want month", ErrPartition, o.Partition)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, ".export-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory in %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	// One connection: export_rows is a temporary view, seen only by the
	// connection that made it.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	defer conn.ExecContext(context.WithoutCancel(ctx), queries.Get("export-done"))
	for _, table := range Tables {
		name, err := writeOne(ctx, conn, tmp, dir, table, o)
		if err != nil {
			return names, fmt.Errorf("export %s: %w", table, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// writeOne writes table into tmp with COPY, restricts its modes and renames
// it into dir. It returns the name written.
func writeOne(ctx context.Context, conn *sql.Conn, tmp, dir, table string, o Options) (string, error) {
	byMonth := o.Partition == "month" && monthTables[table]
	name := table + "." + o.Format
	view, write := "export-"+table, "export-copy-"+o.Format
	if byMonth {
		name, view, write = table, "export-month-"+table, write+"-month"
	}
	if _, err := conn.ExecContext(ctx, queries.Get(view)); err != nil {
		return "", err
	}
	dst := filepath.Join(tmp, name)
	if _, err := conn.ExecContext(ctx, queries.Get(write), dst); err != nil {
		return "", err
	}
	if byMonth {
		// A table without rows writes no directory; export it empty.
		if err := os.MkdirAll(dst, 0o700); err != nil {
			return "", err
		}
	}
	if err := ownerOnly(dst); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	if byMonth {
		// A directory cannot be renamed over another: remove the one an
		// earlier export wrote.
		if err := os.RemoveAll(final); err != nil {
			return "", err
		}
	}
	if err := os.Rename(dst, final); err != nil {
		return "", err
	}
	return name, nil
}

// ownerOnly makes path, and everything under it, readable by its owner
// only: DuckDB creates its files with the process's default modes.
func ownerOnly(path string) error {
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o600)
		if d.IsDir() {
			mode = 0o700
		}
		return os.Chmod(p, mode)
	})
}
