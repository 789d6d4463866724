package pdfpages

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"strconv"
	"sync"

	"dbtp/internal/platform"
)

// Limits on pixels, so a request cannot make the server allocate gigabytes
// for one picture: MaxWidth for a picture's width, MaxPagePixels for its
// area (25 megapixels is an A1 page at 150 dpi; records' redaction lowers
// its resolution to stay within it).
const (
	MaxWidth      = 4000
	MaxPagePixels = 25_000_000
)

// A Renderer draws pictures of pages, a few at once: each render is a
// pdftoppm process, and the machine's cores are shared with everything
// else the server does. Each module keeps its own.
type Renderer struct {
	// Tool is the pdftoppm program; "" finds it on PATH. A test may name
	// one that does not exist to show what a cached picture still serves.
	Tool string

	slots chan struct{} // renders at once
	cache *cache        // nil: pictures are not kept

	// beforeRun, when set (by this package's tests only), is called with
	// a slot held just before pdftoppm runs.
	beforeRun func()
}

// NewRenderer makes a renderer that runs at most concurrent renders at
// once (at least 1) and keeps the last cached pictures (0: none).
func NewRenderer(concurrent, cached int) *Renderer {
	r := &Renderer{slots: make(chan struct{}, max(concurrent, 1))}
	if cached > 0 {
		r.cache = &cache{size: cached, pics: map[string][]byte{}}
	}
	return r
}

// Render draws page (1-based) of pdf as a PNG width pixels wide, the
// height following the page's shape, waiting for a free slot. It shows the
// crop box with rotation applied, as a PDF viewer would: boxes drawn on
// the picture land where a viewer shows them. A page that is not in the
// document, or a damaged or password-protected PDF, is a CodeInvalid error
// that says so.
func (r *Renderer) Render(ctx context.Context, pdf []byte, page, width int, o Options) ([]byte, error) {
	if err := check(page, width); err != nil {
		return nil, err
	}
	if err := r.acquire(ctx); err != nil {
		return nil, err
	}
	defer r.release()
	return r.render(ctx, pdf, page, width, o)
}

// check refuses what no PDF could be drawn as.
func check(page, width int) error {
	if width < 1 || width > MaxWidth {
		return platform.Invalid(fmt.Sprintf("a preview must be between 1 and %d pixels wide", MaxWidth))
	}
	if page < 1 {
		return platform.Invalid("page numbers start at 1")
	}
	return nil
}

// acquire waits for a slot, or for ctx to end.
func (r *Renderer) acquire(ctx context.Context) error {
	select {
	case r.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return platform.Internal(ctx.Err())
	}
}

func (r *Renderer) release() { <-r.slots }

func (r *Renderer) render(ctx context.Context, pdf []byte, page, width int, o Options) ([]byte, error) {
	w, err := NewDir(o)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	d, err := w.OpenPDF(ctx, "in.pdf", pdf, page, page, "")
	if err != nil {
		return nil, err
	}
	if page > d.Pages {
		return nil, platform.Invalid(fmt.Sprintf("page %d is out of range: this PDF has %s", page, pages(d.Pages)))
	}
	sw, sh := d.Sizes[page].Shown()
	if sw <= 0 || sh <= 0 {
		return nil, platform.Invalid(MsgDamaged)
	}
	height := math.Ceil(float64(width) * sh / sw)
	if float64(width)*height > MaxPagePixels {
		return nil, platform.Invalid(fmt.Sprintf("page %d is too long and narrow to preview %d pixels wide", page, width))
	}
	// pdftoppm applies -scale-to-x before rotating the page, so for a page
	// turned a quarter the wanted width is the unrotated height.
	scale := []string{"-scale-to-x", strconv.Itoa(width), "-scale-to-y", "-1"}
	if d.Sizes[page].Rot%180 != 0 {
		scale = []string{"-scale-to-x", "-1", "-scale-to-y", strconv.Itoa(width)}
	}
	args := append([]string{"-png", "-cropbox", "-singlefile", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page)}, scale...)
	tool := r.Tool
	if tool == "" {
		tool = "pdftoppm"
	}
	if r.beforeRun != nil {
		r.beforeRun()
	}
	if _, err := w.Run(ctx, tool, append(args, "in.pdf", "page")...); err != nil {
		return nil, ToolError(err, "")
	}
	out, err := w.Read("page.png")
	if err != nil {
		return nil, err
	}
	// A blank stand-in page (see Run) would have the wrong size.
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width < width-1 || cfg.Width > width+1 {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: MsgComplex, Err: fmt.Errorf("pdftoppm gave %dx%d for width %d: %v", cfg.Width, cfg.Height, width, err)}
	}
	return out, nil
}

// Cached is Render for a document that does not change, named by key (its
// SHA-256, say): the picture of each page at each width is drawn once and
// kept, and open, which reads the document, is called only to draw one.
// The caller checks access before asking, as it would for the document.
// Concurrent requests for the same page wait for the first render's slot
// and then find it kept.
func (r *Renderer) Cached(ctx context.Context, key string, page, width int, o Options, open func() ([]byte, error)) ([]byte, error) {
	if r.cache == nil {
		pdf, err := open()
		if err != nil {
			return nil, err
		}
		return r.Render(ctx, pdf, page, width, o)
	}
	if err := check(page, width); err != nil {
		return nil, err
	}
	k := key + ":" + strconv.Itoa(page) + ":" + strconv.Itoa(width)
	if b, ok := r.cache.get(k); ok {
		return b, nil
	}
	if err := r.acquire(ctx); err != nil {
		return nil, err
	}
	defer r.release()
	if b, ok := r.cache.get(k); ok {
		return b, nil
	}
	pdf, err := open()
	if err != nil {
		return nil, err
	}
	b, err := r.render(ctx, pdf, page, width, o)
	if err != nil {
		return nil, err
	}
	r.cache.put(k, b)
	return b, nil
}

// cache keeps the last size pictures, dropping the oldest first: a page
// picture is some 20 to 60 kB.
type cache struct {
	mu    sync.Mutex
	size  int
	pics  map[string][]byte
	order []string // oldest first
}

func (c *cache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.pics[key]
	return b, ok
}

func (c *cache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pics[key]; ok {
		return
	}
	if len(c.order) >= c.size {
		delete(c.pics, c.order[0])
		c.order = c.order[1:]
	}
	c.pics[key] = b
	c.order = append(c.order, key)
}

// pages is "1 page" or "n pages".
func pages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}
