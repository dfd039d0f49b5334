package analysis

import (
	"context"
	"database/sql"
	"fmt"
)

// eachRow runs query with args on db and calls row once per result row, in
// the query's order, then closes the rows. An error of the query, of row (a
// Scan) or of the iteration stops it and is returned wrapped as
// "<what>: <err>".
func eachRow(ctx context.Context, db *sql.DB, what, query string, args []any, row func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// scanAll is eachRow collecting one T a row with scan; the slice is empty,
// not nil, when there are no rows (JSON "[]").
func scanAll[T any](ctx context.Context, db *sql.DB, what, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	out := []T{}
	err := eachRow(ctx, db, what, query, args, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bounds are a period's query parameters $1 and $2: its start and end in UTC.
func (p Period) bounds() []any { return []any{p.Start.UTC(), p.End.UTC()} }
