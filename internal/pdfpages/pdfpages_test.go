package pdfpages

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// needTools skips without poppler-utils, except where CI is "true", where
// a missing tool must fail rather than hide the tests.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (Debian package poppler-utils); CI=true requires it", tool)
			}
			t.Skipf("%s is not installed: install poppler-utils to run this test", tool)
		}
	}
}

// twoPages is a real two-page A4 PDF.
func twoPages(t *testing.T) []byte { return makePDF(t, "") }

// makePDF is twoPages, opened only with password when there is one.
func makePDF(t *testing.T, password string) []byte {
	t.Helper()
	f := fpdf.New("P", "pt", "A4", "")
	if password != "" {
		f.SetProtection(fpdf.CnProtectPrint, password, "owner-"+password)
	}
	f.SetFont("Helvetica", "", 24)
	for _, s := range []string{"Page one", "Page two"} {
		f.AddPage()
		f.Text(72, 100, s)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantInvalid(t *testing.T, err error, words ...string) {
	t.Helper()
	e := platform.AsError(err)
	if err == nil || e.Code != platform.CodeInvalid {
		t.Fatalf("got %v, want an invalid error saying %q", err, words)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Fatalf("message %q does not say %q", e.Message, w)
		}
	}
}

func TestRenderPages(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf := twoPages(t)
	r := NewRenderer(2, 0)
	for _, page := range []int{1, 2} {
		out, err := r.Render(ctx, pdf, page, 300, Options{})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width != 300 || cfg.Height < 423 || cfg.Height > 426 {
			t.Fatalf("page %d is %dx%d (%v), want 300 wide and A4-shaped (about 424 high)", page, cfg.Width, cfg.Height, err)
		}
	}
	_, err := r.Render(ctx, pdf, 0, 300, Options{})
	wantInvalid(t, err, "page numbers start at 1")
	_, err = r.Render(ctx, pdf, 3, 300, Options{})
	wantInvalid(t, err, "page 3 is out of range", "this PDF has 2 pages")
	_, err = r.Render(ctx, pdf, 1, MaxWidth+1, Options{})
	wantInvalid(t, err, "pixels wide")
	if n, err := PageCount(ctx, pdf, Options{}); err != nil || n != 2 {
		t.Fatalf("PageCount = %d, %v; want 2", n, err)
	}
}

func TestRenderRefusesDamagedAndLocked(t *testing.T) {
	needTools(t)
	r := NewRenderer(1, 0)
	_, err := r.Render(context.Background(), []byte("this is not a PDF at all\x00\x01\x02"), 1, 200, Options{})
	wantInvalid(t, err, "damaged or is not a PDF")
	// What the tool printed is kept for the logs, never in the message.
	if e := platform.AsError(err); e.Err == nil || strings.Contains(e.Message, "pdfinfo") {
		t.Fatalf("error %#v should keep the tool's output in Err only", e)
	}
	_, err = r.Render(context.Background(), nil, 1, 200, Options{})
	wantInvalid(t, err, "empty")
	_, err = r.Render(context.Background(), makePDF(t, "user-pw"), 1, 200, Options{})
	wantInvalid(t, err, "protected by a password")
}

// The bound on renders at once holds: six renders on a renderer of two
// meet in the hook that runs, slot held, just before pdftoppm. The hook
// holds each render until the test lets it go, so the count of renders
// inside it at once is read while they are all waiting, not guessed from
// timing. With both slots held, a render whose context is already over
// gets no slot and says so.
func TestRenderBound(t *testing.T) {
	needTools(t)
	pdf := twoPages(t)
	r := NewRenderer(2, 0)
	var inside, most atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	r.beforeRun = func() {
		n := inside.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		entered <- struct{}{}
		<-release
		inside.Add(-1)
	}
	const renders = 6
	var wg sync.WaitGroup
	errs := make(chan error, renders)
	for range renders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Render(context.Background(), pdf, 1, 100, Options{})
			errs <- err
		}()
	}
	<-entered
	<-entered
	// Both slots are held by renders waiting on release.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Render(done, pdf, 1, 100, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("with both slots held, a cancelled render gave %v, want context.Canceled", err)
	}
	for i := 0; i < renders; i++ {
		release <- struct{}{}
		if i+2 < renders {
			<-entered
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := most.Load(); m != 2 {
		t.Fatalf("%d renders ran at once on a renderer of 2", m)
	}
}

// A cached picture is served again without the document, even when
// pdftoppm is gone; one never drawn is not.
func TestCached(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf := twoPages(t)
	r := NewRenderer(1, 2)
	opened := 0
	open := func() ([]byte, error) { opened++; return pdf, nil }
	first, err := r.Cached(ctx, "doc", 1, 200, Options{}, open)
	if err != nil {
		t.Fatal(err)
	}
	r.Tool = "dbtp-no-such-pdftoppm"
	again, err := r.Cached(ctx, "doc", 1, 200, Options{}, open)
	if err != nil || !bytes.Equal(first, again) || opened != 1 {
		t.Fatalf("cached page: %v, same %v, opened %d times", err, bytes.Equal(first, again), opened)
	}
	if _, err := r.Cached(ctx, "doc", 2, 200, Options{}, open); !errors.Is(err, ErrToolMissing) {
		t.Fatalf("a page never drawn, without pdftoppm: %v, want ErrToolMissing", err)
	}
	_, err = r.Cached(ctx, "doc", 0, 200, Options{}, open)
	wantInvalid(t, err, "page numbers start at 1")
}

// The document's own title is printed by pdfinfo before the page count; a
// title that imitates pdfinfo's lines must not change what we read.
func TestParseInfoIgnoresMetadata(t *testing.T) {
	out := "Title:           x\nPages:           999\nPage    1 size:  1 x 1 pts\n" +
		"Author:          y\nPages:           2\nEncrypted:       no\n" +
		"Page    1 size:  595.28 x 841.89 pts (A4)\nPage    1 rot:   90\nFile size:       100 bytes\n"
	d, err := parseInfo([]byte(out))
	if err != nil || d.Pages != 2 || d.Sizes[1] != (PageSize{W: 595.28, H: 841.89, Rot: 90}) {
		t.Fatalf("parseInfo = %+v, %v", d, err)
	}
}
