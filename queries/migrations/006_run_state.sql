-- Migration 6: the state of `oncall-health run`, so that a run from cron at
-- any frequency writes each due period once and sends each message until it
-- was sent. No secret is stored: targets are names like "slack" or
-- "email:team:PABC123", never a URL or an address.

-- Instants the runs keep: "from" is where the first run's periods start.
CREATE TABLE IF NOT EXISTS run_state (
    key    VARCHAR PRIMARY KEY,
    value  TIMESTAMP NOT NULL
);

-- One row per period whose reports (and metrics.json) run wrote into --out.
CREATE TABLE IF NOT EXISTS run_periods (
    label       VARCHAR PRIMARY KEY,   -- "2026-W46" or "2026-10"
    kind        VARCHAR NOT NULL,      -- "week" or "month"
    start_at    TIMESTAMP NOT NULL,
    written_at  TIMESTAMP NOT NULL
);

-- One row per message to send about a written period; sent_at is set once
-- the channel accepted it.
CREATE TABLE IF NOT EXISTS run_deliveries (
    period      VARCHAR NOT NULL,
    target      VARCHAR NOT NULL,      -- "slack", "slack:team:<id>", "email:team:<id>", "email:leadership", "webhook"
    planned_at  TIMESTAMP NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,  -- runs that tried to send it
    sent_at     TIMESTAMP,
    PRIMARY KEY (period, target)
);
