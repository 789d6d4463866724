package pdfs

import (
	"bytes"
	"context"
	"dbtp/internal/pdfpages"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

func TestRedact(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, secret := samplePDF(t)
	before := sum(pdf)
	if got := text(t, pdf, 0, 0); !strings.Contains(got, "SECRETWORD") || !strings.Contains(got, "Bravo") {
		t.Fatalf("the sample has no text layer to remove: %q", got)
	}
	// The box is over the word: the original has ink there.
	orig, err := RenderPage(ctx, pdf, 1, 600, Options{})
	if err != nil {
		t.Fatal(err)
	}
	origImg := decodePNG(t, orig)
	ob := origImg.Bounds()
	if dark, _ := darkness(origImg, boxPixels(secret, ob.Dx(), ob.Dy(), 0)); dark == 0 {
		t.Fatal("the box is not over the word: no ink under it in the original")
	}

	out, err := Redact(ctx, pdf, []Box{secret}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum(pdf) != before {
		t.Fatal("Redact changed the original's bytes")
	}
	if got := strings.TrimSpace(text(t, out, 0, 0)); got != "" {
		t.Fatalf("the redacted copy still has text: %q", got)
	}
	if n, err := PageCount(ctx, out, Options{}); err != nil || n != 2 {
		t.Fatalf("redacted copy has %d pages (%v), want 2", n, err)
	}
	if info := tool(t, out, "pdfinfo", "-f", "1", "-l", "2", "IN"); strings.Count(info, "595.") != 2 || strings.Count(info, "841.") != 2 {
		t.Fatalf("redacted pages are not A4 like the original:\n%s", info)
	}

	red, err := RenderPage(ctx, out, 1, 600, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, red)
	b := img.Bounds()
	inside := boxPixels(secret, b.Dx(), b.Dy(), 2)
	if dark, all := darkness(img, inside); dark != all || all == 0 {
		t.Fatalf("%d of %d pixels inside the box are black, want all", dark, all)
	}
	if dark, all := darkness(img, b); dark == all {
		t.Fatal("the whole page is black")
	}
	// The word above the box is still there: only the box was blacked out.
	alpha := Box{X: 66 / a4W, Y: (100 - 24) / a4H, W: 80 / a4W, H: 32 / a4H}
	if dark, all := darkness(img, boxPixels(alpha, b.Dx(), b.Dy(), 0)); dark == 0 || dark == all {
		t.Fatalf("the unredacted word Alpha: %d of %d pixels dark, want some ink and some paper", dark, all)
	}
	// Page 2 had no box: it is a picture too, and not blacked out.
	two, err := RenderPage(ctx, out, 2, 300, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if dark, all := darkness(decodePNG(t, two), image.Rect(0, 0, 300, 424)); dark == 0 || dark > all/10 {
		t.Fatalf("page 2: %d of %d pixels dark, want its text and mostly paper", dark, all)
	}
}

func TestRedactRefusesBadBoxes(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, ok := samplePDF(t)
	for _, c := range []struct {
		box  Box
		want string
	}{
		{Box{Page: 3, X: 0.1, Y: 0.1, W: 0.1, H: 0.1}, "on page 3, but this PDF has 2 pages"},
		{Box{Page: 0, X: 0.1, Y: 0.1, W: 0.1, H: 0.1}, "on page 0"},
		{Box{Page: 1, X: -0.1, Y: 0.1, W: 0.1, H: 0.1}, "within the page"},
		{Box{Page: 1, X: 0.5, Y: 0.1, W: 0.6, H: 0.1}, "within the page"},
		{Box{Page: 1, X: 0.1, Y: 0.1, W: 0, H: 0.1}, "within the page"},
		{Box{Page: 1, X: math.NaN(), Y: 0.1, W: 0.1, H: 0.1}, "not a number"},
	} {
		_, err := Redact(ctx, pdf, []Box{ok, c.box}, Options{})
		wantInvalid(t, err, "redaction 2", c.want)
	}
	_, err := Redact(ctx, pdf, nil, Options{MaxPages: 1})
	wantInvalid(t, err, "2 pages", "the most that can be redacted at once is 1")
}

func TestRedactImage(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	// A red square on white, with a transparent strip that must print white.
	pic := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	draw.Draw(pic, pic.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(pic, image.Rect(100, 100, 200, 200), image.NewUniform(color.NRGBA{200, 0, 0, 255}), image.Point{}, draw.Src)
	draw.Draw(pic, image.Rect(0, 0, 400, 20), image.Transparent, image.Point{}, draw.Src)
	var pngBytes bytes.Buffer
	png.Encode(&pngBytes, pic)
	box := Box{X: 0.25, Y: 1.0 / 3, W: 0.25, H: 1.0 / 3} // exactly the square

	out, err := RedactImage(ctx, pngBytes.Bytes(), []Box{box})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := PageCount(ctx, out, Options{}); err != nil || n != 1 {
		t.Fatalf("RedactImage gave %d pages (%v), want 1", n, err)
	}
	page, err := RenderPage(ctx, out, 1, 800, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, page)
	// The picture is centred on a landscape A4 page at 150 dpi: find it.
	pw, ph, x, y, iw, ih := imagePageSize(400, 300)
	s := 800 / pw
	at := func(fx, fy float64) image.Point {
		return image.Pt(int((x+fx*iw)*s), int((y+fy*ih)*s))
	}
	if ph >= pw {
		t.Fatal("a wide picture should be on a landscape page")
	}
	inside := image.Rectangle{at(0.25, 1.0/3), at(0.5, 2.0/3)}.Inset(2)
	if dark, all := darkness(img, inside); dark != all {
		t.Fatalf("%d of %d pixels of the redacted square are black, want all", dark, all)
	}
	if dark, _ := darkness(img, image.Rectangle{at(0, 0), at(1, 20.0/300)}.Inset(1)); dark != 0 {
		t.Fatal("the transparent strip printed black")
	}

	_, err = RedactImage(ctx, []byte("not a picture"), nil)
	wantInvalid(t, err, "not a PNG or JPEG")
	_, err = RedactImage(ctx, pngBytes.Bytes(), []Box{{Page: 2, X: 0, Y: 0, W: 1, H: 1}})
	wantInvalid(t, err, "a picture has 1 page")
}

// A phone photo stored sideways with an EXIF orientation is turned upright
// before boxes are applied, as the browser shows it.
func TestExifOrientation(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 40, 20))
	draw.Draw(src, src.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(src, image.Rect(0, 0, 10, 10), image.Black, image.Point{}, draw.Src) // top left
	var j bytes.Buffer
	jpeg.Encode(&j, src, &jpeg.Options{Quality: 95})
	photo := withOrientation(j.Bytes(), 6)
	if got := exifOrientation(photo); got != 6 {
		t.Fatalf("exifOrientation = %d, want 6", got)
	}
	up, err := decodeImage(photo, "")
	if err != nil {
		t.Fatal(err)
	}
	if b := up.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
		t.Fatalf("upright photo is %dx%d, want 20x40", b.Dx(), b.Dy())
	}
	// Turned a quarter clockwise, the top left corner goes to the top right.
	if !isBlack(up.At(15, 5)) || isBlack(up.At(5, 5)) {
		t.Fatal("the photo was not turned clockwise")
	}
	for o := 1; o <= 8; o++ {
		got := orient(src, o)
		if o >= 5 && got.Bounds().Dx() != 20 || o < 5 && got.Bounds().Dx() != 40 {
			t.Fatalf("orientation %d: %v", o, got.Bounds())
		}
	}
	if exifOrientation(j.Bytes()) != 1 || exifOrientation([]byte{0xFF, 0xD8}) != 1 {
		t.Fatal("a JPEG without EXIF should be as stored")
	}
}

// withOrientation inserts an EXIF block with the orientation tag after the
// JPEG's start marker.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01")
	entry := make([]byte, 12)
	binary.BigEndian.PutUint16(entry[0:], 0x0112)
	binary.BigEndian.PutUint16(entry[2:], 3)
	binary.BigEndian.PutUint32(entry[4:], 1)
	binary.BigEndian.PutUint16(entry[8:], o)
	tiff = append(append(tiff, entry...), 0, 0, 0, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(append(out, app1...), seg...)
	return append(out, jpg[2:]...)
}

// The EXIF reader sees bytes from uploads: it must never panic, and always
// give an orientation from 1 to 8.
func FuzzExifOrientation(f *testing.F) {
	var j bytes.Buffer
	jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 2, 2)), nil)
	f.Add(withOrientation(j.Bytes(), 6))
	f.Add(j.Bytes())
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := exifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

