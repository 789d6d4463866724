package audit

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Report is the outcome of Verify over every organisation's log.
type Report struct {
	Entries  int64         `json:"entries"` // entries read and rehashed, in all logs
	Heads    int64         `json:"heads"`   // signed heads compared with the recomputed trees
	Logs     []LogReport   `json:"logs"`    // one per organisation's log, by organisation ID
	OK       bool          `json:"ok"`
	Org      string        `json:"org_id,omitempty"` // whose log holds FirstBad (PlatformOrg for the platform's)
	FirstBad int64         `json:"first_bad"`        // first bad entry of the first failing log, -1 when none is
	Reason   string        `json:"reason,omitempty"`
	Problems []string      `json:"problems,omitempty"` // every other finding, each naming its log
	Elapsed  time.Duration `json:"elapsed"`
}

// LogReport is the outcome of verifying one organisation's log.
type LogReport struct {
	Org      string    `json:"org_id"` // PlatformOrg for the platform's log
	Entries  int64     `json:"entries"`
	Heads    int64     `json:"heads"`
	Size     int64     `json:"size"` // size of the latest signed head
	Root     tlog.Hash `json:"root"` // recomputed root, when the whole log was read
	FirstBad int64     `json:"first_bad"`
	Reason   string    `json:"reason,omitempty"`
	Problems []string  `json:"problems,omitempty"` // findings that are not about one entry
}

// TamperError is returned by Verify when a log is not what was signed.
// Index is the first bad entry of Org's log, or -1 when the damage is
// elsewhere (a forged head, a tree state row).
type TamperError struct {
	Org    string
	Index  int64
	Reason string
}

func (e *TamperError) Error() string {
	if e.Index < 0 {
		return "audit log fails verification: " + e.Reason
	}
	return fmt.Sprintf("audit log of %s fails verification at entry %d: %s", e.Org, e.Index, e.Reason)
}

const maxProblems = 20

// Verify recomputes every organisation's tree from its entry rows and checks
// it against everything stored: indexes contiguous from 0, each entry's
// content against its leaf hash and against every column copied from it
// (organisation, index, actor, action, resource, time), every stored hash,
// every signed head's root, and the latest head's signature. When something
// is wrong it names the first bad entry of each log that has one.
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
	rep := Report{FirstBad: -1}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	pending, err := rebuildPending(ctx, l.db, false)
	if err != nil {
		return Report{FirstBad: -1}, err
	}
	if pending {
		problem("the log written by an older dbtp has not been rebuilt into per-organisation logs yet; start dbtp (serve or migrate) to run the upgrade")
	}
	orgs, err := l.logOrgs(ctx)
	if err != nil {
		return Report{FirstBad: -1}, err
	}
	snaps := make([]snapshot, len(orgs))
	var total, done int64
	for i, org := range orgs {
		if snaps[i], err = l.snapshot(ctx, org); err != nil {
			return Report{FirstBad: -1}, err
		}
		total += snaps[i].entries
	}
	for i, org := range orgs {
		lr, err := l.verifyLog(ctx, org, snaps[i], func(n int64) {
			if progress != nil {
				progress(done+n, total)
			}
		})
		if err != nil {
			return Report{FirstBad: -1}, err
		}
		done += snaps[i].entries
		rep.Logs = append(rep.Logs, lr)
		rep.Entries += lr.Entries
		rep.Heads += lr.Heads
		switch {
		case lr.FirstBad < 0:
		case rep.FirstBad < 0:
			rep.Org, rep.FirstBad, rep.Reason = lr.Org, lr.FirstBad, lr.Reason
		default:
			problem("log of %s: first bad entry %d: %s", lr.Org, lr.FirstBad, lr.Reason)
		}
		for _, p := range lr.Problems {
			problem("log of %s: %s", lr.Org, p)
		}
	}
	rep.Elapsed = time.Since(start)
	rep.OK = rep.FirstBad < 0 && len(rep.Problems) == 0
	if !rep.OK {
		te := &TamperError{Org: rep.Org, Index: rep.FirstBad, Reason: rep.Reason}
		if te.Index < 0 {
			te.Reason = rep.Problems[0]
		}
		return rep, te
	}
	return rep, nil
}

