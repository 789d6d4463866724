-- Retention, disposal and legal holds.

-- A floor a records manager set on one document (an extension, a rejected
-- disposal): its due date never falls before it.
ALTER TABLE records_documents ADD COLUMN retain_until BIGINT NOT NULL DEFAULT 0;

-- The disposal queue: one row per document whose schedule fell due. A
-- document has at most one open row (pending, held, approved, disposing);
-- decided rows stay as history.
CREATE TABLE records_disposals (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    document_id     TEXT NOT NULL,
    due_at          BIGINT NOT NULL,
    action          TEXT NOT NULL,              -- destroy | review | transfer
    schedule        TEXT NOT NULL,              -- the schedule in words, when queued
    two_stage       INTEGER NOT NULL DEFAULT 0,
    stage           INTEGER NOT NULL DEFAULT 0, -- 0: awaiting the first approval; 1: the second
    approvals       TEXT NOT NULL DEFAULT '[]', -- JSON: who approved which stage, when
    state           TEXT NOT NULL,              -- pending | held | approved | disposing | done | rejected | withdrawn
    hold_id         TEXT NOT NULL DEFAULT '',   -- the hold that stopped it, while held
    reason          TEXT NOT NULL DEFAULT '',   -- why it was rejected, marked for review or withdrawn
    extended_to     BIGINT NOT NULL DEFAULT 0, -- the new due date a rejection gave
    decided_at      BIGINT NOT NULL DEFAULT 0,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_by_name TEXT NOT NULL DEFAULT '',
    certificate_id  TEXT NOT NULL DEFAULT '',
    queued_at       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX records_disposals_open ON records_disposals (document_id) WHERE state IN ('pending', 'held', 'approved', 'disposing');
CREATE INDEX records_disposals_queue ON records_disposals (org_id, state, due_at, id);
CREATE INDEX records_disposals_document ON records_disposals (document_id, queued_at);

-- Legal holds: while a hold is active (lifted_at = 0) nothing it covers is
-- queued, approved or disposed of.
CREATE TABLE records_holds (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    title          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    lifted_at      BIGINT NOT NULL DEFAULT 0,
    lifted_by      TEXT NOT NULL DEFAULT '',
    lifted_by_name TEXT NOT NULL DEFAULT '',
    lift_reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX records_holds_org ON records_holds (org_id, lifted_at, created_at);

-- What a hold covers: a document, a class (and every class under it) or a
-- case, by ID. Coverage is worked out when asked, so a document filed into
-- a held class or case later is held too.
CREATE TABLE records_hold_items (
    hold_id TEXT NOT NULL,
    org_id  TEXT NOT NULL,
    kind    TEXT NOT NULL, -- document | class | case
    ref     TEXT NOT NULL,
    PRIMARY KEY (hold_id, kind, ref)
);
CREATE INDEX records_hold_items_ref ON records_hold_items (org_id, kind, ref);

-- Certificates of destruction (DC-) and transfer (TC-): what went, when,
-- under which schedule, approved by whom. Kept for ever.
CREATE TABLE records_certificates (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    number      TEXT NOT NULL,
    action      TEXT NOT NULL, -- destroy | transfer
    created_at  BIGINT NOT NULL,
    schedule    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    executed_by TEXT NOT NULL DEFAULT '',
    items       TEXT NOT NULL, -- JSON
    approvals   TEXT NOT NULL, -- JSON
    UNIQUE (org_id, number)
);
CREATE INDEX records_certificates_org ON records_certificates (org_id, created_at, id);

-- The last certificate number issued per organisation, prefix and year,
-- bumped in the write that issues it, so numbers have no gaps.
CREATE TABLE records_sequences (
    org_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (org_id, prefix, year)
);
