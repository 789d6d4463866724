package signingweb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// The fields page shows each field on a small picture of its page, drawn
// here from the draft's original PDF by poppler's pdftoppm (Debian
// package poppler-utils), as the records module draws its previews:
// modules do not import each other, and a separate process keeps a
// hostile PDF's crash or runaway allocation out of the server. Pictures
// are cached by the document's SHA-256 and page, after the access check
// that each request makes as the PDF's own download does; without
// pdftoppm the page map is blank and placing works as before.

// pagePictureWidth is a page picture's width in pixels: twice the page
// map's 238 CSS pixels, sharp on a high-density screen.
const pagePictureWidth = 476

// pictureCacheSize bounds the cache: a picture is some 20 to 60 kB.
const pictureCacheSize = 64

type pictureCache struct {
	mu    sync.Mutex
	pics  map[string][]byte
	order []string  // oldest first, for eviction
	slots chan bool // renders at once: the machine's cores are shared
	tool  string    // the pdftoppm program; "" finds it on PATH
}

func newPictureCache() *pictureCache {
	return &pictureCache{pics: map[string][]byte{}, slots: make(chan bool, 2)}
}

func (c *pictureCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pics[key]
	return b, ok
}

func (c *pictureCache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pics[key]; ok {
		return
	}
	if len(c.order) >= pictureCacheSize {
		delete(c.pics, c.order[0])
		c.order = c.order[1:]
	}
	c.pics[key] = b
	c.order = append(c.order, key)
}

// picture is page n of the document open, rendered once: concurrent
// requests for the same page wait for the first render's slot and then
// find it cached.
func (c *pictureCache) picture(ctx context.Context, key string, n int, open func() (io.ReadCloser, error)) ([]byte, error) {
	if b, ok := c.get(key); ok {
		return b, nil
	}
	select {
	case c.slots <- true:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.slots }()
	if b, ok := c.get(key); ok {
		return b, nil
	}
	rc, err := open()
	if err != nil {
		return nil, err
	}
	pdf, err := io.ReadAll(io.LimitReader(rc, signing.MaxPDFSize+1))
	rc.Close()
	if err != nil {
		return nil, platform.Internal(err)
	}
	b, err := renderPage(ctx, c.tool, pdf, n)
	if err != nil {
		return nil, err
	}
	c.put(key, b)
	return b, nil
}

// renderPage runs pdftoppm for one page, pagePictureWidth pixels wide.
func renderPage(ctx context.Context, tool string, pdf []byte, n int) ([]byte, error) {
	if tool == "" {
		tool = "pdftoppm"
	}
	path, err := exec.LookPath(tool)
	if err != nil {
		return nil, platform.Errorf(platform.CodeNotFound, "Pictures of pages need pdftoppm (Debian package poppler-utils), which this server lacks")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "dbtp-signing-page-")
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, platform.Internal(err)
	}
	p := strconv.Itoa(n)
	cmd := exec.CommandContext(ctx, path, "-png", "-cropbox", "-singlefile", "-f", p, "-l", p,
		"-scale-to-x", strconv.Itoa(pagePictureWidth), "-scale-to-y", "-1", in, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, platform.Internal(errors.New("pdftoppm: " + err.Error() + ": " + string(out)))
	}
	b, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		return nil, platform.Internal(err)
	}
	return b, nil
}

// pagePicture serves /envelopes/{id}/pages/{n}: page n of the envelope's
// original PDF as a PNG, to those who may read the envelope.
func (p *envelopesPart) pagePicture(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.ss.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > env.Pages {
		return platform.Errorf(platform.CodeNotFound, "The document has no such page")
	}
	png, err := p.pictures.picture(r.Context(), env.OriginalSHA256+":"+strconv.Itoa(n), n, func() (io.ReadCloser, error) {
		rc, _, err := p.ss.EnvelopeDocument(r.Context(), sub, env.ID, signing.DocOriginal)
		return rc, err
	})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("X-Content-Type-Options", "nosniff")
	// The original never changes: the page's maps share one download.
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	_, err = w.Write(png)
	return err
}
