-- Placeholder on branch h-assets only, so that 0005_assets can be applied
-- before the sensors part lands: DELETE this file when merging (the
-- sensors part owns 0004).
SELECT 1;
