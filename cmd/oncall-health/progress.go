package main

import (
	"fmt"
	"io"
	"os"

	"github.com/oncall-health/oncall-health/ingest"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress draws a live bar per resource when out is a terminal, and
// nothing otherwise (the per-resource summary lines say enough in logs).
type progress struct {
	out      io.Writer
	tty      bool
	bar      *progressbar.ProgressBar
	resource string
}

func newProgress(out io.Writer) *progress {
	f, ok := out.(*os.File)
	return &progress{out: out, tty: ok && term.IsTerminal(int(f.Fd()))}
}

// update shows p: resource, items, requests, retries and, where the share
// done is known, a bar with its ETA.
func (p *progress) update(s ingest.Progress) {
	if !p.tty {
		return
	}
	if p.bar == nil || p.resource != s.Resource {
		p.finish()
		p.resource = s.Resource
		max := int64(1000)
		if s.Done < 0 {
			max = -1 // a spinner: the size of a list is not known up front
		}
		p.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(p.out),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000), // redraw at most every 100 ms
		)
	}
	p.bar.Describe(fmt.Sprintf("%-20s %8d items %6d requests %4d retries", s.Resource, s.Items, s.Requests, s.Retries))
	if s.Done >= 0 {
		p.bar.Set64(int64(s.Done * 1000))
	} else {
		p.bar.Add(1)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
