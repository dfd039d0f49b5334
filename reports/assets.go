package reports

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"strings"
)

// echartsJS is ECharts 5.4.3 (dist/echarts.min.js of the npm package
// echarts@5.4.3, Apache-2.0; see assets/echarts/LICENSE and NOTICE).
//
//go:embed assets/echarts/echarts.min.js
var echartsRaw string

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

// csp is the Content-Security-Policy of every HTML report: nothing may be
// fetched, only the two known inline scripts may run (pinned by hash), inline
// styles are allowed for ECharts' tooltips, images only as data: URLs.
var csp = buildCSP()

func scriptHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func buildCSP() string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scriptHash(echartsJS) + " " + scriptHash(initJS),
		"style-src 'unsafe-inline'",
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
func assetJS() template.JS     { return template.JS(echartsJS) }
func assetInitJS() template.JS { return template.JS(initJS) }
func assetCSS() template.CSS   { return template.CSS(styleCSS) }
