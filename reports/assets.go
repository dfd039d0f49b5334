package reports

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"strings"
	"sync"
)

// echartsRaw is the custom ECharts 5.4.3 bundle (Apache-2.0; see
// assets/echarts/LICENSE and NOTICE) holding only the chart types and
// components the reports draw. assets/echarts/BUILD.md says how `make
// echarts` made it from the npm package echarts@5.4.3, with its SHA-256 and
// its size against the full dist/echarts.min.js.
//
//go:embed assets/echarts/echarts-5.4.3-custom.min.js
var echartsRaw string

//go:embed assets/echarts/LICENSE
var echartsLicense string

//go:embed assets/echarts/NOTICE
var echartsNotice string

// echartsJS is echartsRaw with CR LF and CR turned into LF, as an HTML
// parser does before the browser hashes an inline script for the CSP.
var echartsJS = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(echartsRaw)

// initJS finds every chart data block (a <script type="application/json"
// data-chart="ID"> element) and draws it into the element with that ID.
//
//go:embed assets/init.js
var initJS string

//go:embed assets/style.css
var styleCSS string

// Shared assets: the files WriteAssets writes into an AssetsDir, which
// pages written with Options.AssetsHref load by relative path.
const (
	// AssetsDir is the conventional name of the shared assets directory
	// under an output directory.
	AssetsDir = "assets"
	// EChartsFile is the chart library; its licence and notice are
	// EChartsLicenseFile and EChartsNoticeFile beside it.
	EChartsFile        = "echarts-5.4.3-custom.min.js"
	EChartsLicenseFile = "echarts-5.4.3-LICENSE.txt"
	EChartsNoticeFile  = "echarts-5.4.3-NOTICE.txt"
	// StyleFile is the stylesheet of every page.
	StyleFile = "style.css"
)

// WriteAssets writes the shared assets (EChartsFile with its licence and
// notice, StyleFile) into dir, created if missing, each to a temporary file
// renamed into place with mode 0600, and returns their names. Pages written
// with Options.AssetsHref pointing at dir (relative to each page) load them
// from there.
func WriteAssets(dir string) ([]string, error) {
	return writeFiles(dir, "assets", []File{
		{EChartsFile, []byte(echartsRaw)},
		{EChartsLicenseFile, []byte(echartsLicense)},
		{EChartsNoticeFile, []byte(echartsNotice)},
		{StyleFile, []byte(styleCSS)},
	})
}

// cspInline is the Content-Security-Policy of a self-contained report:
// nothing may be fetched, only the three known scripts may run (pinned by
// hash: the ECharts loader, ECharts itself, which the loader inserts as an
// inline script, and the init script), inline styles are allowed for
// ECharts' tooltips, images only as data: URLs.
var cspInline = sync.OnceValue(func() string {
	return buildCSP(scriptHash(echartsLoaderJS())+" "+scriptHash(echartsJS)+" "+scriptHash(initJS), "'unsafe-inline'")
})

// echartsLoaderJS is how a self-contained report carries ECharts: the
// bundle compressed with gzip (compress/gzip at BestCompression, no name or
// time in the header, so the same bytes every run) and base64-encoded in a
// string of a small script, which decompresses it with the browser's
// DecompressionStream (no request: atob, a Blob and a Response of its
// stream), inserts it as an inline script, whose text the CSP pins by its
// SHA-256 as it did the inlined bundle, and then fires the
// "oncall-health:echarts" event the init script waits for. That is 556 kB
// of bundle carried in about 250 kB, what keeps a self-contained report of
// a large organisation under 600 kB (issue 18). A browser without
// DecompressionStream (before Chrome 80, Firefox 113, Safari 16.4) shows
// the page without its charts; every chart's figures are in a table beside
// it. Computed once, on first use.
var echartsLoaderJS = sync.OnceValue(func() string {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		panic(err) // only for a bad level
	}
	if _, err := zw.Write([]byte(echartsJS)); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return strings.Replace(loaderJS, "ECHARTS_GZIP_BASE64", base64.StdEncoding.EncodeToString(b.Bytes()), 1)
})

// loaderJS is the template of echartsLoaderJS: ECHARTS_GZIP_BASE64 stands
// for the compressed bundle.
//
//go:embed assets/loader.js
var loaderJS string

// cspShared is the policy of a report that loads the shared assets: as
// cspInline, but scripts and stylesheets may also come from the page's own
// origin ('self': the same host and port when served, local files when opened
// from disk), and the inline ECharts is not allowed. Still no request to
// any other host, and no inline script but the init script.
var cspShared = buildCSP("'self' "+scriptHash(initJS), "'self' 'unsafe-inline'")

func scriptHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func buildCSP(scripts, styles string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scripts,
		"style-src " + styles,
		"img-src data:",
		"font-src 'none'",
		"connect-src 'none'",
		"media-src 'none'",
		"object-src 'none'",
		"frame-src 'none'",
		"worker-src 'none'",
		"manifest-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
}

// Trusted constants for the layout template. These wrap only the embedded
// assets above, never data.
func assetJS() template.JS     { return template.JS(echartsLoaderJS()) }
func assetInitJS() template.JS { return template.JS(initJS) }
func assetCSS() template.CSS   { return template.CSS(styleCSS) }

// Stylesheet is the reports' stylesheet, for a page taken elsewhere (a
// mail's HTML part) without the assets folder.
func Stylesheet() string { return styleCSS }
