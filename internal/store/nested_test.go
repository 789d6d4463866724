package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A write function that calls Write again gets an error at once; on SQLite
// it used to wait forever for the writer it was running on.
func TestWriteInsideWriteFailsAtOnce(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var inner error
		err := db.Write(ctx, func(tx *store.Tx) error {
			inner = db.Write(ctx, func(*store.Tx) error { return nil })
			return inner
		})
		if !errors.Is(inner, store.ErrNestedWrite) || !errors.Is(err, store.ErrNestedWrite) {
			t.Fatalf("inner = %v, outer = %v; want ErrNestedWrite", inner, err)
		}
		// The writer is still free for ordinary writes.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES ('after', 'o', 1)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// An after-commit hook runs on the writer too: a Write from it fails at
// once rather than waiting for the writer it is holding.
func TestWriteInsideAfterCommitFailsAtOnce(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var inner error
		if err := db.Write(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { inner = db.Write(ctx, func(*store.Tx) error { return nil }) })
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !errors.Is(inner, store.ErrNestedWrite) {
			t.Fatalf("Write from an after-commit hook = %v; want ErrNestedWrite", inner)
		}
	})
}

// CommitAnd commits what the write did and still hands the error back.
func TestCommitAndKeepsTheWriteAndReturnsTheError(t *testing.T) {
	storetest.Each(t, mods("m1"), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		refused := errors.New("refused, but the refusal is on record")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO items (id, org_id, n) VALUES ('denial', 'o', 1)"); err != nil {
				return err
			}
			return store.CommitAnd(refused)
		})
		if err != refused {
			t.Fatalf("Write returned %v, want the wrapped error itself", err)
		}
		if n := count(t, db); n != 1 {
			t.Fatalf("rows = %d, want the write committed", n)
		}
	})
}
