package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrNoTesseract says the server cannot read scans: the item is still
// kept and filed, and staff read it and route it by hand.
var ErrNoTesseract = errors.New("tesseract is not installed on this server (Debian: apt-get install tesseract-ocr tesseract-ocr-eng), so the scan was not read: read it and route it by hand")

// ErrDamagedPDF says a PDF could not be turned into images: it is damaged
// or not a PDF, so neither OCR nor a preview can show it.
var ErrDamagedPDF = errors.New("the PDF is damaged or is not a PDF")

// ErrNoPdftoppm says PDFs cannot be turned into images for tesseract.
var ErrNoPdftoppm = errors.New("pdftoppm is not installed on this server (Debian: apt-get install poppler-utils), so the PDF was not read: read it and route it by hand")

// Reader runs the OCR tools. The zero value finds tesseract and pdftoppm
// on PATH and reads English.
type Reader struct {
	Tesseract string // the tesseract program; default "tesseract" on PATH
	Pdftoppm  string // default "pdftoppm" on PATH
	Lang      string // tesseract's language; default "eng"
	MaxPages  int    // pages of a PDF read; default 20 (the rest is kept, not read)
	Timeout   time.Duration
}

func (r Reader) tool(name, def string) (string, error) {
	if name == "" {
		name = def
	}
	return exec.LookPath(name)
}

// Available reports whether tesseract can be run.
func (r Reader) Available() bool {
	_, err := r.tool(r.Tesseract, "tesseract")
	return err == nil
}

// Read returns the text of a scan of mediaType (see MediaType), page by
// page, with a form feed between pages. It returns ErrNoTesseract (or
// ErrNoPdftoppm) when the tools are missing.
func (r Reader) Read(ctx context.Context, content []byte, mediaType string) (string, error) {
	tess, err := r.tool(r.Tesseract, "tesseract")
	if err != nil {
		return "", ErrNoTesseract
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "dbtp-ocr-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var pages []string
	switch mediaType {
	case PNG, JPEG, TIFF:
		p := filepath.Join(dir, "scan")
		if err := os.WriteFile(p, content, 0o600); err != nil {
			return "", err
		}
		pages = []string{p}
	case PDF:
		if pages, err = r.pdfPages(ctx, dir, content); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("inbound: cannot read %q: not a PDF or an image", mediaType)
	}
	lang := r.Lang
	if lang == "" {
		lang = "eng"
	}
	var texts []string
	for _, p := range pages {
		var out, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, tess, p, "stdout", "-l", lang)
		cmd.Stdout, cmd.Stderr = &out, &stderr
		// One thread per page: several items are read at once (the jobs
		// queue's workers), and tesseract's own threads would only fight
		// over the same cores.
		cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("tesseract could not read the scan: %v: %s", err, firstLine(stderr.String()))
		}
		texts = append(texts, strings.TrimSpace(out.String()))
	}
	return strings.Join(texts, "\n\f\n"), nil
}

// pdfPages renders a PDF's pages to greyscale PNGs at 300 dpi, the
// resolution tesseract reads best.
func (r Reader) pdfPages(ctx context.Context, dir string, pdf []byte) ([]string, error) {
	tool, err := r.tool(r.Pdftoppm, "pdftoppm")
	if err != nil {
		return nil, ErrNoPdftoppm
	}
	in := filepath.Join(dir, "scan.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	max := r.MaxPages
	if max <= 0 {
		max = 20
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, "-r", "300", "-gray", "-png", "-l", fmt.Sprint(max), in, filepath.Join(dir, "page"))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w (pdftoppm: %s)", ErrDamagedPDF, firstLine(stderr.String()))
	}
	pages, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, errors.New("the PDF has no pages")
	}
	// page-1.png ... page-10.png (pdftoppm pads to the page count's width,
	// so a plain sort keeps the order).
	sort.Strings(pages)
	return pages, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
