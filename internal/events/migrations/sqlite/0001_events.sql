-- Domain events, recorded in the transaction of the change they describe
-- (a transactional outbox). Data is JSON and carries references, not
-- personal details: subscribers and webhook receivers fetch what they may see.
CREATE TABLE events (
    id      TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL,
    type    TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    data    TEXT NOT NULL DEFAULT '{}',
    at      BIGINT NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);
CREATE INDEX events_at ON events (at);

-- A council's own systems subscribe with outbound webhooks signed per the
-- Standard Webhooks specification. types is a space-separated list of event
-- types, "case.*" prefixes or "*".
CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    types       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    create_key  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);
-- The add form carries a one-time key, so sending it twice (a reload)
-- adds one webhook, not two with different secrets.
CREATE UNIQUE INDEX webhook_endpoints_once ON webhook_endpoints (org_id, create_key) WHERE create_key <> '';

-- Every attempt to deliver an event to an endpoint, for the delivery log.
CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL DEFAULT 0,
    at          BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
