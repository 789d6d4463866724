package audit

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
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

// appendLock is the PostgreSQL advisory lock that serializes appends across
// nodes (the migration lock is 7201). SQLite needs none: its writer is serial.
const appendLock = 7202

// Log is the tamper-evident audit log. It implements Recorder.
type Log struct {
	db       *store.DB
	signer   note.Signer
	verifier note.Verifier
	now      func() time.Time
}

var _ Recorder = (*Log)(nil)

// New returns the log stored in db whose tree heads are signed by signer and
// checked with verifier (see LoadOrCreateKey and ParseKey).
func New(db *store.DB, signer note.Signer, verifier note.Verifier) *Log {
	return &Log{db: db, signer: signer, verifier: verifier, now: time.Now}
}

// Record appends e inside tx, so the entry commits or rolls back with the
// change it describes. On PostgreSQL it holds the append lock until tx ends,
// so callers should record near the end of their write.
func (l *Log) Record(tx *store.Tx, e Entry) error {
	e, err := normalize(e, l.now())
	if err != nil {
		return err
	}
	ctx := tx.Context()
	if tx.Dialect() == store.Postgres {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", appendLock); err != nil {
			return fmt.Errorf("audit: lock: %w", err)
		}
	}
	f, _, err := readState(ctx, tx)
	if err != nil {
		return err
	}
	e.Index = f.size
	data := appendEntry(nil, e)
	var scratch []byte
	stored := f.push(leafHash(&scratch, data), make([]tlog.Hash, 0, 4))
	hashes := make([]byte, 0, len(stored)*tlog.HashSize)
	for _, h := range stored {
		hashes = append(hashes, h[:]...)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_entries (idx, org_id, actor_id, action, resource_type, resource_id, at, data, hashes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Index, e.OrgID, e.ActorID, e.Action, e.ResourceType, e.ResourceID, store.Millis(e.At), data, hashes); err != nil {
		return fmt.Errorf("audit: append entry %d: %w", e.Index, err)
	}
	// The size guard turns a lost serialization (two appends reading the
	// same state) into an error instead of a forked tree.
	res, err := tx.Exec(ctx, "UPDATE audit_state SET size = ?, frontier = ? WHERE id = 1 AND size = ?", f.size, f.marshal(), e.Index)
	if err != nil {
		return fmt.Errorf("audit: update tree state: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return platform.Internal(fmt.Errorf("audit: tree state moved during append of entry %d", e.Index))
	}
	tx.BeforeCommit("audit.tree-head", l.signHead)
	return nil
}

// RecordNow appends e in a write of its own.
func (l *Log) RecordNow(ctx context.Context, e Entry) error {
	return l.db.Write(ctx, func(tx *store.Tx) error { return l.Record(tx, e) })
}

// signHead runs once per physical transaction, after every write in it: one
// signature covers the whole group commit. A write in the group that
// recorded and then failed leaves the size unchanged, hence the check.
func (l *Log) signHead(tx *store.Tx) error {
	ctx := tx.Context()
	f, headSize, err := readState(ctx, tx)
	if err != nil || f.size == headSize {
		return err
	}
	root := f.root()
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: f.size, Hash: root}))}, l.signer)
	if err != nil {
		return fmt.Errorf("audit: sign tree head: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO audit_heads (size, root, note, created_at) VALUES (?, ?, ?, ?)",
		f.size, root[:], string(msg), store.Millis(l.now())); err != nil {
		return fmt.Errorf("audit: store tree head %d: %w", f.size, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE audit_state SET head_size = ? WHERE id = 1", f.size); err != nil {
		return fmt.Errorf("audit: update head size: %w", err)
	}
	return nil
}

type queryRower interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func readState(ctx context.Context, q queryRower) (frontier, int64, error) {
	var size, headSize int64
	var b []byte
	if err := q.QueryRow(ctx, "SELECT size, frontier, head_size FROM audit_state WHERE id = 1").Scan(&size, &b, &headSize); err != nil {
		if store.IsNoRows(err) {
			return frontier{}, 0, errors.New("audit: tree state row is missing; was the audit migration applied?")
		}
		return frontier{}, 0, fmt.Errorf("audit: read tree state: %w", err)
	}
	f, err := unmarshalFrontier(size, b)
	return f, headSize, err
}
