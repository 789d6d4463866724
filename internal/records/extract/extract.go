// Package extract reads the text of documents so records can be found by
// full-text search: PDF (through poppler's pdftotext), DOCX, ODT, HTML,
// plain text and email (.eml).
//
// Everything it reads comes from outside the council (uploads, email,
// Microsoft 365), so every reader is bounded: the text kept (MaxText), the
// bytes a zip container may expand to (MaxUnzipped) and its number of
// entries (MaxEntries), the size of a single XML token, the depth of email
// parts, and the time a subprocess may run (Timeout). A failure is an
// *platform.Error whose Message is a sentence a records officer can read
// on the document's page ("The PDF is protected by a password..."); the
// technical detail stays in its Err chain for the logs. errors.Is tells the
// kinds apart (ErrUnsupported, ErrEncrypted, ErrDamaged, ErrTooLarge,
// ErrTimeout).
//
// The package never writes document content to disk: PDFs reach pdftotext
// through its standard input, and zip containers are read in memory, so the
// plaintext of content encrypted at rest does not linger in temporary files.
package extract

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"sync"
	"time"

	"dbtp/internal/platform"
)

// Options bounds the work done for one document. The zero value means the
// defaults below.
type Options struct {
	MaxText     int           // most bytes of text kept (default 4 MiB); longer text is cut at a word boundary and Result.Truncated set
	MaxUnzipped int64         // most bytes a DOCX/ODT may expand to in total (default 200 MiB); more is a zip bomb: error
	MaxEntries  int           // most entries in a zip container (default 10000)
	Timeout     time.Duration // per subprocess (default 60s)
}

