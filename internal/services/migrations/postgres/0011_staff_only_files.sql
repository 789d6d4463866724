-- A file staff keep with a case that its applicant does not see: a scanned
-- letter filed on the case by inbound post (it may be about someone else,
-- or filed on the wrong case and moved), as against the applicant's own
-- uploads and the files staff send them.
ALTER TABLE case_attachments ADD COLUMN staff_only INTEGER NOT NULL DEFAULT 0;
