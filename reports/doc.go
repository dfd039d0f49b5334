// Package reports renders one period's on-call health metrics (the typed
// metrics.json of package analysis) as static, self-contained HTML reports and
// a short Markdown digest.
//
// For a week it writes index.html, one team report per team
// (team-<team id>.html), noisy-alerts.html and summary.md; for a month it
// writes index.html, leadership.html, noisy-alerts.html and summary.md.
// WriteArchive writes the index.html of a range run, above the periods'
// directories: a table per kind of the periods' headline figures, newest
// first, each row linking to that period's index.html.
//
// Pages are self-contained by default (Options.AssetsHref ""): every HTML
// file with a chart inlines ECharts 5.4.3 exactly once (a page without charts
// carries none) and every file inlines the stylesheet. ECharts is a custom
// bundle of only the chart types and components the reports draw, vendored
// under assets/echarts with its LICENSE, NOTICE and BUILD.md (how `make
// echarts` made it). A directory of several pages (an archive of a range run,
// or one period's set, as the CLI writes them) instead holds the assets once:
// WriteAssets writes them into a folder, and pages with Options.AssetsHref
// load them from it by relative path. Every HTML file has a
// Content-Security-Policy meta tag that forbids all network access (a page
// with shared assets may load scripts and styles from its own origin only):
// the reports open from disk, or from any static web server, with no request
// to any other host. Charts are built with go-echarts; their options are
// emitted as JSON data blocks that a fixed inline script hands to ECharts, so
// the CSP can pin the inline scripts by their SHA-256 hashes. All text that
// comes from PagerDuty (titles, names, service names) goes through
// html/template and is never trusted as HTML or script.
//
// Hour classes are named as Options.Hours and Options.TeamHours give them
// (the configuration the metrics were computed with): footers, the
// sleep-hour figures' hints, the heat maps' shading and notes and
// summary.md take the hours from there, a team report its team's; pages
// about the organisation name the teams with hours of their own. The
// heat map shades a local hour when any of it is sleep time.
//
// Times shown are in the period's report time zone (Period.TimeZone);
// durations in the input are seconds; shares are 0..1 and shown as percent.
package reports
