package extract

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// Email is a message parsed for capture: its headers, its text and its
// attachments, so each attachment can be stored as a record of its own.
type Email struct {
	Subject, From, MessageID string
	To, Cc                   []string
	Date                     time.Time
	Body                     string // the text body as Text would give it
	Attachments              []Attachment
}

// Attachment is one attached file. Name is safe to show and to store (no
// directories, no control characters, at most 150 bytes); MediaType is
// what the content is, not what the sender declared.
type Attachment struct {
	Name, MediaType string
	Content         []byte
}

// Bounds on a message's structure, so a crafted email cannot make the
// parser recurse or loop without end.
const (
	DefaultMaxEmail = 50 << 20 // ParseEmail's limit when given max <= 0
	maxMailDepth    = 20
	maxMailParts    = 1000
	maxNameLen      = 150
)

// ParseEmail parses an RFC 5322 message (.eml) of at most max bytes
// (DefaultMaxEmail if max <= 0; a larger message is refused with an error
// matching ErrTooLarge). The body is the text/plain part where there is
// one, else the HTML part's text; parts that are files, or are not text,
// are attachments. Headers, RFC 2047 encoded words and attachment names
// are decoded from UTF-8, ISO-8859-1, Windows-1252 and ISO-8859-15; other
// charsets keep their ASCII and replace the rest.
func ParseEmail(r io.Reader, max int64) (*Email, error) {
	if max <= 0 {
		max = DefaultMaxEmail
	}
	m, err := parseEmail(r, max, true)
	if err != nil {
		return nil, err
	}
	b := newBuilder(DefaultMaxText)
	m.writeBody(b)
	m.Body, _ = b.result()
	return m.Email, nil
}

// emailText is Text for message/rfc822: the headers a reader looks for,
// the attachments' names (before the body, so a long body cannot push
// them past the limit), then the body.
func emailText(r io.Reader, size int64, o Options, res Result) (Result, error) {
	m, err := parseEmail(r, size, false)
	if err != nil {
		return res, err
	}
	b := newBuilder(o.MaxText)
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v)
			b.Break(1)
		}
	}
	line("Subject", m.Subject)
	line("From", m.From)
	line("To", strings.Join(m.To, ", "))
	line("Cc", strings.Join(m.Cc, ", "))
	line("Date", m.rawDate)
	var names []string
	for _, a := range m.Attachments {
		names = append(names, a.Name)
	}
	line("Attachments", strings.Join(names, ", "))
	b.Break(2)
	m.writeBody(b)
	res.Text, res.Truncated = b.result()
	return res, nil
}

type parsedEmail struct {
	*Email
	rawDate string
	body    []textPart
	keep    bool // keep attachments' content (capture) or only their names (search)
	parts   int
	dec     *mime.WordDecoder
}

// textPart is a candidate for the body: a text/plain or text/html part.
type textPart struct {
	html    bool
	charset string
	data    []byte
}

func parseEmail(r io.Reader, max int64, keep bool) (*parsedEmail, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, platform.Internal(fmt.Errorf("extract: reading email: %w", err))
	}
	if int64(len(data)) > max {
		return nil, fail(ErrTooLarge, fmt.Sprintf("The email is larger than %s, so it was not read", megabytes(max)), nil)
	}
	if bytes.HasPrefix(data, []byte("From ")) { // an mbox separator, not a header
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, damaged("its headers cannot be read as an email", err)
	}
	m := &parsedEmail{Email: &Email{}, keep: keep, dec: &mime.WordDecoder{CharsetReader: charsetReader}}
	h := msg.Header
	m.Subject = oneLine(m.decode(h.Get("Subject")), 1000)
	m.From = strings.Join(m.addresses(h.Get("From")), ", ")
	m.To = m.addresses(h.Get("To"))
	m.Cc = m.addresses(h.Get("Cc"))
	m.MessageID = oneLine(h.Get("Message-Id"), 500)
	m.rawDate = oneLine(h.Get("Date"), 100)
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		m.Date = d
	}
	m.body, err = m.walk(textproto.MIMEHeader(h), msg.Body, 0)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// decode decodes RFC 2047 encoded words; a header that will not decode is
// kept as it is (the builder later makes it valid UTF-8).
func (m *parsedEmail) decode(s string) string {
	if d, err := m.dec.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// addresses gives each address as "Name <address>" (or the address alone).
// A list net/mail cannot parse is kept whole, decoded, rather than lost.
func (m *parsedEmail) addresses(raw string) []string {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: m.dec}
	list, err := p.ParseList(raw)
	if err != nil {
		return []string{oneLine(m.decode(raw), 1000)}
	}
	var out []string
	for _, a := range list {
		s := oneLine(a.Address, 320)
		if name := oneLine(a.Name, 200); name != "" {
			s = name + " <" + s + ">"
		}
		out = append(out, s)
	}
	return out
}

