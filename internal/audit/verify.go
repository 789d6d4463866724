package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Report is the outcome of Verify.
type Report struct {
	Entries  int64         `json:"entries"` // entries read and rehashed
	Heads    int64         `json:"heads"`   // signed heads compared with the recomputed tree
	Size     int64         `json:"size"`    // size of the latest signed head
	Root     tlog.Hash     `json:"root"`    // recomputed root of the whole log
	OK       bool          `json:"ok"`
	FirstBad int64         `json:"first_bad"` // first bad entry, -1 when none is
	Reason   string        `json:"reason,omitempty"`
	Problems []string      `json:"problems,omitempty"` // findings that are not about one entry
	Elapsed  time.Duration `json:"elapsed"`
}

// TamperError is returned by Verify when the log is not what was signed.
// Index is the first bad entry, or -1 when the damage is elsewhere (a
// forged head, the tree state row).
type TamperError struct {
	Index  int64
	Reason string
}

func (e *TamperError) Error() string {
	if e.Index < 0 {
		return "audit log fails verification: " + e.Reason
	}
	return fmt.Sprintf("audit log fails verification at entry %d: %s", e.Index, e.Reason)
}

const maxProblems = 20

// Verify recomputes the whole tree from the entry rows and checks it against
// everything stored: indexes contiguous from 0, each entry's content against
// its leaf hash, every stored hash, every signed head's root, and the latest
// head's signature. When something is wrong it names the first bad entry.
//
// Signatures are checked for the latest head, and for older heads only when
// their root disagrees, since an Ed25519 check costs more than hashing a
// batch of entries. An attacker who rewrites entries and all their hashes
// consistently is caught by the first signed head that covers the change;
// the first bad entry is then the size of the last head that still agreed,
// which is exact when heads are per write and otherwise the start of the
// group commit that held the entry.
//
// What no log can catch from the inside is truncation together with the
// heads that cover the removed tail; publish TreeHead to a witness for that.
func (l *Log) Verify(ctx context.Context, progress func(done, total int64)) (Report, error) {
	start := time.Now()
	snap, err := l.snapshot(ctx)
	if err != nil {
		return Report{FirstBad: -1}, err
	}
	heads, err := l.db.Query(ctx, "SELECT size, note FROM audit_heads WHERE size <= ? ORDER BY size", snap.headSize)
	if err != nil {
		return Report{FirstBad: -1}, fmt.Errorf("audit: read tree heads: %w", err)
	}
	defer heads.Close()
	v := &verifyRun{log: l, heads: heads, first: noFinding}
	if snap.entries > snap.headSize {
		v.consider(snap.headSize, fmt.Sprintf("entry %d is not covered by any signed tree head (inserted)", snap.headSize))
	}
	if err := v.nextHead(); err != nil {
		return Report{FirstBad: -1}, err
	}
	complete := true
	err = l.scanChunks(ctx, snap.entries, func(c *chunk) bool {
		v.fold(c)
		if progress != nil {
			progress(v.f.size, snap.entries)
		}
		// Stop once nothing later can name an earlier entry: a disagreeing
		// signed head was found, or a head past the first bad entry agreed.
		if v.headBad || v.err != nil || (v.first.index >= 0 && (v.lastCompared > v.first.index || !v.haveHead)) {
			complete = false
			return false
		}
		return true
	})
	if err == nil {
		err = v.err
	}
	if err != nil {
		return Report{FirstBad: -1}, err
	}
	if complete {
		v.finish(snap)
	}
	rep := Report{Entries: v.f.size, Heads: v.compared, Size: snap.headSize, FirstBad: v.first.index,
		Reason: v.first.reason, Problems: v.problems, Elapsed: time.Since(start)}
	if complete {
		rep.Root = v.f.root()
	}
	rep.OK = rep.FirstBad < 0 && len(rep.Problems) == 0
	if !rep.OK {
		te := &TamperError{Index: rep.FirstBad, Reason: rep.Reason}
		if te.Index < 0 {
			te.Reason = rep.Problems[0]
		}
		return rep, te
	}
	return rep, nil
}

// snapshot is read in one statement, so it is one consistent view on both
// engines even while writes go on: every commit adds its entries and their
// head together, so there the entry count equals the latest head's size.
type snapshot struct {
	stateSize int64
	frontier  []byte
	entries   int64 // MAX(idx)+1
	headSize  int64
	headNote  sql.NullString
}

func (l *Log) snapshot(ctx context.Context) (snapshot, error) {
	var s snapshot
	err := l.db.QueryRow(ctx, `SELECT s.size, s.frontier,
		(SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries),
		(SELECT COALESCE(MAX(size), 0) FROM audit_heads),
		(SELECT note FROM audit_heads ORDER BY size DESC LIMIT 1)
		FROM audit_state s WHERE s.id = 1`).Scan(&s.stateSize, &s.frontier, &s.entries, &s.headSize, &s.headNote)
	if err != nil {
		return s, fmt.Errorf("audit: read log state: %w", err)
	}
	return s, nil
}

// verifyRun is the merger's state: the recomputed tree so far and the
// position in the stream of signed heads.
type verifyRun struct {
	log      *Log
	f        frontier
	buf      []tlog.Hash
	first    finding
	problems []string
	err      error

	heads        *sql.Rows
	haveHead     bool
	headSize     int64
	headNote     sql.RawBytes // valid until the next heads.Next
	compared     int64
	lastAgree    int64 // size of the last head that matched the recomputed tree
	lastCompared int64
	headBad      bool
}

func (v *verifyRun) consider(index int64, reason string) {
	if v.first.index < 0 || index < v.first.index {
		v.first = finding{index: index, reason: reason}
	}
}

