package inbound

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path"
	"strings"
)

// Mail is a message with scanned post attached: a scanner's "scan to
// email", or a resident writing in.
type Mail struct {
	From, Subject, MessageID string
	Scans                    []Scan
}

// Scan is one attachment that is a PDF or an image (by its content).
type Scan struct {
	Name      string
	MediaType string
	Content   []byte
}

// ErrNoScans: a message with no PDF or image attached.
var ErrNoScans = errors.New("the message has no scanned post attached: attach PDFs or images (PNG, JPEG or TIFF)")

// maxParts bounds the parts walked in one message, so a message of ten
// thousand empty parts costs little.
const maxParts = 100

// ParseMail reads a message (RFC 5322, MIME) and keeps its PDF and image
// attachments; other parts (the text, signatures, logos in HTML) are
// ignored. It returns ErrNoScans when there are none.
func ParseMail(r io.Reader) (Mail, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return Mail{}, fmt.Errorf("the message could not be read: %w", err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	m := Mail{From: msg.Header.Get("From"), Subject: subject, MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<> ")}
	if a, err := mail.ParseAddress(m.From); err == nil {
		m.From = a.Address
	}
	n := 0
	if err := walk(&m, textproto(msg.Header), msg.Body, &n, 0); err != nil {
		return Mail{}, err
	}
	if len(m.Scans) == 0 {
		return m, ErrNoScans
	}
	return m, nil
}

type header interface{ Get(string) string }

type textproto mail.Header

func (h textproto) Get(k string) string { return mail.Header(h).Get(k) }

func walk(m *Mail, h header, body io.Reader, n *int, depth int) error {
	if *n++; *n > maxParts || depth > 5 {
		return errors.New("the message has too many parts")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil // a part we cannot name is not a scan
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("the message could not be read: %w", err)
			}
			if err := walk(m, p.Header, p, n, depth+1); err != nil {
				return err
			}
		}
	}
	var content io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		content = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "quoted-printable":
		content = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(content)
	if err != nil {
		return fmt.Errorf("an attachment could not be decoded: %w", err)
	}
	kind := MediaType(b)
	if kind == "" {
		return nil
	}
	name := ""
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = params["name"]
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "" || name == "." || name == "/" {
		name = fmt.Sprintf("scan-%d%s", len(m.Scans)+1, extension(kind))
	}
	m.Scans = append(m.Scans, Scan{Name: name, MediaType: kind, Content: b})
	return nil
}

// extension is a file name ending for a scan's media type.
func extension(mediaType string) string {
	switch mediaType {
	case PDF:
		return ".pdf"
	case PNG:
		return ".png"
	case JPEG:
		return ".jpg"
	case TIFF:
		return ".tiff"
	}
	return ""
}
