package audit

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// Verification streams the entry table in index order through a pipeline:
// several workers each read a chunk of rows (database/sql row decoding is the
// dominant cost) and hash its leaves, and one merger consumes the chunks in
// order and folds them into the tree. Buffers are recycled, so the hot path
// allocates nothing per row of its own.
const chunkRows = 8192

// chunk is one worker's share: rows with index in [lo, hi).
type chunk struct {
	lo, hi int64
	leaves []tlog.Hash
	stored []byte  // each row's stored hashes after the leaf hash, concatenated
	offs   []int32 // row i's part of stored is stored[offs[i]:offs[i+1]]
	bad    finding // first problem the worker could see on its own
	err    error
	done   chan struct{}
}

// finding names a bad entry (or -1 for none) and why.
type finding struct {
	index  int64
	reason string
}

var noFinding = finding{index: -1}

func (c *chunk) reset(lo, hi int64) {
	c.lo, c.hi = lo, hi
	c.leaves, c.stored, c.offs = c.leaves[:0], c.stored[:0], append(c.offs[:0], 0)
	c.bad, c.err = noFinding, nil
}

func (c *chunk) note(index int64, format string, args ...any) {
	if c.bad.index < 0 {
		c.bad = finding{index: index, reason: fmt.Sprintf(format, args...)}
	}
}

// scanChunk reads and checks what a single row can tell: its content names
// the index of its position and hashes to its stored leaf hash. The idx
// column is not read (each column read costs nearly as much as a row): the
// rows come in idx order, so a row that was moved, inserted or deleted puts
// some content at a position it does not name. The first chunk has no
// lower bound so that rows with negative indexes show up too.
func (l *Log) scanChunk(ctx context.Context, c *chunk) {
	lo := c.lo
	if lo == 0 {
		lo = math.MinInt64
	}
	rows, err := l.db.Query(ctx, "SELECT data, hashes FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx", lo, c.hi)
	if err != nil {
		c.err = err
		return
	}
	defer rows.Close()
	var (
		data, hashes sql.RawBytes
		scratch      = make([]byte, 0, 512)
		idx          = c.lo
	)
	for ; rows.Next(); idx++ {
		if err := rows.Scan(&data, &hashes); err != nil {
			c.err = err
			return
		}
		leaf := leafHash(&scratch, data)
		if ix, ok := encodedIndex(data); !ok {
			c.note(idx, "entry %d: content is not a valid entry encoding (edited)", idx)
		} else if ix != idx {
			c.note(idx, "entry %d: the entry stored there is entry %d (entries deleted, inserted or reordered)", idx, ix)
		}
		if len(hashes) < tlog.HashSize || len(hashes)%tlog.HashSize != 0 {
			c.note(idx, "entry %d: stored hashes are malformed", idx)
		} else {
			if !bytes.Equal(leaf[:], hashes[:tlog.HashSize]) {
				c.note(idx, "entry %d: content does not match its stored leaf hash (edited)", idx)
			}
			c.stored = append(c.stored, hashes[tlog.HashSize:]...)
		}
		c.leaves = append(c.leaves, leaf)
		c.offs = append(c.offs, int32(len(c.stored)))
	}
	if c.err = rows.Err(); c.err == nil && idx < c.hi {
		c.note(idx, "entry %d is missing (deleted)", idx)
	}
}

// scanChunks delivers the rows [0, total) to consume chunk by chunk, in
// order. consume returns false to stop early; scanChunks then cancels the
// workers and waits for them, so nothing touches the database after return.
func (l *Log) scanChunks(ctx context.Context, total int64, consume func(*chunk) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	inflight := 2 * workers
	jobs := make(chan *chunk)
	order := make(chan *chunk, inflight)
	free := make(chan *chunk, inflight+workers+1)
	var wg sync.WaitGroup
	// Cancel first, then wait: a stopped merger leaves the producer blocked.
	defer func() { cancel(); wg.Wait() }()

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for lo := int64(0); lo < total; lo += chunkRows {
			var c *chunk
			select {
			case c = <-free:
			default:
				c = &chunk{done: make(chan struct{}, 1)}
			}
			c.reset(lo, min(lo+chunkRows, total))
			select {
			case order <- c:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				l.scanChunk(ctx, c)
				c.done <- struct{}{}
			}
		}()
	}
	for c := range order {
		select {
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if c.err != nil {
			return fmt.Errorf("audit: read entries %d..%d: %w", c.lo, c.hi-1, c.err)
		}
		if !consume(c) {
			return nil
		}
		select {
		case free <- c:
		default:
		}
	}
	return ctx.Err()
}
