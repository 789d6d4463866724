package inbound

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Deliver takes in one received message's scans. Returning an error made
// with Reject refuses the message for good (the sender is told why);
// any other error asks the sender to try again later.
type Deliver func(ctx context.Context, m Mail) error

// rejected is a refusal no retry will mend: bad input.
type rejected struct{ err error }

func (r rejected) Error() string { return r.err.Error() }
func (r rejected) Unwrap() error { return r.err }

// Reject marks err as a permanent refusal of a message.
func Reject(err error) error { return rejected{err} }

// IsRejected reports whether err was made by Reject.
func IsRejected(err error) bool { return errors.As(err, new(rejected)) }

// SMTPOptions shape the receiver.
type SMTPOptions struct {
	Domain   string   // the name it greets with; default "dbtp"
	MaxBytes int64    // largest message accepted; default 25 MiB
	To       []string // addresses it accepts mail for (any case); empty: any
	Log      *slog.Logger
}

// SMTPReceiver is dbtp's own SMTP port for scanned post: scanners' "scan
// to email" and the council's mail relay deliver to it. It takes mail
// only for the addresses it is given and keeps nothing it cannot read:
// a message without scans, or too large, is refused with a reason.
type SMTPReceiver struct {
	srv *smtp.Server
	ln  net.Listener
}

// ListenSMTP starts receiving on addr (host:port; port 0 picks one).
func ListenSMTP(addr string, deliver Deliver, opts SMTPOptions) (*SMTPReceiver, error) {
	if opts.Domain == "" {
		opts.Domain = "dbtp"
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 25 << 20
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{deliver: deliver, opts: &opts}, nil
	}))
	s.Domain = opts.Domain
	s.MaxMessageBytes = opts.MaxBytes
	s.MaxRecipients = 10
	s.ReadTimeout, s.WriteTimeout = 2*time.Minute, 2*time.Minute
	// Scanners on the council's own network send without TLS or a login;
	// put the port where only they and the relay reach it.
	s.AllowInsecureAuth = true
	r := &SMTPReceiver{srv: s, ln: ln}
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			opts.Log.Error("inbound SMTP receiver stopped", "err", err)
		}
	}()
	return r, nil
}

// Addr is where it listens.
func (r *SMTPReceiver) Addr() string { return r.ln.Addr().String() }

// Close stops it, letting a message being delivered finish for a moment.
func (r *SMTPReceiver) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		return r.srv.Close()
	}
	return nil
}

type session struct {
	deliver Deliver
	opts    *SMTPOptions
	rcpts   int
}

func (s *session) Reset()        { s.rcpts = 0 }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if len(s.opts.To) > 0 {
		ok := false
		for _, a := range s.opts.To {
			ok = ok || strings.EqualFold(strings.TrimSpace(a), to)
		}
		if !ok {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here: this port takes scanned post only"}
		}
	}
	s.rcpts++
	return nil
}

func (s *session) Data(r io.Reader) error {
	m, err := ParseMail(r)
	if err != nil {
		// Read what is left, so a too-large message is reported as such.
		if _, cerr := io.Copy(io.Discard, r); cerr != nil {
			return cerr
		}
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(err.Error())}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.deliver(ctx, m); err != nil {
		if IsRejected(err) {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: oneLine(err.Error())}
		}
		s.opts.Log.Error("inbound post by email not kept", "from", m.From, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "The post could not be kept just now: try again later"}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
