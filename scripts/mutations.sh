#!/usr/bin/env bash
# mutations.sh breaks the production code on purpose, one small change at a
# time, runs the one test that holds the README guarantee it breaks, and
# restores the file. Each mutation must make its test fail ("caught").
#
#   scripts/mutations.sh            # every mutation (5 to 15 minutes on 2 shared cores)
#   scripts/mutations.sh row6 row7  # some of them
#   scripts/mutations.sh -l         # list them
#
# A mutation is a perl substitution on one file; if the code it targets has
# moved, the script says "did not apply" rather than pretending to test it.
# Exit status: 0 when every mutation run was caught, 1 otherwise.
set -u
cd "$(dirname "$0")/.."

names=()
declare -A file expr pkg run what

# add NAME FILE PERL-SUBSTITUTION PACKAGE TEST-REGEX DESCRIPTION
add() {
	names+=("$1"); file[$1]=$2; expr[$1]=$3; pkg[$1]=$4; run[$1]=$5; what[$1]=$6
}

# --- The mutations, one or more per row of README's Guarantees table. ---

add row6 queries/analysis.sql \
	's/(ORDER BY created_at, incident_id;\n)/$1INSERT INTO a_user_oncall SELECT * FROM a_user_oncall ORDER BY user_id, start_at LIMIT 1;\n/' \
	./analysis '^TestGoldenSmall$' \
	'a_user_oncall holds one stretch twice'

add incr-repeat queries/analysis.sql \
	's/OR i\.created_at >= bnd\.from_at - to_seconds\(p\.repeat_window_seconds\)/OR i.created_at >= bnd.from_at/' \
	./analysis '^TestIncrementalEqualsFull$' \
	'an incremental derivation reads no repeat window before its bound'

add incr-repeat-property queries/analysis.sql \
	's/OR i\.created_at >= bnd\.from_at - to_seconds\(p\.repeat_window_seconds\)/OR i.created_at >= bnd.from_at/' \
	./analysis '^TestIncrementalProperty$' \
	'an incremental derivation reads no repeat window before its bound (random syncs)'

add incr-island queries/analysis.sql \
	's/n\.island_last >= b\.from_at - INTERVAL 60 SECOND/n.island_last >= b.from_at + INTERVAL 1000 DAY/' \
	./analysis '^TestIncrementalEqualsFull$' \
	'an incremental derivation cuts the notification island in progress at its bound'

add incr-late queries/analysis.sql \
	's/       OR i\.id IN \(SELECT incident_id FROM log_entries/       OR false AND i.id IN (SELECT incident_id FROM log_entries/' \
	./analysis '^TestIncrementalEqualsFull$' \
	'an incremental derivation ignores incidents resolved late'

add row7 cmd/oncall-health/sync.go \
	's/return t\.UTC\(\), nil/return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil/' \
	./cmd/oncall-health '^FuzzParseDate$' \
	'an RFC 3339 offset is dropped (wall time relabelled as UTC)'

add row4-alerts ingest/alerts.go \
	's/out = append\(out, alertFrom\(id, &alerts\[i\]\)\)/if alerts[i].Body != nil { out = append(out, alertFrom(id, \&alerts[i])) }/' \
	./cmd/oncall-health '^TestHostileAPIResponses$' \
	'alerts whose body is null are dropped'

add row4-count cmd/oncall-health/report.go \
	's/(warnings about the data \(see stderr\)\\n", )len\(warnings\)/$1len(warnings)-1/g' \
	./cmd/oncall-health '^TestHostileAPIResponses$' \
	'the "N warnings about the data" line miscounts'

add row1 ingest/resource.go \
	's/\treturn s\.tx\(ctx, func\(\) error \{\n\t\tfor _, l := range loads \{/\tif r.span != 0 {\n\t\tif err := s.tx(ctx, func() error { return s.setWatermark(ctx, r.name, w.to) }); err != nil {\n\t\t\treturn err\n\t\t}\n\t}\n\treturn s.tx(ctx, func() error {\n\t\tfor _, l := range loads {/; s/\t\treturn s\.setWatermark\(ctx, r\.name, w\.to\)\n\t\}\)/\t\treturn nil\n\t})/' \
	./ingest '^TestSyncKill9Resume$' \
	'a window commits its watermark in its own transaction, before its rows'

