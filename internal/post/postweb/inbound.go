package postweb

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"dbtp/internal/pdfpages"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/web"
)

// inboundPart is inbound post: scans uploaded in the post room (one or a
// batch), emailed to dbtp's own SMTP port or collected from an IMAP
// mailbox, read with OCR by a job and routed to their case or to the
// triage queue. Pages under /post/inbound, API under /api/v1/post/inbound.
type inboundPart struct {
	cases post.CaseDesk // set by UseInboundCases
	in    *post.Inbound
	m     *Module
	pages *pdfpages.Renderer // draws scans' first pages, two at once

	smtp   *inbound.SMTPReceiver
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// UseInboundCases gives inbound post the services engine (through
// cmd/dbtp's adapter), so scans are filed on cases; without it every scan
// waits in triage.
func (m *Module) UseInboundCases(c post.CaseDesk) {
	m.inbound.cases = c
	if m.inbound.in != nil {
		m.inbound.in.UseCases(c)
	}
}

// Inbound is inbound post's engine, for the composition root and tests.
func (m *Module) Inbound() *post.Inbound { return m.inbound.in }

// Settings (docs/operations.md, "Inbound post").
const (
	envInboundMaxMB   = "DBTP_POST_INBOUND_MAX_MB"
	envInboundBatch   = "DBTP_POST_INBOUND_MAX_FILES"
	envTesseract      = "DBTP_POST_TESSERACT"
	envOCRLang        = "DBTP_POST_OCR_LANG"
	envSMTPAddr       = "DBTP_POST_INBOUND_SMTP_ADDR"
	envSMTPTo         = "DBTP_POST_INBOUND_SMTP_TO"
	envSMTPAllow      = "DBTP_POST_INBOUND_SMTP_ALLOW"
	envSMTPCert       = "DBTP_POST_INBOUND_SMTP_CERT"
	envSMTPKey        = "DBTP_POST_INBOUND_SMTP_KEY"
	envSMTPRequireTLS = "DBTP_POST_INBOUND_SMTP_REQUIRE_TLS"
	envIMAPAddr       = "DBTP_POST_IMAP_ADDR"
	envIMAPSecurity   = "DBTP_POST_IMAP_SECURITY"
	envIMAPUser       = "DBTP_POST_IMAP_USER"
	envIMAPPassword   = "DBTP_POST_IMAP_PASSWORD"
	envIMAPMailbox    = "DBTP_POST_IMAP_MAILBOX"
	envIMAPEvery      = "DBTP_POST_IMAP_EVERY"
	defaultIMAPPeriod = time.Minute
)

func (p *inboundPart) getenv(k string) string {
	if p.m.d.Config.Getenv == nil {
		return ""
	}
	return strings.TrimSpace(p.m.d.Config.Getenv(k))
}

func (p *inboundPart) intSetting(k string, def, min, max int) (int, error) {
	v := p.getenv(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%s=%q: want a whole number from %d to %d", k, v, min, max)
	}
	return n, nil
}

func (p *inboundPart) init(ctx context.Context, m *Module) error {
	p.m, p.pages = m, pdfpages.NewRenderer(2, 0)
	mb, err := p.intSetting(envInboundMaxMB, 10, 1, 100)
	if err != nil {
		return err
	}
	files, err := p.intSetting(envInboundBatch, 50, 1, 500)
	if err != nil {
		return err
	}
	p.in = post.NewInbound(m.ps, post.InboundOptions{Cases: p.cases, MaxBytes: int64(mb) << 20, MaxBatch: files,
		Reader: inbound.Reader{Tesseract: p.getenv(envTesseract), Lang: p.getenv(envOCRLang)}})
	if m.d.Jobs == nil {
		return nil
	}
	return p.in.Register(m.d.Jobs)
}

func (p *inboundPart) web(srv *web.Server, m *Module) error {
	p.routes(srv)
	return nil
}

// start opens the SMTP port and the IMAP poller when configured: mail
// received is the host council's post.
func (p *inboundPart) start(ctx context.Context, m *Module) error {
	if !p.in.OCRAvailable() {
		m.d.Log.Warn("inbound post: tesseract is not installed, so scans are kept and wait in triage unread (Debian: apt-get install tesseract-ocr tesseract-ocr-eng)")
	}
	addr, imapAddr := p.getenv(envSMTPAddr), p.getenv(envIMAPAddr)
	if addr == "" && imapAddr == "" {
		return nil
	}
	deliver := func(source string) inbound.Deliver {
		return func(ctx context.Context, mail inbound.Mail) error {
			org, err := m.d.Directory.HostOrg(ctx)
			if err != nil {
				return err
			}
			return p.in.ReceiveMail(ctx, org.ID, source, mail)
		}
	}
	if addr != "" {
		var to []string
		for _, a := range strings.Split(p.getenv(envSMTPTo), ",") {
			if a = strings.TrimSpace(a); a != "" {
				to = append(to, a)
			}
		}
		// A message may carry a scan of the largest size, base64-encoded
		// (a third larger), and a little more.
		opts := inbound.SMTPOptions{To: to, MaxBytes: 2*p.in.MaxBytes() + 1<<20, Log: m.d.Log}
		if err := p.smtpSecurity(&opts); err != nil {
			return err
		}
		r, err := inbound.ListenSMTP(addr, deliver(post.SourceEmail), opts)
		if err != nil {
			return fmt.Errorf("%s=%s: %w", envSMTPAddr, addr, err)
		}
		p.smtp = r
		m.d.Log.Info("inbound post: receiving scanned post by email", "addr", r.Addr())
	}
	if imapAddr != "" {
		every := defaultIMAPPeriod
		if v := p.getenv(envIMAPEvery); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return fmt.Errorf("%s=%q: want a duration of a second or more, like 1m", envIMAPEvery, v)
			}
			every = d
		}
		cfg := inbound.IMAPConfig{Addr: imapAddr, Security: p.getenv(envIMAPSecurity), Username: p.getenv(envIMAPUser),
			Password: p.getenv(envIMAPPassword), Mailbox: p.getenv(envIMAPMailbox), MaxBytes: 2*p.in.MaxBytes() + 1<<20}
		switch cfg.Security {
		case "", "tls", "starttls", "none":
		default:
			return fmt.Errorf("%s=%q: want tls, starttls or none", envIMAPSecurity, cfg.Security)
		}
		pctx, cancel := context.WithCancel(context.Background())
		p.cancel = cancel
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			inbound.PollEvery(pctx, every, cfg, deliver(post.SourceIMAP), func(res inbound.PollResult, err error) {
				switch {
				case err != nil && pctx.Err() == nil:
					m.d.Log.Error("inbound post: IMAP poll failed", "mailbox", cfg.Addr, "err", err)
				case res.Kept+res.Refused > 0:
					m.d.Log.Info("inbound post: collected from IMAP", "kept", res.Kept, "refused", res.Refused)
				}
			})
		}()
	}
	return nil
}

