-- A case's messages (its case page, and the resident's request page) are
-- asked for by organisation and case. The index on case_id alone lost to
-- post_notifications_org (org_id, created_at) in SQLite's planner, which
-- then walked every message the organisation had sent for each case page.
-- Leading with both equality columns makes it the index to choose.
DROP INDEX post_notifications_case;
CREATE INDEX post_notifications_case ON post_notifications (org_id, case_id, created_at) WHERE case_id <> '';
