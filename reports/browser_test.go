package reports

import (
	"context"
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var screenshotDir = flag.String("screenshots", "", "also save the browser test's screenshots into this directory")

// findChromium returns a Chromium or Chrome binary: $CHROMIUM, else the
// usual names on PATH, else "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// pageCheck is what the browser saw on one report.
type pageCheck struct {
	Blocks   int      `json:"blocks"`   // chart data blocks in the page
	Drawn    string   `json:"drawn"`    // charts the init script drew
	Canvases []canvas `json:"canvases"` // every canvas with its encoded size and a blank one's
	// Instances counts the data blocks whose element holds an ECharts
	// instance with a canvas that differs from a blank one of its size.
	Instances int      `json:"instances"`
	Missing   []string `json:"missing"` // "<chart id>: <option key>" not in a chart's model
	XSS       bool     `json:"xss"`     // a payload set window.__xss
	Text      string   `json:"text"`    // document.body.innerText
}

type canvas struct {
	W, H  int
	Len   int // length of toDataURL() of the canvas
	Blank int // length of toDataURL() of a blank canvas of the same size
}

const inspectJS = `(() => {
  const blocks = document.querySelectorAll('script[type="application/json"][data-chart]').length;
  const canvases = Array.from(document.querySelectorAll('canvas')).map(c => {
    const b = document.createElement('canvas'); b.width = c.width; b.height = c.height;
    return {W: c.width, H: c.height, Len: c.toDataURL().length, Blank: b.toDataURL().length};
  });
  const missing = [];
  const instances = Array.from(document.querySelectorAll('script[type="application/json"][data-chart]')).filter(b => {
    const el = document.getElementById(b.getAttribute('data-chart'));
    const inst = el && typeof echarts !== 'undefined' && echarts.getInstanceByDom(el);
    if (!inst) { return false; }
    // Every component and series of the option must be in the chart's
    // model: ECharts skips, without a word, those of a type the bundle does
    // not register (it keeps their options as plain values, so getOption()
    // would not tell). Empty objects (go-echarts' title and toolbox) ask for
    // nothing; arrays of plain values (color) are no components.
    const want = JSON.parse(b.textContent), model = inst.getModel();
    for (const k of Object.keys(want)) {
      const w = want[k];
      if (w === null || typeof w !== 'object') { continue; }
      const list = Array.isArray(w) ? w : (Object.keys(w).length ? [w] : []);
      if (list.length === 0 || typeof list[0] !== 'object') { continue; }
      const got = model.queryComponents({mainType: k});
      if (got.length !== list.length) { missing.push(el.id + ': ' + k); return false; }
      if (k === 'series') {
        for (let i = 0; i < list.length; i++) {
          if (got[i].subType !== list[i].type) { missing.push(el.id + ': series ' + list[i].type); return false; }
          // A series' markLine (markPoint, markArea) needs its component.
          for (const m of ['markLine', 'markPoint', 'markArea']) {
            if (list[i][m] && model.queryComponents({mainType: m}).length === 0) { missing.push(el.id + ': ' + m); return false; }
          }
        }
      }
    }
    const c = el.querySelector('canvas');
    if (!c || !c.width || !c.height) { return false; }
    const k = document.createElement('canvas'); k.width = c.width; k.height = c.height;
    return c.toDataURL().length > k.toDataURL().length;
  }).length;
  return {blocks, instances, missing, drawn: document.documentElement.getAttribute('data-charts-drawn') || '',
          canvases, xss: !!window.__xss, text: document.body.innerText};
})()`

// TestBrowser opens every written report in headless Chromium with all
// network access cut, twice over: as self-contained files (the default of
// Write) and as an archive folder that shares its assets (WriteAssets, pages
// with Options.AssetsHref, as `report` writes it), the folder both from
// file:// and from a static web server on 127.0.0.1. It checks: no console
// error or exception, no request other than file:, data: and that server, no
// failed request, every chart drawn (one ECharts instance with a non-blank
// canvas per chart data block), no XSS payload ran (no dialog, no
// window.__xss) and payloads show as text. Screenshots go to t.TempDir()
// (and -screenshots DIR).
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		// In CI (CI set) the browser is part of the test: missing, it fails.
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium binary found (install the Debian package chromium, or set CHROMIUM=/path/to/chrome)" + "; CI is set, so this fails instead of skipping")
		}
		t.Skip("no Chromium binary found (install the Debian package chromium, or set CHROMIUM=/path/to/chrome)")
	}
	root := t.TempDir()
	shots := t.TempDir()
	type run struct {
		name string
		in   Input
		xss  bool
	}
	runs := []run{
		{"week", weekFixture(), false},
		{"month", monthFixture(), false},
		{"xss-week", xssFixture("week"), true},
		{"xss-month", xssFixture("month"), true},
		// oncall-hours.html (and the week's fairness line), plain and
		// with payloads in every name.
		{"hours-month", hoursMonth(), false},
		{"xss-hours", xssHours(), true},
	}
	// Standalone pages in root/standalone, the archive in root/archive.
	standalone := filepath.Join(root, "standalone")
	archive := filepath.Join(root, "archive")
	if _, err := WriteAssets(filepath.Join(archive, AssetsDir)); err != nil {
		t.Fatal(err)
	}
	var files []string // every HTML file, standalone first
	var shared []string
	for _, r := range runs {
		for _, base := range []string{standalone, archive} {
			dir := filepath.Join(base, r.name)
			in := r.in
			if base == archive {
				in.Options.AssetsHref = "../" + AssetsDir + "/"
				in.Options.ArchiveHref = "../" + IndexFile
			}
			names, err := Write(dir, in)
			if err != nil {
				t.Fatalf("write %s: %v", r.name, err)
			}
			for _, n := range names {
				if strings.HasSuffix(n, ".html") {
					files = append(files, filepath.Join(dir, n))
					if base == archive {
						shared = append(shared, filepath.Join(dir, n))
					}
				}
			}
		}
	}
	files = append(files, writeArchiveFixture(t, standalone, "")) // links to the week and month above
	idx := writeArchiveFixture(t, archive, AssetsDir+"/")
	files, shared = append(files, idx), append(shared, idx)
	// The handoff notes (handoff_test.go), self-contained.
	files = append(files, writeHandoffFixture(t, standalone)...)
	// A static server of the archive folder on 127.0.0.1: the shared
	// assets must load over HTTP as well as from disk.
	srv := httptest.NewServer(http.FileServer(http.Dir(archive)))
	defer srv.Close()
	type target struct {
		url, file, name string
	}
	var targets []target
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		targets = append(targets, target{"file://" + f, f, filepath.ToSlash(rel)})
	}
	for _, f := range shared {
		rel, _ := filepath.Rel(archive, f)
		targets = append(targets, target{srv.URL + "/" + filepath.ToSlash(rel), f, "http/" + filepath.ToSlash(rel)})
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-default-browser-check", true),
		// Cut the network: every host but 127.0.0.1 (the test's own
		// static server, which Chromium reaches without the proxy, as
		// any loopback address) resolves to nothing, and any other
		// connection goes to a proxy that is not there.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.Flag("allow-file-access-from-files", false),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // start the browser without a deadline
		t.Fatalf("start %s: %v", bin, err)
	}

	var mu sync.Mutex
	var problems []string
	dialogs := 0
	note := func(s string) { mu.Lock(); problems = append(problems, s); mu.Unlock() }
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, srv.URL+"/") {
				note("request to " + u)
			}
		case *network.EventLoadingFailed:
			note("failed request: " + e.ErrorText)
		case *runtime.EventExceptionThrown:
			note("exception: " + e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				note("console " + string(e.Type))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				note("log " + string(e.Entry.Level) + ": " + e.Entry.Text)
			}
		case *page.EventJavascriptDialogOpening:
			mu.Lock()
			dialogs++
			mu.Unlock()
			note("dialog opened: " + e.Message)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	}); err != nil {
		t.Fatal(err)
	}

	// Each page gets its own deadline: one for the whole run would fail
	// a run that is only slow (some forty pages, two passes, on a
	// machine shared with the other packages' tests), while a page that
	// hangs still fails on its own.
	const perPage = 45 * time.Second
	// check opens one file and returns every problem seen, after saving a
	// screenshot under name.
	check := func(url, f, name string) []string {
		tctx, tcancel := context.WithTimeout(ctx, perPage)
		defer tcancel()
		mu.Lock()
		problems = nil
		mu.Unlock()
		if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
			return []string{"navigate: " + err.Error()}
		}
		got, err := chromedp.Run(tctx, chromedp.Evaluate[pageCheck](inspectJS))
		if err != nil {
			return []string{"inspect: " + err.Error()}
		}
		if png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(shots, name), png, 0o600)
			if *screenshotDir != "" {
				_ = os.WriteFile(filepath.Join(*screenshotDir, name), png, 0o600)
			}
		}
		mu.Lock()
		out := append([]string(nil), problems...)
		mu.Unlock()
		// Each chart data block must have been drawn into a canvas that
		// differs from a blank canvas of its size.
		// (A page without charts, as the handoff notes, has no init script.)
		if got.Drawn != itoa(got.Blocks) && (got.Blocks > 0 || got.Drawn != "") {
			out = append(out, fmt.Sprintf("charts drawn = %q, want %d (one per data block)", got.Drawn, got.Blocks))
		}
		if got.Blocks > 0 && len(got.Canvases) < got.Blocks {
			out = append(out, fmt.Sprintf("%d canvases for %d charts", len(got.Canvases), got.Blocks))
		}
		if got.Instances != got.Blocks {
			out = append(out, fmt.Sprintf("%d charts drew all their parts into a non-blank canvas of their own, want %d (one per data block); missing: %s",
				got.Instances, got.Blocks, strings.Join(got.Missing, ", ")))
		}
		for i, c := range got.Canvases {
			if c.W == 0 || c.H == 0 || c.Len <= c.Blank {
				out = append(out, fmt.Sprintf("canvas %d (%dx%d) looks blank: %d bytes vs %d blank", i, c.W, c.H, c.Len, c.Blank))
			}
		}
		if got.XSS {
			out = append(out, "an XSS payload ran (window.__xss set)")
		}
		// Wherever the HTML holds a payload (escaped), the reader must see
		// it as literal text.
		raw, err := os.ReadFile(f)
		if err != nil {
			return append(out, err.Error())
		}
		for _, p := range xssPayloads[:2] {
			if strings.Contains(string(raw), html.EscapeString(p)) && !strings.Contains(got.Text, p) {
				out = append(out, fmt.Sprintf("payload %q is in the HTML but not shown as text", p))
			}
		}
		return out
	}

	// Control: a page that breaks every rule must be caught, or the checks
	// above prove nothing.
	bad := filepath.Join(root, "control.html")
	if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>`+
		`<img src="https://example.invalid/x.png"><div id="c" style="width:100px;height:100px"></div>`+
		`<script type="application/json" data-chart="c">{}</script>`+
		`<script>window.__xss=1;console.error("boom");document.documentElement.setAttribute("data-charts-drawn","0")</script>`+
		`</body></html>`), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(check("file://"+bad, bad, "control.png"), "\n")
	for _, want := range []string{"request to https://example.invalid/x.png", "console error", "window.__xss", "charts drawn"} {
		if !strings.Contains(got, want) {
			t.Errorf("control page: problem %q not detected; saw:\n%s", want, got)
		}
	}

	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, p := range check(tg.url, tg.file, strings.ReplaceAll(tg.name, "/", "_")+".png") {
				t.Error(p)
			}
		})
	}
	// A phone-sized viewport: the page must not scroll sideways (wide
	// tables scroll inside their own wrappers).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("emulate phone: %v", err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if strings.Contains(rel, "xss") {
			continue
		}
		t.Run("phone/"+filepath.ToSlash(rel), func(t *testing.T) {
			tctx, tcancel := context.WithTimeout(ctx, perPage)
			defer tcancel()
			if err := chromedp.Do(tctx, chromedp.Navigate("file://"+f)); err != nil {
				t.Fatalf("navigate: %v", err)
			}
			over, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if over > 0 {
				t.Errorf("on a 390 px phone the page is %d px too wide", over)
			}
			png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			name := "phone_" + strings.ReplaceAll(rel, string(filepath.Separator), "_") + ".png"
			_ = os.WriteFile(filepath.Join(shots, name), png, 0o600)
			if *screenshotDir != "" {
				_ = os.WriteFile(filepath.Join(*screenshotDir, name), png, 0o600)
			}
		})
	}
	if dialogs > 0 {
		t.Errorf("%d JavaScript dialogs opened: an XSS payload ran", dialogs)
	}
}

func itoa(n int) string { return fmtInt(n) }
