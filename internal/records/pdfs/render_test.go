package pdfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"
)

func TestPageCountAndRender(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, _ := samplePDF(t)
	n, err := PageCount(ctx, pdf, Options{})
	if err != nil || n != 2 {
		t.Fatalf("PageCount = %d, %v; want 2", n, err)
	}
	for _, page := range []int{1, 2} {
		out, err := RenderPage(ctx, pdf, page, 300, Options{})
		if err != nil {
			t.Fatalf("RenderPage(%d): %v", page, err)
		}
		b := decodePNG(t, out).Bounds()
		if b.Dx() != 300 || b.Dy() < 423 || b.Dy() > 426 {
			t.Fatalf("page %d is %dx%d, want 300 wide and A4-shaped (about 424 high)", page, b.Dx(), b.Dy())
		}
	}
	_, err = RenderPage(ctx, pdf, 3, 300, Options{})
	wantInvalid(t, err, "page 3 is out of range", "2 pages")
	_, err = RenderPage(ctx, pdf, 0, 300, Options{})
	wantInvalid(t, err, "page numbers start at 1")
	_, err = RenderPage(ctx, pdf, 1, 0, Options{})
	wantInvalid(t, err, "pixels wide")
	_, err = RenderPage(ctx, pdf, 1, pdfpages.MaxWidth+1, Options{})
	wantInvalid(t, err, "pixels wide")
}

// A page turned a quarter is shown landscape, and the preview must be the
// width asked for (pdftoppm would otherwise scale the unturned width).
func TestRenderRotatedPage(t *testing.T) {
	needTools(t)
	pdf, _ := samplePDF(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "rot.pdf")
	os.WriteFile(in, pdf, 0o600)
	if b, err := exec.Command("qpdf", "--rotate=+90:1", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --rotate: %v\n%s", err, b)
	}
	rotated, _ := os.ReadFile(out)
	png, err := RenderPage(context.Background(), rotated, 1, 300, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := decodePNG(t, png).Bounds()
	if b.Dx() != 300 || b.Dy() < 210 || b.Dy() > 214 {
		t.Fatalf("rotated page is %dx%d, want 300 wide and landscape (about 212 high)", b.Dx(), b.Dy())
	}
}

func TestPasswordProtectedPDF(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, box := samplePDF(t)
	locked := encrypt(t, pdf)
	_, err := PageCount(ctx, locked, Options{})
	wantInvalid(t, err, "protected by a password")
	_, err = RenderPage(ctx, locked, 1, 200, Options{})
	wantInvalid(t, err, "protected by a password")
	_, err = Redact(ctx, locked, []Box{box}, Options{})
	wantInvalid(t, err, "protected by a password")
	// What the tool printed is kept for the logs, never in the message.
	if e := platform.AsError(err); e.Err == nil || bytes.Contains([]byte(e.Message), []byte("pdfinfo")) {
		t.Fatalf("error %#v should keep the tool's output in Err only", e)
	}
}

func TestDamagedPDF(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	for name, b := range map[string][]byte{
		"garbage":   []byte("this is not a PDF at all, just some bytes\x00\x01\x02"),
		"truncated": []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog"),
	} {
		_, err := PageCount(ctx, b, Options{})
		wantInvalid(t, err, "damaged")
		_, err = RenderPage(ctx, b, 1, 200, Options{})
		wantInvalid(t, err, "damaged")
		_, err = Redact(ctx, b, nil, Options{})
		wantInvalid(t, err, "damaged")
		t.Logf("%s: %v", name, err)
	}
	_, err := PageCount(ctx, nil, Options{})
	wantInvalid(t, err, "empty")
}

// A tool stopped by the timeout is reported as a PDF too complex to
// process. A timeout that has already passed stops the tool at once, so the
// test does not depend on how fast the machine is.
func TestTimeout(t *testing.T) {
	needTools(t)
	pdf, _ := samplePDF(t)
	_, err := PageCount(context.Background(), pdf, Options{Timeout: time.Nanosecond})
	wantInvalid(t, err, "too long")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = PageCount(ctx, pdf, Options{})
	if platform.CodeOf(err) != platform.CodeInternal || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v, want an internal error wrapping context.Canceled", err)
	}
}

// The temporary directory is gone after every call, whether it worked or not.
func TestWorkdirRemoved(t *testing.T) {
	needTools(t)
	t.Setenv("TMPDIR", t.TempDir())
	pdf, _ := samplePDF(t)
	PageCount(context.Background(), pdf, Options{})
	PageCount(context.Background(), []byte("junk"), Options{})
	left, _ := os.ReadDir(os.Getenv("TMPDIR"))
	if len(left) != 0 {
		t.Fatalf("left behind in the temporary directory: %v", left)
	}
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }
