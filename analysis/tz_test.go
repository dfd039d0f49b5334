package analysis

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestZoneRows checks the offset table of a DST zone against Go's own
// conversion at many instants, and that spans are contiguous.
func TestZoneRows(t *testing.T) {
	for _, name := range []string{"America/New_York", "Australia/Sydney", "Asia/Kolkata", "Europe/Berlin", "UTC"} {
		t.Run(name, func(t *testing.T) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			type span struct{ from, until, off int64 }
			var spans []span
			for _, r := range zoneRows(name, loc) {
				f := strings.Split(r, ",")
				if f[0] != name {
					t.Fatalf("row %q names another zone", r)
				}
				a, _ := strconv.ParseInt(f[1], 10, 64)
				b, _ := strconv.ParseInt(f[2], 10, 64)
				o, _ := strconv.ParseInt(f[3], 10, 64)
				if n := len(spans); n > 0 && spans[n-1].until != a {
					t.Fatalf("gap or overlap before %q", r)
				}
				spans = append(spans, span{a, b, o})
			}
			if spans[0].from != tzFloor.Unix() || spans[len(spans)-1].until != tzCeil.Unix() {
				t.Fatalf("table does not cover %v..%v", tzFloor, tzCeil)
			}
			// Every 7 h 13 min from 1990 to 2099: the span's offset is Go's.
			for at := tzFrom; at.Before(tzUntil); at = at.Add(7*time.Hour + 13*time.Minute) {
				u := at.Unix()
				_, want := at.In(loc).Zone()
				for _, s := range spans {
					if s.from <= u && u < s.until {
						if s.off != int64(want) {
							t.Fatalf("%v: offset %d, want %d", at, s.off, want)
						}
						break
					}
				}
			}
		})
	}
}