// smtpSecurity reads who may connect to the SMTP port and its TLS.
func (p *inboundPart) smtpSecurity(opts *inbound.SMTPOptions) error {
	allow, err := inbound.ParseAllow(p.getenv(envSMTPAllow))
	if err != nil {
		return fmt.Errorf("%s: %w", envSMTPAllow, err)
	}
	opts.Allow = allow
	cert, key := p.getenv(envSMTPCert), p.getenv(envSMTPKey)
	if (cert == "") != (key == "") {
		return fmt.Errorf("%s and %s go together: give both or neither", envSMTPCert, envSMTPKey)
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return fmt.Errorf("%s, %s: %w", envSMTPCert, envSMTPKey, err)
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	switch v := p.getenv(envSMTPRequireTLS); v {
	case "", "false", "no":
	case "true", "yes":
		if opts.TLS == nil {
			return fmt.Errorf("%s=%s needs a certificate: set %s and %s", envSMTPRequireTLS, v, envSMTPCert, envSMTPKey)
		}
		opts.RequireTLS = true
	default:
		return fmt.Errorf("%s=%q: want true or false", envSMTPRequireTLS, v)
	}
	if len(allow) == 0 {
		p.m.d.Log.Warn("inbound post: the SMTP port takes mail from any address; set " + envSMTPAllow + " to the scanners' network and the mail relay")
	}
	return nil
}

func (p *inboundPart) stop() {
	if p.smtp != nil {
		p.smtp.Close()
	}
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
	}
}

// SMTPAddr is where the inbound SMTP port listens ("" when off), for tests.
func (m *Module) SMTPAddr() string {
	if m.inbound.smtp == nil {
		return ""
	}
	return m.inbound.smtp.Addr()
}
