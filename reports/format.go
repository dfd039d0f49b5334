package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const dash = "—"

// fmtInt formats a count with thin grouping ("12,345").
func fmtInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtNum formats a float with at most one decimal, dropping ".0".
func fmtNum(v float64) string {
	r := math.Round(v*10) / 10
	if r == math.Trunc(r) && math.Abs(r) < 1e15 {
		return fmtInt(int(r))
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// fmtNumPtr is fmtNum with "—" for nil.
func fmtNumPtr(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtNum(*v)
}

// fmtShare formats a 0..1 share as a whole percent ("42 %"), "—" for nil.
func fmtShare(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtPct(*v)
}

func fmtPct(v float64) string {
	return strconv.Itoa(int(math.Round(v*100))) + " %"
}

// fmtSeconds formats a duration given in seconds for people: "45 s",
// "12 min", "3.5 h", "2.1 d". nil is "—".
func fmtSeconds(v *float64) string {
	if v == nil {
		return dash
	}
	return fmtDur(*v)
}

func fmtDur(s float64) string {
	switch {
	case s < 0:
		return dash
	case s < 60:
		return fmtNum(math.Round(s)) + " s"
	case s < 600:
		return fmtNum(s/60) + " min"
	case s < 3600:
		return fmtInt(int(math.Round(s/60))) + " min"
	case s < 86400:
		return fmtNum(s/3600) + " h"
	default:
		return fmtNum(s/86400) + " d"
	}
}

// fmtHours formats seconds as hours with one decimal ("36.5 h").
func fmtHours(seconds float64) string {
	return fmtNum(seconds/3600) + " h"
}

// ptr returns a pointer to v.
func ptr(v float64) *float64 { return &v }

// share returns num/den, nil when den is 0.
func share(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	return ptr(float64(num) / float64(den))
}

// delta compares a value with a reference where lower is better (true of
// every figure these reports compare: pages, incidents, times, shares).
type delta struct {
	Text  string // "▲ 12 %", "▼ 3 min", "no change", "—"
	Class string // worse, better, same
}

// kind says how to word a difference.
type kind int

const (
	kindCount   kind = iota // integer counts: percent change, absolute when the base is 0
	kindSeconds             // durations in seconds
	kindShare               // 0..1 shares: difference in percentage points
	kindRate                // free floats (alerts per 12 h)
)

// format formats one value of the kind.
func (k kind) format(v *float64) string {
	if v == nil {
		return dash
	}
	switch k {
	case kindCount:
		return fmtNum(*v)
	case kindSeconds:
		return fmtDur(*v)
	case kindShare:
		return fmtPct(*v)
	default:
		return fmtNum(*v)
	}
}

// compare words cur against ref. nil on either side gives "—".
func compare(k kind, cur, ref *float64) delta {
	if cur == nil || ref == nil {
		return delta{Text: dash, Class: "same"}
	}
	c, r := *cur, *ref
	diff := c - r
	var text string
	switch k {
	case kindShare:
		pp := math.Round(diff * 100)
		if pp == 0 {
			return delta{Text: "no change", Class: "same"}
		}
		text = strconv.Itoa(int(math.Abs(pp))) + " pp"
		diff = pp
	case kindCount, kindRate:
		if math.Abs(diff) < 0.05 {
			return delta{Text: "no change", Class: "same"}
		}
		if r == 0 {
			text = fmtNum(math.Abs(diff)) + " from 0"
		} else {
			p := math.Round(math.Abs(diff) / r * 100)
			if p == 0 {
				return delta{Text: "no change", Class: "same"}
			}
			text = strconv.Itoa(int(p)) + " %"
		}
	case kindSeconds:
		if math.Abs(diff) < 0.5 {
			return delta{Text: "no change", Class: "same"}
		}
		text = fmtDur(math.Abs(diff))
	}
	if diff > 0 {
		return delta{Text: "▲ " + text, Class: "worse"}
	}
	return delta{Text: "▼ " + text, Class: "better"}
}

// mean averages the non-nil values; nil when there are none.
func mean(vs []*float64) *float64 {
	var sum float64
	n := 0
	for _, v := range vs {
		if v != nil {
			sum += *v
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return ptr(sum / float64(n))
}

// periodRange words a period in its own time zone, e.g.
// "Mon 9 Nov – Sun 15 Nov 2026 (Europe/Berlin)".
func periodRange(start, end time.Time, tz string) string {
	return rangeText(start, end, tz, "Mon 2 Jan")
}

// rangeText words the days from start to end (exclusive: the last day shown
// is the one of end minus one second) in time zone tz (UTC when tz is empty or
// unknown), the start day in startLayout and the last day with its year, then
// the zone's name: "<start> – Mon 2 Jan 2006 (<tz>)".
func rangeText(start, end time.Time, tz, startLayout string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
		tz = "UTC"
	}
	s := start.In(loc)
	e := end.In(loc).Add(-time.Second) // end is exclusive
	if !e.After(s) {
		e = s
	}
	return fmt.Sprintf("%s – %s (%s)", s.Format(startLayout), e.Format("Mon 2 Jan 2006"), tz)
}

// plural returns "1 page" / "3 pages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmtInt(n) + " " + many
}
