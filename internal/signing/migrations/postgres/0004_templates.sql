-- Envelope templates: a document's text with ((merge fields)), from which
-- a PDF is made for each envelope.
CREATE TABLE signing_templates (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    unit_id     TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX signing_templates_org ON signing_templates (org_id, name);
