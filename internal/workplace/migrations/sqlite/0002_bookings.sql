-- Bookings of desks and rooms. A booking holds its resource's time by
-- claiming it (workplace_claims), so two bookings of one resource can
-- never overlap, whatever the engine or the number of nodes.
CREATE TABLE workplace_bookings (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    person_name    TEXT NOT NULL DEFAULT '',
    unit_id        TEXT NOT NULL DEFAULT '',  -- the booker's unit, for their managers' approval
    start_at       BIGINT NOT NULL,           -- unix ms, UTC
    end_at         BIGINT NOT NULL,
    status         TEXT NOT NULL,             -- requested | confirmed | checked_in | released | cancelled | rejected | waiting
    series_id      TEXT NOT NULL DEFAULT '',  -- a recurring series's bookings share it
    title          TEXT NOT NULL DEFAULT '',  -- a meeting's subject
    attendees      INTEGER NOT NULL DEFAULT 1,
    sequence       INTEGER NOT NULL DEFAULT 0, -- iCalendar SEQUENCE: bumped on every change
    checked_in_at  BIGINT NOT NULL DEFAULT 0,
    decided_by     TEXT NOT NULL DEFAULT '',  -- who approved, rejected or released it
    note           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX workplace_bookings_resource ON workplace_bookings (org_id, resource_id, start_at);
CREATE INDEX workplace_bookings_person ON workplace_bookings (org_id, person_id, start_at);
CREATE INDEX workplace_bookings_day ON workplace_bookings (org_id, start_at);
CREATE INDEX workplace_bookings_series ON workplace_bookings (series_id) WHERE series_id <> '';

-- What holds a resource's time: one row per resource and slot start (the
-- start of each 15-minute slot, or of each day for equipment). The
-- primary key is the guarantee against double booking. Holder is the
-- booking's or loan's ID; a cancelled or released booking deletes its
-- claims in the same transaction.
CREATE TABLE workplace_claims (
    resource_id  TEXT NOT NULL,
    slot_start   BIGINT NOT NULL,
    org_id       TEXT NOT NULL,
    holder_id    TEXT NOT NULL,
    PRIMARY KEY (resource_id, slot_start)
);
CREATE INDEX workplace_claims_holder ON workplace_claims (holder_id);
