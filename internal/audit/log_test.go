package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestRecordMatchesTlogAndVerifies(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		ctx := context.Background()
		if _, err := l.TreeHead(ctx, "org_a"); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("empty log head: %v", err)
		}
		mustVerify(t, l)
		const n = 70
		fill(t, l, "org_a", n)

		// Our stored hashes must be exactly tlog's, so any tlog client can
		// check our proofs.
		rows := readRows(t, db, "org_a")
		byIndex := map[int64]tlog.Hash{}
		reader := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(ix))
			for i, x := range ix {
				h, ok := byIndex[x]
				if !ok {
					return nil, fmt.Errorf("no stored hash %d", x)
				}
				out[i] = h
			}
			return out, nil
		})
		roots := headRoots(t, db, "org_a")
		for i, r := range rows {
			if r.idx != int64(i) {
				t.Fatalf("row %d has index %d", i, r.idx)
			}
			want, err := tlog.StoredHashes(r.idx, r.data, reader)
			if err != nil {
				t.Fatal(err)
			}
			base := tlog.StoredHashIndex(0, r.idx)
			for j, h := range want {
				if got := tlog.Hash(r.hashes[j*32 : (j+1)*32]); got != h {
					t.Fatalf("entry %d stored hash %d differs from tlog's", i, j)
				}
				byIndex[base+int64(j)] = h
			}
			root, err := tlog.TreeHash(r.idx+1, reader)
			if err != nil {
				t.Fatal(err)
			}
			if roots[r.idx+1] != root {
				t.Fatalf("signed head %d root differs from tlog.TreeHash", r.idx+1)
			}
		}

		head, err := l.TreeHead(ctx, "org_a")
		if err != nil {
			t.Fatal(err)
		}
		if head.Size != n || head.Origin != "dbtp-audit/org_a" {
			t.Fatalf("head %+v, want size %d of dbtp-audit/org_a", head, n)
		}
		msg, err := note.Open([]byte(head.Note), note.VerifierList(l.verifier))
		if err != nil {
			t.Fatalf("head note does not verify: %v", err)
		}
		cp, err := ParseCheckpoint(msg.Text)
		if err != nil || cp.Origin != head.Origin || cp.Size != n || cp.Root != head.Root {
			t.Fatalf("head note says %+v (%v), want size %d root %v", cp, err, n, head.Root)
		}
		var calls int
		rep, err := l.Verify(ctx, func(done, total int64) { calls++ })
		if err != nil || !rep.OK || rep.Entries != n || len(rep.Logs) != 1 || rep.Logs[0].Root != head.Root || rep.Logs[0].Org != "org_a" ||
			rep.Heads != n || rep.FirstBad != -1 || calls == 0 {
			t.Fatalf("verify: %v %+v (progress calls %d)", err, rep, calls)
		}
	})
}

func TestRecordRollsBackWithTheChange(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		ctx := context.Background()
		fill(t, l, "org_a", 3)
		boom := errors.New("boom")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO things (id) VALUES (?)", "t1"); err != nil {
				return err
			}
			if err := l.Record(tx, sampleEntry("org_a", 99)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write: %v", err)
		}
		var things, entries int
		db.QueryRow(ctx, "SELECT COUNT(*) FROM things").Scan(&things)
		db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_entries").Scan(&entries)
		if things != 0 || entries != 3 {
			t.Fatalf("after rollback: %d things, %d entries; want 0 and 3", things, entries)
		}
		// The next append takes the index the rolled-back one had.
		fill(t, l, "org_a", 1)
		if rep := mustVerify(t, l); rep.Entries != 4 {
			t.Fatalf("entries %d, want 4", rep.Entries)
		}
	})
}

// TestConcurrentRecord mixes successful and failing writes from many
// goroutines; on SQLite they share group commits, where a failing write is
// rolled back to its savepoint while its neighbours commit.
func TestConcurrentRecord(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		ctx := context.Background()
		const workers, each = 16, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					fail := (w+i)%5 == 0
					err := db.Write(ctx, func(tx *store.Tx) error {
						if _, err := tx.Exec(ctx, "INSERT INTO things (id) VALUES (?)", fmt.Sprintf("t%d-%d", w, i)); err != nil {
							return err
						}
						if err := l.Record(tx, sampleEntry(fmt.Sprintf("org_%d", w%3), i)); err != nil {
							return err
						}
						if fail {
							return errors.New("deliberate")
						}
						return nil
					})
					if (err != nil) != fail {
						errs <- fmt.Errorf("worker %d write %d: %v", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var things int64
		db.QueryRow(ctx, "SELECT COUNT(*) FROM things").Scan(&things)
		rep := mustVerify(t, l)
		if rep.Entries != things || things != workers*each*4/5 {
			t.Fatalf("%d entries for %d committed changes", rep.Entries, things)
		}
		if rep.Heads < 1 || rep.Heads > rep.Entries {
			t.Fatalf("%d heads for %d entries", rep.Heads, rep.Entries)
		}
	})
}

func TestRecordValidation(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	l := newTestLog(t, db)
	ctx := context.Background()
	for name, e := range map[string]Entry{
		"no action":        {OrgID: "o", ResourceType: "case", Outcome: Success},
		"no resource type": {OrgID: "o", Action: "case.read", Outcome: Success},
		"no outcome":       {OrgID: "o", Action: "case.read", ResourceType: "case"},
		"bad outcome":      {OrgID: "o", Action: "case.read", ResourceType: "case", Outcome: "maybe"},
		"org forgotten":    {Action: "case.update", ResourceType: "case", Outcome: Success},
		"long id":          {OrgID: "o", Action: "case.read", ResourceType: "case", ResourceID: strings.Repeat("x", 201), Outcome: Success},
	} {
		if err := l.RecordNow(ctx, e); platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
	for name, e := range map[string]Entry{
		"failed sign-in without org": {Action: "session.sign_in", ResourceType: "session", Outcome: Failure, Detail: strings.Repeat("é", 2000)},
		"platform event":             {Action: "org.create", ResourceType: "org", Outcome: Success, At: time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.FixedZone("BST", 3600))},
	} {
		if err := l.RecordNow(ctx, e); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	page, err := l.List(ctx, Filter{OrgID: PlatformOrg})
	if err != nil || len(page.Entries) != 2 {
		t.Fatalf("platform entries: %v %+v", err, page)
	}
	// Map order decides which was recorded first.
	signIn, created := page.Entries[1], page.Entries[0]
	if signIn.Action != "session.sign_in" {
		signIn, created = created, signIn
	}
	if len(signIn.Detail) > MaxDetail || !strings.HasSuffix(signIn.Detail, "…") {
		t.Errorf("detail not capped: %d bytes", len(signIn.Detail))
	}
	if signIn.At.Location() != time.UTC || time.Since(signIn.At) > time.Hour {
		t.Errorf("default At %v is not now in UTC", signIn.At)
	}
	if want := time.Date(2025, 6, 1, 11, 0, 0, 123000000, time.UTC); !created.At.Equal(want) || created.At.Location() != time.UTC {
		t.Errorf("At stored as %v, want %v", created.At, want)
	}
	mustVerify(t, l)
}
