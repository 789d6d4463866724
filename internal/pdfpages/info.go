package pdfpages

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"dbtp/internal/platform"
)

// PageSize is a page's crop box in points (what viewers show, and what
// pdftoppm -cropbox renders) and its rotation in degrees.
type PageSize struct {
	W, H float64
	Rot  int
}

// Shown is the page's size as displayed, after rotation.
func (s PageSize) Shown() (w, h float64) {
	if s.Rot%180 != 0 {
		return s.H, s.W
	}
	return s.W, s.H
}

// Info is what pdfinfo told us: the page count and the sizes of the pages
// asked for.
type Info struct {
	Pages int
	Sizes map[int]PageSize
}

var (
	pageSizeLine = regexp.MustCompile(`^Page\s+(\d+) size:\s+([0-9.]+) x ([0-9.]+) pts`)
	pageRotLine  = regexp.MustCompile(`^Page\s+(\d+) rot:\s+(-?\d+)`)
)

// Info runs pdfinfo on a file in the directory for pages first..last.
// what prefixes error messages when several documents are handled at once.
func (w *Dir) Info(ctx context.Context, name string, first, last int, what string) (Info, error) {
	out, err := w.Run(ctx, "pdfinfo", "-f", strconv.Itoa(first), "-l", strconv.Itoa(last), name)
	var tf *toolFailure
	if errors.As(err, &tf) && first > 1 && strings.Contains(tf.stderr, "Wrong page range") {
		// Pages asked for beyond the end: read just the count, and let the
		// caller say which page is out of range.
		out, err = w.Run(ctx, "pdfinfo", "-f", "1", "-l", "1", name)
	}
	if err != nil {
		return Info{}, ToolError(err, what)
	}
	d, err := parseInfo(out)
	if err != nil {
		return Info{}, &platform.Error{Code: platform.CodeInvalid, Message: what + MsgDamaged, Err: err}
	}
	return d, nil
}

// parseInfo reads pdfinfo's output. The document's own metadata (title,
// author, ...) is printed before "Pages:" and could contain line breaks
// that imitate our lines, so only what follows the last "Pages:" counts.
func parseInfo(out []byte) (Info, error) {
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
		return Info{}, fmt.Errorf("pdfinfo printed no page count")
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(lines[start], "Pages:")))
	if err != nil || n < 1 {
		return Info{}, fmt.Errorf("pdfinfo page count %q", lines[start])
	}
	d := Info{Pages: n, Sizes: map[int]PageSize{}}
	for _, l := range lines[start+1:] {
		if m := pageSizeLine.FindStringSubmatch(l); m != nil {
			p, _ := strconv.Atoi(m[1])
			s := d.Sizes[p]
			s.W, _ = strconv.ParseFloat(m[2], 64)
			s.H, _ = strconv.ParseFloat(m[3], 64)
			d.Sizes[p] = s
		} else if m := pageRotLine.FindStringSubmatch(l); m != nil {
			p, _ := strconv.Atoi(m[1])
			s := d.Sizes[p]
			s.Rot, _ = strconv.Atoi(m[2])
			s.Rot = ((s.Rot % 360) + 360) % 360
			d.Sizes[p] = s
		}
	}
	return d, nil
}

// OpenPDF writes the PDF into the directory as name and reads its page
// count and the sizes of pages first..last (clipped to the document).
func (w *Dir) OpenPDF(ctx context.Context, name string, pdf []byte, first, last int, what string) (Info, error) {
	if len(pdf) == 0 {
		return Info{}, platform.Invalid(what + "this PDF is empty")
	}
	if err := w.Write(name, pdf); err != nil {
		return Info{}, err
	}
	return w.Info(ctx, name, first, last, what)
}

// PageCount reads a PDF's page count.
func PageCount(ctx context.Context, pdf []byte, o Options) (int, error) {
	w, err := NewDir(o)
	if err != nil {
		return 0, err
	}
	defer w.Close()
	d, err := w.OpenPDF(ctx, "in.pdf", pdf, 1, 1, "")
	if err != nil {
		return 0, err
	}
	return d.Pages, nil
}
