-- Extensions of one document's retention: each time a records manager kept
-- a document longer (ExtendRetention, or a rejected disposal), with the
-- date and the reason. retain_until on the document is the floor that
-- applies; these rows are how it got there. Rows an import carried in
-- (import_id set) were recorded by the system the archive came from.
CREATE TABLE records_extensions (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    document_id   TEXT NOT NULL,
    until_at      BIGINT NOT NULL,            -- kept until at least then
    reason        TEXT NOT NULL,
    disposal_id   TEXT NOT NULL DEFAULT '',   -- the queue item a rejection kept it from
    by_id         TEXT NOT NULL DEFAULT '',
    by_name       TEXT NOT NULL DEFAULT '',
    at            BIGINT NOT NULL,
    import_id     TEXT NOT NULL DEFAULT ''    -- '': given here
);
CREATE INDEX records_extensions_document ON records_extensions (document_id, at);

-- Disposal history carried in by an import: the queue items a record had in
-- the system it was exported from (decisions, approvals, the certificate of
-- its destruction), kept as the archive gave them (JSON in the open format's
-- shape). Like carried audit events they are history, never live: an item
-- approved elsewhere approves nothing here, and a certificate numbered
-- elsewhere takes no number here.
CREATE TABLE records_carried_disposals (
    org_id      TEXT NOT NULL,
    document_id TEXT NOT NULL,
    seq         INTEGER NOT NULL, -- order within the record's disposal history, from 1
    entry       TEXT NOT NULL,    -- JSON
    import_id   TEXT NOT NULL,
    PRIMARY KEY (org_id, document_id, seq)
);
