-- Claims look for due jobs one registered kind at a time. With only
-- jobs_due (run_at), a claim walked every due job of kinds this node does
-- not run (mail waiting for a node with a relay, say) before reaching its
-- own: tens of thousands of rows per claim, inside the single writer.
CREATE INDEX jobs_due_kind ON jobs (kind, run_at, id) WHERE state IN ('available', 'running');
