package blob_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"dbtp/internal/blob"
)

// The start check: an empty store has nothing to check, a store opened with
// its own key passes, and one opened with another key says so, naming both
// key IDs, without changing anything.
func TestHasObjectsAndCheckKey(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if has, err := blob.HasObjects(ctx, e.backend); err != nil || has {
			t.Fatalf("empty store: HasObjects = %v, %v", has, err)
		}
		if err := e.store.CheckKey(ctx); err != nil {
			t.Fatalf("empty store: CheckKey = %v", err)
		}
		info := put(t, e.store, content(7, 1000))
		put(t, e.store, content(8, 1000))
		if has, err := blob.HasObjects(ctx, e.backend); err != nil || !has {
			t.Fatalf("HasObjects = %v, %v", has, err)
		}
		if err := e.store.CheckKey(ctx); err != nil {
			t.Fatalf("right key: %v", err)
		}
		other := newKey(t)
		err := blob.New(e.backend, other).CheckKey(ctx)
		if !errors.Is(err, blob.ErrWrongKey) || !strings.Contains(err.Error(), e.key.ID()) || !strings.Contains(err.Error(), other.ID()) {
			t.Fatalf("wrong key: %v", err)
		}
		// Knowing the old key as an older one is enough (mid-rotation).
		if err := blob.New(e.backend, other, e.key).CheckKey(ctx); err != nil {
			t.Fatalf("older key: %v", err)
		}
		if got, err := readAll(t, e.store, info.ID); err != nil || len(got) != 1000 {
			t.Fatalf("read after the checks: %v", err)
		}
	})
}

// Verify counts objects still under an older key, so an operator can tell
// when a rotation is finished; rotation progress is reported per object.
func TestVerifyCountsOlderKeysAndRotationReportsProgress(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := range 3 {
			put(t, e.store, content(uint64(20+i), 500))
		}
		newK := newKey(t)
		both := blob.New(e.backend, newK, e.key)
		rep, err := both.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Older != 3 {
			t.Fatalf("before rotation: %+v %v", rep, err)
		}
		var calls []int
		rr, err := both.RotateKeyProgress(ctx, e.key, newK, func(r blob.RotateReport) { calls = append(calls, r.Rewrapped) })
		if err != nil || rr.Rewrapped != 3 || len(calls) != 3 || calls[2] != 3 {
			t.Fatalf("rotation: %+v %v, progress %v", rr, err, calls)
		}
		rep, err = both.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Older != 0 || rep.Objects != 3 {
			t.Fatalf("after rotation: %+v %v", rep, err)
		}
	})
}
