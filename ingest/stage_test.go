package ingest

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/oncall-health/oncall-health/ingest/pagerdutytest"
	"github.com/oncall-health/oncall-health/queries"
)

// stagedView is one view the sync stages rows as, and its columns as the
// SQL of a table definition.
type stagedView struct{ view, cols string }

func colsOf[R any](view string, fields []field[R]) stagedView {
	sqlType := map[arrow.Type]string{arrow.STRING: "VARCHAR", arrow.TIMESTAMP: "TIMESTAMP", arrow.INT64: "BIGINT"}
	var cols []string
	for _, f := range fields {
		cols = append(cols, f.name+" "+sqlType[f.typ.ID()])
	}
	return stagedView{view, strings.Join(cols, ", ")}
}

// stagedViews lists every table the sync stages, with its columns from the
// same field lists the Arrow path builds its batches from.
func stagedViews() []stagedView {
	v := []stagedView{
		colsOf(userTable.view, userTable.fields),
		colsOf(teamMemberTable.view, teamMemberTable.fields),
		colsOf(teamTable.view, teamTable.fields),
		colsOf(serviceTable.view, serviceTable.fields),
		colsOf(serviceTeamTable.view, serviceTeamTable.fields),
		colsOf(policyTable.view, policyTable.fields),
		colsOf(policyTeamTable.view, policyTeamTable.fields),
		colsOf(incidentTable.view, incidentTable.fields),
		colsOf(incidentTeamTable.view, incidentTeamTable.fields),
		colsOf(alertTable.view, alertTable.fields),
		colsOf(logEntryTable.view, logEntryTable.fields),
		colsOf(oncallTable.view, oncallTable.fields),
		colsOf(permanentTable.view, permanentTable.fields),
		colsOf("staged_incident_notes", noteFields),
	}
	return v
}

// TestStageStatements holds the Appender path's table definitions
// (queries/stage.sql, used by builds without the tag duckdb_arrow) to the
// field lists the Arrow path stages: a column added to a field list and not
// to its stage- statement fails here, in whichever build runs the tests.
func TestStageStatements(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range stagedViews() {
		seen["stage-"+s.view], seen["unstage-"+s.view] = true, true
		want := fmt.Sprintf("CREATE TEMP TABLE %s (%s);", s.view, s.cols)
		if got := lastLine(queries.Get("stage-" + s.view)); got != want {
			t.Errorf("stage-%s is\n  %s\nwant (from its fields)\n  %s", s.view, got, want)
		}
		want = fmt.Sprintf("DROP TABLE IF EXISTS temp.%s;", s.view)
		if got := lastLine(queries.Get("unstage-" + s.view)); got != want {
			t.Errorf("unstage-%s is %q, want %q", s.view, got, want)
		}
	}
	for _, n := range queries.Names() {
		if (strings.HasPrefix(n, "stage-") || strings.HasPrefix(n, "unstage-")) && !seen[n] {
			t.Errorf("statement %s stages no table the sync has", n)
		}
	}
}

// lastLine is the statement's text after its comment lines, on one line.
func lastLine(q string) string {
	var keep []string
	for _, l := range strings.Split(q, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, " ")
}

// TestSyncStagesEveryTable syncs an account with permanent on-calls and
// second teams, so that every staged view of stagedViews carries rows, and
// checks the tables they write. make test runs it in both builds: with the
// tag duckdb_arrow through Arrow, without it through the Appender.
func TestSyncStagesEveryTable(t *testing.T) {
	org, err := pagerdutytest.Generate(pagerdutytest.Config{Size: pagerdutytest.Small, Seed: 4, End: testEnd, Days: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := pagerdutytest.NewServer(org, pagerdutytest.Options{Token: testToken,
		Shapes: pagerdutytest.Shapes{PermanentOncall: true, SecondTeam: true}})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	f := &fixture{org: org, srv: srv, url: hs.URL}
	db := openDB(t, filepath.Join(t.TempDir(), "pd.duckdb"))
	f.sync(t, db, f.client(ClientOptions{}), Options{})
	got := tableCounts(t, db)
	// The raw tables hold what the fake serves, as in TestSyncRoundTrip.
	for k, n := range wantCounts(org) {
		if got[k] != n {
			t.Errorf("%s: %d rows, want %d", k, got[k], n)
		}
	}
	var perm, incTeams, wantIncTeams, svcTeams, wantSvcTeams, members int
	for _, q := range []struct {
		sql  string
		dst  *int
		args []any
	}{
		{`SELECT count(*) FROM permanent_oncalls`, &perm, nil},
		{`SELECT count(*) FROM incident_teams`, &incTeams, nil},
		// Each incident with a team has it; those numbered by a multiple
		// of SecondTeamEvery have a second one.
		{`SELECT count(*) + count(*) FILTER (WHERE incident_number % $1 = 0) FROM incidents WHERE team_id IS NOT NULL`, &wantIncTeams, []any{pagerdutytest.SecondTeamEvery}},
		{`SELECT count(*) FROM service_teams`, &svcTeams, nil},
		// Every service with a team has a second one.
		{`SELECT 2 * count(*) FROM services WHERE team_id IS NOT NULL`, &wantSvcTeams, nil},
		{`SELECT count(*) FROM team_members`, &members, nil},
	} {
		if err := db.QueryRow(q.sql, q.args...).Scan(q.dst); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	// One manager named directly at level PermanentLevel of one policy:
	// one row, however many /oncalls pages named it.
	if perm != 1 {
		t.Errorf("permanent_oncalls: %d rows, want 1", perm)
	}
	if incTeams != wantIncTeams || incTeams == 0 {
		t.Errorf("incident_teams: %d rows, want %d", incTeams, wantIncTeams)
	}
	if svcTeams != wantSvcTeams || svcTeams == 0 {
		t.Errorf("service_teams: %d rows, want %d", svcTeams, wantSvcTeams)
	}
	if members == 0 {
		t.Error("team_members: no rows")
	}
}
