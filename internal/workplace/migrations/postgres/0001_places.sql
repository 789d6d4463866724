-- Places: buildings, their floors (each with an optional plan picture
-- kept in the blob store) and zones on a floor (a team neighbourhood is a
-- zone given to a business unit).
CREATE TABLE workplace_buildings (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    uprn        TEXT NOT NULL DEFAULT '',   -- Unique Property Reference Number
    address     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE workplace_floors (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    building_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    level        INTEGER NOT NULL DEFAULT 0, -- 0 ground, -1 basement; orders the floors
    plan_blob_id TEXT NOT NULL DEFAULT '',   -- the floor plan picture, if any
    plan_type    TEXT NOT NULL DEFAULT '',   -- image/svg+xml | image/png
    plan_width   INTEGER NOT NULL DEFAULT 0, -- the picture's size in its own units
    plan_height  INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (building_id, name)
);
CREATE INDEX workplace_floors_building ON workplace_floors (org_id, building_id, level);

CREATE TABLE workplace_zones (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    floor_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit_id     TEXT NOT NULL DEFAULT '',   -- a team neighbourhood: desks kept for this unit
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (floor_id, name)
);

-- Bookable and loanable things: desks, meeting rooms and equipment.
-- Desks and rooms sit on a floor (x, y: where on its plan, in thousandths
-- of the plan's width and height); equipment is kept at a floor's store.
CREATE TABLE workplace_resources (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    kind         TEXT NOT NULL,              -- desk | room | equipment
    name         TEXT NOT NULL,
    floor_id     TEXT NOT NULL DEFAULT '',
    zone_id      TEXT NOT NULL DEFAULT '',
    x            INTEGER NOT NULL DEFAULT -1, -- -1: not placed on the plan
    y            INTEGER NOT NULL DEFAULT -1,
    capacity     INTEGER NOT NULL DEFAULT 1,  -- people a room seats; 1 for a desk
    features     TEXT NOT NULL DEFAULT '[]',  -- JSON list: docking, monitors, standing, accessible, video
    category     TEXT NOT NULL DEFAULT '',    -- equipment: laptop | headset | monitor | ...
    asset_tag    TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1,  -- 0: withdrawn, kept for history
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, kind, name)
);
CREATE INDEX workplace_resources_floor ON workplace_resources (org_id, floor_id, kind);
CREATE UNIQUE INDEX workplace_resources_tag ON workplace_resources (org_id, asset_tag) WHERE asset_tag <> '';

-- Booking rules per kind of resource, per organisation. A missing row
-- means the defaults in rules.go.
CREATE TABLE workplace_rules (
    org_id          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    max_days_ahead  INTEGER NOT NULL,
    max_active      INTEGER NOT NULL,         -- bookings one person may hold at once
    granularity     TEXT NOT NULL,            -- day | halfday | slot
    slot_minutes    INTEGER NOT NULL,         -- for granularity slot
    opens_minute    INTEGER NOT NULL,         -- minutes after midnight, local time
    closes_minute   INTEGER NOT NULL,
    needs_approval  INTEGER NOT NULL DEFAULT 0,
    allow_recurring INTEGER NOT NULL DEFAULT 1,
    grace_minutes   INTEGER NOT NULL,         -- no check-in by then: released
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind)
);

-- Days nothing (or one kind, or one building) can be booked: closures.
-- Bank holidays come from the services calendar and are not stored here.
CREATE TABLE workplace_closures (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    day          TEXT NOT NULL,               -- YYYY-MM-DD
    kind         TEXT NOT NULL DEFAULT '',    -- empty: every kind
    building_id  TEXT NOT NULL DEFAULT '',    -- empty: every building
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX workplace_closures_day ON workplace_closures (org_id, day);
