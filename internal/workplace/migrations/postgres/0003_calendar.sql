-- Private calendar feeds: one active per person. The URL holds the feed's
-- ID and a secret; only the secret's SHA-256 is kept, so a copy of the
-- database cannot be turned into working feed URLs. Making a new feed
-- revokes the old one (revoked_at set), which then answers 404.
CREATE TABLE workplace_calendar_feeds (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,               -- hex SHA-256 of the URL's secret
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL DEFAULT 0    -- 0: active
);
CREATE UNIQUE INDEX workplace_calendar_feeds_active ON workplace_calendar_feeds (org_id, person_id) WHERE revoked_at = 0;

-- Teams meetings made through Microsoft Graph for bookings of rooms with
-- video conferencing: one per booking, kept after it is deleted in Teams
-- (deleted_at) so a retried job never makes a second.
CREATE TABLE workplace_meetings (
    booking_id   TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    meeting_id   TEXT NOT NULL,               -- Graph's onlineMeeting id
    join_url     TEXT NOT NULL,               -- joinWebUrl
    organizer    TEXT NOT NULL,               -- the account it was made under
    subject      TEXT NOT NULL DEFAULT '',
    start_at     BIGINT NOT NULL,             -- as Teams has it, to tell when to update
    end_at       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT NOT NULL DEFAULT 0
);
