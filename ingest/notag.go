//go:build !duckdb_arrow

package ingest

// The sync loads rows through duckdb-go's Arrow API, which the driver only
// compiles with the build tag duckdb_arrow. Without it this file stops the
// build with a name that says what to do (the Makefile sets the tag).
var _ = build_with_tags_duckdb_arrow_as_the_Makefile_does
