// Package mail sends email through an SMTP relay (the council's mail
// gateway or a provider such as GOV.UK Notify's SMTP service), using only
// the standard library's net/smtp. A message is plain text, optionally
// with other forms of the same text (a calendar invitation) and
// attachments.
//
// A Sender holds no connection between messages: the platform sends a
// handful of messages a minute (verification codes, case notifications), so
// a fresh, short conversation per message is simpler than pooling and
// recovers from a relay restart by itself.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"sync"
	"time"
)

// StartTLS says whether the conversation is upgraded to TLS.
type StartTLS string

const (
	// TLSRequire refuses to send unless the relay offers STARTTLS; the default.
	TLSRequire StartTLS = "require"
	// TLSOpportunistic upgrades when offered and otherwise sends in the clear.
	TLSOpportunistic StartTLS = "opportunistic"
	// TLSNone never upgrades (a relay on the same host or a private network).
	TLSNone StartTLS = "none"
)

// Config is where and as whom mail is sent.
type Config struct {
	Addr     string // relay host:port
	From     string // envelope and header sender, e.g. "Kent County Council <noreply@kent.gov.uk>"
	Username string // for AUTH PLAIN; empty for an open relay
	Password string
	StartTLS StartTLS      // default TLSRequire
	Timeout  time.Duration // the whole conversation; default 30s
	// TLSConfig overrides the TLS settings (tests trust their own CA);
	// by default the relay's certificate is checked against its host name.
	TLSConfig *tls.Config
}

// Message is one email to one recipient: plain text, and optionally
// other forms of it and attachments. A message with neither is sent as a
// single text/plain body, exactly as before they existed.
type Message struct {
	To      string
	Subject string
	Text    string
	// ReplyTo is where replies go when not to From (a sending service's
	// own inbox): one address, bare or "Name <address>"; empty: none.
	ReplyTo string
	// Alternatives are other forms of Text that a mail program shows
	// instead of it when it can, such as an invitation's
	// "text/calendar; method=REQUEST" part. With any, the body is
	// multipart/alternative with Text first (the least preferred form).
	Alternatives []Part
	// Attachments follow the body as files; with any, the message is
	// multipart/mixed.
	Attachments []Part
}

// Part is a body part besides the plain text.
type Part struct {
	// ContentType is a media type with parameters, e.g.
	// "text/calendar; charset=UTF-8; method=REQUEST".
	ContentType string
	// Filename is the name an attachment is offered under; alternatives
	// have none.
	Filename string
	Content  []byte
}

// Sender sends messages through one relay. It is safe for concurrent use.
type Sender struct {
	cfg  Config
	host string
	from *mail.Address
}

// New checks cfg and returns its sender.
func New(cfg Config) (*Sender, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("mail: relay address %q must be host:port", cfg.Addr)
	}
	if strings.ContainsAny(cfg.From, "\r\n") {
		return nil, errors.New("mail: the From address contains a line break")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: From address %q: %v", cfg.From, err)
	}
	switch cfg.StartTLS {
	case "":
		cfg.StartTLS = TLSRequire
	case TLSRequire, TLSOpportunistic, TLSNone:
	default:
		return nil, fmt.Errorf("mail: StartTLS must be require, opportunistic or none, not %q", cfg.StartTLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Sender{cfg: cfg, host: host, from: from}, nil
}

// String describes the sender for logs; it never includes the password.
func (s *Sender) String() string {
	who := ""
	if s.cfg.Username != "" {
		who = " as " + s.cfg.Username
	}
	return fmt.Sprintf("smtp://%s%s (from %s, starttls %s)", s.cfg.Addr, who, s.from.Address, s.cfg.StartTLS)
}

// ErrInvalidMessage wraps errors that retrying cannot fix: a bad address or
// a header carrying a line break.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Send delivers m. It returns once the relay has accepted the message.
func (s *Sender) Send(ctx context.Context, m Message) error {
	to, err := checkHeaders(m)
	if err != nil {
		return err
	}
	body, err := s.compose(to, m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: connecting to %s: %w", s.cfg.Addr, err)
	}
	// net/smtp has no context: a deadline on the connection bounds every
	// step, and closing it on cancellation unblocks a stuck read.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %s: %w", s.cfg.Addr, err)
	}
	defer c.Close()
	if err := s.converse(c, to, body); err != nil {
		return fmt.Errorf("mail: %s: %w", s.cfg.Addr, err)
	}
	return nil
}

