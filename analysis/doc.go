// Package analysis runs the embedded SQL of package queries against a synced
// DuckDB database and returns typed results: one period's metrics.json
// (Metrics), burnout risk per responder and the noisy-alert list.
package analysis
