package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Before per-organisation logs, dbtp kept one tree for every organisation.
// Migration 0002 moves those tables aside (audit_legacy_*) and, when they
// hold anything, leaves a row in audit_rebuild; Upgrade then rebuilds the
// entries into per-organisation trees. A migration cannot do this in SQL:
// it needs the leaf hashes recomputed and new heads signed.

// upgradeBatch bounds how many old entries are held in memory at once; a
// transaction cannot read and write at the same time on PostgreSQL.
const upgradeBatch = 2000

// Upgrade rebuilds a log written before per-organisation logs, if the
// database holds one, and returns how many entries it moved. It first
// checks the old log against its latest signed head (every entry, in
// order, must hash to that head's root, and the head's signature must
// verify): a log that fails is not rebuilt, because re-signing it would
// launder whatever was changed. The whole rebuild is one transaction, so an
// interrupted one leaves the old log as it was. Afterwards each entry keeps
// its content under a new index (its position in its organisation's
// tree), and the platform's log records the rebuild with the old log's
// size, root and signed head, so a witness that kept old heads can tie them
// to the new logs.
//
// cmd/dbtp calls Upgrade at start; Record refuses to append while a rebuild
// is pending, so no new entry can take an index an old one needs.
func (l *Log) Upgrade(ctx context.Context) (int64, error) {
	var n int64
	err := l.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = l.upgrade(tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	l.upgraded.Store(true)
	return n, nil
}

// checkUpgraded refuses appends while a rebuild is pending. Once none is,
// none can be again, so the answer is kept, but only once it is committed:
// the transaction that sees no rebuild pending may be the rebuild itself.
func (l *Log) checkUpgraded(tx *store.Tx) error {
	if l.upgraded.Load() {
		return nil
	}
	pending, err := rebuildPending(tx.Context(), tx, false)
	if err != nil {
		return err
	}
	if pending {
		return platform.Internal(fmt.Errorf("audit: the log from an older dbtp has not been rebuilt into per-organisation logs yet; start dbtp (serve or migrate) to run the upgrade"))
	}
	tx.AfterCommit(func() { l.upgraded.Store(true) })
	return nil
}

func rebuildPending(ctx context.Context, q queryRower, lock bool) (bool, error) {
	query := "SELECT COUNT(*) FROM audit_rebuild"
	if lock {
		// Several nodes may start together: the first rebuilds, the
		// others wait here and then find nothing left to do.
		query = "SELECT COUNT(*) FROM (SELECT id FROM audit_rebuild FOR UPDATE) r"
	}
	var n int
	if err := q.QueryRow(ctx, query).Scan(&n); err != nil {
		return false, fmt.Errorf("audit: read upgrade state: %w", err)
	}
	return n > 0, nil
}

func (l *Log) upgrade(tx *store.Tx) (int64, error) {
	ctx := tx.Context()
	pending, err := rebuildPending(ctx, tx, tx.Dialect() == store.Postgres)
	if err != nil || !pending {
		return 0, err
	}
	var (
		old     frontier // the old platform-wide tree, recomputed
		trees   = map[string]*frontier{}
		scratch []byte
		buf     []tlog.Hash
	)
	for {
		batch, err := legacyBatch(ctx, tx, old.size)
		if err != nil {
			return 0, err
		}
		for _, r := range batch {
			if r.idx != old.size {
				return 0, legacyFailure("entry %d is missing (deleted)", old.size)
			}
			e, err := decodeEntryVersion(r.data, encodingV1)
			if err != nil || e.Index != r.idx {
				return 0, legacyFailure("entry %d is not a valid entry", r.idx)
			}
			old.push(leafHash(&scratch, r.data), buf[:0])
			f := trees[e.OrgID]
			if f == nil {
				f = &frontier{}
				trees[e.OrgID] = f
			}
			e.Index = f.size
			data := appendEntry(nil, e)
			buf = f.push(leafHash(&scratch, data), buf[:0])
			if err := insertEntry(ctx, tx, e, data, buf); err != nil {
				return 0, err
			}
		}
		if len(batch) < upgradeBatch {
			break
		}
	}
	head, err := l.checkLegacyHead(ctx, tx, &old)
	if err != nil {
		return 0, err
	}
	orgs := make([]string, 0, len(trees))
	for org := range trees {
		orgs = append(orgs, org)
	}
	slices.Sort(orgs)
	for _, org := range orgs {
		f := trees[org]
		if _, err := tx.Exec(ctx, "INSERT INTO audit_state (org_id, size, frontier, head_size) VALUES (?, ?, ?, 0)", org, f.size, f.marshal()); err != nil {
			return 0, fmt.Errorf("audit: upgrade: tree state of %s: %w", Origin(org), err)
		}
		tx.SetBatchValue(stateKey(org), treeState{f: *f, base: f.size})
		l.signBeforeCommit(tx, org)
	}
	for _, q := range []string{"DROP TABLE audit_legacy_entries", "DROP TABLE audit_legacy_heads", "DROP TABLE audit_legacy_state", "DELETE FROM audit_rebuild"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("audit: upgrade: %s: %w", q, err)
		}
	}
	e := Entry{ActorID: "system", ActorName: "dbtp", Action: "platform.audit_rebuild", ResourceType: "platform", Outcome: Success,
		Detail: fmt.Sprintf("rebuilt the platform-wide audit log of %d entries (root %s) into %d per-organisation logs; its last signed head was:\n%s",
			old.size, old.root(), len(orgs), head)}
	if err := l.Record(tx, e); err != nil {
		return 0, err
	}
	return old.size, nil
}

