// Package deliver sends the digests of written report periods where people
// read them: a Slack incoming webhook (Block Kit), e-mail over SMTP with
// STARTTLS (a plain-text and an HTML part), and a generic webhook that
// receives a period's metrics.json. One file per channel: slack.go,
// smtp.go, webhook.go; digest.go words a period's figures once for all of
// them.
//
// Each Send retries a failed attempt with exponential backoff (Retry) and
// returns one error when every attempt failed. Secrets (webhook URLs, the
// SMTP password) are given by the caller and never appear in an error:
// every error is passed through redact first.
//
// Data flows one way: deliver reads analysis' metrics types; analysis,
// ingest and reports never import deliver.
package deliver
