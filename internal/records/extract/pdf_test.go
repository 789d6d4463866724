package extract

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPDFText(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	pdf := pdfFile("Hello council", "Second page about planning")
	res, err := extractBytes(t, "letter.pdf", "", pdf, Options{})
	checkResult(t, res, err, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.MediaType != typePDF || res.Pages != 2 || res.Truncated {
		t.Fatalf("result = %+v, want a PDF of 2 pages, not truncated", res)
	}
	if want := "Hello council\n\nSecond page about planning"; res.Text != want {
		t.Fatalf("text = %q, want %q", res.Text, want)
	}
}

func TestPDFTextTruncatedCountsAllPages(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	pdf := pdfFile("alpha beta gamma delta", "epsilon zeta", "eta theta")
	o := Options{MaxText: 15}
	res, err := extractBytes(t, "long.pdf", "", pdf, o)
	checkResult(t, res, err, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "alpha beta" || !res.Truncated || res.Pages != 3 {
		t.Fatalf("result = %+v, want %q cut at a word, truncated, 3 pages", res, "alpha beta")
	}
}

func TestPDFWithUserPasswordIsEncrypted(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	enc := qpdfEncrypt(t, pdfFile("Secret minutes"), "user-secret")
	res, err := extractBytes(t, "minutes.pdf", "", enc, Options{})
	checkResult(t, res, err, Options{})
	pe := wantKind(t, err, ErrEncrypted)
	if errors.Is(err, ErrDamaged) {
		t.Fatal("a password-protected PDF is reported as damaged")
	}
	if pe.Message != ErrEncrypted.Message || res.MediaType != typePDF {
		t.Fatalf("message %q, media type %q", pe.Message, res.MediaType)
	}
}

// A PDF with only an owner password ("restrictions" on copying) opens
// without a password, so its text is read.
func TestPDFWithOwnerPasswordOnlyIsRead(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	enc := qpdfEncrypt(t, pdfFile("Open minutes"), "", "--extract=n")
	res, err := extractBytes(t, "minutes.pdf", "", enc, Options{})
	checkResult(t, res, err, Options{})
	if err != nil || res.Text != "Open minutes" {
		t.Fatalf("text %q, error %v", res.Text, err)
	}
}

func TestCorruptPDFIsDamaged(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	pdf := pdfFile("Hello council")
	for name, data := range map[string][]byte{
		"truncated":    pdf[:len(pdf)/2],
		"only header":  []byte("%PDF-1.7\n"),
		"junk after 1": append([]byte("%PDF-1.4\n"), strings.Repeat("\x00\xff garbage ", 50)...),
	} {
		t.Run(name, func(t *testing.T) {
			res, err := extractBytes(t, "scan.pdf", "", data, Options{})
			checkResult(t, res, err, Options{})
			pe := wantKind(t, err, ErrDamaged)
			if !strings.HasPrefix(pe.Message, "The file is damaged: ") || res.MediaType != typePDF {
				t.Fatalf("message %q, media type %q", pe.Message, res.MediaType)
			}
			if errors.Is(err, ErrEncrypted) {
				t.Fatal("a damaged PDF is reported as encrypted")
			}
		})
	}
}

// pdftotext waiting on content that never finishes arriving is stopped at
// the timeout, and says so.
func TestPDFTimeout(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	// More than the sniffed head, so pdftotext starts, but not the end.
	pdf := pdfFile(strings.Repeat("never finished ", 1000))
	go pw.Write(pdf[:sniffLen+1000])
	res, err := Text(context.Background(), "slow.pdf", "", pr, 1<<20, Options{Timeout: 200 * time.Millisecond})
	checkResult(t, res, err, Options{})
	if pe := wantKind(t, err, ErrTimeout); pe.Message != "Reading the file's text took longer than 0.2 seconds, so it was stopped" {
		t.Fatalf("message %q", pe.Message)
	}
}

// A cancelled context is the caller's business, not the document's: it
// comes back as the context's error.
func TestCancelledContext(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pdf := pdfFile("x")
	_, err := Text(ctx, "a.pdf", "", strings.NewReader(string(pdf)), int64(len(pdf)), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestPDFFailureMessages(t *testing.T) {
	for _, c := range []struct {
		code   int
		stderr string
		kind   error
		want   string
	}{
		{1, "Command Line Error: Incorrect password\n", ErrEncrypted, ErrEncrypted.Message},
		{3, "Permission Error: Copying of text from this document is not allowed.\n", ErrEncrypted, "The PDF's permissions do not allow its text to be copied, so it was not read"},
		{1, "Syntax Error: Couldn't find trailer dictionary\nSyntax Error: Couldn't read xref table\n", ErrDamaged, "cross-reference"},
		{1, "Syntax Warning: May not be a PDF file (continuing anyway)\n", ErrDamaged, "does not start like a PDF"},
		{1, "Syntax Error: Document stream is empty\n", ErrDamaged, "the PDF is empty"},
		{99, "Internal Error: something odd (0x1f)\n", ErrDamaged, "could not be read as a PDF"},
		{-1, "", ErrDamaged, "stopped unexpectedly"},
		{0, "Internal Error: Out of memory\n", ErrDamaged, "more memory than is allowed"},
	} {
		err := pdfFailure(c.code, c.stderr)
		pe := wantKind(t, err, c.kind)
		if !strings.Contains(pe.Message, c.want) {
			t.Errorf("exit %d %q: message %q, want it to contain %q", c.code, c.stderr, pe.Message, c.want)
		}
		if c.stderr != "" && !strings.Contains(err.Error(), strings.TrimSpace(strings.SplitN(c.stderr, "\n", 2)[0])) {
			t.Errorf("the log text %q lost the tool's message", err.Error())
		}
	}
}
