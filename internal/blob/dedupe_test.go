package blob_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"dbtp/internal/blob"
)

// creates counts the uploads a real backend is asked to start.
type creates struct {
	blob.Backend
	n atomic.Int32
}

func (c *creates) Create(ctx context.Context, name string) (blob.Upload, error) {
	c.n.Add(1)
	return c.Backend.Create(ctx, name)
}

// Content already in memory (a bytes.Reader, a strings.Reader) that is
// stored intact is recognised before anything is written: no upload is
// started. A reader that can only be read once is written and the copy
// dropped, as before; a damaged object is still replaced.
func TestDedupeInMemoryWritesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := &creates{Backend: e.backend}
		s := blob.New(c, e.key)
		data := content(3, 100<<10)
		first, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil || c.n.Load() != 1 {
			t.Fatalf("first put: %v, %d uploads", err, c.n.Load())
		}
		again, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil || again != first || c.n.Load() != 1 {
			t.Fatalf("second put %+v (first %+v): %v, %d uploads", again, first, err, c.n.Load())
		}
		if again, err = s.Put(ctx, strings.NewReader(string(data))); err != nil || again != first || c.n.Load() != 1 {
			t.Fatalf("strings.Reader put %+v: %v, %d uploads", again, err, c.n.Load())
		}
		// Read once only: written, then dropped as a duplicate.
		if again, err = s.Put(ctx, io.MultiReader(bytes.NewReader(data))); err != nil || again != first || c.n.Load() != 2 {
			t.Fatalf("one-pass reader put %+v: %v, %d uploads", again, err, c.n.Load())
		}
		if got := names(t, e.backend, ""); len(got) != 2 {
			t.Fatalf("stored %v, want one header and one body", got)
		}
		// A reader part-read already: what is left is the content.
		r := bytes.NewReader(data)
		if _, err := r.Seek(100, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, err := s.Put(ctx, r)
		if err != nil || rest.Size != int64(len(data)-100) {
			t.Fatalf("rest %+v: %v", rest, err)
		}
		got, err := readAll(t, s, rest.ID)
		if err != nil || !bytes.Equal(got, data[100:]) {
			t.Fatalf("rest read back: %d bytes, %v", len(got), err)
		}
		if _, err := s.Put(ctx, r); err != nil { // at its end now: empty content
			t.Fatal(err)
		}
	})
}
