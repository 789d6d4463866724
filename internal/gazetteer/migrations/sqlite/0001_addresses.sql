-- The council's gazetteer: one row per addressable property, keyed by its
-- Unique Property Reference Number. postcode is normalised ("ME14 1XQ") so
-- a lookup is one index seek. source says where the row came from (the
-- loaded file's name, or "demo" for the shipped demonstration addresses).
CREATE TABLE gazetteer_addresses (
    uprn       TEXT PRIMARY KEY,
    line1      TEXT NOT NULL,
    line2      TEXT NOT NULL DEFAULT '',
    town       TEXT NOT NULL,
    postcode   TEXT NOT NULL,
    source     TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
CREATE INDEX gazetteer_addresses_postcode ON gazetteer_addresses (postcode);
