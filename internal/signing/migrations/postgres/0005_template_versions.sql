-- Envelope templates are edited by their owners and keep every version:
-- the current one in signing_templates, each one (the current too) in
-- signing_template_versions; an envelope records the template and the
-- version it was made from. Roles (who acts on an envelope made from the
-- template, in which step) and fields (placed for a role) are JSON arrays:
-- a version is written once and read whole, never queried inside.
ALTER TABLE signing_templates ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE signing_templates ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE signing_templates ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE signing_templates ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';

CREATE TABLE signing_template_versions (
    template_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    org_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    roles       TEXT NOT NULL DEFAULT '[]',
    fields      TEXT NOT NULL DEFAULT '[]',
    created_by  TEXT NOT NULL DEFAULT '',   -- who saved this version
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (template_id, version)
);
INSERT INTO signing_template_versions (template_id, version, org_id, name, body, created_by, created_at)
    SELECT id, 1, org_id, name, body, created_by, updated_at FROM signing_templates;

ALTER TABLE signing_envelopes ADD COLUMN template_id TEXT NOT NULL DEFAULT '';
ALTER TABLE signing_envelopes ADD COLUMN template_version INTEGER NOT NULL DEFAULT 0;
