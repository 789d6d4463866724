package audit

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// things is a stand-in for another module's table, so tests can show an
// entry committing and rolling back together with the change it describes.
var thingsMigrations = store.Migrations{Module: "audittest", FS: fstest.MapFS{
	"sqlite/0001_things.sql":   {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY)")},
	"postgres/0001_things.sql": {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY)")},
}}

var testMods = []store.Migrations{Migrations, thingsMigrations}

func testKey(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		t.Fatal(err)
	}
	s, v, err := ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func newTestLog(t testing.TB, db *store.DB) *Log {
	s, v := testKey(t)
	return New(db, s, v)
}

func sampleEntry(org string, i int) Entry {
	return Entry{
		OrgID: org, ActorID: fmt.Sprintf("usr_%d", i%3), ActorName: "Ada Lovelace",
		Action: []string{"case.update", "case.read", "user.create"}[i%3], ResourceType: "case",
		ResourceID: fmt.Sprintf("cas_%d", i%5), Outcome: Success, Addr: "192.0.2.1",
		Detail: fmt.Sprintf("change number %d", i),
		At:     time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
	}
}

// fill records n entries, one write each, so there is a signed head per size.
func fill(t testing.TB, l *Log, org string, n int) {
	t.Helper()
	for i := range n {
		if err := l.RecordNow(context.Background(), sampleEntry(org, i)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}

// fillBatched records n entries, per entries to a write, so a signed head
// covers each group.
func fillBatched(t testing.TB, l *Log, org string, n, per int) {
	t.Helper()
	for i := 0; i < n; i += per {
		err := l.db.Write(context.Background(), func(tx *store.Tx) error {
			for j := i; j < min(i+per, n); j++ {
				if err := l.Record(tx, sampleEntry(org, j)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, l *Log) Report {
	t.Helper()
	rep, err := l.Verify(context.Background(), nil)
	if err != nil || !rep.OK {
		t.Fatalf("verify: %v (report %+v)", err, rep)
	}
	return rep
}

// exec changes the database behind the log's back, as an attacker with
// database access would.
func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(tx.Context(), q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

type row struct {
	idx          int64
	data, hashes []byte
}

// readRows reads an organisation's entry rows in index order.
func readRows(t testing.TB, db *store.DB, org string) []row {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT idx, data, hashes FROM audit_entries WHERE org_id = ? ORDER BY idx", org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.idx, &r.data, &r.hashes); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// headRoots maps each signed head's size to its root, in an organisation's log.
func headRoots(t testing.TB, db *store.DB, org string) map[int64]tlog.Hash {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT size, root FROM audit_heads WHERE org_id = ?", org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]tlog.Hash{}
	for rows.Next() {
		var size int64
		var root []byte
		if err := rows.Scan(&size, &root); err != nil {
			t.Fatal(err)
		}
		out[size] = tlog.Hash(root)
	}
	return out
}