func (v *verifyRun) problem(format string, args ...any) {
	if len(v.problems) < maxProblems {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	}
}

func (v *verifyRun) nextHead() error {
	v.haveHead = v.heads.Next()
	if !v.haveHead {
		return v.heads.Err()
	}
	return v.heads.Scan(&v.headSize, &v.headNote)
}

// fold adds a chunk's leaves to the tree, checks each row's stored node
// hashes against the recomputed ones, and compares every signed head the
// new sizes reach.
func (v *verifyRun) fold(c *chunk) {
	if c.bad.index >= 0 {
		v.consider(c.bad.index, c.bad.reason)
	}
	for i, leaf := range c.leaves {
		idx := c.lo + int64(i)
		stored := c.stored[c.offs[i]:c.offs[i+1]]
		v.buf = v.f.push(leaf, v.buf[:0])
		nodes := v.buf[1:]
		if len(stored) != len(nodes)*tlog.HashSize {
			v.consider(idx, fmt.Sprintf("entry %d: has %d stored hashes, the tree needs %d", idx, 1+len(stored)/tlog.HashSize, len(v.buf)))
		} else {
			for j := range nodes {
				if !bytes.Equal(nodes[j][:], stored[j*tlog.HashSize:(j+1)*tlog.HashSize]) {
					v.consider(idx, fmt.Sprintf("entry %d: stored tree hash at level %d differs from the recomputed one", idx, j+1))
					break
				}
			}
		}
		for v.haveHead && v.err == nil && v.headSize <= v.f.size {
			v.compareHead()
		}
	}
}

func (v *verifyRun) compareHead() {
	size := v.headSize
	n, root, ok := parseHeadNote(v.headNote)
	switch {
	case size != v.f.size:
		v.badHead(size, fmt.Sprintf("a signed tree head has the impossible size %d", size))
	case ok && n == size && root == v.f.root():
		v.lastAgree = size
	default:
		v.badHead(size, "")
	}
	v.compared++
	v.lastCompared = max(v.lastCompared, size)
	v.err = v.nextHead()
}

// badHead handles a head that disagrees with the recomputed tree. If its
// signature is good the entries are what changed, and the first bad entry
// lies after the last head that agreed; if not, the head itself is forged.
func (v *verifyRun) badHead(size int64, reason string) {
	if v.headBad {
		return
	}
	if !v.log.headSignatureOK(v.headNote, size) {
		v.problem("the signed tree head of size %d fails its signature check (the heads table was edited)", size)
		return
	}
	if reason != "" {
		v.problem("%s", reason)
		return
	}
	v.headBad = true
	switch {
	case size > v.f.size:
		v.consider(v.lastAgree, fmt.Sprintf("the signed tree head of size %d covers entries from %d on that are missing (deleted)", size, v.lastAgree))
	case size-1 == v.lastAgree:
		v.consider(v.lastAgree, fmt.Sprintf("entry %d does not match the signed tree head of size %d (edited or inserted, with its hashes rewritten)", v.lastAgree, size))
	default:
		v.consider(v.lastAgree, fmt.Sprintf("entries %d to %d do not match the signed tree head of size %d (edited or inserted, with their hashes rewritten)", v.lastAgree, size-1, size))
	}
}

// finish runs after a full pass: heads beyond the last entry, the latest
// head's signature, and the stored right edge the next append will use.
func (v *verifyRun) finish(s snapshot) {
	for v.haveHead && v.err == nil {
		size := v.headSize
		v.badHead(size, "")
		v.compared++
		v.err = v.nextHead()
	}
	if s.headNote.Valid && !v.log.headSignatureOK([]byte(s.headNote.String), s.headSize) {
		v.problem("the latest signed tree head (size %d) fails its signature check", s.headSize)
	}
	if v.first.index >= 0 || len(v.problems) > 0 {
		return
	}
	if f, err := unmarshalFrontier(s.stateSize, s.frontier); err != nil || f.size != v.f.size || f.root() != v.f.root() {
		v.problem("the tree state row does not match the entries (the next append would fork the tree)")
	}
}

func (l *Log) headSignatureOK(text []byte, size int64) bool {
	n, err := note.Open(text, note.VerifierList(l.verifier))
	if err != nil {
		return false
	}
	t, err := tlog.ParseTree([]byte(n.Text))
	return err == nil && t.N == size
}

var treeHeader = []byte("go.sum database tree\n")

// parseHeadNote reads size and root from a signed note's text without
// checking the signature and without allocating; heads that agree with the
// recomputed tree need nothing more, and a disagreeing one is checked in full.
func parseHeadNote(text []byte) (int64, tlog.Hash, bool) {
	var root tlog.Hash
	rest, ok := bytes.CutPrefix(text, treeHeader)
	nl := bytes.IndexByte(rest, '\n')
	if !ok || nl < 1 || nl > 18 || (rest[0] == '0' && nl > 1) {
		return 0, root, false
	}
	var n int64
	for _, c := range rest[:nl] {
		if c < '0' || c > '9' {
			return 0, root, false
		}
		n = n*10 + int64(c-'0')
	}
	rest = rest[nl+1:]
	const b64 = 44 // base64 of 32 bytes
	var dst [33]byte
	if len(rest) <= b64 || rest[b64] != '\n' {
		return 0, root, false
	}
	if k, err := base64.StdEncoding.Decode(dst[:], rest[:b64]); err != nil || k != tlog.HashSize {
		return 0, root, false
	}
	copy(root[:], dst[:tlog.HashSize])
	return n, root, true
}
