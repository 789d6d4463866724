package pdfs

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os"
	"strconv"
	"strings"

	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// Box is an area to black out: Page is 1-based, and X, Y, W and H are
// fractions (0 to 1) of the page's width and height measured from its top
// left corner, as the page is shown (crop box, rotation applied; for a photo,
// turned upright by its EXIF orientation). That is the preview RenderPage
// draws, so a box drawn over a preview covers the same words here.
type Box struct {
	Page       int
	X, Y, W, H float64
}

// redactDPI is the resolution redacted pages are rasterised at: sharp enough
// to read and print, far smaller than the 300 dpi of an archival scan.
const redactDPI = 150

// pagesPerRender is how many pages one pdftoppm run renders: enough to
// spare parsing the PDF again for every page, few enough that one run stays
// well inside Options.Timeout and the uncompressed pictures in the work
// directory stay small (an A4 page at 150 dpi is 6.5 MB).
const pagesPerRender = 10

// Redact returns a new PDF in which every page is a picture of the original
// page with the boxes painted solid black into its pixels. Nothing under a
// box survives: the copy has no text layer, fonts, annotations, attachments,
// metadata or hidden objects, because it is made only of pictures. Pages
// without boxes are rasterised too, as any text layer left in the copy would
// carry the redacted words of the other pages' searches and copies. The
// original bytes are not changed.
func Redact(ctx context.Context, pdf []byte, boxes []Box, o Options) ([]byte, error) {
	o = o.withDefaults()
	w, err := newWorkdir(o)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	d, err := w.OpenPDF(ctx, "in.pdf", pdf, 1, o.MaxPages, "")
	if err != nil {
		return nil, err
	}
	if d.Pages > o.MaxPages {
		return nil, platform.Invalid(fmt.Sprintf("this PDF has %d pages; the most that can be redacted at once is %d", d.Pages, o.MaxPages))
	}
	byPage, err := boxesByPage(boxes, d.Pages, "this PDF has")
	if err != nil {
		return nil, err
	}
	out := newImageDoc()
	for first := 1; first <= d.Pages; {
		dpi, err := pageDPI(d.Sizes[first])
		if err != nil {
			return nil, err
		}
		// A run takes consecutive pages that share a resolution.
		last := first
		for last+1 <= d.Pages && last+1 < first+pagesPerRender {
			if next, err := pageDPI(d.Sizes[last+1]); err != nil || next != dpi {
				break
			}
			last++
		}
		if err := redactPages(ctx, w, out, d, first, last, dpi, byPage); err != nil {
			return nil, err
		}
		first = last + 1
	}
	return output(out)
}

// pageDPI is redactDPI, or less for a page so large (a plan, a poster) that
// it would exceed pdfpages.MaxPagePixels.
func pageDPI(s pdfpages.PageSize) (int, error) {
	w, h := s.Shown()
	if !(w > 0 && h > 0) {
		return 0, platform.Invalid(pdfpages.MsgDamaged)
	}
	px := (w * redactDPI / 72) * (h * redactDPI / 72)
	if px <= pdfpages.MaxPagePixels {
		return redactDPI, nil
	}
	return max(10, int(redactDPI*math.Sqrt(pdfpages.MaxPagePixels/px))), nil
}

// redactPages renders pages first..last at dpi and adds them to out with
// their boxes painted. Each picture is deleted as soon as it is read.
func redactPages(ctx context.Context, w *pdfpages.Dir, out *fpdf.Fpdf, d pdfpages.Info, first, last, dpi int, byPage map[int][]Box) error {
	prefix := fmt.Sprintf("r%d", first)
	_, err := w.Run(ctx, "pdftoppm", "-cropbox", "-r", strconv.Itoa(dpi),
		"-f", strconv.Itoa(first), "-l", strconv.Itoa(last), "in.pdf", prefix)
	if err != nil {
		return pdfpages.ToolError(err, "")
	}
	files, err := renderedPages(w, prefix)
	if err != nil {
		return err
	}
	for p := first; p <= last; p++ {
		if err := ctx.Err(); err != nil {
			return platform.Internal(err)
		}
		name, ok := files[p]
		if !ok {
			return &platform.Error{Code: platform.CodeInvalid, Message: pdfpages.MsgComplex, Err: fmt.Errorf("pdftoppm wrote no picture of page %d", p)}
		}
		data, err := w.Read(name)
		if err != nil {
			return err
		}
		os.Remove(w.Path(name))
		img, err := decodeRendered(data, d.Sizes[p], dpi)
		if err != nil {
			return err
		}
		paint(img, byPage[p])
		enc, kind, err := encodePage(img)
		if err != nil {
			return err
		}
		b := img.Bounds()
		pw, ph := float64(b.Dx())*72/float64(dpi), float64(b.Dy())*72/float64(dpi)
		out.AddPageFormat("P", fpdf.SizeType{Wd: pw, Ht: ph})
		placeImage(out, "page"+strconv.Itoa(p), enc, kind, 0, 0, pw, ph)
	}
	return nil
}

