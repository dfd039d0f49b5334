package main

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oncall-health/oncall-health/analysis"
	"github.com/oncall-health/oncall-health/deliver"
	"github.com/oncall-health/oncall-health/queries"
	"github.com/oncall-health/oncall-health/reports"
)

// deliverTuning holds what tests change in delivery: shorter backoff, and
// the roots that verify a test SMTP server's self-signed certificate. The
// zero value is the production default.
var deliverTuning struct {
	Retry   deliver.Retry
	RootCAs *x509.CertPool
}

// runRun is `oncall-health run`: the weekly cron job in one command. It
// syncs incrementally (syncInto, as `sync`), writes every complete ISO
// week and month that is due and not written yet into --out as range mode
// lays it out (writeReports per period, reports.WriteArchive over every
// period written so far), then delivers the digests of the periods it
// wrote. What was written and sent lives in the database (migration 6), so
// runs at any frequency do each thing once; see README ("Run it from cron").
//
// Choices: a period is due when it starts at or after the runs' start
// (--since of the first run, else 90 days before the sync's watermark) and
// ends at or before the earliest sync watermark (runState). The first run
// of a database backfills every due period but delivers only its newest
// week and newest month (delivered), so that installing it does not send
// a quarter of digests at once; later runs deliver every period they
// write. Sync's per-resource lines are not printed: run prints one summary
// line, and one line on stderr per failed delivery. A failed delivery
// makes the exit status 1 (cron then mails), after the summary line.
func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	dbPath := fs.String("db", "", "DuckDB database `file` (created if missing)")
	out := fs.String("out", "", "archive `directory`: one directory per period and index.html (created if missing)")
	configPath := fs.String("config", "", "configuration `file` (YAML), with the deliver: keys")
	sf := addSyncFlags(fs, "first sync and first reports start at this `DATE` (default: 90 days ago)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usageErr("run: --db and --out are required")
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	client, opts, err := sf.client("run")
	if err != nil {
		return err
	}
	ch, err := newChannels(cfg.Deliver)
	if err != nil {
		return err
	}
	if err := syncInto(ctx, *dbPath, client, opts, cfg, io.Discard); err != nil {
		return err
	}
	db, err := openSynced(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	r := &runner{db: db, cfg: cfg, out: *out, ch: ch, stderr: stderr}
	syncedUntil, err := r.syncedUntil(ctx)
	if err != nil {
		return err
	}
	wrote, err := r.writeDue(ctx, opts.Since, syncedUntil)
	if err != nil {
		return err
	}
	if err := r.writeIndex(ctx); err != nil {
		return err
	}
	sent, failed, err := r.deliverPending(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run done: synced up to %s; %s; %s\n", syncedUntil.Format(time.RFC3339), wroteLine(wrote, *out), sentLine(sent, failed))
	if failed > 0 {
		return fmt.Errorf("%d of %d messages not delivered; the next run tries them again", failed, sent+failed)
	}
	return nil
}

func wroteLine(labels []string, out string) string {
	switch len(labels) {
	case 0:
		return "no period due"
	case 1:
		return "wrote " + labels[0] + " to " + out
	}
	return fmt.Sprintf("wrote %d periods (%s) to %s", len(labels), strings.Join(labels, ", "), out)
}

func sentLine(sent, failed int) string {
	s := fmt.Sprintf("delivered %d messages", sent)
	if sent == 1 {
		s = "delivered 1 message"
	}
	if failed > 0 {
		s += fmt.Sprintf(", %d failed", failed)
	}
	return s
}

// channels are the configured delivery channels with their secrets read
// from the environment.
type channels struct {
	slack      *deliver.Slack
	slackTeams map[string]deliver.Slack
	mail       *deliver.Mail
	mailTo     map[string][]string
	leadership []string
	webhook    *deliver.Webhook
	baseURL    string
}

// newChannels reads the secrets that d names from the environment; a
// variable that is named but not set is a configuration error (exit 2),
// told before anything is synced. The error names the variable, never a value.
func newChannels(d analysis.Deliver) (*channels, error) {
	getenv := func(key, name string) (string, error) {
		v := os.Getenv(name)
		if v == "" {
			return "", usageErr("run: config key deliver.%s names the environment variable %s, which is not set", key, name)
		}
		return v, nil
	}
	webURL := func(key, v string) error {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr("run: the URL of deliver.%s is not an http or https URL", key)
		}
		return nil
	}
	c := &channels{slackTeams: map[string]deliver.Slack{}, baseURL: strings.TrimRight(d.ReportBaseURL, "/")}
	retry := deliverTuning.Retry
	slackURL := d.SlackWebhookURL
	if d.SlackWebhookURLEnv != "" {
		v, err := getenv("slack_webhook_url_env", d.SlackWebhookURLEnv)
		if err != nil {
			return nil, err
		}
		if err := webURL("slack_webhook_url_env", v); err != nil {
			return nil, err
		}
		slackURL = v
	}
	if slackURL != "" {
		c.slack = &deliver.Slack{URL: slackURL, Retry: retry}
	}
	for id, name := range d.SlackTeamWebhookURLEnv {
		v, err := getenv("slack_team_webhook_url_env."+id, name)
		if err != nil {
			return nil, err
		}
		if err := webURL("slack_team_webhook_url_env."+id, v); err != nil {
			return nil, err
		}
		c.slackTeams[id] = deliver.Slack{URL: v, Retry: retry}
	}
	if s := d.SMTP; s.Host != "" {
		m := &deliver.Mail{Host: s.Host, Port: s.Port, Username: s.Username, From: s.From, RootCAs: deliverTuning.RootCAs, Retry: retry}
		if s.PasswordEnv != "" {
			v, err := getenv("smtp.password_env", s.PasswordEnv)
			if err != nil {
				return nil, err
			}
			m.Password = v
		}
		c.mail, c.mailTo, c.leadership = m, s.To, s.Leadership
	}
	if d.WebhookURLEnv != "" {
		v, err := getenv("webhook_url_env", d.WebhookURLEnv)
		if err != nil {
			return nil, err
		}
		if err := webURL("webhook_url_env", v); err != nil {
			return nil, err
		}
		c.webhook = &deliver.Webhook{URL: v, Retry: retry}
	}
	return c, nil
}

// targets are the names of the messages a period of kind gets, sorted.
// They are what run_deliveries stores: no URL, no address.
func (c *channels) targets(kind string) []string {
	var ts []string
	if c.slack != nil {
		ts = append(ts, "slack")
	}
	if c.webhook != nil {
		ts = append(ts, "webhook")
	}
	if kind == "week" {
		for id := range c.slackTeams {
			ts = append(ts, "slack:team:"+id)
		}
		if c.mail != nil {
			for id, to := range c.mailTo {
				if len(to) > 0 {
					ts = append(ts, "email:team:"+id)
				}
			}
		}
	} else if c.mail != nil && len(c.leadership) > 0 {
		ts = append(ts, "email:leadership")
	}
	sort.Strings(ts)
	return ts
}

// runner is one run's open database, config and channels.
type runner struct {
	db     *sql.DB
	cfg    analysis.Config
	out    string
	ch     *channels
	stderr io.Writer

	computer *analysis.Computer // made at first need
	metrics  map[string]*analysis.Metrics
}

func (r *runner) computerOf(ctx context.Context) (*analysis.Computer, error) {
	if r.computer == nil {
		c, err := analysis.NewComputer(ctx, r.db, r.cfg)
		if err != nil {
			return nil, err
		}
		r.computer = c
	}
	return r.computer, nil
}

// syncedUntil is the earliest sync watermark: every period ending at or
// before it is complete in the database.
func (r *runner) syncedUntil(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	if err := r.db.QueryRowContext(ctx, queries.Get("run-synced-until")).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read sync watermark: %w", err)
	}
	if !t.Valid {
		return time.Time{}, errors.New("the sync stored no watermark; run again")
	}
	return t.Time.UTC(), nil
}

