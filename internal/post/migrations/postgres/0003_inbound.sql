-- Inbound post: each scanned letter (a PDF or an image) uploaded, emailed
-- to dbtp's SMTP port or collected from an IMAP mailbox. The original is
-- kept in the file store (blob_id) from the moment it arrives; the text
-- OCR read and what was found in it are kept beside it; routing files it
-- on a case (as a record) or leaves it in the triage queue.
CREATE TABLE post_inbound (
    id          TEXT PRIMARY KEY,              -- pin_...
    org_id      TEXT NOT NULL,
    batch_id    TEXT NOT NULL DEFAULT '',      -- the upload or message it came in
    source      TEXT NOT NULL,                 -- upload | email | imap
    source_ref  TEXT NOT NULL DEFAULT '',      -- email: "<message id>#<n>", so a message collected twice is kept once
    sender      TEXT NOT NULL DEFAULT '',      -- email: the From address
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,                 -- application/pdf | image/png | image/jpeg | image/tiff, from the content
    size        BIGINT NOT NULL,
    blob_id     TEXT NOT NULL,
    status      TEXT NOT NULL,                 -- reading | triage | routed
    ocr_text    TEXT NOT NULL DEFAULT '',
    ocr_note    TEXT NOT NULL DEFAULT '',      -- why it was not read (no tesseract, unreadable), for staff
    findings    TEXT NOT NULL DEFAULT '{}',    -- JSON: references, postcodes, names
    case_id     TEXT NOT NULL DEFAULT '',
    case_ref    TEXT NOT NULL DEFAULT '',
    unit_id     TEXT NOT NULL DEFAULT '',      -- the case's business unit once routed: only its staff (and records managers) read it then
    routed_how  TEXT NOT NULL DEFAULT '',      -- auto (by its reference) | hand
    routed_by   TEXT NOT NULL DEFAULT '',
    routed_at   BIGINT NOT NULL DEFAULT 0,
    received_by TEXT NOT NULL DEFAULT '',      -- who uploaded it; '' for mail
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX post_inbound_queue ON post_inbound (org_id, status, created_at);
CREATE INDEX post_inbound_batch ON post_inbound (batch_id);
CREATE INDEX post_inbound_blob ON post_inbound (blob_id);
CREATE UNIQUE INDEX post_inbound_source ON post_inbound (org_id, source_ref) WHERE source_ref <> '';
