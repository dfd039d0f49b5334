package analysis

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/oncall-health/oncall-health/queries"
)

// ErrFormat is returned by Export for a format other than parquet or csv.
var ErrFormat = errors.New("unknown export format")

// ExportTables are the files Export writes, in order: the raw synced
// tables, then the derived incident facts, interruptions and shifts.
var ExportTables = []string{
	"users", "teams", "team_members", "services", "escalation_policies",
	"incidents", "alerts", "log_entries", "oncalls",
	"incident_facts", "interruptions", "shifts",
}

// Export writes each of ExportTables into dir as NAME.parquet (zstd) or
// NAME.csv (with a header; NULL as an empty field; instants in UTC). The
// derived tables are brought up to date with cfg first. Rows stream from
// DuckDB as Arrow record batches straight into the writer. Each file is
// written to a temporary name and renamed, mode 0600. It returns the file
// names written.
func Export(ctx context.Context, db *sql.DB, cfg Config, dir, format string) ([]string, error) {
	if format != "parquet" && format != "csv" {
		return nil, fmt.Errorf("%w %q: want parquet or csv", ErrFormat, format)
	}
	if _, err := Derive(ctx, db, cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var files []string
	err = conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		for _, table := range ExportTables {
			name := table + "." + format
			if err := exportOne(ctx, ar, queries.Get("export-"+table), filepath.Join(dir, name), format); err != nil {
				return fmt.Errorf("export %s: %w", table, err)
			}
			files = append(files, name)
		}
		return nil
	})
	return files, err
}

func exportOne(ctx context.Context, ar *duckdb.Arrow, query, path, format string) (err error) {
	rr, err := ar.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rr.Release()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	switch format {
	case "parquet":
		err = writeParquet(tmp, rr)
	default:
		err = writeCSV(tmp, rr)
	}
	if err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeParquet(w io.Writer, rr array.RecordReader) error {
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	fw, err := pqarrow.NewFileWriter(rr.Schema(), nopCloser{w}, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	for rr.Next() {
		if err := fw.Write(rr.Record()); err != nil {
			fw.Close()
			return err
		}
	}
	if err := rr.Err(); err != nil {
		fw.Close()
		return err
	}
	return fw.Close()
}

func writeCSV(w io.Writer, rr array.RecordReader) error {
	cw := csv.NewWriter(w, rr.Schema(), csv.WithHeader(true), csv.WithNullWriter(""))
	for rr.Next() {
		if err := cw.Write(rr.Record()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// nopCloser keeps the parquet writer from closing the file, which Export
// syncs and renames itself.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
