-- What front-desk staff record about a resident who phones or calls in,
-- and with which staff find them again: a date of birth and a postcode tell
-- two people of the same name apart. One row per resident, made when staff
-- record a caller without an account (or add these details later). A
-- caller's account has no password: they claim it later by signing in
-- through single sign-on with the same verified email, or an administrator
-- sets a password.
CREATE TABLE resident_records (
    org_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    postcode     TEXT NOT NULL DEFAULT '',
    postcode_key TEXT NOT NULL DEFAULT '',
    birth_date   TEXT NOT NULL DEFAULT '',
    channel      TEXT NOT NULL DEFAULT '',
    name_key     TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX resident_records_postcode ON resident_records (org_id, postcode_key);
CREATE INDEX resident_records_birth ON resident_records (org_id, birth_date);