// runState is where the runs' periods start and which of them are
// delivered, fixed by the first run of a database (run_state "from" and
// "quiet"): from is --since of the first run, else 90 days before its
// syncedUntil (as the first sync's default); quiet is the first run's
// syncedUntil. Both are stored in one transaction before anything is
// written, so a first run killed half-way decides the same on its next try.
func (r *runner) runState(ctx context.Context, since, syncedUntil time.Time) (from, quiet time.Time, err error) {
	errFrom := r.db.QueryRowContext(ctx, queries.Get("run-state-get"), "from").Scan(&from)
	errQuiet := r.db.QueryRowContext(ctx, queries.Get("run-state-get"), "quiet").Scan(&quiet)
	if errFrom == nil && errQuiet == nil {
		return from.UTC(), quiet.UTC(), nil
	}
	for _, err := range []error{errFrom, errQuiet} {
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return time.Time{}, time.Time{}, fmt.Errorf("read run state: %w", err)
		}
	}
	from, quiet = since.UTC(), syncedUntil
	if from.IsZero() {
		from = syncedUntil.AddDate(0, 0, -90)
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("write run state: %w", err)
	}
	defer tx.Rollback()
	for k, v := range map[string]time.Time{"from": from, "quiet": quiet} {
		if _, err := tx.ExecContext(ctx, queries.Get("run-state-set"), k, v); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("write run state: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("write run state: %w", err)
	}
	return from, quiet, nil
}

