package audit

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"strings"
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
// the organisation and index of its position, hashes to its stored leaf
// hash, and agrees with every column copied from it. The idx and org_id
// columns are not read (each column read costs nearly as much as a row):
// the rows come from one organisation in idx order, so a row that was
// moved, inserted or deleted puts some content at a position it does not
// name. The first chunk has no lower bound so that rows with negative
// indexes show up too.
func (l *Log) scanChunk(ctx context.Context, org string, c *chunk) {
	lo := c.lo
	if lo == 0 {
		lo = math.MinInt64
	}
	rows, err := l.db.Query(ctx, `SELECT data, hashes, actor_id, action, resource_type, resource_id, at
		FROM audit_entries WHERE org_id = ? AND idx >= ? AND idx < ? ORDER BY idx`, org, lo, c.hi)
	if err != nil {
		c.err = err
		return
	}
	defer rows.Close()
	var (
		data, hashes              sql.RawBytes
		actor, action, rtype, rid sql.RawBytes
		at                        int64
		scratch                   = make([]byte, 0, 512)
		idx                       = c.lo
		orgBytes                  = []byte(org)
	)
	for ; rows.Next(); idx++ {
		if err := rows.Scan(&data, &hashes, &actor, &action, &rtype, &rid, &at); err != nil {
			c.err = err
			return
		}
		leaf := leafHash(&scratch, data)
		switch v, ok := viewEntry(data, encodingV2, false); {
		case !ok:
			c.note(idx, "entry %d: content is not a valid entry encoding (edited)", idx)
		case v.index > idx:
			c.note(idx, "entry %d is missing (deleted, or its org_id or idx column edited)", idx)
		case v.index < idx:
			c.note(idx, "entry %d: the entry stored there is entry %d (entries inserted or reordered)", idx, v.index)
		case !bytes.Equal(v.field[fieldOrg], orgBytes):
			c.note(idx, "entry %d: the entry stored there belongs to %s (its org_id column was edited)", idx, displayOrg(string(v.field[fieldOrg])))
		case !bytes.Equal(v.field[fieldActor], actor) || !bytes.Equal(v.field[fieldAction], action) ||
			!bytes.Equal(v.field[fieldResourceType], rtype) || !bytes.Equal(v.field[fieldResourceID], rid) || v.at != at:
			c.note(idx, "entry %d: its column(s) %s do not match the signed entry (edited)", idx,
				editedColumns(v, actor, action, rtype, rid, at))
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
		c.note(idx, "entry %d is missing (deleted, or its org_id or idx column edited)", idx)
	}
}

// editedColumns names the columns of a row that differ from its content.
func editedColumns(v entryView, actor, action, rtype, rid []byte, at int64) string {
	var names []string
	for _, c := range []struct {
		name      string
		col, want []byte
	}{
		{"actor_id", actor, v.field[fieldActor]}, {"action", action, v.field[fieldAction]},
		{"resource_type", rtype, v.field[fieldResourceType]}, {"resource_id", rid, v.field[fieldResourceID]},
	} {
		if !bytes.Equal(c.col, c.want) {
			names = append(names, c.name)
		}
	}
	if v.at != at {
		names = append(names, "at")
	}
	return strings.Join(names, ", ")
}

// scanChunks delivers the organisation's rows [0, total) to consume chunk by chunk, in
// order. consume returns false to stop early; scanChunks then cancels the
// workers and waits for them, so nothing touches the database after return.
func (l *Log) scanChunks(ctx context.Context, org string, total int64, consume func(*chunk) bool) error {
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
				l.scanChunk(ctx, org, c)
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
