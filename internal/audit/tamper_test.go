package audit

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Each tamper test edits the database directly, as someone with database
// access but without the signing key would, and Verify must name the first
// entry that is no longer what was signed.

const tamperLogSize = 40

// rewriteEntry replaces the content of org_a's entry idx, keeping the
// index the content claims.
func rewriteEntry(t *testing.T, db *store.DB, idx int64, change func(*Entry)) {
	t.Helper()
	var data []byte
	if err := db.QueryRow(context.Background(), "SELECT data FROM audit_entries WHERE org_id = 'org_a' AND idx = ?", idx).Scan(&data); err != nil {
		t.Fatal(err)
	}
	e, err := decodeEntry(data)
	if err != nil {
		t.Fatal(err)
	}
	change(&e)
	e.Index = idx
	exec(t, db, "UPDATE audit_entries SET data = ? WHERE org_id = 'org_a' AND idx = ?", appendEntry(nil, e), idx)
}

// rehashAll is the careful attacker: recompute every stored hash of org_a's
// tree and its tree state from the (edited) contents, so that only the
// signed heads still tell the truth.
func rehashAll(t *testing.T, db *store.DB) {
	t.Helper()
	rows := readRows(t, db, "org_a")
	var f frontier
	var scratch []byte
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for _, r := range rows {
			var b []byte
			for _, h := range f.push(leafHash(&scratch, r.data), nil) {
				b = append(b, h[:]...)
			}
			if _, err := tx.Exec(tx.Context(), "UPDATE audit_entries SET hashes = ? WHERE org_id = 'org_a' AND idx = ?", b, r.idx); err != nil {
				return err
			}
		}
		_, err := tx.Exec(tx.Context(), "UPDATE audit_state SET size = ?, frontier = ? WHERE org_id = 'org_a'", f.size, f.marshal())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func shiftUp(t *testing.T, db *store.DB, from int64) {
	exec(t, db, "UPDATE audit_entries SET idx = idx + 1000000 WHERE idx >= ?", from)
	exec(t, db, "UPDATE audit_entries SET idx = idx - 999999 WHERE idx >= 1000000")
}

func insertForged(t *testing.T, db *store.DB, idx int64) {
	e := sampleEntry("org_a", 1)
	e.Index, e.Detail = idx, "a forged entry"
	e.At = e.At.UTC()
	exec(t, db, `INSERT INTO audit_entries (idx, org_id, actor_id, action, resource_type, resource_id, at, data, hashes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, idx, e.OrgID, e.ActorID, e.Action, e.ResourceType, e.ResourceID, store.Millis(e.At), appendEntry(nil, e), make([]byte, 32))
}

func flipHashByte(t *testing.T, db *store.DB, idx int64, off int) {
	var b []byte
	if err := db.QueryRow(context.Background(), "SELECT hashes FROM audit_entries WHERE idx = ?", idx).Scan(&b); err != nil {
		t.Fatal(err)
	}
	b[off] ^= 1
	exec(t, db, "UPDATE audit_entries SET hashes = ? WHERE idx = ?", b, idx)
}

func TestTamperNamesFirstBadEntry(t *testing.T) {
	edit := func(e *Entry) { e.Detail = "nothing to see here" }
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB)
		want   int64
	}{
		{"edit content", func(t *testing.T, db *store.DB) { rewriteEntry(t, db, 17, edit) }, 17},
		{"edit content and rewrite all hashes", func(t *testing.T, db *store.DB) {
			rewriteEntry(t, db, 17, edit)
			rehashAll(t, db)
		}, 17},
		{"edit first entry and rewrite all hashes", func(t *testing.T, db *store.DB) {
			rewriteEntry(t, db, 0, edit)
			rehashAll(t, db)
		}, 0},
		{"move entry to another org and rewrite all hashes", func(t *testing.T, db *store.DB) {
			rewriteEntry(t, db, 30, func(e *Entry) { e.OrgID = "org_b" })
			exec(t, db, "UPDATE audit_entries SET org_id = 'org_b' WHERE idx = 30")
			rehashAll(t, db)
		}, 30},
		{"delete", func(t *testing.T, db *store.DB) { exec(t, db, "DELETE FROM audit_entries WHERE idx = 17") }, 17},
		{"delete last", func(t *testing.T, db *store.DB) { exec(t, db, "DELETE FROM audit_entries WHERE idx = 39") }, 39},
		{"delete and close the gap", func(t *testing.T, db *store.DB) {
			exec(t, db, "DELETE FROM audit_entries WHERE idx = 17")
			exec(t, db, "UPDATE audit_entries SET idx = idx + 999999 WHERE idx > 17")
			exec(t, db, "UPDATE audit_entries SET idx = idx - 1000000 WHERE idx >= 1000000")
		}, 17},
		{"swap two", func(t *testing.T, db *store.DB) {
			exec(t, db, "UPDATE audit_entries SET idx = -1 WHERE idx = 11")
			exec(t, db, "UPDATE audit_entries SET idx = 11 WHERE idx = 23")
			exec(t, db, "UPDATE audit_entries SET idx = 23 WHERE idx = -1")
		}, 11},
		{"swap two contents and rewrite all hashes", func(t *testing.T, db *store.DB) {
			var a, b Entry
			rewriteEntry(t, db, 11, func(e *Entry) { a = *e })
			rewriteEntry(t, db, 23, func(e *Entry) { b = *e })
			rewriteEntry(t, db, 11, func(e *Entry) { *e = b })
			rewriteEntry(t, db, 23, func(e *Entry) { *e = a })
			rehashAll(t, db)
		}, 11},
		{"insert", func(t *testing.T, db *store.DB) {
			shiftUp(t, db, 17)
			insertForged(t, db, 17)
		}, 17},
		{"insert, renumber and rewrite all hashes", func(t *testing.T, db *store.DB) {
			shiftUp(t, db, 17)
			insertForged(t, db, 17)
			for i := int64(18); i <= tamperLogSize; i++ {
				rewriteEntry(t, db, i, func(*Entry) {})
			}
			rehashAll(t, db)
		}, 17},
		{"append with consistent hashes", func(t *testing.T, db *store.DB) {
			insertForged(t, db, tamperLogSize)
			rehashAll(t, db)
		}, tamperLogSize},
		{"insert before entry 0", func(t *testing.T, db *store.DB) { insertForged(t, db, -5) }, 0},
		{"edit leaf hash", func(t *testing.T, db *store.DB) { flipHashByte(t, db, 5, 0) }, 5},
		{"edit stored node hash", func(t *testing.T, db *store.DB) { flipHashByte(t, db, 19, tlog.HashSize) }, 19},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
				l := newTestLog(t, db)
				fill(t, l, "org_a", tamperLogSize)
				mustVerify(t, l)
				c.tamper(t, db)
				rep, err := l.Verify(context.Background(), nil)
				te, ok := err.(*TamperError)
				if !ok || rep.OK || rep.FirstBad != c.want || te.Index != c.want || te.Org != "org_a" {
					t.Fatalf("verify: err %v, report %+v; want first bad entry %d", err, rep, c.want)
				}
				t.Logf("%v", err)
			})
		})
	}
}

// With group commit one head covers a batch, so a consistent rewrite is
// pinned down to the batch that held the entry.
func TestTamperInBatchNamesBatchStart(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		fillBatched(t, l, "org_a", 40, 10)
		if rep := mustVerify(t, l); rep.Heads != 4 {
			t.Fatalf("%d heads, want 4", rep.Heads)
		}
		rewriteEntry(t, db, 13, func(e *Entry) { e.Detail = "rewritten" })
		rehashAll(t, db)
		rep, err := l.Verify(context.Background(), nil)
		if err == nil || rep.FirstBad != 10 || !strings.Contains(rep.Reason, "entries 10 to 19") {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}

func TestTamperOutsideEntries(t *testing.T) {
	cases := map[string]func(t *testing.T, db *store.DB){
		"forged head": func(t *testing.T, db *store.DB) {
			exec(t, db, "UPDATE audit_heads SET note = REPLACE(note, '\n30\n', '\n30\n ') WHERE size = 30")
		},
		"head root edited": func(t *testing.T, db *store.DB) {
			var n string
			db.QueryRow(context.Background(), "SELECT note FROM audit_heads WHERE size = 12").Scan(&n)
			lines := strings.Split(n, "\n")
			lines[2] = tlog.Hash{1}.String()
			exec(t, db, "UPDATE audit_heads SET note = ? WHERE size = 12", strings.Join(lines, "\n"))
		},
		"tree state edited": func(t *testing.T, db *store.DB) {
			exec(t, db, "UPDATE audit_state SET frontier = ?", make([]byte, 32))
		},
		"tree state deleted": func(t *testing.T, db *store.DB) {
			exec(t, db, "DELETE FROM audit_state")
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
				l := newTestLog(t, db)
				fill(t, l, "org_a", tamperLogSize)
				tamper(t, db)
				rep, err := l.Verify(context.Background(), nil)
				if err == nil || rep.OK || rep.FirstBad != -1 || len(rep.Problems) == 0 {
					t.Fatalf("verify: %v %+v", err, rep)
				}
				t.Logf("%v", err)
			})
		})
	}
}
