-- Equipment loans: a piece of equipment (a workplace_resources row of kind
-- equipment) lent to one person for whole days, from and to inclusive, as
-- local dates. A loan holds its item's days by claiming them in
-- workplace_claims (one row per day, slot_start the day's local midnight),
-- so one item can never be lent twice on the same day.
CREATE TABLE workplace_loans (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    person_id       TEXT NOT NULL,            -- the borrower
    person_name     TEXT NOT NULL DEFAULT '',
    unit_id         TEXT NOT NULL DEFAULT '', -- the borrower's unit, for their managers
    from_day        TEXT NOT NULL,            -- YYYY-MM-DD, local
    to_day          TEXT NOT NULL,            -- YYYY-MM-DD, local, inclusive
    status          TEXT NOT NULL,            -- reserved | collected | returned | cancelled
    purpose         TEXT NOT NULL DEFAULT '',
    case_id         TEXT NOT NULL DEFAULT '', -- the equipment collection request it serves
    case_ref        TEXT NOT NULL DEFAULT '',
    case_item       TEXT NOT NULL DEFAULT '', -- what of the request: laptop, headset...
    collected_at    BIGINT NOT NULL DEFAULT 0,
    collected_by    TEXT NOT NULL DEFAULT '', -- who handed it over
    collected_name  TEXT NOT NULL DEFAULT '',
    condition_out   TEXT NOT NULL DEFAULT '',
    returned_at     BIGINT NOT NULL DEFAULT 0,
    returned_by     TEXT NOT NULL DEFAULT '',
    condition_in    TEXT NOT NULL DEFAULT '',
    damaged         INTEGER NOT NULL DEFAULT 0,
    reminders       INTEGER NOT NULL DEFAULT 0, -- overdue reminders sent
    reminded_day    TEXT NOT NULL DEFAULT '',   -- the day of the last one
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX workplace_loans_status ON workplace_loans (org_id, status, to_day);
CREATE INDEX workplace_loans_person ON workplace_loans (org_id, person_id, from_day);
CREATE INDEX workplace_loans_resource ON workplace_loans (org_id, resource_id, from_day);
-- One active loan per item of a request: a redelivered case event reserves
-- nothing twice (a cancelled one may be replaced, when the date moves).
CREATE UNIQUE INDEX workplace_loans_case ON workplace_loans (org_id, case_id, case_item) WHERE case_id <> '' AND status IN ('reserved', 'collected');
CREATE INDEX workplace_loans_cases ON workplace_loans (org_id, case_id) WHERE case_id <> '';

-- The device inventory: laptops and mobiles, entered by hand, imported
-- from CSV or from Intune (Microsoft Graph's managed devices).
CREATE TABLE workplace_devices (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,             -- laptop | desktop | mobile | tablet | other
    name          TEXT NOT NULL DEFAULT '',  -- the device's name, e.g. KCC-L-01234
    person_id     TEXT NOT NULL DEFAULT '',  -- assigned to; empty: unassigned
    person_name   TEXT NOT NULL DEFAULT '',
    manufacturer  TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    serial        TEXT NOT NULL DEFAULT '',
    os            TEXT NOT NULL DEFAULT '',
    os_version    TEXT NOT NULL DEFAULT '',
    encrypted     INTEGER NOT NULL DEFAULT 0,
    compliance    TEXT NOT NULL DEFAULT 'unknown', -- compliant | noncompliant | grace_period | conflict | error | unknown
    last_seen_at  BIGINT NOT NULL DEFAULT 0,  -- last check-in, unix ms; 0: never
    ownership     TEXT NOT NULL DEFAULT 'corporate', -- corporate | personal | unknown
    source        TEXT NOT NULL DEFAULT 'manual',    -- manual | csv | intune
    external_id   TEXT NOT NULL DEFAULT '',  -- Intune's managed device ID
    retired       INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX workplace_devices_serial ON workplace_devices (org_id, serial) WHERE serial <> '';
CREATE UNIQUE INDEX workplace_devices_external ON workplace_devices (org_id, source, external_id) WHERE external_id <> '';
CREATE INDEX workplace_devices_person ON workplace_devices (org_id, person_id);
CREATE INDEX workplace_devices_compliance ON workplace_devices (org_id, compliance);
