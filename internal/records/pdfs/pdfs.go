// Package pdfs turns records into the PDFs and images the records module
// shows and releases: page previews as PNG (the pages' strict CSP allows no
// PDF plugin), redacted copies whose pages are pictures with the redactions
// burned in, destruction certificates, and subject access bundles.
//
// Reading and rendering PDFs is left to Debian's poppler-utils (pdfinfo,
// pdftoppm) and joining them to qpdf: these parsers are maintained and
// fuzzed far beyond anything we would write, and running them as separate
// processes keeps a crash or a runaway allocation in a hostile PDF out of the
// server. Writing new PDFs is done in process with go-pdf/fpdf.
//
// Every function returns *platform.Error values whose messages are safe to
// show; what the tools printed is kept only in Err, for the logs.
package pdfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"dbtp/internal/platform"

	"github.com/go-pdf/fpdf"
)

// Options limit the work done on one document.
type Options struct {
	// Timeout bounds each subprocess (default 60s). A PDF that takes longer
	// to read or render is treated as too complex, not retried.
	Timeout time.Duration
	// MaxPages bounds whole-document work: the pages rasterised by Redact
	// and the pages of a Bundle (default 500). Previews of single pages and
	// PageCount are not limited by it.
	MaxPages int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 500
	}
	return o
}

// ErrToolMissing is wrapped by the internal error returned when pdfinfo,
// pdftoppm or qpdf is not installed (Debian packages poppler-utils, qpdf).
var ErrToolMissing = errors.New("PDF tool not installed")

// tools are the programs this package runs.
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
		return fmt.Errorf("%w: %s (install poppler-utils and qpdf)", ErrToolMissing, strings.Join(missing, ", "))
	}
	return nil
}

// memoryLimitKB caps the address space of each tool. A small PDF can
// declare a huge image; poppler would try to allocate it. With the limit the
// tool fails (and the PDF is reported as too complex) instead of pushing the
// server into swap or the OOM killer.
const memoryLimitKB = 2 << 20 // 2 GiB

// workdir is a private directory for one operation's temporary files.
type workdir struct {
	dir string
	o   Options
}

// newWorkdir makes the directory. os.MkdirTemp creates it 0700, so other
// local users cannot read the documents while the tools work on them; the
// caller must defer close, which removes it whatever happened.
func newWorkdir(o Options) (*workdir, error) {
	dir, err := os.MkdirTemp("", "dbtp-pdf-")
	if err != nil {
		return nil, platform.Internal(err)
	}
	return &workdir{dir: dir, o: o.withDefaults()}, nil
}

func (w *workdir) close() { os.RemoveAll(w.dir) }

func (w *workdir) path(name string) string { return filepath.Join(w.dir, name) }

func (w *workdir) write(name string, data []byte) error {
	if err := os.WriteFile(w.path(name), data, 0o600); err != nil {
		return platform.Internal(err)
	}
	return nil
}

func (w *workdir) read(name string) ([]byte, error) {
	b, err := os.ReadFile(w.path(name))
	if err != nil {
		return nil, platform.Internal(err)
	}
	return b, nil
}

// toolFailure is what a tool left behind when it failed: its exit code and
// stderr. It is only ever wrapped inside a platform.Error's Err.
type toolFailure struct {
	tool   string
	code   int
	stderr string
}

func (f *toolFailure) Error() string {
	return fmt.Sprintf("%s exited %d: %s", f.tool, f.code, strings.TrimSpace(f.stderr))
}

// errTimeout marks a tool stopped by Options.Timeout.
var errTimeout = errors.New("timed out")

// run runs tool inside the work directory with relative file names (so no
// argument can be mistaken for an option), a minimal environment, the
// memory limit and the timeout. It returns stdout, or an error that is
// either the caller's context error, errTimeout, ErrToolMissing, or a
// *toolFailure.
func (w *workdir) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	bin, err := exec.LookPath(tool)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrToolMissing, tool)
	}
	tctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	defer cancel()
	// sh applies the limit and then becomes the tool (exec), so the timeout
	// kills the tool itself.
	script := fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, memoryLimitKB)
	cmd := exec.CommandContext(tctx, "/bin/sh", append([]string{"-c", script, bin}, args...)...)
	cmd.Dir = w.dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + w.dir}
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err = cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case tctx.Err() != nil:
		return nil, errTimeout
	case err != nil:
		code := -1
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		return nil, &toolFailure{tool: tool, code: code, stderr: stderr.String()}
	case strings.Contains(strings.ToLower(stderr.String()), "out of memory"):
		// pdftoppm reports a failed allocation, writes a blank page and
		// exits 0: that page must not pass for the real one.
		return nil, &toolFailure{tool: tool, code: -1, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

// Messages shown to people; kept together so every path says the same.
const (
	msgPassword = "this PDF is protected by a password; ask the sender for a copy without one"
	msgDamaged  = "this PDF is damaged or is not a PDF, so it cannot be read"
	msgComplex  = "this PDF took too long or needed too much memory to process; it may be damaged or too complex"
)

// toolError turns a failure of run into a platform error, reading the
// tool's stderr only to choose between the fixed messages above. what names
// the document when there are several ("item 3: ").
func toolError(err error, what string) error {
	var tf *toolFailure
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return platform.Internal(err)
	case errors.Is(err, ErrToolMissing):
		return platform.Internal(err)
	case errors.Is(err, errTimeout):
		return &platform.Error{Code: platform.CodeInvalid, Message: what + msgComplex, Err: err}
	case errors.As(err, &tf):
		low := strings.ToLower(tf.stderr)
		switch {
		case strings.Contains(low, "incorrect password"), strings.Contains(low, "invalid password"):
			return &platform.Error{Code: platform.CodeInvalid, Message: what + msgPassword, Err: err}
		case tf.code < 0 || tf.code > 128 || strings.Contains(low, "bad_alloc") || strings.Contains(low, "out of memory"):
			// Killed by a signal: almost always the memory limit.
			return &platform.Error{Code: platform.CodeInvalid, Message: what + msgComplex, Err: err}
		}
		return &platform.Error{Code: platform.CodeInvalid, Message: what + msgDamaged, Err: err}
	}
	return platform.Internal(err)
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