// delivered says whether period p's digests are sent: every period that
// ends after quiet (the first run's sync watermark), and of the periods
// the first run backfilled only the newest week and the newest month, so
// that installing run does not send a quarter's digests at once.
func delivered(p analysis.Period, quiet time.Time, loc *time.Location) bool {
	if p.End.After(quiet) {
		return true
	}
	due := duePeriods(p.Start, quiet, loc)
	for i := len(due) - 1; i >= 0; i-- {
		if due[i].Kind == p.Kind {
			return due[i].Label == p.Label
		}
	}
	return false
}

// duePeriods are the ISO weeks and months in loc that start at or after
// from and end at or before until, oldest first (weeks, then months).
func duePeriods(from, until time.Time, loc *time.Location) []analysis.Period {
	var weeks, months []analysis.Period
	for p := analysis.LastCompleteWeek(until, loc); !p.Start.Before(from); p = p.Previous() {
		weeks = append(weeks, p)
	}
	u := until.In(loc)
	m, err := analysis.ParseMonth(fmt.Sprintf("%04d-%02d", u.Year(), int(u.Month())), loc)
	if err == nil {
		// m holds until, so it is not complete; the months before it are.
		for p := m.Previous(); !p.Start.Before(from); p = p.Previous() {
			months = append(months, p)
		}
	}
	var out []analysis.Period
	for i := len(weeks) - 1; i >= 0; i-- {
		out = append(out, weeks[i])
	}
	for i := len(months) - 1; i >= 0; i-- {
		out = append(out, months[i])
	}
	return out
}

