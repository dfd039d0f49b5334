package analysis

import (
	"strings"
	"testing"

	"github.com/oncall-health/oncall-health/queries"
)

// TestStatementsPrepare prepares every analysis statement on a freshly
// migrated database (before any refresh), so a typo or a missing table
// fails here rather than in a report.
func TestStatementsPrepare(t *testing.T) {
	p := newPlanter(t)
	n := 0
	for _, name := range queries.Names() {
		if !strings.HasPrefix(name, "analysis-") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			st, err := p.db.Prepare(queries.Get(name))
			if err != nil {
				t.Fatalf("prepare: %v", err)
			}
			st.Close()
		})
	}
	if n < 20 {
		t.Errorf("only %d analysis statements found", n)
	}
}
