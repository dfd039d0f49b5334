-- Migration 9: a_responses, one row per incident and user who acknowledged
-- it (issue 19: engaged time, responder MTTA, time to mobilize), derived by
-- analysis-refresh-responses.
CREATE TABLE a_responses (
    incident_id      VARCHAR,
    user_id          VARCHAR,
    team_id          VARCHAR,    -- the incident's (a_incidents)
    created_at       TIMESTAMP,  -- the incident's creation
    notified_at      TIMESTAMP,  -- the user's first notification on it (any channel) at or before acknowledged_at; NULL: none
    acknowledged_at  TIMESTAMP,  -- the user's first acknowledgement of it
    resolved_at      TIMESTAMP   -- the incident's resolution (a_incidents); NULL while open
);

-- The tables were derived by a binary without a_responses: derive everything once.
DELETE FROM analysis_state WHERE key = 'fingerprint';