// logOrgs lists every organisation with anything in the log tables, so
// that every row is looked at by some organisation's pass, whatever its
// org_id column says. The entries' organisations are found by stepping
// through the primary key (one seek per organisation) rather than by
// reading every row.
func (l *Log) logOrgs(ctx context.Context) ([]string, error) {
	rows, err := l.db.Query(ctx, `WITH RECURSIVE e(org) AS (
			SELECT MIN(org_id) FROM audit_entries
			UNION ALL SELECT (SELECT MIN(org_id) FROM audit_entries WHERE org_id > e.org) FROM e WHERE e.org IS NOT NULL)
		SELECT org FROM e WHERE org IS NOT NULL
		UNION SELECT org_id FROM audit_state UNION SELECT org_id FROM audit_heads ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("audit: list logs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var org string
		if err := rows.Scan(&org); err != nil {
			return nil, err
		}
		out = append(out, org)
	}
	return out, rows.Err()
}

// displayOrg names a stored organisation the way Filter and reports do.
func displayOrg(org string) string {
	if org == "" {
		return PlatformOrg
	}
	return org
}

// verifyLog verifies one organisation's log as of snap.
func (l *Log) verifyLog(ctx context.Context, org string, snap snapshot, progress func(done int64)) (LogReport, error) {
	lr := LogReport{Org: displayOrg(org), FirstBad: -1}
	heads, err := l.db.Query(ctx, "SELECT size, note FROM audit_heads WHERE org_id = ? AND size <= ? ORDER BY size", org, snap.headSize)
	if err != nil {
		return lr, fmt.Errorf("audit: read tree heads of %s: %w", Origin(org), err)
	}
	defer heads.Close()
	v := &verifyRun{log: l, org: org, origin: []byte(Origin(org)), heads: heads, first: noFinding}
	if snap.entries > snap.headSize {
		v.consider(snap.headSize, fmt.Sprintf("entry %d is not covered by any signed tree head (inserted)", snap.headSize))
	}
	if err := v.nextHead(); err != nil {
		return lr, err
	}
	complete := true
	err = l.scanChunks(ctx, org, snap.entries, func(c *chunk) bool {
		v.fold(c)
		progress(v.f.size)
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
		return lr, err
	}
	if complete {
		v.finish(snap)
		lr.Root = v.f.root()
	}
	lr.Entries, lr.Heads, lr.Size = v.f.size, v.compared, snap.headSize
	lr.FirstBad, lr.Reason, lr.Problems = v.first.index, v.first.reason, v.problems
	return lr, nil
}

// snapshot is read in one statement, so it is one consistent view on both
// engines even while writes go on: every commit adds its entries and their
// head together, so there the entry count equals the latest head's size.
type snapshot struct {
	stateSize sql.NullInt64 // NULL when the organisation has no tree state row
	frontier  []byte
	entries   int64 // MAX(idx)+1
	headSize  int64
	headNote  sql.NullString
}

func (l *Log) snapshot(ctx context.Context, org string) (snapshot, error) {
	var s snapshot
	err := l.db.QueryRow(ctx, `SELECT
		(SELECT size FROM audit_state WHERE org_id = ?),
		(SELECT frontier FROM audit_state WHERE org_id = ?),
		(SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries WHERE org_id = ?),
		(SELECT COALESCE(MAX(size), 0) FROM audit_heads WHERE org_id = ?),
		(SELECT note FROM audit_heads WHERE org_id = ? ORDER BY size DESC LIMIT 1)`,
		org, org, org, org, org).Scan(&s.stateSize, &s.frontier, &s.entries, &s.headSize, &s.headNote)
	if err != nil {
		return s, fmt.Errorf("audit: read state of %s: %w", Origin(org), err)
	}
	return s, nil
}

// verifyRun is the merger's state for one log: the recomputed tree so far
// and the position in the stream of its signed heads.
type verifyRun struct {
	log      *Log
	org      string
	origin   []byte
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
	origin, n, root, ok := parseHeadNote(v.headNote)
	switch {
	case size != v.f.size:
		v.badHead(size, fmt.Sprintf("a signed tree head has the impossible size %d", size))
	case ok && bytes.Equal(origin, v.origin) && n == size && root == v.f.root():
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
	if !v.log.headSignatureOK(v.headNote, v.org, size) {
		v.problem("the signed tree head of size %d fails its signature check, or is another log's (the heads table was edited)", size)
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
	if s.headNote.Valid && !v.log.headSignatureOK([]byte(s.headNote.String), v.org, s.headSize) {
		v.problem("the latest signed tree head (size %d) fails its signature check", s.headSize)
	}
	if v.first.index >= 0 || len(v.problems) > 0 {
		return
	}
	if !s.stateSize.Valid {
		v.problem("the log has no tree state row (the next append would start the tree again)")
		return
	}
	if f, err := unmarshalFrontier(s.stateSize.Int64, s.frontier); err != nil || f.size != v.f.size || f.root() != v.f.root() {
		v.problem("the tree state row does not match the entries (the next append would fork the tree)")
	}
}

// headSignatureOK checks a head's signature, and that it is a head of this
// organisation's log of the given size.
func (l *Log) headSignatureOK(text []byte, org string, size int64) bool {
	n, err := note.Open(text, note.VerifierList(l.verifier))
	if err != nil {
		return false
	}
	cp, err := ParseCheckpoint(n.Text)
	return err == nil && cp.Origin == Origin(org) && cp.Size == size
}
