-- Durable background work. A job is enqueued in the same transaction as the
-- change that causes it; workers claim due jobs under a lease, so a node
-- killed mid-job leaves a lease that expires and the job runs again
-- (at least once). unique_key is the idempotency key: the job's own ID
-- unless the enqueuer names one, so (kind, unique_key) is always unique.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    org_id       TEXT NOT NULL DEFAULT '',
    args         TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX jobs_unique ON jobs (kind, unique_key);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('available', 'running');
CREATE INDEX jobs_state ON jobs (state, created_at);

-- Periodic jobs: each schedule is claimed by advancing next_run_at with a
-- compare-and-set, so one node enqueues each run however many are up.
CREATE TABLE job_schedules (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    every_ms    BIGINT NOT NULL,
    next_run_at BIGINT NOT NULL
);
