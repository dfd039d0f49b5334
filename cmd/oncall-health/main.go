// Command oncall-health pulls on-call history from PagerDuty into DuckDB and
// writes reports on how on-call is going. docs/cli.md describes every
// command and flag, and where they differ from the reference contract:
//
//	oncall-health sync     --db FILE [--api-url URL] [--since DATE] [--until DATE] [--full] [--config FILE] [--rate N] [--look-back DURATION]
//	oncall-health report   --db FILE --out DIR [--week 2026-W46 | --month 2026-10] [--config FILE]
//	oncall-health report   --db FILE --out DIR [--weeks FIRST..LAST] [--months FIRST..LAST] [--config FILE]
//	oncall-health run      --db FILE --out DIR [--config FILE] [sync's flags]
//	oncall-health demo     --out DIR [--seed N]
//	oncall-health export   --db FILE --out DIR [--format parquet|csv] [--partition month] [--config FILE]
//	oncall-health handoff  --db FILE --out DIR [--at TIME] [--policy ID]... [--config FILE]
//	oncall-health crosscheck --db FILE (--week W | --month M) [--api-url URL] [--out DIR] [--config FILE]
//	oncall-health fake-api [--addr 127.0.0.1:8080] [--size small|large] [--seed N] [--token T]
//
// Exit status: 0 success, 2 usage or configuration error, 1 any other failure.
//
// Every error is one line on stderr. An error in how the program was called
// (no or an unknown command, an unknown flag, a missing or malformed flag
// value) reads "oncall-health: <message> (run 'oncall-health --help' for
// usage)"; configuration and runtime errors are one line without the hint.
// The usage text is printed only when asked for: `oncall-health --help` or
// `oncall-health help` (on stdout), `oncall-health CMD -h` (the command's
// flags, on stderr).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/queries"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks errors in how the program was called (exit 2).
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

const usage = `oncall-health: how on-call is really going, from PagerDuty history.

Usage:
  oncall-health sync     --db FILE [--api-url URL] [--since DATE] [--until DATE] [--full] [--config FILE]
  oncall-health report   --db FILE --out DIR [--week 2026-W46 | --month 2026-10] [--config FILE]
  oncall-health report   --db FILE --out DIR [--weeks FIRST..LAST] [--months FIRST..LAST] [--config FILE]
  oncall-health run      --db FILE --out DIR [--config FILE] [--api-url URL] [--since DATE] [--rate N] ...
  oncall-health demo     --out DIR
  oncall-health export   --db FILE --out DIR [--format parquet|csv] [--partition month]
  oncall-health handoff  --db FILE --out DIR [--at TIME] [--policy ID]... [--config FILE]
  oncall-health crosscheck --db FILE (--week 2026-W46 | --month 2026-10) [--api-url URL] [--out DIR]
  oncall-health fake-api [--addr 127.0.0.1:8080] [--size small|large] [--seed N]

sync, run and crosscheck read the API token from PAGERDUTY_TOKEN (or PAGERDUTY_OAUTH_TOKEN). Run 'oncall-health CMD -h' for a command's flags.
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Every file this program creates is for its owner only: the database
	// and its write-ahead log (which DuckDB creates itself, with the
	// umask's permissions) hold names and e-mail addresses.
	syscall.Umask(0o077)
	// A write past the file size limit (RLIMIT_FSIZE) must fail with EFBIG,
	// reported as one line, as a full disk's ENOSPC is: not kill the
	// process. Go ignores SIGXFSZ on its own threads only; DuckDB writes
	// (export's COPY, the database) on threads of its own, where the
	// signal's default action would end the process without a word.
	signal.Ignore(syscall.SIGXFSZ)
	if len(args) == 0 {
		return exitCode(usageErr("no command given"), stderr)
	}
	var err error
	switch args[0] {
	case "sync":
		err = runSync(ctx, args[1:], stdout, stderr)
	case "report":
		err = runReport(ctx, args[1:], stdout, stderr)
	case "run":
		err = runRun(ctx, args[1:], stdout, stderr)
	case "demo":
		err = runDemo(ctx, args[1:], stdout, stderr)
	case "export":
		err = runExport(ctx, args[1:], stdout, stderr)
	case "handoff":
		err = runHandoff(ctx, args[1:], stdout, stderr)
	case "crosscheck":
		err = runCrosscheck(ctx, args[1:], stdout, stderr)
	case "fake-api":
		err = runFakeAPI(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		return exitCode(usageErr("unknown command %q", args[0]), stderr)
	}
	return exitCode(err, stderr)
}

// exitCode prints err as one line and maps it to the exit status.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage) || errors.Is(err, analysis.ErrBadPeriod):
		fmt.Fprintf(stderr, "oncall-health: %s %s\n", oneLine(strings.TrimPrefix(err.Error(), "usage: ")), usageHint)
		return 2
	case isUsage(err):
		fmt.Fprintf(stderr, "oncall-health: %s\n", oneLine(strings.TrimPrefix(err.Error(), "usage: ")))
		return 2
	case queries.Damaged(err):
		fmt.Fprintf(stderr, "oncall-health: %s: %s; it is damaged: move it aside and sync into a new file\n", oneLine(err.Error()), queries.ErrCorrupt)
		return 1
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "oncall-health: interrupted; run the same command again to resume")
		return 1
	default:
		fmt.Fprintf(stderr, "oncall-health: %s\n", oneLine(err.Error()))
		return 1
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// usageHint ends the one line of an error in how the program was called.
const usageHint = "(run 'oncall-health --help' for usage)"

// flagOutput is a flag set's output: silent while parsing (a flag error
// becomes the one line exitCode prints, not the flag package's message
// and list of flags), w once -h asked for the flags.
type flagOutput struct {
	w    io.Writer
	help bool
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if !o.help {
		return len(p), nil
	}
	return o.w.Write(p)
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints its flags to stderr only for -h.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{w: stderr})
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args, turning flag errors into usage errors. Extra
// positional arguments are refused.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if o, ok := fs.Output().(*flagOutput); ok {
				o.help = true
			}
			fmt.Fprintf(fs.Output(), "Usage of oncall-health %s:\n", fs.Name())
			fs.PrintDefaults()
			return err
		}
		return usageErr("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usageErr("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
