package postweb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

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
	p.m = m
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
		r, err := inbound.ListenSMTP(addr, deliver(post.SourceEmail), inbound.SMTPOptions{To: to, MaxBytes: 2*p.in.MaxBytes() + 1<<20, Log: m.d.Log})
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
