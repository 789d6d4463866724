package audit

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the audit module's tables.
var Migrations = store.EmbeddedMigrations("audit", migrationFS, "migrations")

// Log is the tamper-evident audit log. It implements Recorder.
//
// Every organisation has a Merkle tree of its own, and entries that belong
// to no organisation (failed sign-ins of unknown people, platform events)
// form the platform's tree. An entry's Index is its position in its
// organisation's tree, and each tree has its own signed heads, so what an
// organisation can see of the log (its entries, their indexes, its tree
// sizes and proofs) says nothing about how busy any other organisation is.
type Log struct {
	db       *store.DB
	signer   note.Signer
	verifier note.Verifier
	now      func() time.Time
	upgraded atomic.Bool // no rebuild of an older log is pending (see Upgrade)
}

var _ Recorder = (*Log)(nil)

// New returns the log stored in db whose tree heads are signed by signer and
// checked with verifier (see LoadOrCreateKey and ParseKey). A database
// written by a dbtp from before per-organisation logs needs Upgrade before
// anything is recorded.
func New(db *store.DB, signer note.Signer, verifier note.Verifier) *Log {
	return &Log{db: db, signer: signer, verifier: verifier, now: time.Now}
}

// Record appends e inside tx, so the entry commits or rolls back with the
// change it describes. On PostgreSQL the entry is appended by the group
// commit's before-commit hook, which locks the organisation's tree state
// row only from there to the commit (appends to different organisations
// do not wait for each other).
func (l *Log) Record(tx *store.Tx, e Entry) error {
	e, err := normalize(e, l.now())
	if err != nil {
		return err
	}
	if err := l.checkUpgraded(tx); err != nil {
		return err
	}
	if tx.Dialect() == store.Postgres {
		// PostgreSQL locks the organisation's tree state from its first
		// read until commit, and group commit runs two writers: appending
		// here locked it for the rest of the group, so the other writer's
		// group waited for all of it (pg_stat_statements: a mean 16 ms on
		// the lock, the machine a quarter idle). The entries wait in the
		// batch's values (which a write that rolls back restores) and are
		// appended in the before-commit hook, holding the lock only for
		// the appends and the commit.
		key := pendingKey(e.OrgID)
		v, _ := tx.BatchValue(key)
		list, _ := v.([]Entry)
		tx.SetBatchValue(key, append(list[:len(list):len(list)], e))
		l.signBeforeCommit(tx, e.OrgID)
		return nil
	}
	st, err := batchState(tx.Context(), tx, e.OrgID)
	if err != nil {
		return err
	}
	if err := appendTo(tx, &st, e); err != nil {
		return err
	}
	tx.SetBatchValue(stateKey(e.OrgID), st)
	l.signBeforeCommit(tx, e.OrgID)
	return nil
}

// appendTo adds e to the tree st and stores it with the hashes its leaf
// added.
func appendTo(tx *store.Tx, st *treeState, e Entry) error {
	e.Index = st.f.size
	data := appendEntry(nil, e)
	var scratch []byte
	stored := st.f.push(leafHash(&scratch, data), make([]tlog.Hash, 0, 4))
	return insertEntry(tx.Context(), tx, e, data, stored)
}

// treeState is an organisation's tree as the appends of one physical
// transaction grow it: read (and on PostgreSQL locked) by the first append,
// kept in the transaction's batch values by the rest, and written back once,
// just before commit (see signHead). Updating the state row once per entry
// made PostgreSQL walk a longer chain of row versions at every append of a
// group commit.
type treeState struct {
	f    frontier
	base int64 // the size stored when the transaction read it
	head int64 // the size of the last signed head
}

func stateKey(org string) string { return "audit.state/" + org }

func batchState(ctx context.Context, tx *store.Tx, org string) (treeState, error) {
	if v, ok := tx.BatchValue(stateKey(org)); ok {
		return v.(treeState), nil
	}
	f, head, err := lockState(ctx, tx, org)
	if err != nil {
		return treeState{}, err
	}
	return treeState{f: f, base: f.size, head: head}, nil
}

// RecordNow appends e in a write of its own.
func (l *Log) RecordNow(ctx context.Context, e Entry) error {
	return l.db.Write(ctx, func(tx *store.Tx) error { return l.Record(tx, e) })
}

