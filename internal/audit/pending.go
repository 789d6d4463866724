package audit

import (
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// On PostgreSQL, Record leaves a group's entries in the batch's values
// (pendingKey) and the before-commit hook appends them, holding the
// organisation's tree lock only from there to the commit (see Record).

func pendingKey(org string) string { return "audit.pending/" + org }

// appendPending appends the entries of org that Record left for the
// before-commit hook, in the order they were recorded, and signs the new
// tree head, reporting whether there were any. Everything the lock covers
// is kept to three round trips (the state read and locked; the entries,
// the head and the state written by one statement; the commit): each one
// is paid by every group waiting for the lock, and with the two cores busy
// a round trip took about half a millisecond (the 9 a.m. rush held the
// lock for four statements and the commit before).
func (l *Log) appendPending(tx *store.Tx, org string) (bool, error) {
	v, _ := tx.BatchValue(pendingKey(org))
	list, _ := v.([]Entry)
	if len(list) == 0 {
		return false, nil
	}
	ctx := tx.Context()
	st, err := batchState(ctx, tx, org)
	if err != nil {
		return false, err
	}
	var rows pendingRows
	var scratch []byte
	for _, e := range list {
		e.Index = st.f.size
		data := appendEntry(nil, e)
		rows.add(e, data, st.f.push(leafHash(&scratch, data), make([]tlog.Hash, 0, 4)))
	}
	root := st.f.root()
	msg, err := note.Sign(&note.Note{Text: formatCheckpoint(org, st.f.size, root)}, l.signer)
	if err != nil {
		return false, fmt.Errorf("audit: sign tree head: %w", err)
	}
	// The size guard turns a lost serialization (two transactions reading
	// the same state) into an error instead of a forked tree.
	res, err := tx.Exec(ctx, `WITH e AS (INSERT INTO audit_entries (org_id, idx, actor_id, action, resource_type, resource_id, at, data, hashes)
			SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bytea[], ?::bytea[])),
		h AS (INSERT INTO audit_heads (org_id, size, root, note, created_at) VALUES (?, ?, ?, ?, ?))
		UPDATE audit_state SET size = ?, frontier = ?, head_size = ? WHERE org_id = ? AND size = ?`,
		rows.org, rows.idx, rows.actor, rows.action, rows.rtype, rows.rid, rows.at, rows.data, rows.hashes,
		org, st.f.size, root[:], string(msg), store.Millis(l.now()),
		st.f.size, st.f.marshal(), st.f.size, org, st.base)
	if err != nil {
		return false, fmt.Errorf("audit: append entries %d to %d to %s and sign its head: %w", st.f.size-int64(len(list)), st.f.size-1, Origin(org), err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, platform.Internal(fmt.Errorf("audit: tree state of %s moved during append of entries %d to %d", Origin(org), st.base, st.f.size-1))
	}
	st.base, st.head = st.f.size, st.f.size
	tx.SetBatchValue(stateKey(org), st)
	tx.SetBatchValue(pendingKey(org), []Entry(nil))
	return true, nil
}

// pendingRows are entries to insert, column by column, for unnest: one
// statement whatever their number.
type pendingRows struct {
	org, actor, action, rtype, rid []string
	idx, at                        []int64
	data, hashes                   [][]byte
}

func (c *pendingRows) add(e Entry, data []byte, stored []tlog.Hash) {
	hashes := make([]byte, 0, len(stored)*tlog.HashSize)
	for _, h := range stored {
		hashes = append(hashes, h[:]...)
	}
	c.org, c.idx, c.actor, c.action = append(c.org, e.OrgID), append(c.idx, e.Index), append(c.actor, e.ActorID), append(c.action, e.Action)
	c.rtype, c.rid, c.at = append(c.rtype, e.ResourceType), append(c.rid, e.ResourceID), append(c.at, store.Millis(e.At))
	c.data, c.hashes = append(c.data, data), append(c.hashes, hashes)
}
