-- File content moves to the kernel's encrypted blob store. An attachment
-- row keeps its metadata and the blob's ID (the SHA-256 of the content);
-- the content column is emptied once the bytes are in the store (rows from
-- before are moved by the services module at start).
ALTER TABLE case_attachments ADD COLUMN blob_id TEXT NOT NULL DEFAULT '';
CREATE INDEX case_attachments_blob ON case_attachments (blob_id);

-- Files uploaded on a question page before the case exists, for the
-- journey (holder) that uploaded them: taken by the submission, or removed
-- once expired.
CREATE TABLE case_uploads (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    holder     TEXT NOT NULL,
    blob_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX case_uploads_holder ON case_uploads (org_id, holder);
CREATE INDEX case_uploads_blob ON case_uploads (blob_id);
CREATE INDEX case_uploads_expires ON case_uploads (expires_at);

-- Blobs that lost a reference. The store is content-addressed and shared,
-- so a blob is deleted only once no attachment or upload names it.
CREATE TABLE service_blob_releases (
    blob_id     TEXT PRIMARY KEY,
    released_at BIGINT NOT NULL
);
