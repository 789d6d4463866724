-- Nothing reads jobs_due since claims seek jobs_due_kind (0002): the
-- admin list and counts use jobs_state, retries and discards the primary
-- key. Every job still paid for it three times (added when enqueued,
-- moved when claimed, removed when finished), and each submission
-- enqueues two jobs.
DROP INDEX jobs_due;
