-- Residents' contact preferences: how each person wants to hear from the
-- council (channel and format), where, and whether they said no to
-- messages that are not statutory. No row: no preference, consent given.
CREATE TABLE post_preferences (
    org_id          TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    channel         TEXT NOT NULL DEFAULT '',  -- '' | email | sms | letter
    format          TEXT NOT NULL DEFAULT '',  -- '' | large-print
    email           TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',  -- one line per line
    unsubscribed    INTEGER NOT NULL DEFAULT 0, -- 1: no messages that are not statutory
    unsubscribed_at BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL DEFAULT '',  -- a person's id, or "unsubscribe-link"
    PRIMARY KEY (org_id, person_id)
);

-- The key that signs each organisation's unsubscribe links, made the
-- first time one is needed. Replacing it voids every link sent.
CREATE TABLE post_preference_keys (
    org_id     TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
