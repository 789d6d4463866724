package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Tx is one logical write. Several Txs may share a physical transaction
// (group commit), each isolated by a savepoint, so a failing write never takes
// its neighbours down with it.
type Tx struct {
	ctx         context.Context
	tx          *sql.Tx
	db          *DB
	afterCommit []func()
	batch       *batchHooks
}

// batchHooks are run once per physical transaction, just before COMMIT.
type batchHooks struct {
	keys   map[string]bool
	hooks  []func(*Tx) error
	values map[string]any // see BatchValue
	// committing is set once the hooks run: a hook asking for another
	// (an audit entry recorded from a hook) would never run, so it makes
	// the commit fail instead of losing what it would have written.
	committing, late bool
}

// Context is the context of the request that started this write.
func (t *Tx) Context() context.Context { return t.ctx }

// Dialect reports the engine, for the rare statement that differs.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

// stmtCtx is the context a statement runs under. On PostgreSQL a statement
// cancelled by its context breaks the connection, and with it the whole group
// commit; a write already under way is finished instead (a write whose
// request has gone before its turn is skipped, in runBatch).
func (t *Tx) stmtCtx(ctx context.Context) context.Context {
	if t.db.dialect == Postgres {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// Exec runs a statement inside the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.stmtCtx(ctx)
	q := t.db.rebind(query)
	if st := t.db.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// Query reads inside the transaction, seeing its own uncommitted writes.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.stmtCtx(ctx)
	q := t.db.rebind(query)
	if st := t.db.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRow reads at most one row inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.stmtCtx(ctx)
	q := t.db.rebind(query)
	if st := t.db.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// AfterCommit runs fn once this write is durably committed (never if it fails).
// Use it to update caches; it must not block.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// BeforeCommit runs fn once per physical transaction, just before it commits,
// however many writes in the group asked for the same key. The audit log uses
// it to sign one tree head per group commit rather than one per entry.
func (t *Tx) BeforeCommit(key string, fn func(*Tx) error) {
	if t.batch.committing {
		t.batch.late = true
		return
	}
	if t.batch.keys[key] {
		return
	}
	t.batch.keys[key] = true
	t.batch.hooks = append(t.batch.hooks, fn)
}

// BatchValue returns what a write earlier in the same physical transaction
// (or this one) left under key with SetBatchValue. A write that fails takes
// its values with it, as its statements are rolled back. The audit log keeps
// an organisation's tree state here so that a group of appends reads and
// writes the state row once, not once per entry.
func (t *Tx) BatchValue(key string) (any, bool) {
	v, ok := t.batch.values[key]
	return v, ok
}

// SetBatchValue keeps v under key until the physical transaction ends. v
// should be a value, not a pointer to something later changed, so that a
// rolled-back write restores the value before it.
func (t *Tx) SetBatchValue(key string, v any) {
	if t.batch.values == nil {
		t.batch.values = map[string]any{}
	}
	t.batch.values[key] = v
}

type writeRequest struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// maxBatch bounds how many writes share one commit, so one slow batch cannot
// hold a long queue hostage.
const maxBatch = 256

// ErrLateHook is a group commit's failure when a before-commit hook asked
// for another before-commit hook, which would never have run. It is a
// programming error, so it fails every write of the group, loudly.
var ErrLateHook = errors.New("store: a before-commit hook asked for another (nothing was committed)")

// Write runs fn in a transaction and returns once it is durably committed or
// rolled back. fn must only use tx for database work and should do slow
// work (password hashing, network) before Write. Calling Write from inside
// fn would wait forever for the writer, so it fails at once with
// ErrNestedWrite.
//
// Both engines group-commit: on SQLite because there is one writer; on
// PostgreSQL because an organisation's audited writes take the row lock of
// its audit tree until they commit, so one at a time they went one commit
// at a time (measured: 331 Notify sends a second, against 1,100 on
// SQLite). The audit log takes that lock in a before-commit hook, once per
// group. A deadlock reported to one write of a group is retried on its own.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if inWrite(goroutineID()) {
		return ErrNestedWrite
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = db.enqueue(ctx, fn); err == nil || db.dialect != Postgres || !retryablePG(err) {
			break
		}
	}
	return err
}

