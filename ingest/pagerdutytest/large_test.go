package pagerdutytest

import (
	"fmt"
	"net/url"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestLarge generates the large organisation and checks its size and
// memory. It takes tens of seconds, so it runs only with
// PDTEST_LARGE=1 (and never under -short).
func TestLarge(t *testing.T) {
	if testing.Short() || os.Getenv("PDTEST_LARGE") == "" {
		t.Skip("set PDTEST_LARGE=1 to generate the large organisation")
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	org, err := Generate(Config{Size: Large, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	c := org.Counts()
	heap := after.HeapAlloc - before.HeapAlloc
	t.Logf("large: generated in %v, live heap %d MiB, allocated %d MiB in all, runtime Sys %d MiB, counts %v",
		took, heap>>20, (after.TotalAlloc-before.TotalAlloc)>>20, after.Sys>>20, c)
	// Responders: users in at least one team's rotation (440 generic team
	// members, 37 planted ones and 25 managers on level 2).
	responders := 0
	for _, u := range org.Users() {
		if len(u.TeamIDs) > 0 {
			responders++
		}
	}
	if c["alerts"] < 1_000_000 || c["log_entries"] < 3_000_000 || responders < 500 || c["users"] < 500 {
		t.Errorf("large org too small: %v, %d responders", c, responders)
	}
	if heap > 2<<30 || after.Sys > 2<<30 {
		t.Errorf("live heap %d MiB, Sys %d MiB: over 2 GiB", heap>>20, after.Sys>>20)
	}
	if took > time.Minute {
		t.Errorf("generation took %v, over a minute", took)
	}
	// Serving a deep page of the busiest endpoint works without holding more.
	f := serve(t, org, Faults{})
	w := org.End().Add(-7 * 24 * time.Hour)
	status, _, body := f.get(t, fmt.Sprintf("/log_entries?limit=100&offset=9900&include%%5B%%5D=channels&since=%s&until=%s", url.QueryEscape(iso(w)), url.QueryEscape(iso(org.End()))))
	if status != 200 || len(body) < 10000 {
		t.Errorf("deep page: status %d, %d bytes", status, len(body))
	}
}

// BenchmarkGenerateLarge reports the time and memory to generate the large
// organisation (run with -bench GenerateLarge -benchtime 1x).
func BenchmarkGenerateLarge(b *testing.B) {
	for i := 0; i < b.N; i++ {
		org, err := Generate(Config{Size: Large, Seed: int64(i)})
		if err != nil {
			b.Fatal(err)
		}
		c := org.Counts()
		b.ReportMetric(float64(c["alerts"]), "alerts")
		b.ReportMetric(float64(c["log_entries"]), "log_entries")
	}
}

// BenchmarkServeLogEntries measures rendering one 100-entry page of
// /log_entries with channels from the small organisation.
func BenchmarkServeLogEntries(b *testing.B) {
	org := sharedSmall(b)
	f := serve(b, org, Faults{})
	p := "/log_entries?limit=100&offset=200&include%5B%5D=channels&since=" + url.QueryEscape(iso(org.Start()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, _, _ := f.get(b, p); status != 200 {
			b.Fatal(status)
		}
	}
}

// BenchmarkGenerateSmall measures generating the small organisation.
func BenchmarkGenerateSmall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Generate(Config{Size: Small, Seed: int64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}
