package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func mods(dir string) []store.Migrations {
	return []store.Migrations{{Module: "items", FS: os.DirFS("testdata/" + dir)}}
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriteCommitsAndIsolatesFailures(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Write(ctx, func(tx *store.Tx) error {
					// Every tenth write inserts then fails: its row must vanish
					// while its neighbours in the same group commit survive.
					if _, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, ?, ?)", fmt.Sprint("i", i), "o", i); err != nil {
						return err
					}
					if i%10 == 0 {
						return errors.New("deliberate")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (i%10 == 0) != (err != nil) {
				t.Fatalf("write %d: err=%v", i, err)
			}
		}
		if got := count(t, db); got != 180 {
			t.Fatalf("rows = %d, want 180", got)
		}
	})
}

func TestUniqueViolationAndPanicAreContained(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ins := func(id string, n int) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, ?, ?)", id, "o", n)
				return err
			})
		}
		if err := ins("a", 1); err != nil {
			t.Fatal(err)
		}
		err := ins("b", 1)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("want unique violation, got %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { panic("boom") })
		if err == nil || !strings.Contains(err.Error(), "panicked") {
			t.Fatalf("panic not reported: %v", err)
		}
		if err := ins("c", 2); err != nil {
			t.Fatalf("writer dead after panic: %v", err)
		}
		if got := count(t, db); got != 2 {
			t.Fatalf("rows = %d, want 2", got)
		}
	})
}

func TestHooks(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var before, after int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db.Write(ctx, func(tx *store.Tx) error {
					tx.BeforeCommit("k", func(*store.Tx) error { mu.Lock(); before++; mu.Unlock(); return nil })
					tx.AfterCommit(func() { mu.Lock(); after++; mu.Unlock() })
					_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, ?, ?)", fmt.Sprint(i), "o", i)
					return err
				})
			}()
		}
		wg.Wait()
		st := db.Stats()
		if after != 20 || before != int(st.Transactions) || before < 1 {
			t.Fatalf("after=%d before=%d transactions=%d", after, before, st.Transactions)
		}
		// A failing before-commit hook rolls the whole write back.
		err := db.Write(ctx, func(tx *store.Tx) error {
			tx.BeforeCommit("bad", func(*store.Tx) error { return errors.New("no") })
			_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES ('x', 'o', 999)")
			return err
		})
		if err == nil || count(t, db) != 20 {
			t.Fatalf("hook failure not rolled back: %v, rows %d", err, count(t, db))
		}
		// A hook asking for another (which would never run) fails the
		// write whole rather than losing what the second would write.
		err = db.Write(ctx, func(tx *store.Tx) error {
			tx.BeforeCommit("first", func(tx *store.Tx) error {
				tx.BeforeCommit("second", func(*store.Tx) error { return nil })
				return nil
			})
			_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES ('y', 'o', 998)")
			return err
		})
		if !errors.Is(err, store.ErrLateHook) || count(t, db) != 20 {
			t.Fatalf("a late hook: %v, rows %d", err, count(t, db))
		}
	})
}

func TestMigrateIsRecordedAndRefusesNewerDatabase(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Open(t, d, mods("m2"))
			ctx := context.Background()
			applied, err := db.AppliedMigrations(ctx)
			if err != nil || len(applied) != 2 {
				t.Fatalf("applied = %v, %v", applied, err)
			}
			again, err := db.Migrate(ctx, mods("m2"))
			if err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v, %v", again, err)
			}
			_, err = db.Migrate(ctx, mods("m1"))
			if err == nil || !strings.Contains(err.Error(), "newer dbtp") {
				t.Fatalf("older binary not refused: %v", err)
			}
		})
	}
}

func TestFailedMigrationLeavesNothing(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Open(t, d, mods("m1"))
			bad := fstestMap(map[string]string{
				string(d) + "/0001_items.sql": "CREATE TABLE items (id TEXT);",
				string(d) + "/0002_bad.sql":   "CREATE TABLE half (id TEXT); THIS IS NOT SQL;",
			})
			_, err := db.Migrate(context.Background(), []store.Migrations{{Module: "items", FS: bad}})
			if err == nil {
				t.Fatal("bad migration accepted")
			}
			var n int
			if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM schema_migrations WHERE module = 'items'").Scan(&n); err != nil || n != 1 {
				t.Fatalf("recorded %d, %v", n, err)
			}
			if _, err := db.Query(context.Background(), "SELECT * FROM half"); err == nil {
				t.Fatal("half-applied migration left a table behind")
			}
		})
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{DatabaseURL: "mysql://x"})
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("got %v", err)
	}
}

// TestBatchValueRollsBackWithItsWrite counts, in a batch value, the writes of
// each physical transaction; the before-commit hook stores the count. A
// write that fails must take its increment with it, so the stored counts add
// up to the rows committed, however the writes were grouped.
func TestBatchValueRollsBackWithItsWrite(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		var batches atomic.Int64
		for i := range 200 {
			wg.Go(func() {
				err := db.Write(ctx, func(tx *store.Tx) error {
					n, _ := tx.BatchValue("n")
					count, _ := n.(int)
					tx.SetBatchValue("n", count+1)
					tx.BeforeCommit("sum", func(tx *store.Tx) error {
						v, _ := tx.BatchValue("n")
						k := batches.Add(1) // items has a unique (org_id, n): one org per count
						_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, ?, ?)", fmt.Sprint("sum", k), fmt.Sprint("sum", k), v)
						return err
					})
					if _, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES (?, 'o', ?)", fmt.Sprint("i", i), i); err != nil {
						return err
					}
					if i%10 == 0 {
						return errors.New("deliberate")
					}
					return nil
				})
				if (i%10 == 0) != (err != nil) {
					t.Errorf("write %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		var rows, counted int
		db.QueryRow(ctx, "SELECT COUNT(*) FROM items WHERE org_id = 'o'").Scan(&rows)
		db.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0) FROM items WHERE org_id LIKE 'sum%'").Scan(&counted)
		if rows != 180 || counted != rows {
			t.Fatalf("%d rows committed, batch values counted %d; want 180 and 180", rows, counted)
		}
	})
}
