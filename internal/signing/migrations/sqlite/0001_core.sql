-- Electronic signatures' core: envelopes (a document and who must act on
-- it, in order), their recipients and fields, the document at each step,
-- what happened (the evidence), and the council's signing keys.

CREATE TABLE signing_envelopes (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    unit_id       TEXT NOT NULL DEFAULT '',   -- the owning business unit
    title         TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',   -- the sender's note to recipients
    status        TEXT NOT NULL,              -- draft | sent | completed | declined | voided | expired | sealing
    sender_id     TEXT NOT NULL,
    sender_name   TEXT NOT NULL DEFAULT '',
    case_id       TEXT NOT NULL DEFAULT '',   -- the case it belongs to, if any
    original_blob TEXT NOT NULL DEFAULT '',   -- the PDF as sent
    current_blob  TEXT NOT NULL DEFAULT '',   -- the PDF with every signature so far
    sealed_blob   TEXT NOT NULL DEFAULT '',   -- the sealed PDF, once completed
    original_sha256 TEXT NOT NULL DEFAULT '',
    pages         INTEGER NOT NULL DEFAULT 0,
    current_step  INTEGER NOT NULL DEFAULT 0, -- the step whose recipients may act now
    expires_at    BIGINT NOT NULL DEFAULT 0,
    remind_every_days INTEGER NOT NULL DEFAULT 0,
    reason        TEXT NOT NULL DEFAULT '',   -- why it was declined or voided
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT NOT NULL DEFAULT 0,
    completed_at  BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX signing_envelopes_org ON signing_envelopes (org_id, status, updated_at);
CREATE INDEX signing_envelopes_case ON signing_envelopes (case_id) WHERE case_id <> '';

-- Recipients act in steps: everyone in step 1 (a parallel group when
-- there are several), then step 2, and so on.
CREATE TABLE signing_recipients (
    id            TEXT PRIMARY KEY,
    envelope_id   TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    step          INTEGER NOT NULL,           -- 1, 2, ...
    role          TEXT NOT NULL,              -- signer | approver | copy
    user_id       TEXT NOT NULL DEFAULT '',   -- staff (or a signed-in resident) who sign signed in
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',   -- for the one-time code by text message
    status        TEXT NOT NULL,              -- waiting | notified | viewed | signed | approved | declined | reassigned
    token_hash    TEXT NOT NULL DEFAULT '',   -- the outside party's link: only its hash is kept
    code_hash     TEXT NOT NULL DEFAULT '',   -- the one-time code, hashed
    code_expires_at BIGINT NOT NULL DEFAULT 0,
    code_attempts INTEGER NOT NULL DEFAULT 0,
    consented_at  BIGINT NOT NULL DEFAULT 0,  -- consent to sign electronically
    acted_at      BIGINT NOT NULL DEFAULT 0,
    acted_from    TEXT NOT NULL DEFAULT '',   -- the address they acted from
    identified_by TEXT NOT NULL DEFAULT '',   -- "signed in", "code by email", "code by text message"
    signature_kind TEXT NOT NULL DEFAULT '',  -- typed | drawn
    signature_text TEXT NOT NULL DEFAULT '',  -- the typed name
    signature_image TEXT NOT NULL DEFAULT '', -- a drawn signature (PNG, base64)
    reason        TEXT NOT NULL DEFAULT '',   -- a decline's reason
    may_reassign  INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX signing_recipients_envelope ON signing_recipients (envelope_id, step);
CREATE INDEX signing_recipients_user ON signing_recipients (org_id, user_id, status) WHERE user_id <> '';
CREATE UNIQUE INDEX signing_recipients_token ON signing_recipients (token_hash) WHERE token_hash <> '';

-- Fields placed on the document's pages, in points from the page's
-- bottom-left corner as PDF counts them.
CREATE TABLE signing_fields (
    id            TEXT PRIMARY KEY,
    envelope_id   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- signature | initials | date | text | checkbox
    page          INTEGER NOT NULL,
    x             DOUBLE PRECISION NOT NULL,
    y             DOUBLE PRECISION NOT NULL,
    width         DOUBLE PRECISION NOT NULL,
    height        DOUBLE PRECISION NOT NULL,
    required      INTEGER NOT NULL DEFAULT 1,
    label         TEXT NOT NULL DEFAULT '',
    value         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signing_fields_envelope ON signing_fields (envelope_id, recipient_id);

-- What happened to an envelope, in order: the evidence behind the
-- completion certificate, with the document's hash at each step.
CREATE TABLE signing_events (
    id            TEXT PRIMARY KEY,
    envelope_id   TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    recipient_id  TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,              -- created | sent | notified | viewed | code_sent | identified | consented | signed | approved | declined | reassigned | voided | reminded | expired | sealed | completed
    actor_name    TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    doc_sha256    TEXT NOT NULL DEFAULT '',
    at            BIGINT NOT NULL
);
CREATE INDEX signing_events_envelope ON signing_events (envelope_id, at);

-- The council's signing keys: an imported PKCS#12 or the demo's internal
-- certificate authority. The private key is kept encrypted (AES-256-GCM
-- under the platform's master key), never in the clear.
CREATE TABLE signing_keys (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    source        TEXT NOT NULL,              -- imported | internal-ca
    cert_pem      TEXT NOT NULL,              -- the signing certificate
    chain_pem     TEXT NOT NULL DEFAULT '',   -- its issuers, up to the root
    key_sealed    TEXT NOT NULL,              -- the private key, encrypted
    subject       TEXT NOT NULL DEFAULT '',
    not_before    BIGINT NOT NULL,
    not_after     BIGINT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 0, -- the one that seals now (one per organisation)
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signing_keys_org ON signing_keys (org_id, active);
