// Package pdfs turns records into the PDFs and images the records module
// shows and releases: page previews as PNG (the pages' strict CSP allows no
// PDF plugin), redacted copies whose pages are pictures with the redactions
// burned in, destruction certificates, and subject access bundles.
//
// Reading and rendering PDFs is left to Debian's poppler-utils (pdfinfo,
// pdftoppm), run through the shared package pdfpages, and joining them to
// qpdf, run the same way: these parsers are maintained and fuzzed far
// beyond anything we would write, and running them as separate processes
// keeps a crash or a runaway allocation in a hostile PDF out of the server.
// Writing new PDFs is done in process with go-pdf/fpdf.
//
// Every function returns *platform.Error values whose messages are safe to
// show; what the tools printed is kept only in Err, for the logs.
package pdfs

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"dbtp/internal/pdfpages"
	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// Options limit the work done on one document.
type Options struct {
	// Timeout bounds each subprocess (default pdfpages.DefaultTimeout). A PDF that takes longer
	// to read or render is treated as too complex, not retried.
	Timeout time.Duration
	// MaxPages bounds whole-document work: the pages rasterised by Redact
	// and the pages of a Bundle (default 500). Previews of single pages and
	// PageCount are not limited by it.
	MaxPages int
}

func (o Options) withDefaults() Options {
	if o.MaxPages <= 0 {
		o.MaxPages = 500
	}
	return o
}

// tools are the programs this package runs: poppler-utils through
// pdfpages, and qpdf to join documents.
var tools = []string{"pdfinfo", "pdftoppm", "qpdf"}

// Check reports whether every tool this package needs is installed, so the
// module can say so at readiness instead of at the first upload.
func Check() error {
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s (install poppler-utils and qpdf)", pdfpages.ErrToolMissing, strings.Join(missing, ", "))
	}
	return nil
}

// newWorkdir makes a private directory for one operation's files, in
// which the tools run (see pdfpages.Dir); the caller must defer Close.
func newWorkdir(o Options) (*pdfpages.Dir, error) {
	return pdfpages.NewDir(pdfpages.Options{Timeout: o.Timeout})
}

// output finishes a document made with fpdf. fpdf records the first error
// of any call and returns it here, so the drawing code need not check each.
func output(pdf *fpdf.Fpdf) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, platform.Internal(fmt.Errorf("write PDF: %w", err))
	}
	return buf.Bytes(), nil
}
