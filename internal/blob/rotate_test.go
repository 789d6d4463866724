package blob_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"dbtp/internal/blob"
)

func TestRotateKey(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		oldKey, newKey := e.key, newKey(t)
		var infos []blob.Info
		var datas [][]byte
		bodies := map[string][]byte{}
		headers := map[string][]byte{}
		for i := range 6 {
			d := content(uint64(100+i), i*40000)
			info := put(t, e.store, d)
			infos, datas = append(infos, info), append(datas, d)
			b, _ := os.ReadFile(e.file(bodyFor(t, e, info.ID)))
			bodies[info.ID] = b
			headers[info.ID], _ = os.ReadFile(e.file(headerOf(info.ID)))
		}

		// The store must already write with the new key.
		if _, err := e.store.RotateKey(ctx, oldKey, newKey); err == nil {
			t.Fatal("rotation allowed on a store still writing with the old key")
		}

		// Interrupt a first run after two headers are rewritten.
		cctx, cancel := context.WithCancel(ctx)
		cut := &cancelAfterPuts{Backend: e.backend, left: 2, cancel: cancel}
		_, err := blob.New(cut, newKey, oldKey).RotateKey(cctx, oldKey, newKey)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted rotation: %v", err)
		}
		// Mid-rotation, a store that knows both keys reads everything.
		both := blob.New(e.backend, newKey, oldKey)
		for i, info := range infos {
			if got, err := readAll(t, both, info.ID); err != nil || !bytes.Equal(got, datas[i]) {
				t.Fatalf("mid-rotation read %d: %v", i, err)
			}
		}

		rep, err := both.RotateKey(ctx, oldKey, newKey)
		if err != nil || rep.Rewrapped != 4 || rep.Skipped != 2 || rep.Failed != 0 {
			t.Fatalf("second run: %+v %v", rep, err)
		}
		rep, err = both.RotateKey(ctx, oldKey, newKey)
		if err != nil || rep.Rewrapped != 0 || rep.Skipped != 6 {
			t.Fatalf("third run: %+v %v", rep, err)
		}

		onlyNew, onlyOld := blob.New(e.backend, newKey), blob.New(e.backend, oldKey)
		for i, info := range infos {
			if got, err := readAll(t, onlyNew, info.ID); err != nil || !bytes.Equal(got, datas[i]) {
				t.Fatalf("new key read %d: %v", i, err)
			}
			if _, err := readAll(t, onlyOld, info.ID); !errors.Is(err, blob.ErrWrongKey) {
				t.Fatalf("old key read %d: %v", i, err)
			}
			// Content untouched; only the header changed.
			b, _ := os.ReadFile(e.file(bodyFor(t, e, info.ID)))
			if !bytes.Equal(b, bodies[info.ID]) {
				t.Fatalf("body of %s changed", info.ID)
			}
			h, _ := os.ReadFile(e.file(headerOf(info.ID)))
			if bytes.Equal(h, headers[info.ID]) || len(h) != len(headers[info.ID]) {
				t.Fatalf("header of %s not rewritten in place", info.ID)
			}
		}
		if n := len(names(t, e.backend, "bodies/")); n != 6 {
			t.Fatalf("%d bodies after rotation", n)
		}
	})
}

// A rotation from a key that is not the one objects are under changes
// nothing and says which objects it could not re-wrap.
func TestRotateKeyWrongOldKey(t *testing.T) {
	e := diskEnv(t)
	ctx := context.Background()
	info := put(t, e.store, []byte("kept as it was"))
	before, _ := os.ReadFile(e.file(headerOf(info.ID)))
	stranger, newKey := newKey(t), newKey(t)
	rep, err := blob.New(e.backend, newKey).RotateKey(ctx, stranger, newKey)
	if err == nil || rep.Failed != 1 || rep.Rewrapped != 0 {
		t.Fatalf("rotation with the wrong old key: %+v %v", rep, err)
	}
	wantErr(t, rep.Errors[0], blob.ErrWrongKey, info.ID)
	after, _ := os.ReadFile(e.file(headerOf(info.ID)))
	if !bytes.Equal(before, after) {
		t.Fatal("header changed")
	}
	if _, err := readAll(t, e.store, info.ID); err != nil {
		t.Fatal(err)
	}
}

// cancelAfterPuts passes everything to a real backend and cancels a context
// once it has let a number of small writes through, as a rotation killed
// part way would stop.
type cancelAfterPuts struct {
	blob.Backend
	left   int
	cancel func()
}

func (c *cancelAfterPuts) Put(ctx context.Context, name string, data []byte) error {
	if c.left == 0 {
		c.cancel()
		return ctx.Err()
	}
	c.left--
	return c.Backend.Put(ctx, name, data)
}
