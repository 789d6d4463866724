-- History carried in by an import: the audit events an archive holds
-- about a record or class, as the system that exported them recorded
-- them. They cannot join this organisation's tamper-evident log (that
-- would forge its history), so they are kept beside it, read-only, and
-- exported again with the record so a second move loses nothing.
CREATE TABLE records_carried_events (
    org_id         TEXT NOT NULL,
    resource_type  TEXT NOT NULL,              -- record | record_class
    resource_id    TEXT NOT NULL,
    seq            INTEGER NOT NULL,           -- order within the resource's history, from 1
    at             BIGINT NOT NULL,
    action         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    actor_id       TEXT NOT NULL DEFAULT '',
    actor_name     TEXT NOT NULL DEFAULT '',
    acting_for     TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT '',
    origin_org_id  TEXT NOT NULL DEFAULT '',   -- the organisation whose log first recorded it
    origin_index   BIGINT NOT NULL DEFAULT -1, -- its position in that log; -1: not known
    import_id      TEXT NOT NULL,              -- the import that brought it
    PRIMARY KEY (org_id, resource_type, resource_id, seq)
);
