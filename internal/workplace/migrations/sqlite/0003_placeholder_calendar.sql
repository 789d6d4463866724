-- Placeholder on branch h-assets only, so that 0005_assets can be applied
-- before the calendar part lands: DELETE this file when merging (the
-- calendar part owns 0003).
SELECT 1;
