-- Nothing reads events by organisation: deliveries load one event by its
-- ID and pruning seeks events_at. events_org was written by every event
-- published (every submission, transition and note) and never used.
DROP INDEX events_org;
