-- Migration 2: inputs and state of package analysis.
--
-- analysis writes these from its Config before it derives its a_* tables
-- (incident facts, interruptions, shifts, on-call unions). The a_* tables are
-- recreated whenever the source rows or the config change; analysis_state holds
-- the fingerprint they were built from.

-- Hour classes per team, in seconds after local midnight (0..86400). The row
-- with team_id '' holds the default hours; other rows override one team.
-- No primary key: analysis rewrites all rows in one transaction (delete +
-- insert), which DuckDB 1.1 refused on a key deleted in the same
-- transaction (1.5 allows it; the table needs no key either way).
CREATE TABLE analysis_hours (
    team_id         VARCHAR NOT NULL,
    business_start  INTEGER NOT NULL,   -- business hours start, Monday to Friday
    business_end    INTEGER NOT NULL,   -- business hours end (exclusive)
    sleep_start     INTEGER NOT NULL,   -- sleep hours start, every day
    sleep_end       INTEGER NOT NULL    -- sleep hours end (exclusive); may wrap past midnight
);

-- Noise parameters (one row).
CREATE TABLE analysis_params (
    transient_seconds      DOUBLE NOT NULL,   -- resolved at most this long after creation: transient
    repeat_window_seconds  DOUBLE NOT NULL,   -- look-back window of the repeat rule
    repeat_count           INTEGER NOT NULL   -- earlier same-signature incidents needed in the window
);

-- Key/value state: key 'fingerprint' = the sources the a_* tables were built from.
CREATE TABLE analysis_state (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR NOT NULL
);

-- The derived tables. analysis recreates them (CREATE OR REPLACE TABLE ...
-- AS SELECT, queries/analysis.sql) on every refresh; they are created empty
-- here so that every statement prepares on a new database. Instants are UTC
-- unless named local_*.

-- Users with the zone their hour classes are taken in ('UTC' when unknown).
CREATE TABLE a_users (
    user_id     VARCHAR,
    name        VARCHAR,
    time_zone   VARCHAR,    -- as PagerDuty gave it ('' when none)
    zone        VARCHAR,    -- the zone used
    zone_known  BOOLEAN
);

-- Incidents with derived facts (spec: Incident, Auto-resolved, Signature, Noise).
CREATE TABLE a_incidents (
    id                    VARCHAR,
    title                 VARCHAR,
    service_id            VARCHAR,
    escalation_policy_id  VARCHAR,
    team_id               VARCHAR,    -- teams[0], else the service's team, else 'unassigned'
    created_at            TIMESTAMP,
    acknowledged_at       TIMESTAMP,  -- first acknowledge log entry
    resolved_at           TIMESTAMP,  -- first resolve log entry, else the incident's field
    auto_resolved         BOOLEAN,
    signature             VARCHAR,
    seconds_to_ack        DOUBLE,
    seconds_to_resolve    DOUBLE,
    transient             BOOLEAN,
    repeat                BOOLEAN,
    noise                 BOOLEAN
);

-- Alerts with their incident's team and escalation policy.
CREATE TABLE a_alerts (
    id                    VARCHAR,
    incident_id           VARCHAR,
    created_at            TIMESTAMP,
    team_id               VARCHAR,
    escalation_policy_id  VARCHAR
);

-- Phone/SMS/push notifications per user and instant, with islands (runs
-- whose consecutive gaps are at most 60 s).
CREATE TABLE a_notify (
    user_id       VARCHAR,
    "at"          TIMESTAMP,    -- quoted: DuckDB 1.5 parses a bare at as AT (TIME ZONE)
    incident_id   VARCHAR,
    island_start  BOOLEAN,
    island        BIGINT,
    island_last   TIMESTAMP
);

-- Interruptions (pages), at their first notification.
CREATE TABLE a_interruptions (
    user_id       VARCHAR,
    "at"          TIMESTAMP,
    incident_id   VARCHAR,
    team_id       VARCHAR,
    noise         BOOLEAN,    -- the incident is noise
    zone          VARCHAR,
    local_at      TIMESTAMP,  -- wall clock in zone
    local_isodow  BIGINT,     -- 1 = Monday
    local_hour    BIGINT,
    hour_class    VARCHAR     -- business | off | sleep
);

-- Per incident: all its alerts and interruptions.
CREATE TABLE a_incident_counts (
    incident_id    VARCHAR,
    alerts         BIGINT,
    interruptions  BIGINT,
    after_hours    BIGINT
);

-- On-call segments; open ones end at the latest sync watermark.
CREATE TABLE a_segments (
    user_id               VARCHAR,
    escalation_policy_id  VARCHAR,
    escalation_level      INTEGER,
    start_at              TIMESTAMP,
    end_at                TIMESTAMP,
    team_id               VARCHAR     -- the policy's team, else 'unassigned'
);

-- Level-1 shifts and the alerts created inside them on their policy.
CREATE TABLE a_shifts (
    user_id               VARCHAR,
    escalation_policy_id  VARCHAR,
    escalation_level      INTEGER,
    team_id               VARCHAR,
    start_at              TIMESTAMP,
    end_at                TIMESTAMP,
    alerts                BIGINT
);

-- Unions of on-call time: per user (all levels: stretches), per user at
-- level 1, per team at level 1.
CREATE TABLE a_user_oncall (
    user_id   VARCHAR,
    start_at  TIMESTAMP,
    end_at    TIMESTAMP
);

CREATE TABLE a_user_oncall_l1 (
    user_id   VARCHAR,
    start_at  TIMESTAMP,
    end_at    TIMESTAMP
);

CREATE TABLE a_team_oncall_l1 (
    team_id   VARCHAR,
    start_at  TIMESTAMP,
    end_at    TIMESTAMP
);