// renderedPages maps page numbers to the files pdftoppm wrote for prefix.
// It pads the numbers to the width of the document's page count, so the
// names are read rather than predicted.
func renderedPages(w *pdfpages.Dir, prefix string) (map[int]string, error) {
	entries, err := os.ReadDir(w.Path("."))
	if err != nil {
		return nil, platform.Internal(err)
	}
	files := map[int]string{}
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), prefix+"-")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(num, ".ppm")); err == nil {
			files[n] = e.Name()
		}
	}
	return files, nil
}

// decodeRendered reads a page picture (PPM: pdftoppm writes it without
// compressing, several times faster than PNG) and checks it has the size
// the page should have at dpi: a blank stand-in written after a failed
// allocation must not pass for the page.
func decodeRendered(data []byte, s pdfpages.PageSize, dpi int) (*image.RGBA, error) {
	img, err := parsePPM(data)
	if err != nil {
		return nil, platform.Internal(fmt.Errorf("read pdftoppm output: %w", err))
	}
	sw, sh := s.Shown()
	b := img.Bounds()
	wantW, wantH := sw*float64(dpi)/72, sh*float64(dpi)/72
	if math.Abs(float64(b.Dx())-wantW) > 2 || math.Abs(float64(b.Dy())-wantH) > 2 {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: pdfpages.MsgComplex,
			Err: fmt.Errorf("pdftoppm gave %dx%d, want %.0fx%.0f", b.Dx(), b.Dy(), wantW, wantH)}
	}
	return img, nil
}

// parsePPM reads a binary PPM (P6, 8 bits per sample) as pdftoppm writes
// it: "P6", width, height and maximum value separated by white space, one
// white space character, then the pixels.
func parsePPM(data []byte) (*image.RGBA, error) {
	var fields [4]int
	pos := 0
	for i := range fields {
		for pos < len(data) && isSpace(data[pos]) {
			pos++
		}
		start := pos
		for pos < len(data) && !isSpace(data[pos]) {
			pos++
		}
		tok := string(data[start:pos])
		if i == 0 {
			if tok != "P6" {
				return nil, fmt.Errorf("not a binary PPM")
			}
			continue
		}
		n, err := strconv.Atoi(tok)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad PPM header field %q", tok)
		}
		fields[i] = n
	}
	w, h := fields[1], fields[2]
	pos++ // the single white space after the maximum value
	if fields[3] != 255 || w*h > pdfpages.MaxPagePixels*2 || len(data)-pos != 3*w*h {
		return nil, fmt.Errorf("PPM of %dx%d (max %d) with %d bytes of pixels", w, h, fields[3], len(data)-pos)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	px := data[pos:]
	for i, j := 0, 0; i < len(px); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = px[i], px[i+1], px[i+2], 255
	}
	return img, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// RedactImage returns a one-page PDF of a PNG or JPEG picture with the boxes
// painted black into its pixels (see Redact). A box's Page is 1, or 0. The
// picture is re-encoded, so its metadata (EXIF, GPS position) is dropped.
func RedactImage(ctx context.Context, img []byte, boxes []Box) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	pic, err := decodeImage(img, "")
	if err != nil {
		return nil, err
	}
	one := make([]Box, len(boxes))
	for i, b := range boxes {
		if b.Page == 0 {
			b.Page = 1
		}
		one[i] = b
	}
	byPage, err := boxesByPage(one, 1, "a picture has")
	if err != nil {
		return nil, err
	}
	paint(pic, byPage[1])
	out := newImageDoc()
	if err := addPicturePage(out, "picture", pic); err != nil {
		return nil, err
	}
	return output(out)
}

// boxesByPage checks the boxes and groups them by page. A box may overrun
// the page edge by a rounding error; more than that is a mistake in the
// caller's arithmetic and is refused rather than guessed at.
func boxesByPage(boxes []Box, pages int, has string) (map[int][]Box, error) {
	const slack = 1e-6
	byPage := map[int][]Box{}
	for i, b := range boxes {
		n := i + 1
		if b.Page < 1 || b.Page > pages {
			return nil, platform.Invalid(fmt.Sprintf("redaction %d is on page %d, but %s %d %s", n, b.Page, has, pages, plural(pages, "page")))
		}
		for _, v := range []float64{b.X, b.Y, b.W, b.H} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, platform.Invalid(fmt.Sprintf("redaction %d has a position that is not a number", n))
			}
		}
		if b.X < 0 || b.Y < 0 || b.W <= 0 || b.H <= 0 || b.X+b.W > 1+slack || b.Y+b.H > 1+slack {
			return nil, platform.Invalid(fmt.Sprintf("redaction %d must lie within the page: X, Y, W and H are fractions of the page from 0 to 1, with W and H above 0", n))
		}
		b.W, b.H = min(b.W, 1-b.X), min(b.H, 1-b.Y)
		byPage[b.Page] = append(byPage[b.Page], b)
	}
	return byPage, nil
}

// paint blacks out the boxes. Edges are rounded outwards, so a box always
// covers at least the area asked for, never a pixel less.
func paint(img *image.RGBA, boxes []Box) {
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	for _, b := range boxes {
		r := image.Rect(
			int(math.Floor(b.X*w)), int(math.Floor(b.Y*h)),
			int(math.Ceil((b.X+b.W)*w)), int(math.Ceil((b.Y+b.H)*h)),
		).Intersect(img.Bounds())
		draw.Draw(img, r, image.Black, image.Point{}, draw.Src)
	}
}
