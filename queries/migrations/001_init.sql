-- Migration 1: the raw PagerDuty tables, sync state and the time-zone table.
-- All instants are TIMESTAMP holding UTC (DuckDB has no ICU here, so no TIMESTAMPTZ).

CREATE TABLE users (
    id         VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    email      VARCHAR,
    time_zone  VARCHAR            -- IANA name as PagerDuty reports it; may be NULL or unknown
);

CREATE TABLE teams (
    id    VARCHAR PRIMARY KEY,
    name  VARCHAR NOT NULL
);

-- Team membership, from each user's teams list.
CREATE TABLE team_members (
    team_id  VARCHAR NOT NULL,
    user_id  VARCHAR NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE services (
    id                    VARCHAR PRIMARY KEY,
    name                  VARCHAR NOT NULL,
    escalation_policy_id  VARCHAR,
    team_id               VARCHAR   -- the service's first team, if any
);

CREATE TABLE escalation_policies (
    id       VARCHAR PRIMARY KEY,
    name     VARCHAR NOT NULL,
    team_id  VARCHAR                -- the policy's first team, if any
);

CREATE TABLE incidents (
    id                    VARCHAR PRIMARY KEY,
    incident_number       BIGINT,
    title                 VARCHAR NOT NULL,
    status                VARCHAR NOT NULL,   -- triggered | acknowledged | resolved
    urgency               VARCHAR,
    service_id            VARCHAR,
    escalation_policy_id  VARCHAR,
    team_id               VARCHAR,            -- incident.teams[0], if any
    created_at            TIMESTAMP NOT NULL,
    resolved_at           TIMESTAMP,          -- the incident's own field, if given
    updated_at            TIMESTAMP
);

CREATE TABLE alerts (
    id           VARCHAR PRIMARY KEY,
    incident_id  VARCHAR NOT NULL,
    service_id   VARCHAR,
    status       VARCHAR,
    summary      VARCHAR,
    created_at   TIMESTAMP NOT NULL,
    resolved_at  TIMESTAMP
);

-- Every log entry we keep: trigger, notify, acknowledge, resolve, escalate, assign.
-- type is PagerDuty's type without the "_log_entry" suffix: trigger, notify, acknowledge, resolve, ...
CREATE TABLE log_entries (
    id                 VARCHAR PRIMARY KEY,
    type               VARCHAR NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    incident_id        VARCHAR,
    service_id         VARCHAR,
    user_id            VARCHAR,   -- notify: the user notified (top-level "user")
    agent_id           VARCHAR,
    agent_type         VARCHAR,   -- user_reference, service_reference, integration_reference, ...
    channel_type       VARCHAR,   -- channel.type: auto, api, timeout, web_trigger, ...
    notification_type  VARCHAR    -- notify only: phone | sms | push | email (normalized), else NULL
);

-- One row of /oncalls. end_at NULL means "on call until further notice".
CREATE TABLE oncalls (
    user_id               VARCHAR NOT NULL,
    escalation_policy_id  VARCHAR NOT NULL,
    escalation_level      INTEGER NOT NULL,
    start_at              TIMESTAMP NOT NULL,
    end_at                TIMESTAMP,
    PRIMARY KEY (user_id, escalation_policy_id, escalation_level, start_at)
);

-- Per-resource sync watermarks: everything created before watermark is in the database.
CREATE TABLE sync_state (
    resource    VARCHAR PRIMARY KEY,
    watermark   TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- UTC offsets of each IANA zone over time, written from Go's tz database
-- (DuckDB has no ICU offline). A UTC instant t is in row r when
-- r.valid_from <= t < r.valid_until; local time = t + offset_seconds.
CREATE TABLE tz_offsets (
    zone            VARCHAR NOT NULL,
    valid_from      TIMESTAMP NOT NULL,
    valid_until     TIMESTAMP NOT NULL,
    offset_seconds  INTEGER NOT NULL,
    PRIMARY KEY (zone, valid_from)
);
