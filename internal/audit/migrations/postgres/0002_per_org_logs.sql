-- One Merkle tree per organisation (org_id '' is the platform's), so that
-- nothing an organisation can read of the log (its entries' indexes, its
-- tree sizes, heads and proofs) reveals another organisation's activity.
-- The old platform-wide tables are moved aside; when they hold anything,
-- audit_rebuild says so and audit.Log.Upgrade rebuilds them into the new
-- tables (that needs hashing and signing, which SQL cannot do), checking
-- the old log against its signed head first, then drops them.
DROP INDEX audit_entries_org;
DROP INDEX audit_entries_org_actor;
DROP INDEX audit_entries_org_action;
DROP INDEX audit_entries_org_resource;
ALTER TABLE audit_entries RENAME TO audit_legacy_entries;
ALTER TABLE audit_heads RENAME TO audit_legacy_heads;
ALTER TABLE audit_state RENAME TO audit_legacy_state;
-- Index names are per schema: the primary keys' go with their tables.
ALTER INDEX audit_entries_pkey RENAME TO audit_legacy_entries_pkey;
ALTER INDEX audit_heads_pkey RENAME TO audit_legacy_heads_pkey;
ALTER INDEX audit_state_pkey RENAME TO audit_legacy_state_pkey;

-- idx is the entry's position in its organisation's tree. data is the
-- entry's canonical encoding (see encoding.go) and the only source of
-- truth; the other columns are copies kept for filtering. Reads compare
-- them with data, listings check that no position is missing, and
-- `dbtp audit verify` checks every column of every row.
-- hashes are the tlog stored hashes this leaf added to its organisation's
-- tree (32 bytes each: the leaf hash, then one node per completed
-- subtree), so proofs read a few rows.
CREATE TABLE audit_entries (
  org_id        TEXT NOT NULL,
  idx           BIGINT NOT NULL,
  actor_id      TEXT NOT NULL,
  action        TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  at            BIGINT NOT NULL,
  data          BYTEA NOT NULL,
  hashes        BYTEA NOT NULL,
  PRIMARY KEY (org_id, idx)
);
CREATE INDEX audit_entries_org_actor ON audit_entries (org_id, actor_id, idx);
CREATE INDEX audit_entries_org_action ON audit_entries (org_id, action, idx);
CREATE INDEX audit_entries_org_resource ON audit_entries (org_id, resource_type, resource_id, idx);

-- Per organisation: the tree size and its right-edge subtree hashes (one
-- per set bit of size, lowest level first), so an append is O(log n)
-- without reading earlier entries; head_size is the size of the latest
-- signed head. A row appears with the organisation's first entry.
CREATE TABLE audit_state (
  org_id    TEXT PRIMARY KEY,
  size      BIGINT NOT NULL,
  frontier  BYTEA NOT NULL,
  head_size BIGINT NOT NULL
);

-- One signed head per organisation tree and committed transaction that
-- appended to it. note is a signed checkpoint naming the organisation
-- (see checkpoint.go); root repeats its hash, verification trusts only note.
CREATE TABLE audit_heads (
  org_id     TEXT NOT NULL,
  size       BIGINT NOT NULL,
  root       BYTEA NOT NULL,
  note       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, size)
);

CREATE TABLE audit_rebuild (id INTEGER PRIMARY KEY CHECK (id = 1));
INSERT INTO audit_rebuild (id) SELECT 1
  WHERE EXISTS (SELECT 1 FROM audit_legacy_entries) OR EXISTS (SELECT 1 FROM audit_legacy_heads);
