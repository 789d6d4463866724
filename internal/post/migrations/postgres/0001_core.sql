-- Digital post's core: the sending services (a Notify "service": who
-- sends, with its API keys, limits and callback), templates with every
-- version kept, and the notifications sent through them.

-- A sending service, owned by a business unit. Its id is a UUID because
-- GOV.UK Notify's API keys and JWTs carry it (the token's issuer).
CREATE TABLE post_services (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    unit_id         TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    email_reply_to  TEXT NOT NULL DEFAULT '',
    sms_sender      TEXT NOT NULL DEFAULT '',
    letter_contact  TEXT NOT NULL DEFAULT '',   -- the return address block on letters, one line per line
    rate_per_minute INTEGER NOT NULL DEFAULT 3000, -- per channel; 0 = no limit
    callback_url    TEXT NOT NULL DEFAULT '',   -- delivery receipts are POSTed here
    callback_token  TEXT NOT NULL DEFAULT '',   -- sent as "Authorization: Bearer <token>"
    archived        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX post_services_org ON post_services (org_id, name);

-- API keys of Notify's form: "{name}-{service id}-{secret}". The secret
-- signs the caller's JWTs (HS256), so it is kept, not hashed.
CREATE TABLE post_api_keys (
    id          TEXT PRIMARY KEY,
    service_id  TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    key_type    TEXT NOT NULL,                 -- normal | team | test
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    revoked_at  BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX post_api_keys_service ON post_api_keys (service_id);

-- Templates: the row is the current version; every version, the current
-- one included, is in post_template_versions.
CREATE TABLE post_templates (
    id          TEXT PRIMARY KEY,              -- a UUID, as Notify's template ids are
    org_id      TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    unit_id     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,                 -- email | sms | letter
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',      -- email subject or letter heading
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    statutory   INTEGER NOT NULL DEFAULT 1,    -- 0: marketing-like, needs consent and has unsubscribe
    archived    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX post_templates_org ON post_templates (org_id, service_id, name);

CREATE TABLE post_template_versions (
    template_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (template_id, version)
);

-- Notifications: one message to one recipient, with Notify's status.
CREATE TABLE post_notifications (
    id               TEXT PRIMARY KEY,         -- a UUID
    org_id           TEXT NOT NULL,
    service_id       TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    kind             TEXT NOT NULL,            -- email | sms | letter
    recipient        TEXT NOT NULL,            -- email address, phone number (normalised) or the address's first line
    address          TEXT NOT NULL DEFAULT '', -- letters: the whole address, one line per line
    personalisation  TEXT NOT NULL DEFAULT '{}', -- JSON, as sent
    subject          TEXT NOT NULL DEFAULT '', -- as rendered
    body             TEXT NOT NULL DEFAULT '', -- as rendered (plain text)
    reference        TEXT NOT NULL DEFAULT '', -- the caller's own reference
    client_key       TEXT NOT NULL DEFAULT '', -- idempotency key, when the caller gives one
    case_id          TEXT NOT NULL DEFAULT '', -- the case it belongs to, if any
    person_id        TEXT NOT NULL DEFAULT '', -- the person it is to, if known
    key_type         TEXT NOT NULL DEFAULT 'normal',
    api_key_id       TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '', -- a person's id, or "api:<key id>"
    status           TEXT NOT NULL,            -- created | sending | delivered | sent | temporary-failure | permanent-failure | technical-failure | accepted | received | cancelled | validation-failed
    large_print      INTEGER NOT NULL DEFAULT 0,
    postage          TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT '',
    provider_ref     TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    fragments        INTEGER NOT NULL DEFAULT 0, -- SMS fragments billed
    pages            INTEGER NOT NULL DEFAULT 0, -- letter pages
    pdf_blob         TEXT NOT NULL DEFAULT '', -- letters: the rendered PDF in the blob store
    scheduled_for    BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT NOT NULL DEFAULT 0,
    completed_at     BIGINT NOT NULL DEFAULT 0,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX post_notifications_service ON post_notifications (service_id, created_at);
CREATE INDEX post_notifications_org ON post_notifications (org_id, created_at);
CREATE INDEX post_notifications_case ON post_notifications (case_id) WHERE case_id <> '';
CREATE INDEX post_notifications_status ON post_notifications (status, scheduled_for);
CREATE UNIQUE INDEX post_notifications_client_key ON post_notifications (service_id, client_key) WHERE client_key <> '';