// converse runs the SMTP commands after the greeting.
func (s *Sender) converse(c *smtp.Client, to *mail.Address, body []byte) error {
	if err := s.greet(c); err != nil {
		return err
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// checkHeaders checks what m puts in its headers and returns the
// recipient: the recipient and the reply-to address each one address, the
// subject one line, the parts' types and names sound. A line break in any
// of them could add headers of its own (a Bcc), so it is refused rather
// than cleaned.
func checkHeaders(m Message) (*mail.Address, error) {
	to, err := checkRecipient(m.To)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, fmt.Errorf("%w: the subject contains a line break", ErrInvalidMessage)
	}
	if _, err := checkReplyTo(m.ReplyTo); err != nil {
		return nil, err
	}
	return to, checkParts(m)
}

// checkReplyTo accepts "" (no Reply-To) or one address, as checkRecipient.
func checkReplyTo(addr string) (*mail.Address, error) {
	if addr == "" {
		return nil, nil
	}
	a, err := checkRecipient(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: the reply-to address %q is not one email address", ErrInvalidMessage, addr)
	}
	return a, nil
}

// checkRecipient accepts a bare address or "Name <address>", one only.
func checkRecipient(to string) (*mail.Address, error) {
	if strings.ContainsAny(to, "\r\n") {
		return nil, fmt.Errorf("%w: the recipient contains a line break", ErrInvalidMessage)
	}
	a, err := mail.ParseAddress(to)
	if err != nil || len(a.Address) > 254 {
		return nil, fmt.Errorf("%w: recipient %q is not an email address", ErrInvalidMessage, to)
	}
	return a, nil
}

// compose builds the message: headers, then the text as quoted-printable
// UTF-8, which survives any relay whatever the text's characters or line
// lengths.
func (s *Sender) compose(to *mail.Address, m Message) ([]byte, error) {
	var b bytes.Buffer
	id := make([]byte, 16)
	rand.Read(id)
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	if rt, err := checkReplyTo(m.ReplyTo); err != nil {
		return nil, err
	} else if rt != nil {
		// Address.String encodes a name outside ASCII and quotes one
		// with specials, so the header is always one valid line.
		header("Reply-To", rt.String())
	}
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	header("MIME-Version", "1.0")
	if len(m.Alternatives) == 0 && len(m.Attachments) == 0 {
		header("Content-Type", "text/plain; charset=UTF-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeText(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	if err := composeParts(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeText writes text as quoted-printable.
func writeText(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\r\n", "\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// Transport is what sends email: a Sender through a relay, or a Printer.
type Transport interface {
	Send(ctx context.Context, m Message) error
	String() string
}

// Printer "sends" by writing each message to W: what `dbtp demo` does when
// no relay is set, so someone trying the demo can read the codes and
// notices that would have been emailed.
type Printer struct {
	W  io.Writer
	mu sync.Mutex
}

// Send writes m to W.
func (p *Printer) Send(_ context.Context, m Message) error {
	if _, err := checkHeaders(m); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts strings.Builder
	for _, a := range m.Alternatives {
		fmt.Fprintf(&parts, "[also as %s, %d bytes]\n", a.ContentType, len(a.Content))
	}
	for _, a := range m.Attachments {
		fmt.Fprintf(&parts, "[attached: %s (%s, %d bytes)]\n", a.Filename, a.ContentType, len(a.Content))
	}
	replyTo := ""
	if m.ReplyTo != "" {
		replyTo = "Reply-To: " + m.ReplyTo + "\n"
	}
	_, err := fmt.Fprintf(p.W, "\n--- email to %s (demo: printed, not sent; set DBTP_SMTP_ADDR to send) ---\nSubject: %s\n%s\n%s\n%s---\n", m.To, m.Subject, replyTo, m.Text, parts.String())
	return err
}

// String describes the printer for logs.
func (p *Printer) String() string { return "printed to the terminal (demo)" }

// greet says hello, starts TLS as the settings ask and signs in: what a
// conversation does once before its first message (Sender's and Pool's).
func (s *Sender) greet(c *smtp.Client) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if s.cfg.StartTLS != TLSNone {
		if ok, _ := c.Extension("STARTTLS"); ok {
			tc := s.cfg.TLSConfig
			if tc == nil {
				tc = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
			}
			if err := c.StartTLS(tc); err != nil {
				return err
			}
		} else if s.cfg.StartTLS == TLSRequire {
			return errors.New("the relay does not offer STARTTLS (set the StartTLS mode to opportunistic or none to send anyway)")
		}
	}
	if s.cfg.Username != "" {
		// PlainAuth itself refuses to send the password unencrypted to
		// anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return fmt.Errorf("authenticating as %s: %w", s.cfg.Username, err)
		}
	}
	return nil
}
