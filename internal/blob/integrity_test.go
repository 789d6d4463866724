package blob_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"dbtp/internal/blob"
	"dbtp/internal/platform"
)

const seg = blob.DefaultSegmentSize

// A flipped bit anywhere in the body is reported as ErrCorrupt naming the
// object, and no byte of the damaged segment (or after it) is ever returned.
func TestTamperedBody(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data := content(5, 4*seg+123) // five segments
		for _, tc := range []struct {
			name    string
			off     int64 // offset in the stored body
			goodLen int   // plaintext bytes that may be returned before the error
		}{
			{"first segment", 10, 0},
			{"third segment", 2*(seg+16) + 500, 2 * seg},
			{"tag of the last segment", 4*(seg+16) + 123 + 16 - 1, 4 * seg},
		} {
			t.Run(tc.name, func(t *testing.T) {
				info := put(t, e.store, data)
				t.Cleanup(func() { e.store.Delete(context.Background(), info.ID) })
				flipByte(t, e.file(bodyFor(t, e, info.ID)), tc.off)
				got, err := readAll(t, e.store, info.ID)
				wantErr(t, err, blob.ErrCorrupt, info.ID)
				if platform.CodeOf(err) != platform.CodeInternal {
					t.Fatalf("code %s", platform.CodeOf(err))
				}
				if len(got) != tc.goodLen || !bytes.Equal(got, data[:len(got)]) {
					t.Fatalf("returned %d bytes before the error (want the %d good ones)", len(got), tc.goodLen)
				}
				if _, err := e.store.ReadAll(context.Background(), info.ID, 1<<30); !errors.Is(err, blob.ErrCorrupt) {
					t.Fatalf("ReadAll: %v", err)
				}
			})
		}
	})
}

func TestTamperedHeader(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		info := put(t, e.store, content(6, 1000))
		hdr := e.file(headerOf(info.ID))
		raw, _ := os.ReadFile(hdr)
		for off := range int64(len(raw)) {
			flipByte(t, hdr, off)
			_, _, err := e.store.Open(context.Background(), info.ID)
			// Flipping a bit of the key ID makes the header name a key we do
			// not have; every other bit fails parsing or authentication.
			if !errors.Is(err, blob.ErrCorrupt) && !errors.Is(err, blob.ErrWrongKey) {
				t.Fatalf("header byte %d flipped: %v", off, err)
			}
			flipByte(t, hdr, off)
		}
		if _, err := readAll(t, e.store, info.ID); err != nil {
			t.Fatalf("restored header: %v", err)
		}
	})
}

// A header moved to another ID does not unwrap: the ID is bound into it.
func TestHeaderBoundToID(t *testing.T) {
	e := diskEnv(t)
	a := put(t, e.store, []byte("first"))
	b := put(t, e.store, []byte("second"))
	raw, _ := os.ReadFile(e.file(headerOf(a.ID)))
	if err := os.WriteFile(e.file(headerOf(b.ID)), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readAll(t, e.store, b.ID)
	wantErr(t, err, blob.ErrCorrupt, b.ID)
}

func TestTruncatedAndExtendedBody(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data := content(8, 3*seg)
		for _, size := range []int64{0, seg + 16, 2 * (seg + 16), 3*(seg+16) - 1, 3*(seg+16) + 1} {
			info := put(t, e.store, data)
			body := e.file(bodyFor(t, e, info.ID))
			if size > 3*(seg+16) {
				f, _ := os.OpenFile(body, os.O_APPEND|os.O_WRONLY, 0)
				f.Write([]byte{0})
				f.Close()
			} else if err := os.Truncate(body, size); err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, e.store, info.ID)
			wantErr(t, err, blob.ErrCorrupt, info.ID)
			if len(got) != 0 {
				t.Fatalf("body of %d bytes: returned %d bytes", size, len(got))
			}
			if err := e.store.Delete(context.Background(), info.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestWrongMasterKey(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		data := []byte("resident's housing application")
		info := put(t, e.store, data)
		hdrBefore, _ := os.ReadFile(e.file(headerOf(info.ID)))

		other := blob.New(e.backend, newKey(t))
		rc, _, err := other.Open(ctx, info.ID)
		if rc != nil {
			t.Fatal("a reader was returned under the wrong key")
		}
		wantErr(t, err, blob.ErrWrongKey, info.ID)
		if !strings.Contains(err.Error(), "does not match") || !strings.Contains(err.Error(), e.key.ID()) {
			t.Fatalf("unclear message: %v", err)
		}
		if _, err := other.Stat(ctx, info.ID); !errors.Is(err, blob.ErrWrongKey) {
			t.Fatalf("stat: %v", err)
		}
		rep, err := other.Verify(ctx, nil)
		if err != nil || rep.WrongKey != 1 || rep.Corrupt != 0 {
			t.Fatalf("verify under the wrong key: %+v %v", rep, err)
		}
		// Storing the same content under the wrong key is refused too: a new
		// header would tie the object to a key that may be the mistake.
		if _, err := other.Put(ctx, bytes.NewReader(data)); !errors.Is(err, blob.ErrWrongKey) {
			t.Fatalf("put under the wrong key: %v", err)
		}
		if n := names(t, e.backend, ""); len(n) != 2 {
			t.Fatalf("put under the wrong key left %v", n)
		}
		// Nothing was changed by trying: the right key still reads it.
		hdrAfter, _ := os.ReadFile(e.file(headerOf(info.ID)))
		if !bytes.Equal(hdrBefore, hdrAfter) {
			t.Fatal("header changed by reads under the wrong key")
		}
		got, err := readAll(t, e.store, info.ID)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("right key: %q %v", got, err)
		}
	})
}

func TestVerifyNamesMissingAndCorrupt(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		good := put(t, e.store, content(1, 100<<10))
		broken := put(t, e.store, content(2, 100<<10))
		gone := put(t, e.store, content(3, 100<<10))
		flipByte(t, e.file(bodyFor(t, e, broken.ID)), 77)
		if err := os.Remove(e.file(bodyFor(t, e, gone.ID))); err != nil {
			t.Fatal(err)
		}
		// An orphan: a body whose header is gone.
		orphan := put(t, e.store, content(4, 10))
		if err := os.Remove(e.file(headerOf(orphan.ID))); err != nil {
			t.Fatal(err)
		}

		seen := map[string]error{}
		rep, err := e.store.Verify(ctx, func(id string, err error) { seen[id] = err })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Objects != 3 || rep.Corrupt != 1 || rep.Missing != 1 || rep.Orphans != 1 || rep.OK() {
			t.Fatalf("report %+v", rep)
		}
		if rep.Bytes != good.Size {
			t.Fatalf("verified %d bytes, want %d", rep.Bytes, good.Size)
		}
		if seen[good.ID] != nil {
			t.Fatalf("good object: %v", seen[good.ID])
		}
		wantErr(t, seen[broken.ID], blob.ErrCorrupt, broken.ID)
		wantErr(t, seen[gone.ID], blob.ErrMissing, gone.ID)

		n, err := e.store.Sweep(ctx, 0)
		if err != nil || n != 1 {
			t.Fatalf("sweep removed %d: %v", n, err)
		}
		if rep, _ := e.store.Verify(ctx, nil); rep.Orphans != 0 {
			t.Fatalf("after sweep %+v", rep)
		}
	})
}