add row2-json analysis/compute.go \
	's/import \(\n/import (\n\t"os"\n/; s/\tif err := atomicfile\.Write\(path, b\); err != nil \{/\tif err := os.WriteFile(path, b, 0o600); err != nil {\n\t\treturn fmt.Errorf("write metrics: %w", err)\n\t}\n\tif err := atomicfile.Write(path, b); err != nil {/' \
	./cmd/oncall-health '^TestReportOutputFailures$' \
	'metrics.json is written in place before the temporary file'

add row2-pages reports/reports.go \
	's/\t\tif err := atomicfile\.Write\(filepath\.Join\(dir, f\.Name\), f\.Data\); err != nil \{/\t\tif err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o600); err != nil {\n\t\t\treturn names, err\n\t\t}\n\t\tif err := atomicfile.Write(filepath.Join(dir, f.Name), f.Data); err != nil {/' \
	./cmd/oncall-health '^TestReportOutputFailures$' \
	'report pages (index.html, summary.md, team pages) are written in place first'

add row2-export export/export.go \
	's/dst := filepath\.Join\(tmp, name\)/dst := filepath.Join(dir, name)/' \
	./cmd/oncall-health '^TestReportOutputFailures$' \
	'an export file is written in place (COPY straight into --out) and left behind when the write fails'

add row3-fold cmd/oncall-health/main.go \
	's/(func oneLine\(s string\) string \{\n\treturn )strings\.Join\(strings\.Fields\(s\), " "\)/${1}s/' \
	./cmd/oncall-health '^TestScript$' \
	'errors are no longer folded onto one line'

add row3-usage cmd/oncall-health/main.go \
	's/return exitCode\(usageErr\("unknown command %q", args\[0\]\), stderr\)/fmt.Fprintf(stderr, "oncall-health: unknown command %q\\n\\n%s", args[0], usage); return 2/' \
	./cmd/oncall-health '^TestScript$' \
	'an unknown command prints the usage text after its line'

add row3-flags cmd/oncall-health/main.go \
	's/fs\.SetOutput\(&flagOutput\{w: stderr\}\)/fs.SetOutput(stderr)/' \
	./cmd/oncall-health '^TestScript$' \
	'a flag error prints the flag package message and list of flags'

add row5-sprintf export/export.go \
	's/conn\.ExecContext\(ctx, queries\.Get\(write\), dst\)/conn.ExecContext(ctx, fmt.Sprintf("%s", queries.Get(write)), dst)/' \
	./queries '^TestNoSQLFromStrings$' \
	'the export COPY statement is built with fmt.Sprintf'

add row5-caller export/export.go \
	's/conn\.ExecContext\(ctx, queries\.Get\(view\)\)/conn.ExecContext(ctx, queries.Get(view)[:0]+"SELECT * FROM "+table)/' \
	./queries '^TestNoSQLFromStrings$' \
	'the export view statement is concatenated from a table name'

# The rows that held before issue 21, seen to hold by these:

add hours reports/hours.go \
	's/if s\.sleeping\(m\) \{/if m < 8*60 || m >= 22*60 {/' \
	./cmd/oncall-health '^TestReportHoursFromConfig$' \
	'the heat map shades the default sleep hours 22-08 whatever the config says'

add links README.md \
	's/\(docs\/metrics\.md\)/(docs\/metricz.md)/' \
	./cmd/oncall-health '^TestMarkdownLinks$' \
	'README links to a file that does not exist'

add run cmd/oncall-health/run.go \
	's/if !written\[p\.Label\] \{/if true {/' \
	./cmd/oncall-health '^TestRun$' \
	'run writes the periods it already wrote again'

add redact deliver/retry.go \
	's/^func redact\(err error, secrets \[\]string\) error \{\n/func redact(err error, secrets []string) error {\n\treturn err\n/m' \
	./deliver '^(TestRedact|TestWebhookRetry)$' \
	'delivery errors are not redacted (a webhook URL appears in them)'