// insertEntry stores an entry with the tree hashes its leaf added.
func insertEntry(ctx context.Context, tx *store.Tx, e Entry, data []byte, stored []tlog.Hash) error {
	hashes := make([]byte, 0, len(stored)*tlog.HashSize)
	for _, h := range stored {
		hashes = append(hashes, h[:]...)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_entries (org_id, idx, actor_id, action, resource_type, resource_id, at, data, hashes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.Index, e.ActorID, e.Action, e.ResourceType, e.ResourceID, store.Millis(e.At), data, hashes); err != nil {
		return fmt.Errorf("audit: append entry %d to %s: %w", e.Index, Origin(e.OrgID), err)
	}
	return nil
}

// lockState reads an organisation's tree state for an append, creating it
// for the organisation's first entry. On PostgreSQL the row stays locked
// until the transaction ends, which serializes appends to one tree across
// nodes; SQLite's single writer serializes everything already.
func lockState(ctx context.Context, tx *store.Tx, org string) (frontier, int64, error) {
	q := "SELECT size, frontier, head_size FROM audit_state WHERE org_id = ?"
	if tx.Dialect() == store.Postgres {
		q += " FOR UPDATE"
	}
	f, head, err := readState(ctx, tx, q, org)
	if !errors.Is(err, errNoState) {
		return f, head, err
	}
	// Two first appends racing on PostgreSQL: the second INSERT waits for
	// the first to commit and then does nothing, and its SELECT sees the
	// committed row.
	if _, err := tx.Exec(ctx, "INSERT INTO audit_state (org_id, size, frontier, head_size) VALUES (?, 0, ?, 0) ON CONFLICT (org_id) DO NOTHING", org, []byte{}); err != nil {
		return frontier{}, 0, fmt.Errorf("audit: create tree state of %s: %w", Origin(org), err)
	}
	return readState(ctx, tx, q, org)
}

// signBeforeCommit arranges for the tree state to be stored and one signed
// head made per organisation tree that grew in this physical transaction.
//
// One hook serves every organisation of the transaction, in the order of
// their IDs: on PostgreSQL each takes its tree state's lock there, and two
// groups taking the locks of the same trees in different orders (an
// organisation's and the platform's) would deadlock.
func (l *Log) signBeforeCommit(tx *store.Tx, org string) {
	v, _ := tx.BatchValue(orgsKey)
	orgs, _ := v.([]string)
	if !slices.Contains(orgs, org) {
		grown := append(orgs[:len(orgs):len(orgs)], org) // a copy: a rollback restores the list it found
		slices.Sort(grown)
		tx.SetBatchValue(orgsKey, grown)
	}
	tx.BeforeCommit(orgsKey, func(tx *store.Tx) error {
		v, _ := tx.BatchValue(orgsKey)
		orgs, _ := v.([]string)
		for _, org := range orgs {
			if err := l.signHead(tx, org); err != nil {
				return err
			}
		}
		return nil
	})
}

const orgsKey = "audit.tree-heads"

// signHead runs once per physical transaction and organisation, after every
// write in it: one state update and one signature cover the whole group
// commit. A write in the group that recorded and then failed took its
// entries and their state with it, hence the checks.
func (l *Log) signHead(tx *store.Tx, org string) error {
	if done, err := l.appendPending(tx, org); done || err != nil {
		return err
	}
	v, ok := tx.BatchValue(stateKey(org))
	if !ok {
		return nil
	}
	st := v.(treeState)
	if st.f.size == st.head {
		return nil
	}
	ctx := tx.Context()
	// The size guard turns a lost serialization (two transactions reading
	// the same state) into an error instead of a forked tree.
	res, err := tx.Exec(ctx, "UPDATE audit_state SET size = ?, frontier = ?, head_size = ? WHERE org_id = ? AND size = ?",
		st.f.size, st.f.marshal(), st.f.size, org, st.base)
	if err != nil {
		return fmt.Errorf("audit: update tree state: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return platform.Internal(fmt.Errorf("audit: tree state of %s moved during append of entries %d to %d", Origin(org), st.base, st.f.size))
	}
	root := st.f.root()
	msg, err := note.Sign(&note.Note{Text: formatCheckpoint(org, st.f.size, root)}, l.signer)
	if err != nil {
		return fmt.Errorf("audit: sign tree head: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO audit_heads (org_id, size, root, note, created_at) VALUES (?, ?, ?, ?, ?)",
		org, st.f.size, root[:], string(msg), store.Millis(l.now())); err != nil {
		return fmt.Errorf("audit: store tree head %d of %s: %w", st.f.size, Origin(org), err)
	}
	return nil
}

type queryRower interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

var errNoState = errors.New("audit: no tree state")

func readState(ctx context.Context, q queryRower, query, org string) (frontier, int64, error) {
	var size, headSize int64
	var b []byte
	if err := q.QueryRow(ctx, query, org).Scan(&size, &b, &headSize); err != nil {
		if store.IsNoRows(err) {
			return frontier{}, 0, errNoState
		}
		return frontier{}, 0, fmt.Errorf("audit: read tree state of %s: %w", Origin(org), err)
	}
	f, err := unmarshalFrontier(size, b)
	return f, headSize, err
}

// orgSize is the number of entries in an organisation's tree (0 before its
// first), as the tree state says.
func (l *Log) orgSize(ctx context.Context, org string) (int64, error) {
	var size int64
	err := l.db.QueryRow(ctx, "SELECT size FROM audit_state WHERE org_id = ?", org).Scan(&size)
	if store.IsNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit: read tree size of %s: %w", Origin(org), err)
	}
	return size, nil
}
