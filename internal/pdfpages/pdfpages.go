// Package pdfpages reads PDFs and draws pictures of their pages with
// Debian's poppler-utils (pdfinfo, pdftoppm), for every module that shows
// a page: records' previews and redaction, signing's page maps. Modules do
// not import each other, so the one careful way of running these tools
// lives here, as the typeface does in pdffont.
//
// The tools run as separate processes in a private directory, with a
// memory limit, a timeout and a minimal environment: poppler's parsers are
// maintained and fuzzed far beyond anything we would write, and a crash or
// a runaway allocation in a hostile PDF stays out of the server.
//
// Every function returns *platform.Error values whose messages are safe to
// show; what the tools printed is kept only in Err, for the logs.
package pdfpages

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
)

// DefaultTimeout bounds each subprocess when Options leave it unset.
const DefaultTimeout = 60 * time.Second

// Options limit the work done on one document.
type Options struct {
	// Timeout bounds each subprocess (default DefaultTimeout). A PDF that
	// takes longer to read or render is treated as too complex, not retried.
	Timeout time.Duration
}

// ErrToolMissing is wrapped by the internal error returned when a tool
// (pdfinfo, pdftoppm, or a caller's qpdf) is not installed.
var ErrToolMissing = errors.New("PDF tool not installed")

// memoryLimitKB caps the address space of each tool. A small PDF can
// declare a huge image; poppler would try to allocate it. With the limit the
// tool fails (and the PDF is reported as too complex) instead of pushing the
// server into swap or the OOM killer.
const memoryLimitKB = 2 << 20 // 2 GiB

// Dir is a private directory for one operation's temporary files, in which
// the tools run.
type Dir struct {
	dir     string
	timeout time.Duration
}

// NewDir makes the directory. os.MkdirTemp creates it 0700, so other local
// users cannot read the documents while the tools work on them; the caller
// must defer Close, which removes it whatever happened.
func NewDir(o Options) (*Dir, error) {
	dir, err := os.MkdirTemp("", "dbtp-pdf-")
	if err != nil {
		return nil, platform.Internal(err)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Dir{dir: dir, timeout: o.Timeout}, nil
}

// Close removes the directory and everything in it.
func (w *Dir) Close() { os.RemoveAll(w.dir) }

// Path is the full name of a file in the directory.
func (w *Dir) Path(name string) string { return filepath.Join(w.dir, name) }

// Write stores data as the file name.
func (w *Dir) Write(name string, data []byte) error {
	if err := os.WriteFile(w.Path(name), data, 0o600); err != nil {
		return platform.Internal(err)
	}
	return nil
}

// Read returns the file name.
func (w *Dir) Read(name string) ([]byte, error) {
	b, err := os.ReadFile(w.Path(name))
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

// ExitCode is the exit status of the tool whose failure Run returned as
// err, or -1 when err is not a tool's failure (or it was killed).
func ExitCode(err error) int {
	var tf *toolFailure
	if errors.As(err, &tf) {
		return tf.code
	}
	return -1
}

// errTimeout marks a tool stopped by Options.Timeout.
var errTimeout = errors.New("timed out")

// Run runs tool inside the directory with relative file names (so no
// argument can be mistaken for an option), a minimal environment, the
// memory limit and the timeout. tool is a program name found on PATH or a
// path. It returns stdout, or an error that is either the caller's context
// error, a timeout, ErrToolMissing, or the tool's failure; ToolError turns
// any of them into a platform error.
func (w *Dir) Run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	bin, err := exec.LookPath(tool)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrToolMissing, tool)
	}
	tctx, cancel := context.WithTimeout(ctx, w.timeout)
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
	MsgPassword = "this PDF is protected by a password; ask the sender for a copy without one"
	MsgDamaged  = "this PDF is damaged or is not a PDF, so it cannot be read"
	MsgComplex  = "this PDF took too long or needed too much memory to process; it may be damaged or too complex"
)

// ToolError turns a failure of Run into a platform error, reading the
// tool's stderr only to choose between the fixed messages above. what names
// the document when there are several ("item 3: ").
func ToolError(err error, what string) error {
	var tf *toolFailure
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return platform.Internal(err)
	case errors.Is(err, ErrToolMissing):
		return platform.Internal(err)
	case errors.Is(err, errTimeout):
		return &platform.Error{Code: platform.CodeInvalid, Message: what + MsgComplex, Err: err}
	case errors.As(err, &tf):
		low := strings.ToLower(tf.stderr)
		switch {
		case strings.Contains(low, "incorrect password"), strings.Contains(low, "invalid password"):
			return &platform.Error{Code: platform.CodeInvalid, Message: what + MsgPassword, Err: err}
		case tf.code < 0 || tf.code > 128 || strings.Contains(low, "bad_alloc") || strings.Contains(low, "out of memory"):
			// Killed by a signal: almost always the memory limit.
			return &platform.Error{Code: platform.CodeInvalid, Message: what + MsgComplex, Err: err}
		}
		return &platform.Error{Code: platform.CodeInvalid, Message: what + MsgDamaged, Err: err}
	}
	return platform.Internal(err)
}
