// Package store opens the platform's database, embedded SQLite by default or
// PostgreSQL when a URL is given, and gives every module the same small surface:
// reads on a pool, writes through Write (group-committed), embedded
// per-module migrations, and helpers that hide the few dialect differences.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options say where the data lives.
type Options struct {
	DataDir     string // folder holding dbtp.db when URL is empty
	DatabaseURL string // postgres://... selects PostgreSQL
	Logger      *slog.Logger
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	read    *sql.DB // all reads (a query_only pool on SQLite)
	write   *sql.DB // the single writer connection on SQLite; same as read on PostgreSQL
	log     *slog.Logger
	path    string

	writes    chan *writeRequest
	closing   chan struct{}
	closeOnce sync.Once
	writerWG  sync.WaitGroup
	stats     WriteStats
	statsMu   sync.Mutex
	stmts     *stmtCache // the SQLite writer's prepared statements; nil on PostgreSQL
}

// WriteStats counts group commits, for metrics and benchmarks.
type WriteStats struct {
	Transactions int64 // physical transactions committed
	Writes       int64 // Write calls that succeeded
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("store: database is closed")

// Open opens (creating if needed) the database described by opts.
func Open(ctx context.Context, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	url := strings.TrimSpace(opts.DatabaseURL)
	switch {
	case url == "":
		return openSQLite(ctx, opts.DataDir, log)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, log)
	default:
		return nil, fmt.Errorf("database URL must start with postgres:// (or be empty for the embedded database)")
	}
}

func openSQLite(ctx context.Context, dir string, log *slog.Logger) (*DB, error) {
	if dir == "" {
		return nil, errors.New("no data folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, "dbtp.db")
	// synchronous=FULL: an acknowledged commit is on disk, even in WAL mode.
	// busy_timeout lets another process (a CLI verb) wait instead of failing.
	// A 32 MiB page cache per connection (SQLite's default is 2 MiB) keeps
	// a council's working set of cases and users in memory instead of
	// re-reading pages with a system call each, and reads go through a
	// 256 MiB memory map: in WAL mode a reader drops its page cache whenever
	// another connection has committed, which under load is every read, so
	// without the map each page was a pread and a fresh page allocation.
	// temp_store=MEMORY keeps the statement journals of the group commit's
	// savepoints off disk (they only serve rolling one write back, never
	// durability). None of these changes what a commit writes or syncs.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_pragma=mmap_size(268435456)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, 2*runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	db := &DB{dialect: SQLite, read: r, write: w, log: log, path: path, stmts: newStmtCache(),
		writes: make(chan *writeRequest, 4096), closing: make(chan struct{})}
	db.writerWG.Add(1)
	go db.writer()
	return db, nil
}

// pgWriters is how many group commits a node has in flight on PostgreSQL.
// More than one keeps a write to one organisation from waiting behind a
// group holding another's audit chain; few, because writes to the same
// organisation queue on its chain's lock whatever the number.
const pgWriters = 2

func openPostgres(ctx context.Context, url string, log *slog.Logger) (*DB, error) {
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("invalid PostgreSQL URL: %w", err)
	}
	p.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
	p.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
	p.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL: %w", redactURLError(err))
	}
	db := &DB{dialect: Postgres, read: p, write: p, log: log,
		writes: make(chan *writeRequest, 4096), closing: make(chan struct{})}
	db.writerWG.Add(pgWriters)
	for range pgWriters {
		go db.writer()
	}
	return db, nil
}

// redactURLError keeps connection errors free of passwords.
func redactURLError(err error) error {
	var pe *pgconn.ConnectError
	if errors.As(err, &pe) {
		return errors.New(strings.SplitN(pe.Error(), "password", 2)[0])
	}
	return err
}

// Dialect reports which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Path is the SQLite file, or "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Stats returns a copy of the write counters.
func (db *DB) Stats() WriteStats {
	db.statsMu.Lock()
	defer db.statsMu.Unlock()
	return db.stats
}

// Ping checks the database answers, for readiness.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Close stops the writer after the queued writes and closes the pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.closing) })
	db.writerWG.Wait()
	db.stmts.close()
	var errs []error
	if db.write != db.read {
		errs = append(errs, db.write.Close())
	}
	errs = append(errs, db.read.Close())
	return errors.Join(errs...)
}

// Query runs a read query. Use ? placeholders; they are rebound per dialect.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.rebind(query), args...)
}

// QueryRow runs a read query expected to return at most one row.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.rebind(query), args...)
}

// IsUniqueViolation reports whether err is a unique or primary key conflict.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsNoRows reports whether err is sql.ErrNoRows.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Millis converts a time to the stored form: Unix milliseconds, UTC.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time converts stored Unix milliseconds back to a time (zero for 0).
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
