package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// pdfText runs poppler's pdftotext on the content.
//
// The PDF goes to pdftotext on its standard input ("-", which poppler
// 22.12 reads reliably into memory) rather than through a temporary file:
// the content is sensitive and encrypted at rest in the blob store, and a
// plaintext copy on disk, even briefly, would outlive its deletion in the
// file system's free blocks. The cost is that pdftotext holds the whole
// PDF in memory.
//
// One run gives everything: the text on standard output, one form feed
// after each page (so the page count), and for a password-protected file
// an "Incorrect password" failure, which is how poppler reports a PDF that
// needs a user password. (pdfinfo and qpdf --requires-password cannot add
// anything without a second copy of the content: pdfinfo fails the same
// way, and qpdf cannot read a pipe.) A PDF with only an owner password
// (printing or copying "restricted") opens without one and is read.
func pdfText(ctx context.Context, r io.Reader, o Options, res Result) (Result, error) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return res, &platform.Error{Code: platform.CodeInternal,
			Message: "Text cannot be read from PDFs on this server because the pdftotext program (Debian package poppler-utils) is not installed", Err: err}
	}
	tctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	// sh caps the address space and then becomes pdftotext (exec), so the
	// timeout kills pdftotext itself. A small PDF can declare a huge image
	// or stream; with the cap poppler fails instead of pushing the server
	// into swap. (internal/records/pdfs runs its tools the same way.)
	script := fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, memoryLimitKB)
	cmd := exec.CommandContext(tctx, "/bin/sh", "-c", script, bin, "-enc", "UTF-8", "-", "-")
	// A fixed, minimal environment: poppler's messages stay in English for
	// the classification below, and a program parsing hostile input is not
	// handed the server's environment (which may hold secrets).
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	cmd.Dir = "/"
	stderr := &cappedBuffer{max: 8 << 10}
	cmd.Stderr = stderr
	cmd.WaitDelay = time.Second // for exec's stderr copier, should anything hold the pipe
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return res, platform.Internal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return res, platform.Internal(err)
	}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if tctx.Err() != nil {
			return res, timedOut(o.Timeout)
		}
		return res, platform.Internal(fmt.Errorf("extract: starting pdftotext: %w", err))
	}
	// The content is fed by a goroutine of our own rather than by exec's
	// (cmd.Stdin), because exec's Wait waits for its goroutine, and that
	// would stall past the timeout on content that stops arriving. Write
	// errors (pdftotext exiting before reading everything) do not matter;
	// read errors are kept by Text's sourceReader.
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		io.Copy(stdin, r)
		stdin.Close()
	}()
	b := newBuilder(o.MaxText)
	pages, readErr := pdfOutput(out, b)
	waitErr := cmd.Wait()
	if tctx.Err() == nil {
		// pdftotext ended by itself and Wait closed its standard input, so
		// the feeder finishes as soon as its current read of r returns.
		<-fed
	}
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case tctx.Err() != nil:
		return res, timedOut(o.Timeout)
	case waitErr == nil && readErr == nil && !outOfMemory(stderr.String()):
		res.Text, res.Truncated = b.result()
		res.Pages = pages
		return res, nil
	}
	var exit *exec.ExitError
	if waitErr == nil && readErr == nil {
		// Out of memory, yet exited 0: the text may be missing pages.
		return res, pdfFailure(0, stderr.String())
	}
	if !errors.As(waitErr, &exit) {
		// The pipes failed, not the PDF: a read error of the content is
		// reported by Text from its source; anything else is ours.
		return res, platform.Internal(fmt.Errorf("extract: pdftotext: %w (output: %v)", waitErr, readErr))
	}
	return res, pdfFailure(exit.ExitCode(), stderr.String())
}

// memoryLimitKB is the address space pdftotext may use: the whole PDF
// (it reads standard input into memory) and its working data.
const memoryLimitKB = 2 << 20 // 2 GiB

func outOfMemory(stderr string) bool {
	return strings.Contains(strings.ToLower(stderr), "out of memory")
}

func timedOut(d time.Duration) error {
	secs := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	return fail(ErrTimeout, fmt.Sprintf("Reading the file's text took longer than %s seconds, so it was stopped", secs), nil)
}

// pdfOutput copies pdftotext's output into b and counts pages. Once b is
// full it keeps reading, counting only, so the page count stays right and
// pdftotext is not left blocked on a full pipe.
func pdfOutput(out io.Reader, b *builder) (int, error) {
	buf := make([]byte, 32<<10)
	pages, held := 0, 0
	for {
		n, err := out.Read(buf[held:])
		pages += bytes.Count(buf[held:held+n], []byte{'\f'})
		n += held
		if err != nil {
			b.Write(buf[:n])
			if err == io.EOF {
				return pages, nil
			}
			return pages, err
		}
		if b.Full() {
			held = 0
			continue
		}
		k := runeSafe(buf[:n])
		b.Write(buf[:k])
		held = copy(buf, buf[k:n])
	}
}

// pdfFailure turns pdftotext's exit status and messages into an error for
// people. pdftotext exits 1 when it cannot open the file (damaged, not a
// PDF, or a user password needed) and 3 when the file's permissions forbid
// copying text (older poppler only). The messages themselves are kept for
// the logs, cleaned, never shown.
func pdfFailure(code int, stderr string) error {
	detail := fmt.Errorf("pdftotext exit status %d: %s", code, cleanMessages(stderr))
	switch {
	case strings.Contains(stderr, "Incorrect password"):
		return fail(ErrEncrypted, "", detail)
	case code == 3:
		return fail(ErrEncrypted, "The PDF's permissions do not allow its text to be copied, so it was not read", detail)
	case outOfMemory(stderr):
		return damaged("reading it needed more memory than is allowed, so it may be damaged or too complex", detail)
	case code < 0:
		return damaged("the program reading the PDF stopped unexpectedly", detail)
	case strings.Contains(stderr, "Document stream is empty"):
		return damaged("the PDF is empty", detail)
	case strings.Contains(stderr, "May not be a PDF file"):
		return damaged("it does not start like a PDF", detail)
	case strings.Contains(stderr, "trailer") || strings.Contains(stderr, "xref"):
		return damaged("the PDF's table of contents (its cross-reference table) is missing or broken, as happens when a file is cut short", detail)
	}
	return damaged("its contents could not be read as a PDF", detail)
}

// cleanMessages keeps the distinct lines of a tool's messages, printable
// and short, for a log line.
func cleanMessages(s string) string {
	seen := map[string]bool{}
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		line = oneLine(line, 200)
		if line == "" || seen[line] || len(lines) == 5 {
			continue
		}
		seen[line] = true
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return "no message"
	}
	return strings.Join(lines, "; ")
}

// cappedBuffer keeps the first max bytes written to it and drops the rest,
// so a noisy tool cannot fill memory with warnings.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *cappedBuffer) String() string { return c.buf.String() }
