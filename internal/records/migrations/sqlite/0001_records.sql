-- The file plan (business classification scheme): functions, activities
-- and transactions. Retention schedules sit on the classes; a class
-- without its own schedule takes its nearest ancestor's.
CREATE TABLE records_classes (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    parent_id      TEXT NOT NULL DEFAULT '',
    level          TEXT NOT NULL,              -- function | activity | transaction
    code           TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    retention_key  TEXT NOT NULL DEFAULT '',   -- a service's retention class (complaints-6y) filed here
    period_months  INTEGER NOT NULL DEFAULT 0, -- 0 with an action of "review" or "transfer" means at the trigger
    trigger_kind   TEXT NOT NULL DEFAULT '',   -- created | modified | case_closed | subject_birth | last_contact
    action         TEXT NOT NULL DEFAULT '',   -- destroy | review | transfer; empty: inherit
    two_stage      INTEGER NOT NULL DEFAULT 0,
    closed         INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, code)
);
CREATE INDEX records_classes_parent ON records_classes (org_id, parent_id, code);
CREATE INDEX records_classes_retention ON records_classes (org_id, retention_key);

-- Documents and records. A document becomes a record when declared
-- (declared_at > 0): its content and key metadata are then frozen.
CREATE TABLE records_documents (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    class_id        TEXT NOT NULL,
    title           TEXT NOT NULL,
    author_id       TEXT NOT NULL DEFAULT '',
    author_name     TEXT NOT NULL DEFAULT '',
    unit_id         TEXT NOT NULL DEFAULT '',
    classification  TEXT NOT NULL,
    subjects        TEXT NOT NULL DEFAULT '[]', -- JSON: the people it is about
    case_id         TEXT NOT NULL DEFAULT '',
    case_ref        TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '[]',
    source          TEXT NOT NULL DEFAULT 'upload', -- upload | api | case | m365 | email | import
    source_ref      TEXT NOT NULL DEFAULT '',       -- what it was captured from, so capture is idempotent
    versions        INTEGER NOT NULL DEFAULT 0,
    declared_at     BIGINT NOT NULL DEFAULT 0,
    declared_by     TEXT NOT NULL DEFAULT '',
    trigger_at      BIGINT NOT NULL DEFAULT 0,  -- when an event trigger (case closed, last contact) happened
    due_at          BIGINT NOT NULL DEFAULT 0,  -- when the schedule's action falls due; 0: not yet known
    state           TEXT NOT NULL DEFAULT 'active', -- active | destroyed | transferred
    disposed_at     BIGINT NOT NULL DEFAULT 0,
    text_status     TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed | none
    text_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX records_documents_class ON records_documents (org_id, class_id, updated_at);
CREATE INDEX records_documents_updated ON records_documents (org_id, updated_at);
CREATE INDEX records_documents_case ON records_documents (org_id, case_id);
CREATE INDEX records_documents_due ON records_documents (org_id, state, due_at);
CREATE UNIQUE INDEX records_documents_source ON records_documents (org_id, source, source_ref) WHERE source_ref <> '';

-- Every version's content is in the encrypted blob store under blob_id
-- (the SHA-256 of its plaintext).
CREATE TABLE records_versions (
    document_id     TEXT NOT NULL,
    number          INTEGER NOT NULL,
    org_id          TEXT NOT NULL,
    blob_id         TEXT NOT NULL,
    size            BIGINT NOT NULL,
    name            TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (document_id, number)
);
CREATE INDEX records_versions_blob ON records_versions (blob_id);

-- The text read from the latest version, for search and for subject
-- access requests.
CREATE TABLE records_text (
    document_id TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    body        TEXT NOT NULL
);
