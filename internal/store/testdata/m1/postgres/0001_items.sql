CREATE TABLE items (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  n INTEGER NOT NULL
);
CREATE UNIQUE INDEX items_org_n ON items (org_id, n);