// walk reads one MIME entity: multiparts recursively, text parts as body
// candidates, everything else (and anything named as a file) as an
// attachment. A truncated multipart keeps the parts before the damage, as
// mail clients do.
func (m *parsedEmail) walk(h textproto.MIMEHeader, body io.Reader, depth int) ([]textPart, error) {
	if m.parts++; m.parts > maxMailParts {
		return nil, damaged(fmt.Sprintf("it has more than %d parts", maxMailParts), nil)
	}
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if ct == "" {
		ct = "text/plain"
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.HasPrefix(ct, "multipart/") && params["boundary"] != "" {
		if depth >= maxMailDepth {
			return nil, damaged("its parts are nested too deeply", nil)
		}
		mr := multipart.NewReader(body, params["boundary"])
		var kids [][]textPart
		for {
			part, err := mr.NextRawPart()
			if err != nil {
				break // io.EOF, or a truncated message: keep what came before
			}
			k, err := m.walk(part.Header, part, depth+1)
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		}
		if ct == "multipart/alternative" {
			return preferPlain(kids), nil
		}
		var all []textPart
		for _, k := range kids {
			all = append(all, k...)
		}
		return all, nil
	}
	content := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if (ct == "text/plain" || ct == "text/html") && name == "" && disp != "attachment" {
		return []textPart{{html: ct == "text/html", charset: params["charset"], data: content}}, nil
	}
	m.attach(name, ct, content)
	return nil, nil
}

// preferPlain chooses among the versions of a multipart/alternative: the
// first with a text/plain part, else the first with any text.
func preferPlain(kids [][]textPart) []textPart {
	for _, k := range kids {
		for _, p := range k {
			if !p.html {
				return k
			}
		}
	}
	for _, k := range kids {
		if len(k) > 0 {
			return k
		}
	}
	return nil
}

func (m *parsedEmail) attach(name, declared string, content []byte) {
	name = cleanName(m.decode(name))
	mt := choose(declared, MediaType(name, content[:min(len(content), sniffLen)]))
	if name == "" {
		name = fmt.Sprintf("attachment-%d%s", len(m.Attachments)+1, extensionFor(mt))
	}
	a := Attachment{Name: name, MediaType: mt}
	if m.keep {
		a.Content = content
	}
	m.Attachments = append(m.Attachments, a)
}

// writeBody writes the body's text parts into b, HTML stripped.
func (m *parsedEmail) writeBody(b *builder) {
	for _, p := range m.body {
		b.Break(2)
		if p.html {
			htmlText(bytes.NewReader(p.data), p.charset, b)
		} else {
			plainText(bytes.NewReader(p.data), p.charset, b)
		}
	}
}

// decodeTransfer undoes a part's Content-Transfer-Encoding. Both decoders
// are lenient, as mail clients are: a stray character costs itself, not
// the part. (mime/quotedprintable stops at the first control byte.) A part
// cut short keeps what arrived.
func decodeTransfer(cte string, body io.Reader) []byte {
	raw, _ := io.ReadAll(body)
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable":
		return decodeQP(raw)
	}
	return raw
}

func decodeBase64(raw []byte) []byte {
	clean := raw[:0:0]
	for _, c := range raw {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

func decodeQP(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		nl := bytes.HasSuffix(line, []byte("\n"))
		line = bytes.TrimRight(line, " \t\r\n") // trailing space is padding (RFC 2045)
		soft := bytes.HasSuffix(line, []byte("="))
		if soft {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			if line[i] == '=' && i+2 < len(line) && unhex(line[i+1]) >= 0 && unhex(line[i+2]) >= 0 {
				out = append(out, byte(unhex(line[i+1])<<4|unhex(line[i+2])))
				i += 2
				continue
			}
			out = append(out, line[i])
		}
		if nl && !soft {
			out = append(out, '\n')
		}
	}
	return out
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	}
	return -1
}

// cleanName makes an attachment's name safe to show and store: only the
// last element of any path (so "../" and `C:\` go), no control or
// invisible formatting characters (a right-to-left override can disguise
// "exe.pdf" as "fdp.exe"), none of the characters Windows refuses in file
// names, no leading or trailing dots or spaces, and at most maxNameLen
// bytes with the extension kept. It may return "".
func cleanName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s = strings.Trim(strings.Join(strings.Fields(b.String()), " "), ". ")
	if len(s) <= maxNameLen {
		return s
	}
	ext := ""
	if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 16 {
		ext = s[i:]
	}
	stem := s[:maxNameLen-len(ext)]
	for len(stem) > 0 && !utf8.ValidString(stem) {
		stem = stem[:len(stem)-1]
	}
	return strings.TrimRight(stem, ". ") + ext
}
