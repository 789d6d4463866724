-- The signing ceremony: an outside party's session after the one-time
-- code (only its hash kept), and the completion certificate kept beside
-- the sealed PDF.
ALTER TABLE signing_recipients ADD COLUMN session_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE signing_recipients ADD COLUMN session_expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_envelopes ADD COLUMN certificate_blob TEXT NOT NULL DEFAULT '';
