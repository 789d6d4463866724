-- The keys part: revocation of a signing key, the internal certificate
-- authority that issued it (the demo's), and one active key per
-- organisation enforced by the database as well as by the code.

ALTER TABLE signing_keys ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE signing_keys ADD COLUMN authority_id TEXT NOT NULL DEFAULT '';

CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (org_id) WHERE active = 1;

-- An organisation's internal certificate authority (for the demo): its
-- root, and the time-stamping certificate it issued for the demo's TSA.
-- The private keys are blob IDs in the encrypted file store, never the
-- keys themselves.
CREATE TABLE signing_authorities (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    name           TEXT NOT NULL,
    cert_pem       TEXT NOT NULL,
    key_sealed     TEXT NOT NULL,
    tsa_cert_pem   TEXT NOT NULL DEFAULT '',
    tsa_key_sealed TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signing_authorities_org ON signing_authorities (org_id, created_at);