// writeDue writes every due period not written yet and records each, with
// the messages it is to send, in one transaction after its files are
// written. A run killed between writing and recording writes the period
// again (every file is replaced atomically).
func (r *runner) writeDue(ctx context.Context, since, syncedUntil time.Time) ([]string, error) {
	from, quiet, err := r.runState(ctx, since, syncedUntil)
	if err != nil {
		return nil, err
	}
	written, err := r.written(ctx)
	if err != nil {
		return nil, err
	}
	loc := r.cfg.Location()
	var todo []analysis.Period
	for _, p := range duePeriods(from, syncedUntil, loc) {
		if !written[p.Label] {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	c, err := r.computerOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.ComputeAll(ctx, historyOf(todo)); err != nil {
		return nil, err
	}
	printWarnings(r.stderr, c.Warnings())
	// The archive's pages share one copy of the chart library and styles,
	// written only by a run that writes periods (a run with nothing new
	// writes nothing).
	var assets []string
	if len(todo) > 0 {
		if assets, err = reports.WriteAssets(filepath.Join(r.out, reports.AssetsDir)); err != nil {
			return nil, fmt.Errorf("write shared assets: %w", err)
		}
	}
	var labels []string
	for _, p := range todo {
		dir := filepath.Join(r.out, p.Label)
		removeTemporaries(dir)
		if _, _, err := writeReports(ctx, c, r.cfg, p, dir, "../"+reports.IndexFile, assetsHref(assets, "../")); err != nil {
			return nil, err
		}
		if err := r.record(ctx, p, delivered(p, quiet, loc)); err != nil {
			return nil, err
		}
		labels = append(labels, p.Label)
	}
	return labels, nil
}

// removeTemporaries removes from dir the temporary files of atomic writes
// (".<name>.*.tmp", ".metrics-*.json") that a process killed mid-write
// left; run is about to write dir's files again.
func removeTemporaries(dir string) {
	for _, pattern := range []string{".*.tmp", ".metrics-*.json"} {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, n := range names {
			os.Remove(n)
		}
	}
}

// record notes p as written and plans its messages, in one transaction.
func (r *runner) record(ctx context.Context, p analysis.Period, send bool) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record %s: %w", p.Label, err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	if _, err := tx.ExecContext(ctx, queries.Get("run-period-written"), p.Label, p.Kind, p.Start, now); err != nil {
		return fmt.Errorf("record %s: %w", p.Label, err)
	}
	if send {
		for _, t := range r.ch.targets(p.Kind) {
			if _, err := tx.ExecContext(ctx, queries.Get("run-delivery-plan"), p.Label, t, now); err != nil {
				return fmt.Errorf("record %s: %w", p.Label, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record %s: %w", p.Label, err)
	}
	return nil
}

// written returns the labels of the periods recorded as written.
func (r *runner) written(ctx context.Context) (map[string]bool, error) {
	ps, err := r.writtenPeriods(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, p := range ps {
		out[p.label] = true
	}
	return out, nil
}

type writtenPeriod struct{ label, kind string }

func (r *runner) writtenPeriods(ctx context.Context) ([]writtenPeriod, error) {
	rows, err := r.db.QueryContext(ctx, queries.Get("run-periods-written"))
	if err != nil {
		return nil, fmt.Errorf("read written periods: %w", err)
	}
	defer rows.Close()
	var out []writtenPeriod
	for rows.Next() {
		var p writtenPeriod
		if err := rows.Scan(&p.label, &p.kind); err != nil {
			return nil, fmt.Errorf("read written periods: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// writeIndex rewrites --out/index.html over every written period when a
// period was written after the index last was (run_state "index": the
// latest written_at it covers), so a run killed before it rewrites it.
func (r *runner) writeIndex(ctx context.Context) error {
	var latest sql.NullTime
	if err := r.db.QueryRowContext(ctx, queries.Get("run-latest-written")).Scan(&latest); err != nil {
		return fmt.Errorf("read written periods: %w", err)
	}
	if !latest.Valid {
		return nil
	}
	var have time.Time
	err := r.db.QueryRowContext(ctx, queries.Get("run-state-get"), "index").Scan(&have)
	if err == nil && !latest.Time.After(have) {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read run state: %w", err)
	}
	ps, err := r.writtenPeriods(ctx)
	if err != nil {
		return err
	}
	entries := make([]reports.ArchiveEntry, 0, len(ps))
	for _, p := range ps {
		m, err := r.periodMetrics(ctx, p.label, p.kind)
		if err != nil {
			return err
		}
		entries = append(entries, reports.ArchiveEntry{Metrics: m, Dir: p.label, Hours: p.kind == "month"})
	}
	removeTemporaries(r.out)
	if _, err := reports.WriteArchive(r.out, entries, reportOptions(r.cfg, "", "", reports.AssetsDir+"/")); err != nil {
		return fmt.Errorf("write reports index: %w", err)
	}
	if _, err := r.db.ExecContext(ctx, queries.Get("run-state-set"), "index", latest.Time); err != nil {
		return fmt.Errorf("write run state: %w", err)
	}
	return nil
}

// periodMetrics reads a written period's metrics.json back from --out (a
// year of periods in milliseconds); when it is gone or unreadable, it
// computes the period again.
func (r *runner) periodMetrics(ctx context.Context, label, kind string) (*analysis.Metrics, error) {
	if m, ok := r.metrics[label]; ok {
		return m, nil
	}
	var m *analysis.Metrics
	if b, err := os.ReadFile(filepath.Join(r.out, label, "metrics.json")); err == nil {
		var x analysis.Metrics
		if json.Unmarshal(b, &x) == nil && x.Period.Label == label {
			m = &x
		}
	}
	if m == nil {
		p, err := analysis.ParseRange(label, kind, r.cfg.Location())
		if err != nil {
			return nil, err
		}
		c, err := r.computerOf(ctx)
		if err != nil {
			return nil, err
		}
		if m, err = c.Compute(ctx, p[0]); err != nil {
			return nil, err
		}
	}
	if r.metrics == nil {
		r.metrics = map[string]*analysis.Metrics{}
	}
	r.metrics[label] = m
	return m, nil
}

// deliverPending sends every planned message not sent yet, oldest period
// first, and records each that was sent. A failure is one line on stderr
// and leaves the message planned for the next run. A message is recorded
// after the channel accepted it: a run killed in between sends it again.
func (r *runner) deliverPending(ctx context.Context) (sent, failed int, err error) {
	type pending struct{ period, kind, target string }
	rows, err := r.db.QueryContext(ctx, queries.Get("run-deliveries-pending"))
	if err != nil {
		return 0, 0, fmt.Errorf("read pending deliveries: %w", err)
	}
	var todo []pending
	for rows.Next() {
		var p pending
		var attempts int
		if err := rows.Scan(&p.period, &p.kind, &p.target, &attempts); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("read pending deliveries: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("read pending deliveries: %w", err)
	}
	if len(todo) == 0 {
		return 0, 0, nil
	}
	services, err := analysis.Services(ctx, r.db)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range todo {
		err := r.send(ctx, p.period, p.kind, p.target, services)
		if errors.Is(err, errNotConfigured) {
			continue // the config no longer has this channel; kept for when it comes back
		}
		if ctx.Err() != nil {
			return sent, failed, ctx.Err()
		}
		q, now := "run-delivery-sent", time.Now().UTC()
		if err != nil {
			q = "run-delivery-failed"
			failed++
			fmt.Fprintf(r.stderr, "oncall-health: deliver %s to %s: %s; the next run tries again\n", p.period, p.target, oneLine(err.Error()))
		} else {
			sent++
		}
		if _, err := r.db.ExecContext(ctx, queries.Get(q), p.period, p.target, now); err != nil && q == "run-delivery-sent" {
			return sent, failed, fmt.Errorf("record delivery of %s to %s: %w", p.period, p.target, err)
		}
	}
	return sent, failed, nil
}

// errNotConfigured: a planned message's channel is gone from the config.
var errNotConfigured = errors.New("channel not configured")

// send sends one planned message of a written period.
func (r *runner) send(ctx context.Context, label, kind, target string, services map[string]analysis.ServiceInfo) error {
	m, err := r.periodMetrics(ctx, label, kind)
	if err != nil {
		return err
	}
	dir := filepath.Join(r.out, label)
	link := func(file string) string {
		if r.ch.baseURL == "" {
			return ""
		}
		return r.ch.baseURL + "/" + url.PathEscape(label) + "/" + url.PathEscape(file)
	}
	d := deliver.Digest{Metrics: m, Services: services, HideNames: r.cfg.HideNames, ReportURL: link(reports.IndexFile)}
	kindOf, id, _ := strings.Cut(target, ":")
	switch {
	case target == "slack" && r.ch.slack != nil:
		return r.ch.slack.Send(ctx, d)
	case target == "webhook" && r.ch.webhook != nil:
		body, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
		if err != nil {
			return fmt.Errorf("read metrics.json: %w", err)
		}
		if r.cfg.HideNames {
			if body, err = json.MarshalIndent(deliver.WithoutNames(m), "", "  "); err != nil {
				return err
			}
		}
		return r.ch.webhook.Send(ctx, body)
	case target == "email:leadership" && r.ch.mail != nil && len(r.ch.leadership) > 0:
		d.ReportURL = link(reports.LeadershipFile)
		html, err := os.ReadFile(filepath.Join(dir, reports.LeadershipFile))
		if err != nil {
			return fmt.Errorf("read %s: %w", reports.LeadershipFile, err)
		}
		return r.ch.mail.Send(ctx, deliver.DigestMessage(d, r.ch.leadership, deliver.MailHTML(string(html), reports.Stylesheet())))
	case kindOf == "slack" && strings.HasPrefix(id, "team:"):
		s, ok := r.ch.slackTeams[strings.TrimPrefix(id, "team:")]
		if !ok {
			return errNotConfigured
		}
		d.TeamID, d.ReportURL = strings.TrimPrefix(id, "team:"), link(reports.TeamFile(strings.TrimPrefix(id, "team:")))
		return s.Send(ctx, d)
	case kindOf == "email" && strings.HasPrefix(id, "team:") && r.ch.mail != nil:
		team := strings.TrimPrefix(id, "team:")
		to := r.ch.mailTo[team]
		if len(to) == 0 {
			return errNotConfigured
		}
		d.TeamID, d.ReportURL = team, link(reports.TeamFile(team))
		return r.ch.mail.Send(ctx, deliver.DigestMessage(d, to, ""))
	}
	return errNotConfigured
}