type legacyRow struct {
	idx  int64
	data []byte
}

func legacyBatch(ctx context.Context, tx *store.Tx, from int64) ([]legacyRow, error) {
	rows, err := tx.Query(ctx, "SELECT idx, data FROM audit_legacy_entries WHERE idx >= ? ORDER BY idx LIMIT ?", from, upgradeBatch)
	if err != nil {
		return nil, fmt.Errorf("audit: upgrade: read old entries: %w", err)
	}
	defer rows.Close()
	var out []legacyRow
	for rows.Next() {
		var r legacyRow
		if err := rows.Scan(&r.idx, &r.data); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: upgrade: read old entries: %w", err)
	}
	// Rows before 0 were inserted behind the log's back.
	if len(out) > 0 && from == 0 && out[0].idx < 0 {
		return nil, legacyFailure("entry %d precedes the start of the log (inserted)", out[0].idx)
	}
	return out, nil
}

// checkLegacyHead compares the recomputed old tree with the old log's latest
// signed head and returns that head's note.
func (l *Log) checkLegacyHead(ctx context.Context, tx *store.Tx, old *frontier) (string, error) {
	var size int64
	var text string
	err := tx.QueryRow(ctx, "SELECT size, note FROM audit_legacy_heads ORDER BY size DESC LIMIT 1").Scan(&size, &text)
	switch {
	case store.IsNoRows(err):
		return "", legacyFailure("no signed tree head covers its %d entries", old.size)
	case err != nil:
		return "", fmt.Errorf("audit: upgrade: read old tree head: %w", err)
	case size != old.size:
		return "", legacyFailure("its latest signed tree head has %d entries, the table %d", size, old.size)
	}
	n, err := note.Open([]byte(text), note.VerifierList(l.verifier))
	if err != nil {
		return "", legacyFailure("its latest signed tree head fails its signature check with this audit key")
	}
	t, err := tlog.ParseTree([]byte(n.Text))
	if err != nil || t.N != size || t.Hash != old.root() {
		return "", legacyFailure("its entries do not match its latest signed tree head (edited, inserted or reordered)")
	}
	return strings.TrimSpace(text), nil
}

func legacyFailure(format string, args ...any) error {
	return fmt.Errorf("audit: the log written by an older dbtp fails verification, so it is not rebuilt into per-organisation logs: %s. "+
		"Nothing was changed. Restore the database from the backup taken before this upgrade and run `dbtp audit verify` with the previous release to find what was altered",
		fmt.Sprintf(format, args...))
}
