-- Digital services: published service definitions, cases and everything that
-- hangs off a case (timeline, notes, tasks, attachments), drafts, reference
-- sequences and the notification outbox. Times are Unix milliseconds UTC.
-- Every table carries org_id and every query filters by it. There are no
-- foreign keys to identity's tables: modules do not reach into each other.

-- One row per published version. definition is the JSON form the engine runs;
-- source is the YAML exactly as published, kept for people and for export.
CREATE TABLE service_definitions (
    org_id           TEXT NOT NULL,
    id               TEXT NOT NULL,
    version          INTEGER NOT NULL,
    title            TEXT NOT NULL,
    reference_prefix TEXT NOT NULL,
    definition       TEXT NOT NULL,
    source           TEXT NOT NULL,
    builtin          INTEGER NOT NULL DEFAULT 0,
    published_by     TEXT NOT NULL,
    published_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, id, version)
);

-- The last reference number issued per organisation, prefix and year. It is
-- bumped inside the submitting transaction, so a rolled-back submission gives
-- its number back: references are gap-free.
CREATE TABLE case_sequences (
    org_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (org_id, prefix, year)
);

-- due_at and at_risk_at hold 253402300799999 (the end of year 9999) when the
-- current state has no clock, so "ORDER BY due_at" puts them last on both
-- engines without NULL ordering rules. version is the optimistic lock.
CREATE TABLE cases (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL,
    reference        TEXT NOT NULL,
    service_id       TEXT NOT NULL,
    service_version  INTEGER NOT NULL,
    title            TEXT NOT NULL,
    state            TEXT NOT NULL,
    state_terminal   INTEGER NOT NULL DEFAULT 0,
    unit_id          TEXT NOT NULL DEFAULT '',
    classification   TEXT NOT NULL,
    applicant_id     TEXT NOT NULL DEFAULT '',
    applicant_email  TEXT NOT NULL DEFAULT '',
    submitted_by     TEXT NOT NULL DEFAULT '',
    assignee_id      TEXT NOT NULL DEFAULT '',
    queue            TEXT NOT NULL DEFAULT '',
    summary          TEXT NOT NULL DEFAULT '',
    answers          TEXT NOT NULL,
    version          BIGINT NOT NULL,
    submitted_at     BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    state_entered_at BIGINT NOT NULL,
    due_at           BIGINT NOT NULL,
    at_risk_at       BIGINT NOT NULL,
    escalated        INTEGER NOT NULL DEFAULT 0,
    closed_at        BIGINT NOT NULL DEFAULT 0,
    UNIQUE (org_id, reference)
);
-- Staff pages: a queue, a unit, a person's cases and a service, open first,
-- soonest due first; the trailing id makes the keyset cursor exact.
CREATE INDEX cases_queue ON cases (org_id, queue, state_terminal, due_at, id);
CREATE INDEX cases_unit ON cases (org_id, unit_id, state_terminal, due_at, id);
CREATE INDEX cases_assignee ON cases (org_id, assignee_id, state_terminal, due_at, id);
CREATE INDEX cases_service ON cases (org_id, service_id, state, due_at, id);
CREATE INDEX cases_open_due ON cases (org_id, state_terminal, due_at, id);
-- A resident's own cases, newest first; and the date-range searches.
CREATE INDEX cases_applicant ON cases (org_id, applicant_id, submitted_at, id);
CREATE INDEX cases_submitted ON cases (org_id, submitted_at, id);
-- The SLA sweep reads only open, unescalated cases, across organisations.
CREATE INDEX cases_breach ON cases (due_at) WHERE state_terminal = 0 AND escalated = 0;

-- The timeline. applicant_visible marks what the resident may see.
CREATE TABLE case_events (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    at                BIGINT NOT NULL,
    actor_id          TEXT NOT NULL DEFAULT '',
    actor_name        TEXT NOT NULL DEFAULT '',
    acting_for        TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL,
    from_state        TEXT NOT NULL DEFAULT '',
    to_state          TEXT NOT NULL DEFAULT '',
    detail            TEXT NOT NULL DEFAULT '',
    applicant_visible INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events (org_id, case_id, at, id);

CREATE TABLE case_notes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    author_id   TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    acting_for  TEXT NOT NULL DEFAULT '',
    visibility  TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (org_id, case_id, created_at, id);

CREATE TABLE case_tasks (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    title        TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT '',
    assignee_id  TEXT NOT NULL DEFAULT '',
    due_at       BIGINT NOT NULL DEFAULT 0,
    done         INTEGER NOT NULL DEFAULT 0,
    done_at      BIGINT NOT NULL DEFAULT 0,
    done_by      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (org_id, case_id, created_at, id);
CREATE INDEX case_tasks_assignee ON case_tasks (org_id, assignee_id, done, due_at);

-- Attachment content is kept in the database for now (size-capped by the
-- engine); the blob store will take it over.
CREATE TABLE case_attachments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    field_id    TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    content     BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (org_id, case_id, created_at, id);

-- Save and come back later: one draft per person per service.
CREATE TABLE case_drafts (
    org_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    service_id      TEXT NOT NULL,
    service_version INTEGER NOT NULL,
    answers         TEXT NOT NULL,
    page            TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, service_id)
);
CREATE INDEX case_drafts_expires ON case_drafts (expires_at);

-- Messages the workflow asked to send, written in the same transaction as
-- the change that caused them; digital post will deliver them later.
CREATE TABLE service_outbox (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    case_id      TEXT NOT NULL DEFAULT '',
    reference    TEXT NOT NULL DEFAULT '',
    to_kind      TEXT NOT NULL,
    to_value     TEXT NOT NULL,
    unit_id      TEXT NOT NULL DEFAULT '',
    template     TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX service_outbox_pending ON service_outbox (created_at, id) WHERE sent_at = 0;
CREATE INDEX service_outbox_case ON service_outbox (org_id, case_id);
