package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"dbtp/internal/blob"
	"dbtp/internal/blob/blobtest"
)

// env is one backend under test with a way to reach its stored files.
type env struct {
	name    string
	backend blob.Backend
	key     blob.MasterKey
	store   *blob.Store
	// file is where the backend keeps the object of this name.
	file func(name string) string
	// s3 is the server behind the S3 backend, nil for disk.
	s3 *blobtest.Server
}

// each runs fn on the disk backend and on a real S3-compatible server.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("disk", func(t *testing.T) { fn(t, diskEnv(t)) })
	t.Run("s3", func(t *testing.T) { fn(t, s3Env(t, blob.S3Config{})) })
}

func diskEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{name: "disk", backend: d, key: newKey(t)}
	e.file = func(name string) string { return filepath.Join(dir, filepath.FromSlash(name)) }
	e.store = blob.New(d, e.key)
	return e
}

// s3Env starts a server; fields set in over (part size, retries) are kept.
func s3Env(t *testing.T, over blob.S3Config) *env {
	t.Helper()
	srv := blobtest.Start(t)
	cfg := srv.Config()
	cfg.PartSize, cfg.MaxRetries, cfg.Prefix = over.PartSize, over.MaxRetries, over.Prefix
	b, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return srv.File(cfg.Prefix + name) }
	e := &env{name: "s3", backend: b, key: newKey(t), file: file, s3: srv}
	e.store = blob.New(b, e.key)
	return e
}

func newKey(t testing.TB) blob.MasterKey {
	t.Helper()
	k, err := blob.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// content returns n deterministic pseudo-random bytes.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func idOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func put(t *testing.T, s *blob.Store, b []byte) blob.Info {
	t.Helper()
	info, err := s.Put(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("put %d bytes: %v", len(b), err)
	}
	return info
}

// readAll reads an object through Open, returning what was read before any error.
func readAll(t *testing.T, s *blob.Store, id string) ([]byte, error) {
	t.Helper()
	rc, _, err := s.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// names lists every object name the backend holds under prefix, sorted.
func names(t *testing.T, b blob.Backend, prefix string) []string {
	t.Helper()
	var out []string
	if err := b.List(context.Background(), prefix, func(e blob.Entry) error {
		out = append(out, e.Name)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// bodyFor returns the name of the body that holds id.
func bodyFor(t *testing.T, e *env, id string) string {
	t.Helper()
	name, err := blob.BodyName(context.Background(), e.store, id)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func headerOf(id string) string { return "headers/" + id[:2] + "/" + id }

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, sentinel error, id string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("want %v, got %v", sentinel, err)
	}
	var oe *blob.ObjectError
	if !errors.As(err, &oe) || oe.ID != id {
		t.Fatalf("error does not name object %s: %v", id, err)
	}
	if !strings.Contains(err.Error(), id) {
		t.Fatalf("error message does not name object %s: %v", id, err)
	}
}

// failingReader yields data and then fails, like a dropped client upload.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}
