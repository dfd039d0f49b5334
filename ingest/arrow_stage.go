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
	"github.com/marcboeker/go-duckdb"
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
func record[R any](fields []field[R], rows []R) arrow.Record {
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
	return rb.NewRecord()
}

// execer runs statements on the one DuckDB connection a load holds.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// stage registers rows as the temporary Arrow view name on conn and calls
// fn, which runs the statements that read the view; the view is dropped
// afterwards. Rows go Go structs → one Arrow record batch → DuckDB without
// a per-row INSERT.
func stage[R any](ctx context.Context, conn *sql.Conn, name string, fields []field[R], rows []R, fn func() error) error {
	rec := record(fields, rows)
	reader := &oneRecord{rec: rec, schema: rec.Schema()}
	defer reader.drop()
	var release func()
	err := conn.Raw(func(dc any) error {
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

// oneRecord is an array.RecordReader of one record whose memory is let go
// by drop. go-duckdb's RegisterView exports the reader as a C stream (which
// retains it in a cgo handle) but its release function only frees the
// stream struct, never calling the stream's release callback: a reader from
// array.NewRecordReader, and with it every staged batch, stayed reachable
// for the life of the process (the full sync of a year grew to 2.7 GB of
// RSS). This reader ignores reference counts; drop, called when the view
// is no longer read, releases the record, so only this small struct stays
// behind in the handle.
type oneRecord struct {
	rec    arrow.Record
	schema *arrow.Schema
	done   bool
}

func (r *oneRecord) Retain()  {}
func (r *oneRecord) Release() {}

// Schema is the record's schema, kept after drop.
func (r *oneRecord) Schema() *arrow.Schema { return r.schema }

func (r *oneRecord) Next() bool {
	if r.done || r.rec == nil {
		return false
	}
	r.done = true
	return true
}

func (r *oneRecord) Record() arrow.Record {
	if !r.done {
		return nil
	}
	return r.rec
}

func (r *oneRecord) Err() error { return nil }

// drop releases the record; the reader yields nothing afterwards.
func (r *oneRecord) drop() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	r.done = true
}
