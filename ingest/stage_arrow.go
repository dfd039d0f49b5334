//go:build duckdb_arrow

package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// stage registers rows as the temporary Arrow view name on conn and calls
// fn, which runs the statements that read the view; the view is dropped
// afterwards. Rows go Go structs → one Arrow record batch → DuckDB without
// a per-row INSERT. The release function of duckdb-go's RegisterView
// releases the exported stream and with it the reader and its batch (the
// older go-duckdb v1.8 freed only the stream struct, and every staged batch
// stayed reachable: a year's full sync grew to 2.7 GB of RSS).
func stage[R any](ctx context.Context, conn *sql.Conn, name string, fields []field[R], rows []R, fn func() error) error {
	rec := record(fields, rows)
	reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	rec.Release() // the reader holds it now
	if err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	defer reader.Release()
	var release func()
	err = conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(reader, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("stage %s: register arrow view: %w", name, err)
	}
	defer release()
	return fn()
}
