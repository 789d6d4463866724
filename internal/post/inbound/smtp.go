package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
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
	// Allow is the client addresses it takes connections from (the
	// scanners' network, the council's mail relay); empty: any. Others
	// are told no in the greeting and disconnected.
	Allow []netip.Prefix
	// TLS, when set, offers STARTTLS; with RequireTLS a sender must
	// start TLS before it may give a sender address.
	TLS        *tls.Config
	RequireTLS bool
	Log        *slog.Logger
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
	if opts.RequireTLS && opts.TLS == nil {
		return nil, errors.New("inbound SMTP: TLS is required but no certificate was given")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if len(opts.Allow) > 0 {
		ln = &allowListener{Listener: ln, allow: opts.Allow, domain: opts.Domain, log: opts.Log}
	}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{deliver: deliver, opts: &opts, conn: c}, nil
	}))
	s.Domain = opts.Domain
	s.MaxMessageBytes = opts.MaxBytes
	s.MaxRecipients = 10
	s.ReadTimeout, s.WriteTimeout = 2*time.Minute, 2*time.Minute
	// Scanners on the council's own network send without a login: who
	// may connect is the Allow list (and the firewall); TLS is offered
	// when a certificate is given.
	s.TLSConfig = opts.TLS
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
	conn    *smtp.Conn
	rcpts   int
}

func (s *session) Reset()        { s.rcpts = 0 }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if _, isTLS := s.conn.TLSConnectionState(); s.opts.RequireTLS && !isTLS {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	return nil
}

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

// allowListener turns away connections from addresses not on its list,
// with a reason in SMTP's words, before the SMTP server sees them.
type allowListener struct {
	net.Listener
	allow  []netip.Prefix
	domain string
	log    *slog.Logger
	// A scan of the internet knocks often: one warning each
	// refusedLogEvery at most, saying how many more there were.
	lastLog  time.Time
	unlogged int
}

const refusedLogEvery = 10 * time.Second

func (l *allowListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.allowed(c.RemoteAddr()) {
			return c, nil
		}
		if now := time.Now(); now.Sub(l.lastLog) >= refusedLogEvery {
			l.log.Warn("inbound SMTP: connection refused: address not allowed", "from", c.RemoteAddr().String(), "more_refused_since_last_warning", l.unlogged)
			l.lastLog, l.unlogged = now, 0
		} else {
			l.unlogged++
		}
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "554 5.7.1 "+l.domain+" takes scanned post only from the council's scanners and mail relay\r\n")
		c.Close()
	}
}

func (l *allowListener) allowed(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap().WithZone("") // a prefix never contains a zoned address (fe80::1%eth0)
	for _, p := range l.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ParseAllow reads a comma-separated list of addresses and networks
// ("10.20.0.0/16, 192.0.2.7") into prefixes; a bare address is itself alone.
func ParseAllow(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "%") {
			// netip would drop the zone, allowing the address on every
			// interface: say so instead of widening what was written.
			return nil, errors.New("an address with an interface zone is not supported (" + f + "): write the address or network without %zone")
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, errors.New("not an address or network: " + f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
