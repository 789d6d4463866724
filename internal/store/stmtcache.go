package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the SQLite writer's statement cache. The platform's
// statements are constants in its code, a few hundred at most; statements
// built with a variable number of placeholders add a handful each.
const maxCachedStmts = 1024

// stmtCache keeps the SQLite writer connection's prepared statements.
// Profiling durable case submissions showed SQLite compiling each
// statement anew on every write (a third of the single writer's time, the
// one thing every write waits for); prepared once, a statement is only
// bound and stepped. A statement is prepared between group commits, when
// the one connection is free: the first use of a query runs unprepared and
// asks for it, later ones use the prepared copy. PostgreSQL has no cache
// here (pgx keeps its own per connection).
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // nil value: failed to prepare, never retried
	wanted map[string]bool
}

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns the prepared statement for query, or nil (and remembers to
// prepare it) when there is none yet.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = true
	}
	return nil
}

// prepare compiles the statements asked for since the last call. It runs on
// the writer goroutine between batches, so the connection is free.
func (c *stmtCache) prepare(w *sql.DB) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := w.PrepareContext(context.Background(), q)
		if err != nil {
			st = nil // the statement's own write reported the error
		}
		c.mu.Lock()
		c.stmts[q] = st
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		if st != nil {
			st.Close()
		}
		delete(c.stmts, q)
	}
}
