package ingest

// The columns of staged rows, written once for both load paths: the Arrow
// record batch (stage_arrow.go, built with the tag duckdb_arrow, as the
// Makefile does) and the Appender (stage_appender.go, any other build).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// field describes one column of a staged batch built from rows of type R:
// put appends a row's value to an Arrow builder (the load path built with
// the tag duckdb_arrow), value gives it as a driver value (the Appender
// path of a build without it; nil is NULL).
type field[R any] struct {
	name  string
	typ   arrow.DataType
	put   func(b array.Builder, r *R)
	value func(r *R) driver.Value
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
	}, value: func(r *R) driver.Value {
		if v := get(r); !nullable || v != "" {
			return v
		}
		return nil
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
	}, value: func(r *R) driver.Value {
		if v := get(r); !v.IsZero() {
			return v.UTC().Truncate(time.Microsecond)
		}
		return nil
	}}
}

// intField is a BIGINT column.
func intField[R any](name string, get func(*R) int64) field[R] {
	return field[R]{name: name, typ: arrow.PrimitiveTypes.Int64, put: func(b array.Builder, r *R) {
		b.(*array.Int64Builder).Append(get(r))
	}, value: func(r *R) driver.Value { return get(r) }}
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
