package analysis

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// plantYear fills a database with a year (2026) of a large synthetic
// organisation, generated inside DuckDB: 60 users in 6 zones, 12 teams with
// one escalation policy each, 300,000 incidents, 1,000,000 alerts, about
// 1,000,000 notifications, acknowledgements and resolutions, and weekly
// on-call rotations at two levels.
func plantYear(b testing.TB, p *planter) {
	stmts := []string{
		`SELECT setseed(0.42)`,
		`INSERT INTO users SELECT 'U' || i, 'User ' || i, NULL,
			['UTC','America/New_York','Europe/Berlin','Asia/Kolkata','Australia/Sydney',NULL][1 + i % 6]
			FROM range(60) t(i)`,
		`INSERT INTO teams SELECT 'T' || i, 'Team ' || i FROM range(12) t(i)`,
		`INSERT INTO team_members SELECT 'T' || (i % 12), 'U' || i FROM range(60) t(i)`,
		`INSERT INTO escalation_policies SELECT 'EP' || i, 'EP ' || i, 'T' || i FROM range(12) t(i)`,
		`INSERT INTO services SELECT 'S' || i, 'S ' || i, 'EP' || (i % 12), 'T' || (i % 12) FROM range(48) t(i)`,
		`INSERT INTO incidents SELECT 'I' || i, i, 'Check ' || (i % 97) || ' failed on host-' || (i % 13) || ' 10.0.' || (i % 7) || '.1',
			'resolved', 'high', 'S' || (i % 48), 'EP' || (i % 12), CASE WHEN i % 5 = 0 THEN NULL ELSE 'T' || (i % 12) END,
			TIMESTAMP '2026-01-01' + to_seconds(CAST(floor(random() * 365 * 86400) AS BIGINT)), NULL, NULL
			FROM range(300000) t(i)`,
		`INSERT INTO alerts SELECT 'A' || i, x.id, NULL, 'resolved', NULL,
			x.created_at + to_seconds(CAST(floor(i / 300000) * 30 AS BIGINT)), NULL
			FROM range(1000000) t(i) JOIN incidents x ON x.incident_number = i % 300000`,
		`INSERT INTO log_entries SELECT 'N' || i, 'notify', created_at + to_seconds(CAST(j * 40 AS BIGINT)), id, NULL,
			'U' || ((abs(hash(id)) + j) % 60), NULL, NULL, NULL, ['phone','sms','push','email'][1 + CAST(floor(random() * 4) AS INTEGER)]
			FROM (SELECT *, row_number() OVER () AS i FROM incidents, range(3) r(j))`,
		`INSERT INTO log_entries SELECT 'K' || id, 'acknowledge', created_at + INTERVAL 4 MINUTE, id, NULL, NULL, NULL, 'user_reference', NULL, NULL
			FROM incidents WHERE incident_number % 3 <> 0`,
		`INSERT INTO log_entries SELECT 'R' || id, 'resolve', created_at + to_seconds(CAST(60 + random() * 7200 AS BIGINT)), id, NULL, NULL, NULL,
			CASE WHEN incident_number % 4 = 0 THEN 'service_reference' ELSE 'user_reference' END, NULL, NULL
			FROM incidents WHERE incident_number % 50 <> 0`,
		`INSERT INTO oncalls SELECT 'U' || ((w + e * 5 + l * 3) % 60), 'EP' || e, l,
			TIMESTAMP '2025-12-29' + to_seconds(CAST(w * 7 * 86400 AS BIGINT)),
			TIMESTAMP '2025-12-29' + to_seconds(CAST((w + 1) * 7 * 86400 AS BIGINT))
			FROM range(54) a(w), range(12) b(e), range(1, 3) c(l)`,
	}
	for _, s := range stmts {
		if _, err := p.db.Exec(s); err != nil {
			b.Fatalf("%.80s: %v", s, err)
		}
	}
}

// BenchmarkYearOfReports measures the first derivation and then the
// metrics of 52 weeks and 12 months of the 1-million-alert year.
func BenchmarkYearOfReports(b *testing.B) {
	p := newPlanter(b)
	plantYear(b, p)
	ctx := context.Background()
	cfg := DefaultConfig()
	for i := 0; i < b.N; i++ {
		if _, err := p.db.Exec(`DELETE FROM analysis_state`); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := ensureFresh(ctx, p.db, cfg, DeriveOptions{}); err != nil {
			b.Fatal(err)
		}
		derive := time.Since(t0)
		t1 := time.Now()
		var periods []Period
		for w := 1; w <= 52; w++ {
			periods = append(periods, mustWeekB(b, fmt.Sprintf("2026-W%02d", w)))
		}
		for mo := 1; mo <= 12; mo++ {
			pm, err := ParseMonth(fmt.Sprintf("2026-%02d", mo), time.UTC)
			if err != nil {
				b.Fatal(err)
			}
			periods = append(periods, pm)
		}
		var interruptions int
		for _, per := range periods {
			m, err := Compute(ctx, p.db, per, cfg)
			if err != nil {
				b.Fatal(err)
			}
			interruptions += m.Org.Interruptions.Total
		}
		b.ReportMetric(derive.Seconds(), "derive-s")
		b.ReportMetric(time.Since(t1).Seconds(), "64-periods-s")
		b.ReportMetric(float64(interruptions), "interruptions")
	}
}

func mustWeekB(b testing.TB, l string) Period {
	p, err := ParseWeek(l, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
