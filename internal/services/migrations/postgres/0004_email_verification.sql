-- Email verification for people who use a service without an account: a
-- six-digit code sent to an address, kept only as a hash, and once entered
-- a short session bound to that address, holding the answers so far.
CREATE TABLE email_verifications (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL,
    email              TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    code_hash          TEXT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    addr               TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    verified_at        BIGINT NOT NULL DEFAULT 0,
    session_hash       TEXT NOT NULL DEFAULT '',
    session_expires_at BIGINT NOT NULL DEFAULT 0,
    answers            TEXT NOT NULL DEFAULT '',
    page               TEXT NOT NULL DEFAULT ''
);
-- Rate limits count recent codes per address and per network address.
CREATE INDEX email_verifications_email ON email_verifications (org_id, email, created_at);
CREATE INDEX email_verifications_addr ON email_verifications (addr, created_at);
