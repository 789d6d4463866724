-- The audit log: append-only entries that are the leaves of a Merkle tree
-- (golang.org/x/mod/sumdb/tlog), the tree's right edge, and signed tree heads.

-- data is the entry's canonical encoding (see encoding.go) and the only
-- source of truth; the other columns are copies kept for filtering and are
-- cross-checked against data whenever an entry is read.
-- hashes are the tlog stored hashes this leaf added (32 bytes each: the leaf
-- hash, then one node per completed subtree), so proofs read a few rows.
CREATE TABLE audit_entries (
  idx           INTEGER PRIMARY KEY,
  org_id        TEXT NOT NULL,
  actor_id      TEXT NOT NULL,
  action        TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  at            BIGINT NOT NULL,
  data          BLOB NOT NULL,
  hashes        BLOB NOT NULL
);
-- Every listing is scoped to one organisation and read newest first.
CREATE INDEX audit_entries_org ON audit_entries (org_id, idx);
CREATE INDEX audit_entries_org_actor ON audit_entries (org_id, actor_id, idx);
CREATE INDEX audit_entries_org_action ON audit_entries (org_id, action, idx);
CREATE INDEX audit_entries_org_resource ON audit_entries (org_id, resource_type, resource_id, idx);

-- One row: the tree size and its right-edge subtree hashes (one per set bit
-- of size, lowest level first), so an append is O(log n) without reading
-- earlier entries. head_size is the size of the latest signed head.
CREATE TABLE audit_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  size      BIGINT NOT NULL,
  frontier  BLOB NOT NULL,
  head_size BIGINT NOT NULL
);
INSERT INTO audit_state (id, size, frontier, head_size) VALUES (1, 0, x'', 0);

-- One signed tree head per committed transaction that appended entries.
-- note is the signed note (tlog.FormatTree text plus an Ed25519 signature);
-- root repeats its hash for convenience, verification trusts only note.
CREATE TABLE audit_heads (
  size       BIGINT PRIMARY KEY,
  root       BLOB NOT NULL,
  note       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