func (db *DB) enqueue(ctx context.Context, fn func(tx *Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-db.closing:
		return ErrClosed
	default:
	}
	select {
	case db.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.closing:
		return ErrClosed
	}
	return <-req.done
}

func (db *DB) writer() {
	defer db.writerWG.Done()
	// Write functions (and their after-commit hooks) run only here, so
	// this goroutine is marked once for its life instead of reading its
	// ID from the stack around every write (a profile of the write mix:
	// 5 to 7% of the server's CPU went on goroutineID).
	gid := goroutineID()
	writing.Store(gid, true)
	defer writing.Delete(gid)
	batch := make([]*writeRequest, 0, maxBatch)
	for {
		var first *writeRequest
		select {
		case first = <-db.writes:
		case <-db.closing:
			// Finish what was queued before Close, then stop.
			for {
				select {
				case r := <-db.writes:
					db.runBatch([]*writeRequest{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-db.writes:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		db.runBatch(batch)
		db.stmts.prepare(db.write)
	}
}

// execPrepared runs one of the group commit's own statements, prepared
// once like the writes' statements.
func (db *DB) execPrepared(tx *sql.Tx, q string) (sql.Result, error) {
	if st := db.stmts.get(q); st != nil {
		return tx.Stmt(st).Exec()
	}
	return tx.Exec(q)
}

// runBatch commits a group of writes in one transaction.
func (db *DB) runBatch(batch []*writeRequest) {
	results := make([]error, len(batch))
	keeps := make([]error, len(batch)) // CommitAnd errors, returned after commit
	txs := make([]*Tx, len(batch))
	err := db.withBusyRetry(func() error {
		clear(results)
		clear(keeps)
		sqlTx, err := db.write.BeginTx(context.Background(), nil)
		if err != nil {
			return err
		}
		hooks := &batchHooks{keys: map[string]bool{}}
		single := len(batch) == 1
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			t := &Tx{ctx: r.ctx, tx: sqlTx, db: db, batch: hooks}
			txs[i] = t
			if single {
				results[i], keeps[i] = splitCommit(runFn(t, r.fn))
				continue
			}
			if _, err := db.execPrepared(sqlTx, "SAVEPOINT w"); err != nil {
				sqlTx.Rollback()
				return err
			}
			values := maps.Clone(hooks.values)
			if results[i], keeps[i] = splitCommit(runFn(t, r.fn)); results[i] != nil {
				if _, err := db.execPrepared(sqlTx, "ROLLBACK TO w"); err != nil {
					sqlTx.Rollback()
					return err
				}
				hooks.values = values
			}
			if _, err := db.execPrepared(sqlTx, "RELEASE w"); err != nil {
				sqlTx.Rollback()
				return err
			}
		}
		if single && results[0] != nil {
			return sqlTx.Rollback()
		}
		hookTx := &Tx{ctx: context.Background(), tx: sqlTx, db: db, batch: hooks}
		hooks.committing = true
		for _, h := range hooks.hooks {
			if err := h(hookTx); err != nil {
				sqlTx.Rollback()
				return fmt.Errorf("before-commit hook: %w", err)
			}
		}
		if hooks.late {
			sqlTx.Rollback()
			return ErrLateHook
		}
		return sqlTx.Commit()
	})
	ok := int64(0)
	for i, r := range batch {
		res := results[i]
		if err != nil && res == nil {
			db.log.Error("group commit failed", "err", err, "writes", len(batch))
			res = fmt.Errorf("store: commit failed: %w", err)
		}
		if res == nil {
			ok++
			for _, fn := range txs[i].afterCommit {
				fn()
			}
			res = keeps[i]
		}
		r.done <- res
	}
	db.statsMu.Lock()
	if err == nil {
		db.stats.Transactions++
	}
	db.stats.Writes += ok
	db.statsMu.Unlock()
}

// runFn calls fn, turning a panic into an error so one bad write cannot kill
// the writer goroutine and with it every later write.
func runFn(t *Tx, fn func(*Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
	}()
	return fn(t)
}

// withBusyRetry retries when another process holds the write lock longer than
// busy_timeout, so "database is locked" does not reach a person.
func (db *DB) withBusyRetry(fn func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = fn(); err == nil || !isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	return err
}

func isBusy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

func retryablePG(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
