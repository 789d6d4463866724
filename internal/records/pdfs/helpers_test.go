package pdfs

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// needTools skips a test when poppler-utils or qpdf is missing, unless CI
// is "true", where a missing tool must fail rather than hide the tests.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range append(tools, "pdftotext") {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (Debian packages poppler-utils and qpdf); CI=true requires it", tool)
			}
			t.Skipf("%s is not installed: install poppler-utils and qpdf to run this test", tool)
		}
	}
}

// A4 in points, the size of the sample document's pages.
const a4W, a4H = 595.28, 841.89

// samplePDF is a real two-page PDF with known words: "Alpha" and
// "SECRETWORD" on page 1, "Bravo" on page 2. secret is the area of
// SECRETWORD as a redaction box with a few points to spare.
func samplePDF(t *testing.T) (pdf []byte, secret Box) {
	t.Helper()
	f := fpdf.New("P", "pt", "A4", "")
	f.SetFont("Helvetica", "", 24)
	f.AddPage()
	f.Text(72, 100, "Alpha")
	f.Text(72, 300, "SECRETWORD")
	wordW := f.GetStringWidth("SECRETWORD")
	f.AddPage()
	f.Text(72, 100, "Bravo page two")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	// Text sits on its baseline: capitals rise about 0.72 em above it.
	return buf.Bytes(), Box{Page: 1, X: 66 / a4W, Y: (300 - 24) / a4H, W: (wordW + 12) / a4W, H: 32 / a4H}
}

// tool runs a command-line tool on a PDF in a temporary file and returns
// what it printed; the test fails if it exits non-zero.
func tool(t *testing.T, pdf []byte, name string, args ...string) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "IN" {
			args[i] = in
		}
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// text is what pdftotext finds in a PDF (pages first to last; 0 for all).
func text(t *testing.T, pdf []byte, first, last int) string {
	t.Helper()
	args := []string{"-layout", "-enc", "UTF-8"}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	return tool(t, pdf, "pdftotext", append(args, "IN", "-")...)
}

// encrypt returns pdf protected by a user password, as qpdf makes it.
func encrypt(t *testing.T, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("qpdf", "--encrypt", "user-pw", "owner-pw", "256", "--", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --encrypt: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantInvalid fails unless err is an invalid-input error whose message
// contains every one of words.
func wantInvalid(t *testing.T, err error, words ...string) {
	t.Helper()
	if platform.CodeOf(err) != platform.CodeInvalid {
		t.Fatalf("got %v (code %q), want an invalid-input error", err, platform.CodeOf(err))
	}
	msg := platform.AsError(err).Message
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Fatalf("message %q does not say %q", msg, w)
		}
	}
}

// decodePNG decodes a PNG or fails.
func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// darkness counts the pixels of r in img that are near black.
func darkness(img image.Image, r image.Rectangle) (dark, all int) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			all++
			if isBlack(img.At(x, y)) {
				dark++
			}
		}
	}
	return dark, all
}

func isBlack(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r < 0x1800 && g < 0x1800 && b < 0x1800
}

// boxPixels is the box in an image w by h pixels, shrunk by inset pixels
// on every side, away from edges blurred by scaling.
func boxPixels(b Box, w, h, inset int) image.Rectangle {
	return image.Rect(int(b.X*float64(w))+inset, int(b.Y*float64(h))+inset,
		int((b.X+b.W)*float64(w))-inset, int((b.Y+b.H)*float64(h))-inset)
}
