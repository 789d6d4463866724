package audit

import (
	"context"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// On PostgreSQL a write that records an entry does not hold its
// organisation's tree state locked while it goes on: the entry is
// appended at commit. Another transaction can take the lock (NOWAIT)
// from inside the write; before, it was refused until the whole group
// committed. The entries land in order and the log verifies.
func TestPostgresAppendsEntriesAtCommit(t *testing.T) {
	db := storetest.Open(t, store.Postgres, testMods)
	ctx := context.Background()
	l := newTestLog(t, db)
	if err := l.RecordNow(ctx, sampleEntry("org_a", 0)); err != nil { // the state row exists
		t.Fatal(err)
	}
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i := 1; i <= 3; i++ {
			if err := l.Record(tx, sampleEntry("org_a", i)); err != nil {
				return err
			}
		}
		var size int64
		return db.QueryRow(ctx, "SELECT size FROM audit_state WHERE org_id = ? FOR UPDATE NOWAIT", "org_a").Scan(&size)
	})
	if err != nil {
		t.Fatalf("the tree state was locked during the write: %v", err)
	}
	if rep := mustVerify(t, l); rep.Entries != 4 {
		t.Fatalf("entries %d, want 4", rep.Entries)
	}
	var details []string
	rows, err := db.Query(ctx, "SELECT idx, data FROM audit_entries WHERE org_id = ? ORDER BY idx", "org_a")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var data []byte
		if err := rows.Scan(&idx, &data); err != nil {
			t.Fatal(err)
		}
		e, err := decodeEntry(data)
		if err != nil || e.Index != idx {
			t.Fatalf("entry %d: %+v %v", idx, e, err)
		}
		details = append(details, e.Detail)
	}
	for i, d := range details {
		if want := sampleEntry("org_a", i).Detail; d != want {
			t.Fatalf("entry %d is %q, want %q (recorded order)", i, d, want)
		}
	}
}
