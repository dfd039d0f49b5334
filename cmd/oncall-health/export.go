package main

import (
	"context"
	"fmt"
	"io"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/queries"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` written by sync")
	out := fs.String("out", "", "output `directory` (created if missing)")
	format := fs.String("format", "parquet", "file `format`: parquet or csv")
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
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer func() { db.Close() }()
	// Derive (when the tables are out of date for cfg) on a handle of its
	// own: what DuckDB keeps after deriving a large account left the export
	// of log_entries without memory under queries.MemoryLimit ("failed to
	// pin block"); the export on a new handle then finds the tables fresh.
	if _, err := analysis.Derive(ctx, db, cfg); err != nil {
		return err
	}
	if db, err = queries.Reopen(ctx, db, *dbPath); err != nil {
		return err
	}
	files, err := analysis.Export(ctx, db, cfg, *out, *format)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d tables as %s to %s\n", len(files), *format, *out)
	return nil
}
