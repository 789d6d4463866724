-- A sender records each failed delivery so that a message is retried a
-- bounded number of times and then left unsent, with the reason, for an
-- operator: it is never deleted or marked sent without being delivered.
ALTER TABLE service_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE service_outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
