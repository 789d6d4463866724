-- Placeholder on branch h-export only: migration numbers must run 1, 2,
-- 3..., and 0003 belongs to full-text search (branch h-search). Delete
-- this file when that branch's 0003 is merged (two 0003 files make every
-- start fail loudly).
SELECT 1;
