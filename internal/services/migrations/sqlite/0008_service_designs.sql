-- Drafts of the browser service designer: one per service being designed
-- in an organisation, kept as the YAML it will publish, so what the
-- designer saves is the definition language itself. base_version is the
-- published version the draft started from (0 for a new service);
-- revision guards against two people saving over each other.
CREATE TABLE service_designs (
    org_id       TEXT NOT NULL,
    service_id   TEXT NOT NULL,
    source       TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    revision     BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, service_id)
);
