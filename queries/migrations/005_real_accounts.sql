-- Migration 5: what real PagerDuty accounts send beyond the first schema.

-- resolve_reason.type of a resolved incident, e.g. 'merge_resolve_reason'
-- for an incident merged into another (a duplicate page); NULL otherwise.
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS resolve_reason VARCHAR;

-- Permanent on-calls: a user named directly in an escalation rule, whom
-- /oncalls returns with start and end null. Analysis counts such a user on
-- call for the whole synced range (sync_meta 'history_start' to the last
-- sync); last_seen_at is the last sync that still returned the row.
CREATE TABLE IF NOT EXISTS permanent_oncalls (
    user_id               VARCHAR NOT NULL,
    escalation_policy_id  VARCHAR NOT NULL,
    escalation_level      INTEGER NOT NULL,
    last_seen_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, escalation_policy_id, escalation_level)
);

-- Every team of an incident, service or escalation policy, in PagerDuty's
-- order (position 0 is the first team, the one the metrics attribute to;
-- the team_id columns of incidents, services and escalation_policies hold
-- it). Users' teams are in team_members.
CREATE TABLE IF NOT EXISTS incident_teams (
    incident_id  VARCHAR NOT NULL,
    team_id      VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, team_id)
);
CREATE TABLE IF NOT EXISTS service_teams (
    service_id  VARCHAR NOT NULL,
    team_id     VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (service_id, team_id)
);
CREATE TABLE IF NOT EXISTS escalation_policy_teams (
    escalation_policy_id  VARCHAR NOT NULL,
    team_id               VARCHAR NOT NULL,
    position              INTEGER NOT NULL,
    PRIMARY KEY (escalation_policy_id, team_id)
);

-- Facts about the synced account, by key:
--   'history_start': the --since of the first sync (the start of the synced range);
--   'teams_unavailable': set when /teams answered 402/403 (the plan lacks the
--   teams ability; value_at is when that was seen).
CREATE TABLE IF NOT EXISTS sync_meta (
    key       VARCHAR PRIMARY KEY,
    value_at  TIMESTAMP NOT NULL
);

-- Derived: the teams the metrics group by (the account's teams, or each
-- escalation policy standing in for one on an account without teams) and
-- their members. Derivation recreates both.
CREATE TABLE IF NOT EXISTS a_teams (
    team_id  VARCHAR,
    name     VARCHAR
);
CREATE TABLE IF NOT EXISTS a_team_members (
    team_id  VARCHAR,
    user_id  VARCHAR
);
ALTER TABLE a_incidents ADD COLUMN IF NOT EXISTS merged BOOLEAN;  -- resolved by a merge into another incident
ALTER TABLE analysis_params ADD COLUMN IF NOT EXISTS default_zone VARCHAR;  -- zone of users without a usable one
ALTER TABLE a_users ADD COLUMN IF NOT EXISTS deleted BOOLEAN;  -- named by notifications only, not listed by /users
CREATE TABLE IF NOT EXISTS a_team_source (
    source  VARCHAR    -- 'teams' or 'escalation_policies'
);
ALTER TABLE a_segments ADD COLUMN IF NOT EXISTS permanent BOOLEAN;  -- a permanent on-call's segment (no shift)
