//go:build !duckdb_arrow

package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/oncall-health/oncall-health/queries"
)

// stage, in a build without the tag duckdb_arrow (go install, go vet, an
// editor's build), where the driver has no Arrow API: rows go into a
// temporary table named like the Arrow view, created by the embedded
// statement stage-<name> (queries/stage.sql) and filled through DuckDB's
// Appender; fn runs the same statements against it, and unstage-<name>
// drops it afterwards. The Makefile, CI and the benchmarks build with the
// tag; make test also runs the sync tests without it, so both paths load
// the same rows.
func stage[R any](ctx context.Context, conn *sql.Conn, name string, fields []field[R], rows []R, fn func() error) error {
	if _, err := conn.ExecContext(ctx, queries.Get("stage-"+name)); err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), queries.Get("unstage-"+name))
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", name)
		if err != nil {
			return err
		}
		vals := make([]driver.Value, len(fields))
		for i := range rows {
			for j, f := range fields {
				vals[j] = f.value(&rows[i])
			}
			if err := a.AppendRow(vals...); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
	if err != nil {
		return fmt.Errorf("stage %s: append: %w", name, err)
	}
	return fn()
}
