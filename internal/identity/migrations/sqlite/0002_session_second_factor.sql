-- When the session's person last entered a TOTP code: at sign-in, or again
-- to confirm it is them before creating admins or admin-scope tokens (which
-- need one within the last 15 minutes). Unix milliseconds; 0 means never.
ALTER TABLE sessions ADD COLUMN second_factor_at BIGINT NOT NULL DEFAULT 0;