// The defaults: 4 MiB of text is a long book, far more than search needs to
// find a document; 200 MiB of XML is more than any real document's text
// parts; 10,000 entries is more than a real DOCX or ODT holds.
const (
	DefaultMaxText     = 4 << 20
	DefaultMaxUnzipped = 200 << 20
	DefaultMaxEntries  = 10000
	DefaultTimeout     = 60 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxText <= 0 {
		o.MaxText = DefaultMaxText
	}
	if o.MaxUnzipped <= 0 {
		o.MaxUnzipped = DefaultMaxUnzipped
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// Result is the text of one document.
type Result struct {
	MediaType string // what the content really is, e.g. "application/pdf"
	Text      string // valid UTF-8, whitespace runs collapsed sensibly, NUL removed
	Pages     int    // PDFs: page count; 0 otherwise
	Truncated bool
}

// The kinds of failure. Each error this package returns for a document is
// either one of these or an *platform.Error with a more precise message
// that errors.Is matches to one of these.
var (
	ErrUnsupported = &platform.Error{Code: platform.CodeInvalid, Message: "Text cannot be read from this kind of file"}
	ErrEncrypted   = &platform.Error{Code: platform.CodeInvalid, Message: "The PDF is protected by a password, so its text cannot be read"}
	ErrDamaged     = &platform.Error{Code: platform.CodeInvalid, Message: "The file is damaged, so its text cannot be read"}
	ErrTooLarge    = &platform.Error{Code: platform.CodeTooLarge, Message: "The document expands to more than 200 MB when unpacked, so it was not read (it may be a zip bomb)"}
	ErrTimeout     = &platform.Error{Code: platform.CodeInvalid, Message: "Reading the file's text took too long, so it was stopped"}
)

// kindError carries the technical detail of a failure for the logs and
// says which kind it is, so errors.Is(err, ErrDamaged) holds for an error
// whose message is more precise than ErrDamaged's own.
type kindError struct {
	kind   *platform.Error
	detail error
}

func (e *kindError) Error() string {
	if e.detail == nil {
		return "no further detail"
	}
	return e.detail.Error()
}

func (e *kindError) Unwrap() error        { return e.detail }
func (e *kindError) Is(target error) bool { return target == e.kind }

// fail makes an error of the given kind with a message for people (the
// kind's own when msg is empty) and a detail for the logs (may be nil).
func fail(kind *platform.Error, msg string, detail error) error {
	if msg == "" && detail == nil {
		return kind
	}
	if msg == "" {
		msg = kind.Message
	}
	return &platform.Error{Code: kind.Code, Message: msg, Err: &kindError{kind: kind, detail: detail}}
}

// damaged says what is wrong in words; detail is for the logs.
func damaged(what string, detail error) error {
	return fail(ErrDamaged, "The file is damaged: "+what, detail)
}

func tooLarge(limit int64) error {
	if limit == DefaultMaxUnzipped {
		return ErrTooLarge
	}
	return fail(ErrTooLarge, fmt.Sprintf("The document expands to more than %s when unpacked, so it was not read (it may be a zip bomb)", megabytes(limit)), nil)
}

func megabytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}

// The media types this package reads.
const (
	typePDF   = "application/pdf"
	typeDOCX  = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeODT   = "application/vnd.oasis.opendocument.text"
	typeHTML  = "text/html"
	typeXHTML = "application/xhtml+xml"
	typeText  = "text/plain"
	typeCSV   = "text/csv"
	typeMD    = "text/markdown"
	typeEmail = "message/rfc822"
	typeZip   = "application/zip"
	typeOLE   = "application/x-ole-storage"
	typeBin   = "application/octet-stream"
)

// sniffLen is how much of the content MediaType looks at: enough to reach
// the first few local file headers of a zip container.
const sniffLen = 8 << 10

// Text extracts text from content (read from r, at most size bytes) of the
// given name and media type (empty: detected). Supported: PDF, DOCX (the
// document with its headers, footers, footnotes and endnotes), ODT (its
// content with headers and footers), HTML (no script or style), plain text
// and message/rfc822 (headers Subject/From/To/Cc/Date, the attachments'
// names and the text of the body).
//
// The declared media type is used only where the content agrees with it
// (a zip may be a DOCX, plain text may be HTML); otherwise what the content
// is wins, so a renamed or mislabelled file cannot steer the wrong reader
// at it. Unsupported types return Result{MediaType: ...} with
// ErrUnsupported. On any error Result holds the media type only.
//
// Errors reading r itself (a tampered blob, a cancelled context) are
// returned as they are, not as damage to the document, so the caller can
// tell "this file is bad" from "we could not read it just now".
func Text(ctx context.Context, name, mediaType string, r io.Reader, size int64, o Options) (Result, error) {
	o = o.withDefaults()
	if size <= 0 {
		// Nothing to read is not a failure: the document simply has no text.
		return Result{MediaType: choose(mediaType, MediaType(name, nil))}, nil
	}
	at, err := readerAt(r, size)
	if err != nil {
		return Result{}, err
	}
	src := &sourceReader{ctx: ctx, r: io.LimitReader(r, size)}
	br := bufio.NewReaderSize(src, sniffLen)
	head, _ := br.Peek(sniffLen)
	if err := src.failure(); err != nil {
		return Result{}, err
	}
	res := Result{MediaType: choose(mediaType, MediaType(name, head))}
	switch res.MediaType {
	case typePDF:
		res, err = pdfText(ctx, br, o, res)
	case typeDOCX, typeODT:
		if at == nil {
			at, err = readAllAt(br)
		}
		if err == nil {
			res, err = officeText(ctx, at, res, o)
		}
	case typeHTML, typeXHTML:
		b := newBuilder(o.MaxText)
		err = htmlText(br, "", b)
		res.Text, res.Truncated = b.result()
	case typeText, typeCSV, typeMD:
		b := newBuilder(o.MaxText)
		err = plainText(br, "", b)
		res.Text, res.Truncated = b.result()
	case typeEmail:
		res, err = emailText(br, size, o, res)
	case typeOLE, "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint":
		err = oleText(br, res.MediaType, name)
	default:
		err = ErrUnsupported
	}
	if serr := src.failure(); serr != nil {
		return Result{MediaType: res.MediaType}, serr
	}
	if err != nil {
		return Result{MediaType: res.MediaType}, asPlatform(err)
	}
	return res, nil
}

// asPlatform keeps platform and context errors as they are and makes any
// other (which would be a bug here) an internal one, so every error this
// package returns has a code and a message fit to show.
func asPlatform(err error) error {
	if passThrough(err) {
		return err
	}
	return platform.Internal(err)
}

func passThrough(err error) bool {
	var pe *platform.Error
	return errors.As(err, &pe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// choose returns the detected media type unless the declared one refines
// it: a zip container may be named by the caller as a DOCX or ODT, and text
// may be declared as HTML, CSV or email. Anything else declared is ignored.
func choose(declared, detected string) string {
	declared = normalType(declared)
	switch {
	case declared == "" || declared == detected:
		return detected
	case detected == typeZip && (declared == typeDOCX || declared == typeODT):
		return declared
	case textFamily(detected) && textFamily(declared):
		return declared
	}
	return detected
}

func normalType(t string) string {
	if t == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(t)
	if err != nil && mt == "" {
		return ""
	}
	return strings.ToLower(mt)
}

func textFamily(t string) bool {
	switch t {
	case typeText, typeCSV, typeMD, typeHTML, typeXHTML, typeEmail:
		return true
	}
	return false
}

// sourceReader remembers the first error of the underlying reader (or of
// the context), so that a failure to fetch the content is reported as
// that, not as damage to the document. Its error is guarded because the
// goroutine feeding pdftotext may still be reading when Text gives up at
// a timeout.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
	mu  sync.Mutex
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	if err := s.failed(); err != nil {
		return 0, err
	}
	if err := s.ctx.Err(); err != nil {
		s.fail(err)
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.fail(err)
	}
	return n, err
}

func (s *sourceReader) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *sourceReader) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// failure returns the source error, if any, as the caller should see it:
// context and platform errors as they are, anything else as internal.
func (s *sourceReader) failure() error {
	err := s.failed()
	if err == nil {
		return nil
	}
	if passThrough(err) {
		return err
	}
	return platform.Internal(fmt.Errorf("extract: reading content: %w", err))
}
