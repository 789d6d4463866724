-- Data-sharing agreements: a partner organisation (the NHS, a district
-- council) may start the services named here in the host organisation (the
-- council) while the agreement is in force, and follow what it referred.
CREATE TABLE sharing_agreements (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL,
    partner_org_id TEXT NOT NULL,
    title          TEXT NOT NULL,
    purpose        TEXT NOT NULL DEFAULT '',
    services       TEXT NOT NULL,
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);
CREATE INDEX sharing_agreements_partner ON sharing_agreements (partner_org_id, ends_at);
CREATE INDEX sharing_agreements_org ON sharing_agreements (org_id, created_at);
