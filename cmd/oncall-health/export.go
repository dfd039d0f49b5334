package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/export"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` written by sync")
	out := fs.String("out", "", "output `directory` (created if missing)")
	format := fs.String("format", "parquet", "file `format`: parquet or csv")
	partition := fs.String("partition", "", "`month`: write the large tables as TABLE/month=YYYY-MM/ directories (Hive layout)")
	configPath := fs.String("config", "", "configuration `file` (YAML): hours and noise rules for the derived tables")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usageErr("export: --db and --out are required")
	}
	if *format != "parquet" && *format != "csv" {
		return usageErr("export: --format must be parquet or csv, not %q", *format)
	}
	if *partition != "" && *partition != "month" {
		return usageErr("export: --partition must be month, not %q", *partition)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The one derivation of the command (a no-op when the tables are fresh
	// for cfg), on the handle the export then reads.
	if _, err := analysis.Derive(ctx, db, cfg); err != nil {
		return err
	}
	return exportOn(ctx, db, *out, export.Options{Format: *format, Partition: *partition}, stdout)
}

// exportOn exports db's tables, derived as they are, into dir.
func exportOn(ctx context.Context, db *sql.DB, dir string, o export.Options, stdout io.Writer) error {
	names, err := export.Write(ctx, db, dir, o)
	if err != nil {
		return err
	}
	how := o.Format
	if o.Partition != "" {
		how += " by " + o.Partition
	}
	fmt.Fprintf(stdout, "exported %d tables as %s to %s\n", len(names), how, dir)
	return nil
}
