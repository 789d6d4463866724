-- Inbound post: why a letter waits in triage, said when it was routed
-- there ("the reference it quotes, ... matches no case"); the attachment
-- it is filed as on its case now, and how many times it has been filed
-- (each filing is a new attachment, so the records module keeps one
-- record a case); and every move of a filed letter to another case or
-- back to triage, with who moved it and why.
ALTER TABLE post_inbound ADD COLUMN triage_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE post_inbound ADD COLUMN attachment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE post_inbound ADD COLUMN filings INTEGER NOT NULL DEFAULT 0;
-- Letters filed before this migration were filed once, as att_<their id>.
UPDATE post_inbound SET attachment_id = 'att_' || substr(id, 5), filings = 1 WHERE status = 'routed';

CREATE TABLE post_inbound_moves (
    id            TEXT PRIMARY KEY,            -- pim_...
    org_id        TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    from_case_id  TEXT NOT NULL,
    from_case_ref TEXT NOT NULL,
    to_case_id    TEXT NOT NULL DEFAULT '',    -- '' : back to triage
    to_case_ref   TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL,
    moved_by      TEXT NOT NULL,
    moved_by_name TEXT NOT NULL DEFAULT '',
    moved_at      BIGINT NOT NULL
);
CREATE INDEX post_inbound_moves_item ON post_inbound_moves (item_id, moved_at);

-- A new API key's whole value is shown once, on the page the person who
-- made it is sent to: shown_at says it has been (keys made before this
-- were shown when made).
ALTER TABLE post_api_keys ADD COLUMN shown_at BIGINT NOT NULL DEFAULT 0;
UPDATE post_api_keys SET shown_at = created_at;