// On a page turned a quarter, boxes are measured on the page as shown (as
// on its preview), and the redacted copy shows the page the same way.
func TestRedactRotatedPage(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	pdf, s := samplePDF(t)
	dir := t.TempDir()
	in, rot := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "rot.pdf")
	os.WriteFile(in, pdf, 0o600)
	if b, err := exec.Command("qpdf", "--rotate=+90:1", in, rot).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --rotate: %v\n%s", err, b)
	}
	rotated, _ := os.ReadFile(rot)
	// Turned clockwise, the page's left edge becomes its top.
	box := Box{Page: 1, X: 1 - (s.Y + s.H), Y: s.X, W: s.H, H: s.W}
	preview, err := RenderPage(ctx, rotated, 1, 600, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, preview)
	if dark, _ := darkness(img, boxPixels(box, img.Bounds().Dx(), img.Bounds().Dy(), 0)); dark == 0 {
		t.Fatal("the turned box is not over the word on the preview")
	}
	out, err := Redact(ctx, rotated, []Box{box}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	red, err := RenderPage(ctx, out, 1, 600, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img = decodePNG(t, red)
	b := img.Bounds()
	if b.Dy() > b.Dx() {
		t.Fatalf("the redacted page is %v, want landscape as shown", b)
	}
	if dark, all := darkness(img, boxPixels(box, b.Dx(), b.Dy(), 2)); dark != all {
		t.Fatalf("%d of %d pixels inside the turned box are black, want all", dark, all)
	}
}

// A page too large for 150 dpi within the pixel limit (a plan, a poster)
// is rasterised at a lower resolution and keeps its size.
func TestRedactLargePage(t *testing.T) {
	needTools(t)
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: 3000, Ht: 3000}})
	f.SetFont("Helvetica", "", 200)
	f.AddPage()
	f.Text(200, 600, "PLAN")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if dpi, _ := pageDPI(pdfpages.PageSize{W: 3000, H: 3000}); dpi >= redactDPI {
		t.Fatalf("pageDPI = %d for a 3000 pt page, want below %d", dpi, redactDPI)
	}
	out, err := Redact(context.Background(), buf.Bytes(), []Box{{Page: 1, X: 0, Y: 0, W: 0.5, H: 0.5}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info := tool(t, out, "pdfinfo", "IN"); !strings.Contains(info, "3000 x 3000 pts") && !strings.Contains(info, "2999.") {
		t.Fatalf("the large page changed size:\n%s", info)
	}
	if got := strings.TrimSpace(text(t, out, 0, 0)); got != "" {
		t.Fatalf("text left: %q", got)
	}
}
