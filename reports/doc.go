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
// Every HTML file with a chart inlines ECharts 5.4.3 (vendored under
// assets/echarts with its LICENSE and NOTICE) exactly once (a page without
// charts carries none), and every HTML file has a Content-Security-Policy
// meta tag that forbids all network access: the reports open from disk with no
// request to any host. Charts are built with go-echarts; their options are
// emitted as JSON data blocks that a fixed inline script hands to ECharts, so
// the CSP can pin both inline scripts by their SHA-256 hashes. All text that
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
