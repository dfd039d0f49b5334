package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/reports"
)

// policyFlags collects repeated --policy flags.
type policyFlags []string

func (p *policyFlags) String() string { return strings.Join(*p, ",") }

func (p *policyFlags) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty policy id")
	}
	*p = append(*p, v)
	return nil
}

// runHandoff writes the handoff notes: for each escalation policy (or the
// ones named) the note of the level-1 shift that ended most recently at or
// before --at (default: the time the database is synced through).
func runHandoff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("handoff", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` written by sync")
	out := fs.String("out", "", "output `directory` (created if missing)")
	atS := fs.String("at", "", "the handoff is the last level-1 shift change at or before this `TIME` (2026-01-02 or RFC 3339; default: the last sync)")
	var policies policyFlags
	fs.Var(&policies, "policy", "escalation policy `ID` (repeatable; default: every policy)")
	configPath := fs.String("config", "", "configuration `file` (YAML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usageErr("handoff: --db and --out are required")
	}
	at, err := parseDate("at", *atS)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	hs, warnings, err := analysis.Handoffs(ctx, db, cfg, analysis.HandoffOptions{At: at, Policies: policies})
	switch {
	case errors.Is(err, analysis.ErrUnknownPolicy):
		return usageErr("handoff: %v (see the escalation policies in the reports)", err)
	case errors.Is(err, analysis.ErrNotSynced):
		if synced, ok, serr := analysis.SyncedThrough(ctx, db); serr == nil && ok {
			return fmt.Errorf("handoff: %w: the last sync reached %s (%s ago), %s before --at %s; run 'oncall-health sync --db %s' again",
				analysis.ErrNotSynced, synced.Format(time.RFC3339), analysis.AgeText(time.Since(synced)),
				analysis.AgeText(at.Sub(synced)), at.Format(time.RFC3339), *dbPath)
		}
		return fmt.Errorf("handoff: %w; run 'oncall-health sync --db %s' first", err, *dbPath)
	case err != nil:
		return fmt.Errorf("handoff: %w", err)
	}
	files, err := reports.WriteHandoffs(*out, hs, reportOptions(cfg, "", "", ""))
	if err != nil {
		return fmt.Errorf("write handoff notes: %w", err)
	}
	printWarnings(stderr, warnings)
	word := "notes"
	if len(hs) == 1 {
		word = "note"
	}
	fmt.Fprintf(stdout, "wrote %d handoff %s (%d files) to %s; open %s\n", len(hs), word, len(files), *out,
		filepath.Join(*out, reports.HandoffIndexFile))
	return nil
}
