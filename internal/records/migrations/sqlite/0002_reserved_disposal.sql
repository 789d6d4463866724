-- Placeholder on branch h-export only: migration numbers must run 1, 2,
-- 3..., and 0002 belongs to the disposal queue, legal holds and
-- certificates (branch h-disposal). Delete this file when that branch's
-- 0002 is merged (two 0002 files make every start fail loudly).
SELECT 1;
