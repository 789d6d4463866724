package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Head is a signed tree head: the organisation's log had Size entries whose
// Merkle root is Root. Note is the signed note (a checkpoint naming the
// log's Origin, see ParseCheckpoint, plus the signature), which anyone
// holding the public key can check with note.Open.
type Head struct {
	Origin    string    `json:"origin"`
	Size      int64     `json:"size"`
	Root      tlog.Hash `json:"root"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// TreeHead returns the latest signed tree head of the organisation's log
// (orgID as in Filter). An empty log has none.
func (l *Log) TreeHead(ctx context.Context, orgID string) (Head, error) {
	org, err := storedOrg(orgID)
	if err != nil {
		return Head{}, err
	}
	h := Head{Origin: Origin(org)}
	var root []byte
	var at int64
	err = l.db.QueryRow(ctx, "SELECT size, root, note, created_at FROM audit_heads WHERE org_id = ? ORDER BY size DESC LIMIT 1", org).
		Scan(&h.Size, &root, &h.Note, &at)
	if store.IsNoRows(err) {
		return Head{}, platform.NotFound("signed tree head")
	}
	if err != nil {
		return Head{}, fmt.Errorf("audit: read tree head: %w", err)
	}
	if len(root) != tlog.HashSize {
		return Head{}, platform.Internal(fmt.Errorf("audit: tree head %d of %s has a malformed root", h.Size, h.Origin))
	}
	copy(h.Root[:], root)
	h.CreatedAt = store.Time(at)
	return h, nil
}

// InclusionProof proves that entry index of the organisation's log is in
// its tree of size treeSize (check it with tlog.CheckRecord against that
// size's signed root).
func (l *Log) InclusionProof(ctx context.Context, orgID string, index, treeSize int64) (tlog.RecordProof, error) {
	org, err := storedOrg(orgID)
	if err != nil {
		return nil, err
	}
	size, err := l.signedSize(ctx, org)
	if err != nil {
		return nil, err
	}
	if treeSize < 1 || treeSize > size {
		return nil, platform.Invalid(fmt.Sprintf("tree size must be between 1 and %d", size),
			platform.FieldError{Field: "tree_size", Message: "is out of range"})
	}
	if index < 0 || index >= treeSize {
		return nil, platform.Invalid(fmt.Sprintf("index must be between 0 and %d", treeSize-1),
			platform.FieldError{Field: "index", Message: "is out of range"})
	}
	p, err := tlog.ProveRecord(treeSize, index, l.hashReader(ctx, org))
	if err != nil {
		return nil, platform.Internal(err)
	}
	return p, nil
}

// ConsistencyProof proves that the organisation's tree of size oldSize is a
// prefix of its tree of size newSize (check it with tlog.CheckTree).
func (l *Log) ConsistencyProof(ctx context.Context, orgID string, oldSize, newSize int64) (tlog.TreeProof, error) {
	org, err := storedOrg(orgID)
	if err != nil {
		return nil, err
	}
	size, err := l.signedSize(ctx, org)
	if err != nil {
		return nil, err
	}
	if newSize < 1 || newSize > size {
		return nil, platform.Invalid(fmt.Sprintf("new size must be between 1 and %d", size),
			platform.FieldError{Field: "new_size", Message: "is out of range"})
	}
	if oldSize < 1 || oldSize > newSize {
		return nil, platform.Invalid(fmt.Sprintf("old size must be between 1 and %d", newSize),
			platform.FieldError{Field: "old_size", Message: "is out of range"})
	}
	p, err := tlog.ProveTree(newSize, oldSize, l.hashReader(ctx, org))
	if err != nil {
		return nil, platform.Internal(err)
	}
	return p, nil
}

// signedSize is the size of the latest signed head: proofs are only offered
// for trees someone can hold a signature for.
func (l *Log) signedSize(ctx context.Context, org string) (int64, error) {
	var size int64
	if err := l.db.QueryRow(ctx, "SELECT COALESCE(MAX(size), 0) FROM audit_heads WHERE org_id = ?", org).Scan(&size); err != nil {
		return 0, fmt.Errorf("audit: read tree size: %w", err)
	}
	if size == 0 {
		return 0, platform.NotFound("signed tree head")
	}
	return size, nil
}

// hashReader serves tlog stored-hash indexes of an organisation's tree from
// its entry rows. Stored hash (level L, position k) was added by the leaf
// that completed that subtree, leaf ((k+1) << L) - 1, and sits at offset L
// in that leaf's hashes.
func (l *Log) hashReader(ctx context.Context, org string) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		leaves := make(map[int64][]byte, len(indexes))
		args := make([]any, 1, len(indexes)+1)
		args[0] = org
		for _, ix := range indexes {
			level, k := tlog.SplitStoredHashIndex(ix)
			leaf := (k+1)<<level - 1
			if _, ok := leaves[leaf]; !ok {
				leaves[leaf] = nil
				args = append(args, leaf)
			}
		}
		q := "SELECT idx, hashes FROM audit_entries WHERE org_id = ? AND idx IN (?" + strings.Repeat(", ?", len(args)-2) + ")"
		rows, err := l.db.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var idx int64
			var b []byte
			if err := rows.Scan(&idx, &b); err != nil {
				return nil, err
			}
			leaves[idx] = b
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(indexes))
		for i, ix := range indexes {
			level, k := tlog.SplitStoredHashIndex(ix)
			leaf := (k+1)<<level - 1
			b := leaves[leaf]
			if len(b) < (level+1)*tlog.HashSize {
				return nil, fmt.Errorf("audit: stored hashes of entry %d are missing or short; run verify", leaf)
			}
			copy(out[i][:], b[level*tlog.HashSize:])
		}
		return out, nil
	})
}
