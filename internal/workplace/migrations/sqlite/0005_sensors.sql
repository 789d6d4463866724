-- Occupancy and environment sensors (the sensors part, sensors*.go).
-- A sensor's secret is shown once when it is made and kept only as its
-- SHA-256 hash: the secret is 32 random bytes, so a fast hash is as strong
-- as a slow one and keeps every message's check cheap.
CREATE TABLE workplace_sensors (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- occupancy | environment
    target_kind   TEXT NOT NULL DEFAULT '',   -- resource | zone; '' unmapped
    target_id     TEXT NOT NULL DEFAULT '',
    secret_hash   TEXT NOT NULL,              -- hex SHA-256 of the secret
    revoked_at    BIGINT NOT NULL DEFAULT 0,  -- 0: in service
    last_seen_at  BIGINT NOT NULL DEFAULT 0,  -- last reading accepted
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX workplace_sensors_target ON workplace_sensors (org_id, target_id);

-- Raw readings, kept for the retention period (14 days by default) and
-- then deleted in batches. Write-heavy, so two indexes only: the key
-- that makes a repeated message a no-op (msg_key is the device's message
-- ID, or "t" and its timestamp), and one by sensor and time that serves
-- the no-show check and the retention sweep.
CREATE TABLE workplace_readings (
    sensor_id    TEXT NOT NULL,
    msg_key      TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    target_id    TEXT NOT NULL DEFAULT '',
    at           BIGINT NOT NULL,             -- when it was sensed (device time if within the skew allowed, else receipt)
    received_at  BIGINT NOT NULL,
    skew_ms      BIGINT NOT NULL DEFAULT 0,   -- device time minus receipt, when the device's clock was refused
    occupied     INTEGER,                     -- 0/1, or people counted
    temperature  REAL,                        -- degrees Celsius
    humidity     REAL,                        -- per cent relative humidity
    co2          INTEGER,                     -- parts per million
    PRIMARY KEY (sensor_id, msg_key)
);
CREATE INDEX workplace_readings_time ON workplace_readings (sensor_id, at);

-- 15-minute aggregates, kept after the raw readings are gone; written in
-- the same transaction as the readings they count, so they are exact.
CREATE TABLE workplace_sensor_buckets (
    sensor_id         TEXT NOT NULL,
    bucket_start      BIGINT NOT NULL,        -- unix ms, a multiple of 15 minutes
    org_id            TEXT NOT NULL,
    target_id         TEXT NOT NULL DEFAULT '',
    samples           INTEGER NOT NULL,
    occupied_samples  INTEGER NOT NULL,       -- readings with occupied > 0
    max_count         INTEGER NOT NULL,       -- most people seen at once
    temp_sum          REAL NOT NULL DEFAULT 0,
    temp_n            INTEGER NOT NULL DEFAULT 0,
    hum_sum           REAL NOT NULL DEFAULT 0,
    hum_n             INTEGER NOT NULL DEFAULT 0,
    co2_sum           REAL NOT NULL DEFAULT 0,
    co2_n             INTEGER NOT NULL DEFAULT 0,
    co2_max           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sensor_id, bucket_start)
);
CREATE INDEX workplace_sensor_buckets_org ON workplace_sensor_buckets (org_id, bucket_start);

-- What could not be accepted, with why and the start of the payload, for
-- workplace managers to see; kept 30 days.
CREATE TABLE workplace_dead_letters (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    sensor_id    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,               -- mqtt | http | broker (an external broker)
    reason       TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '',    -- the first 512 bytes, as text
    size         INTEGER NOT NULL DEFAULT 0,  -- the whole payload's size in bytes
    received_at  BIGINT NOT NULL
);
CREATE INDEX workplace_dead_letters_org ON workplace_dead_letters (org_id, received_at);

-- The number of people who use a building, when a workplace manager
-- gives it (otherwise the directory's count for the building's teams).
CREATE TABLE workplace_building_people (
    building_id  TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    people       INTEGER NOT NULL,
    updated_at   BIGINT NOT NULL
);
