-- Delivery moved onto jobs: each message is found by its ID (the mail
-- job's argument), a case's messages by service_outbox_case, and the
-- start-up sweep for messages without a job walks the primary key. No
-- query of the server reads service_outbox_pending any more (only tests
-- list pending messages, over a few rows), yet every message a workflow
-- sends added to it and every sent one removed from it.
DROP INDEX service_outbox_pending;
