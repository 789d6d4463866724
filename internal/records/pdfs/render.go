package pdfs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"regexp"
	"strconv"
	"strings"

	"dbtp/internal/platform"
)

// Limits on pixels, so a request cannot make the server allocate gigabytes
// for one picture. 25 megapixels is an A1 page at 150 dpi.
const (
	maxPreviewWidth = 4000
	maxPagePixels   = 25_000_000
)

// pageSize is a page's crop box in points (what viewers show, and what
// pdftoppm -cropbox renders) and its rotation in degrees.
type pageSize struct {
	W, H float64
	Rot  int
}

// shown is the page's size as displayed, after rotation.
func (s pageSize) shown() (w, h float64) {
	if s.Rot%180 != 0 {
		return s.H, s.W
	}
	return s.W, s.H
}

// docInfo is what pdfinfo told us: the page count and the sizes of the pages
// asked for.
type docInfo struct {
	pages int
	sizes map[int]pageSize
}

var (
	pageSizeLine = regexp.MustCompile(`^Page\s+(\d+) size:\s+([0-9.]+) x ([0-9.]+) pts`)
	pageRotLine  = regexp.MustCompile(`^Page\s+(\d+) rot:\s+(-?\d+)`)
)

// info runs pdfinfo on a file in the work directory for pages first..last.
// what prefixes error messages when several documents are handled at once.
func (w *workdir) info(ctx context.Context, name string, first, last int, what string) (docInfo, error) {
	out, err := w.run(ctx, "pdfinfo", "-f", strconv.Itoa(first), "-l", strconv.Itoa(last), name)
	var tf *toolFailure
	if errors.As(err, &tf) && first > 1 && strings.Contains(tf.stderr, "Wrong page range") {
		// Pages asked for beyond the end: read just the count, and let the
		// caller say which page is out of range.
		out, err = w.run(ctx, "pdfinfo", "-f", "1", "-l", "1", name)
	}
	if err != nil {
		return docInfo{}, toolError(err, what)
	}
	d, err := parseInfo(out)
	if err != nil {
		return docInfo{}, &platform.Error{Code: platform.CodeInvalid, Message: what + msgDamaged, Err: err}
	}
	return d, nil
}

// parseInfo reads pdfinfo's output. The document's own metadata (title,
// author, ...) is printed before "Pages:" and could contain line breaks
// that imitate our lines, so only what follows the last "Pages:" counts.
func parseInfo(out []byte) (docInfo, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "Pages:") {
			start = i
		}
	}
	if start < 0 {
		return docInfo{}, fmt.Errorf("pdfinfo printed no page count")
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(lines[start], "Pages:")))
	if err != nil || n < 1 {
		return docInfo{}, fmt.Errorf("pdfinfo page count %q", lines[start])
	}
	d := docInfo{pages: n, sizes: map[int]pageSize{}}
	for _, l := range lines[start+1:] {
		if m := pageSizeLine.FindStringSubmatch(l); m != nil {
			p, _ := strconv.Atoi(m[1])
			s := d.sizes[p]
			s.W, _ = strconv.ParseFloat(m[2], 64)
			s.H, _ = strconv.ParseFloat(m[3], 64)
			d.sizes[p] = s
		} else if m := pageRotLine.FindStringSubmatch(l); m != nil {
			p, _ := strconv.Atoi(m[1])
			s := d.sizes[p]
			s.Rot, _ = strconv.Atoi(m[2])
			s.Rot = ((s.Rot % 360) + 360) % 360
			d.sizes[p] = s
		}
	}
	return d, nil
}

// openPDF writes the PDF into the work directory and reads its page count
// and the sizes of pages first..last (clipped to the document).
func (w *workdir) openPDF(ctx context.Context, name string, pdf []byte, first, last int, what string) (docInfo, error) {
	if len(pdf) == 0 {
		return docInfo{}, platform.Invalid(what + "this PDF is empty")
	}
	if err := w.write(name, pdf); err != nil {
		return docInfo{}, err
	}
	return w.info(ctx, name, first, last, what)
}

// PageCount reads a PDF's page count.
func PageCount(ctx context.Context, pdf []byte, o Options) (int, error) {
	w, err := newWorkdir(o)
	if err != nil {
		return 0, err
	}
	defer w.close()
	d, err := w.openPDF(ctx, "in.pdf", pdf, 1, 1, "")
	if err != nil {
		return 0, err
	}
	return d.pages, nil
}

// RenderPage renders page (1-based) of pdf as a PNG width pixels wide, the
// height following the page's shape. It shows the crop box with rotation
// applied, as a PDF viewer would, which is also what Redact rasterises:
// redaction boxes drawn on the preview land in the same place.
func RenderPage(ctx context.Context, pdf []byte, page, width int, o Options) ([]byte, error) {
	if width < 1 || width > maxPreviewWidth {
		return nil, platform.Invalid(fmt.Sprintf("a preview must be between 1 and %d pixels wide", maxPreviewWidth))
	}
	if page < 1 {
		return nil, platform.Invalid("page numbers start at 1")
	}
	w, err := newWorkdir(o)
	if err != nil {
		return nil, err
	}
	defer w.close()
	d, err := w.openPDF(ctx, "in.pdf", pdf, page, page, "")
	if err != nil {
		return nil, err
	}
	if page > d.pages {
		return nil, platform.Invalid(fmt.Sprintf("page %d is out of range: this PDF has %d %s", page, d.pages, plural(d.pages, "page")))
	}
	sw, sh := d.sizes[page].shown()
	if sw <= 0 || sh <= 0 {
		return nil, platform.Invalid(msgDamaged)
	}
	height := math.Ceil(float64(width) * sh / sw)
	if float64(width)*height > maxPagePixels {
		return nil, platform.Invalid(fmt.Sprintf("page %d is too long and narrow to preview %d pixels wide", page, width))
	}
	// pdftoppm applies -scale-to-x before rotating the page, so for a page
	// turned a quarter the wanted width is the unrotated height.
	scale := []string{"-scale-to-x", strconv.Itoa(width), "-scale-to-y", "-1"}
	if d.sizes[page].Rot%180 != 0 {
		scale = []string{"-scale-to-x", "-1", "-scale-to-y", strconv.Itoa(width)}
	}
	args := append([]string{"-png", "-cropbox", "-singlefile", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page)}, scale...)
	if _, err := w.run(ctx, "pdftoppm", append(args, "in.pdf", "page")...); err != nil {
		return nil, toolError(err, "")
	}
	out, err := w.read("page.png")
	if err != nil {
		return nil, err
	}
	// A blank stand-in page (see run) would have the wrong size.
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width < width-1 || cfg.Width > width+1 {
		return nil, &platform.Error{Code: platform.CodeInvalid, Message: msgComplex, Err: fmt.Errorf("pdftoppm gave %dx%d for width %d: %v", cfg.Width, cfg.Height, width, err)}
	}
	return out, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