add starttls deliver/smtp.go \
	's/\tif ok, _ := c\.Extension\("STARTTLS"\); !ok \{.*?\n\t\}\n\tif err := c\.StartTLS\(.*?\n\t\}\n//s' \
	./deliver '^TestMailRefusals$' \
	'mail is sent without STARTTLS'

add shared-csp reports/assets.go \
	's/var cspShared = buildCSP\("'"'"'self'"'"' "\+scriptHash\(initJS\), "'"'"'self'"'"' '"'"'unsafe-inline'"'"'"\)/var cspShared = buildCSP(scriptHash(initJS), "'"'"'unsafe-inline'"'"'")/' \
	./reports '^TestBrowser$' \
	'pages sharing assets/ may not load them (no '"'"'self'"'"' in their policy)'

add faults ingest/client.go \
	's/case resp\.StatusCode >= 500:/case resp.StatusCode > 502:/' \
	./ingest '^TestSyncWithFaults$' \
	'500 and 502 answers are not retried'

add token cmd/oncall-health/sync.go \
	's/(\tclient, opts, err := sf\.client\("sync"\)\n\tif err != nil \{\n\t\treturn err\n\t\}\n)/$1\tfmt.Fprintln(stderr, "sync: using token", os.Getenv("PAGERDUTY_TOKEN"))\n/' \
	./cmd/oncall-health '^TestTokenNeverLeaks$' \
	'sync prints the token on stderr'

add owner-only cmd/oncall-health/main.go \
	's/syscall\.Umask\(0o077\)/syscall.Umask(0o022)/' \
	./cmd/oncall-health '^(TestTokenNeverLeaks|TestWALOwnerOnly)$' \
	'files are created with the umask 022 (readable by all)'

add range reports/templates/base.html \
	's/\{\{if \.Archive\}\}<a href="\{\{\.Archive\}\}">[^<]*<\/a> \{\{end\}\}//' \
	./cmd/oncall-health '^TestReportRange$' \
	'pages no longer link to the range index'

add xss reports/templates/base.html \
	's/<h1>\{\{\.Title\}\}<\/h1>/<h1>{{.Title}}<img src=x onerror="window.__xss=2"><\/h1>/' \
	./cmd/oncall-health '^TestXSSEndToEnd$' \
	'every page carries an inline event handler (as an unescaped payload would)'

# --- Running them. ---

if [ "${1:-}" = "-l" ]; then
	for n in "${names[@]}"; do printf '%-10s %-40s %s: %s\n' "$n" "${file[$n]}" "${run[$n]}" "${what[$n]}"; done
	exit 0
fi
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${names[@]}")

tmp=$(mktemp -d)
restore() { [ -n "${cur:-}" ] && cp "$tmp/orig" "${file[$cur]}"; rm -rf "$tmp"; }
trap restore EXIT INT TERM
status=0
for cur in "${selected[@]}"; do
	f=${file[$cur]:-}
	if [ -z "$f" ]; then echo "$cur: no such mutation"; status=1; cur=; continue; fi
	cp "$f" "$tmp/orig"
	perl -0pi -e "${expr[$cur]}" "$f"
	if cmp -s "$f" "$tmp/orig"; then
		echo "$cur: did not apply to $f (the code moved); update the mutation"
		status=1; cur=; continue
	fi
	if go test -count=1 -run "${run[$cur]}" "${pkg[$cur]}" > "$tmp/log" 2>&1; then
		echo "$cur: MISSED  ${what[$cur]} ($f; ${pkg[$cur]} ${run[$cur]} passed)"
		status=1
	else
		echo "$cur: caught  ${what[$cur]} ($f; ${pkg[$cur]} ${run[$cur]} failed)"
		grep -m 3 -E '^\s+[a-z_]+\.go:[0-9]+:' "$tmp/log" | cut -c1-200 | sed 's/^/    /'
	fi
	cp "$tmp/orig" "$f"
	cur=
done
exit $status
