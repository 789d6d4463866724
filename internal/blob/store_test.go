package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"dbtp/internal/blob"
	"dbtp/internal/platform"
)

func TestRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		seg := blob.DefaultSegmentSize
		for i, n := range []int{0, 1, 100, seg - 1, seg, seg + 1, 3 * seg, 1<<20 + 7} {
			want := content(uint64(i), n)
			info := put(t, e.store, want)
			if info.ID != idOf(want) || info.Size != int64(n) {
				t.Fatalf("%d bytes: info %+v, want ID %s", n, info, idOf(want))
			}
			got, err := readAll(t, e.store, info.ID)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%d bytes: read %d bytes, err %v", n, len(got), err)
			}
			all, err := e.store.ReadAll(ctx, info.ID, int64(n))
			if err != nil || !bytes.Equal(all, want) {
				t.Fatalf("%d bytes: ReadAll %d bytes, err %v", n, len(all), err)
			}
			st, err := e.store.Stat(ctx, info.ID)
			if err != nil || st != info {
				t.Fatalf("stat %+v %v, want %+v", st, err, info)
			}
			if ok, err := e.store.Exists(ctx, info.ID); !ok || err != nil {
				t.Fatalf("exists %v %v", ok, err)
			}
		}
		// Stored bytes are ciphertext: the plaintext appears nowhere.
		plain := bytes.Repeat([]byte("OFFICIAL-SENSITIVE "), 1000)
		info := put(t, e.store, plain)
		raw, err := os.ReadFile(e.file(bodyFor(t, e, info.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("OFFICIAL-SENSITIVE")) {
			t.Fatal("plaintext visible in the stored body")
		}
	})
}

func TestDeleteAndNotFound(t *testing.T) {
	e := diskEnv(t)
	ctx := context.Background()
	info := put(t, e.store, []byte("short-lived"))
	if err := e.store.Delete(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if n := names(t, e.backend, ""); len(n) != 0 {
		t.Fatalf("left behind %v", n)
	}
	_, _, err := e.store.Open(ctx, info.ID)
	wantErr(t, err, blob.ErrNotFound, info.ID)
	if platform.CodeOf(err) != platform.CodeNotFound {
		t.Fatalf("code %s", platform.CodeOf(err))
	}
	if ok, err := e.store.Exists(ctx, info.ID); ok || err != nil {
		t.Fatalf("exists after delete: %v %v", ok, err)
	}
	if err := e.store.Delete(ctx, info.ID); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	for _, bad := range []string{"", "../../etc/passwd", "ABCDEF", idOf(nil)[:63] + "/", idOf(nil)[:63] + "G"} {
		if _, _, err := e.store.Open(ctx, bad); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("Open(%q): %v", bad, err)
		}
	}
}

func TestDedupe(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data := content(7, 300<<10)
		a := put(t, e.store, data)
		before := names(t, e.backend, "")
		b := put(t, e.store, data)
		if a != b {
			t.Fatalf("second put %+v, first %+v", b, a)
		}
		after := names(t, e.backend, "")
		if len(after) != 2 || len(before) != 2 || after[0] != before[0] || after[1] != before[1] {
			t.Fatalf("stored %v, then %v; want the same header and body", before, after)
		}
	})
}

func TestInterruptedPut(t *testing.T) {
	// On S3 the failure comes after two full parts have been sent, so the
	// multipart upload is under way when it is abandoned.
	big := 12<<20 + 5
	each(t, func(t *testing.T, e *env) {
		if e.s3 != nil {
			e = s3Env(t, blob.S3Config{PartSize: 5 << 20})
		}
		ctx := context.Background()
		data := content(3, big)
		boom := errors.New("client went away")
		_, err := e.store.Put(ctx, &failingReader{r: bytes.NewReader(data[:big-100]), err: boom})
		if !errors.Is(err, boom) {
			t.Fatalf("want the reader's error, got %v", err)
		}
		if n := names(t, e.backend, ""); len(n) != 0 {
			t.Fatalf("interrupted put left %v", n)
		}
		if ok, _ := e.store.Exists(ctx, idOf(data)); ok {
			t.Fatal("interrupted object visible")
		}

		// A cancelled context stops it too.
		cctx, cancel := context.WithCancel(ctx)
		r := &cancelAfter{r: bytes.NewReader(data), n: 6 << 20, cancel: cancel}
		if _, err := e.store.Put(cctx, r); !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		if n := names(t, e.backend, ""); len(n) != 0 {
			t.Fatalf("cancelled put left %v", n)
		}

		// The store is usable and nothing trips the next Put of the same bytes.
		info := put(t, e.store, data)
		got, err := readAll(t, e.store, info.ID)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after interruption: %d bytes, %v", len(got), err)
		}
		if e.s3 == nil {
			tmp, _ := os.ReadDir(e.file(".tmp"))
			if len(tmp) != 0 {
				t.Fatalf("temporary files left: %v", tmp)
			}
		}
	})
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= n
	if c.n <= 0 {
		c.cancel()
	}
	return n, err
}

// A Put of content whose stored copy has lost its body or been cut short
// stores it afresh. (Dedupe checks the header and the body's length, not
// every byte: a bit flipped inside the body is found by Open and Verify.)
func TestPutRepairsDamagedObject(t *testing.T) {
	e := diskEnv(t)
	ctx := context.Background()
	data := content(11, 200<<10)
	info := put(t, e.store, data)
	for _, damage := range []func(path string) error{
		os.Remove,
		func(path string) error { return os.Truncate(path, 1000) },
	} {
		if err := damage(e.file(bodyFor(t, e, info.ID))); err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(t, e.store, info.ID); err == nil {
			t.Fatal("damaged object read without error")
		}
		put(t, e.store, data)
		got, err := readAll(t, e.store, info.ID)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("after re-put: %d bytes, %v", len(got), err)
		}
		rep, err := e.store.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Objects != 1 {
			t.Fatalf("verify %+v %v", rep, err)
		}
	}
}

// With a prefix, everything stays under it and the rest of the bucket is
// left alone.
func TestS3Prefix(t *testing.T) {
	e := s3Env(t, blob.S3Config{Prefix: "dbtp/blobs/"})
	data := content(9, 70000)
	info := put(t, e.store, data)
	if _, err := os.Stat(e.s3.File("dbtp/blobs/" + headerOf(info.ID))); err != nil {
		t.Fatalf("header not under the prefix: %v", err)
	}
	got, err := readAll(t, e.store, info.ID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	rep, err := e.store.Verify(context.Background(), nil)
	if err != nil || rep.Objects != 1 || !rep.OK() {
		t.Fatalf("verify %+v %v", rep, err)
	}
	cfg := e.s3.Config()
	for _, bad := range []string{"/lead", "no-slash"} {
		cfg.Prefix = bad
		if _, err := blob.NewS3(context.Background(), cfg); err == nil {
			t.Fatalf("prefix %q accepted", bad)
		}
	}
	cfg.Prefix, cfg.Bucket = "", "no-such-bucket"
	if _, err := blob.NewS3(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
}
