-- Identity: organisations, business units, users, sessions, API tokens,
-- external (OIDC) links and sign-in throttling. Times are Unix milliseconds.
-- Every table but orgs and sign_in_throttle carries org_id, and composite
-- foreign keys on (org_id, id) make it impossible at the database level to
-- attach a user to another organisation's unit, session or token.

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    host       INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
-- At most one host organisation: the first council created.
CREATE UNIQUE INDEX orgs_one_host ON orgs (host) WHERE host = 1;

CREATE TABLE business_units (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name_key),
    UNIQUE (org_id, id)
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id),
    email          TEXT NOT NULL,
    email_key      TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    roles          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_pending   TEXT NOT NULL DEFAULT '',
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, email_key),
    UNIQUE (org_id, id)
);

CREATE TABLE user_units (
    org_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    PRIMARY KEY (user_id, unit_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, unit_id) REFERENCES business_units (org_id, id)
);
CREATE INDEX user_units_unit ON user_units (org_id, unit_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    auth_time  BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    addr       TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (org_id, user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    scopes         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT NOT NULL DEFAULT 0,
    last_used_at   BIGINT NOT NULL DEFAULT 0,
    last_used_addr TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_user ON api_tokens (org_id, user_id);

CREATE TABLE user_links (
    org_id     TEXT NOT NULL,
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, issuer, subject),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);

-- Failed sign-in counters, shared by every node. Keys are "acct:" + a hash
-- of organisation and email, or "addr:" + client network; no org_id because
-- address limits deliberately span organisations and no API reads this table.
CREATE TABLE sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_throttle_window ON sign_in_throttle (window_start);
