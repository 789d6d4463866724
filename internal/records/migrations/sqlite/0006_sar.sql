-- Subject access requests. The request itself is a case of the services
-- module (its service subject-access-request); these tables are the records
-- module's workspace for answering it: whom it is about, what was found,
-- what the officer decided about each item, and the release.
CREATE TABLE records_sars (
    case_id        TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    reference      TEXT NOT NULL,
    unit_id        TEXT NOT NULL DEFAULT '',    -- the unit answering it (the case's)
    person         TEXT NOT NULL DEFAULT '{}',  -- JSON: names, date of birth, identifiers searched for
    searched_at    BIGINT NOT NULL DEFAULT 0,
    searched_by    TEXT NOT NULL DEFAULT '',
    released_at    BIGINT NOT NULL DEFAULT 0,
    released_by    TEXT NOT NULL DEFAULT '',
    bundle_sha256  TEXT NOT NULL DEFAULT '',
    bundle_record  TEXT NOT NULL DEFAULT '',    -- the declared record of the bundle
    released_items INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX records_sars_org ON records_sars (org_id, released_at, created_at);

-- Each thing found about the person: a record, or a case set out as a PDF
-- (content_blob, kept in the encrypted store). A redacted copy is a blob of
-- its own; the original is never touched.
CREATE TABLE records_sar_items (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    case_id        TEXT NOT NULL,                  -- the request
    kind           TEXT NOT NULL,                  -- record | case
    ref_id         TEXT NOT NULL,                  -- the document or case found
    ref_label      TEXT NOT NULL DEFAULT '',       -- its class code or case reference
    title          TEXT NOT NULL,
    source         TEXT NOT NULL DEFAULT '',
    item_date      BIGINT NOT NULL DEFAULT 0,
    why            TEXT NOT NULL DEFAULT '',       -- what matched
    unit_id        TEXT NOT NULL DEFAULT '',       -- a case's unit, classification and applicant,
    classification TEXT NOT NULL DEFAULT 'OFFICIAL', -- so each officer sees only the cases they may read
    owner_id       TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 0,     -- the record's version found
    content_blob   TEXT NOT NULL DEFAULT '',
    content_size   BIGINT NOT NULL DEFAULT 0,
    media_type     TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL DEFAULT 'pending', -- pending | include | exclude
    reason         TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     BIGINT NOT NULL DEFAULT 0,
    boxes          TEXT NOT NULL DEFAULT '[]',      -- JSON: the redaction boxes
    redacted_blob  TEXT NOT NULL DEFAULT '',
    redacted_size  BIGINT NOT NULL DEFAULT 0,
    found_at       BIGINT NOT NULL,
    missing        INTEGER NOT NULL DEFAULT 0,     -- not found by the latest search
    UNIQUE (case_id, kind, ref_id)
);
CREATE INDEX records_sar_items_case ON records_sar_items (case_id, item_date);
