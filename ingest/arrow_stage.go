package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// field describes one column of a staged Arrow batch built from rows of type R.
type field[R any] struct {
	name string
	typ  arrow.DataType
	put  func(b array.Builder, r *R)
}

var tsType = &arrow.TimestampType{Unit: arrow.Microsecond}

// strField is a VARCHAR column; an empty string is stored as NULL when
// nullable is true.
func strField[R any](name string, nullable bool, get func(*R) string) field[R] {
	return field[R]{name: name, typ: arrow.BinaryTypes.String, put: func(b array.Builder, r *R) {
		v := get(r)
		if nullable && v == "" {
			b.AppendNull()
			return
		}
		b.(*array.StringBuilder).Append(v)
	}}
}

// timeField is a TIMESTAMP column in UTC microseconds; the zero time is NULL.
func timeField[R any](name string, get func(*R) time.Time) field[R] {
	return field[R]{name: name, typ: tsType, put: func(b array.Builder, r *R) {
		v := get(r)
		if v.IsZero() {
			b.AppendNull()
			return
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.UnixMicro()))
	}}
}

// intField is a BIGINT column.
func intField[R any](name string, get func(*R) int64) field[R] {
	return field[R]{name: name, typ: arrow.PrimitiveTypes.Int64, put: func(b array.Builder, r *R) {
		b.(*array.Int64Builder).Append(get(r))
	}}
}

// record builds one Arrow record batch holding rows. The caller releases it.
func record[R any](fields []field[R], rows []R) arrow.RecordBatch {
	fs := make([]arrow.Field, len(fields))
	for i, f := range fields {
		fs[i] = arrow.Field{Name: f.name, Type: f.typ, Nullable: true}
	}
	schema := arrow.NewSchema(fs, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Reserve(len(rows))
	for i := range rows {
		for j, f := range fields {
			f.put(rb.Field(j), &rows[i])
		}
	}
	return rb.NewRecordBatch()
}

// execer runs statements on the one DuckDB connection a load holds.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

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
