package postweb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dbtp/internal/mail"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/callback"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/httpsms"
	"dbtp/internal/post/provider/logprov"
	"dbtp/internal/post/provider/notifyup"
	"dbtp/internal/post/provider/smtpmail"
	"dbtp/internal/web"
)

// deliveryPart delivers notifications through the providers the settings
// name, posts delivery receipts to services' callback URLs, and offers
// "send a message from a case".
type deliveryPart struct {
	cases Cases
	dl    *post.Deliverer
	// providers is shared with the deliverer: filled at start, once every
	// part has offered its providers, before any job runs.
	providers map[string]provider.Provider
	offered   map[string]provider.Provider
	named     map[string]string // kind -> the provider the settings name
	pool      *mail.Pool        // the SMTP provider's kept conversations, closed at stop
}

// offer makes a provider another part builds (the letters part's print
// drop, say) choosable by name in DBTP_POST_<KIND>_PROVIDER. Call it from
// the part's init.
func (p *deliveryPart) offer(name string, pr provider.Provider) {
	if p.offered == nil {
		p.offered = map[string]provider.Provider{}
	}
	p.offered[name] = pr
}

func (p *deliveryPart) init(ctx context.Context, m *Module) error {
	d := m.d
	getenv := d.Config.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	_, demo := d.Mail.(*mail.Printer)
	p.named = map[string]string{}
	for _, kind := range []string{post.KindEmail, post.KindSMS, post.KindLetter} {
		name := strings.TrimSpace(getenv("DBTP_POST_" + strings.ToUpper(kind) + "_PROVIDER"))
		if name == "" {
			switch {
			case kind == post.KindEmail:
				name = "smtp"
			case demo:
				// The demo prints its email to the terminal; its texts
				// and letters go to the log.
				name = "log"
			}
		}
		p.named[kind] = name
	}
	p.providers = map[string]provider.Provider{}
	allow, _ := strconv.ParseBool(getenv("DBTP_WEBHOOK_PRIVATE_NETWORKS"))
	dl, err := m.ps.HandleDelivery(post.Delivery{Providers: p.providers, Callbacks: callback.New(allow), Council: d.Config.CouncilName})
	if err != nil {
		return err
	}
	p.dl = dl
	return nil
}

// build makes the named provider of kind from the settings.
func (p *deliveryPart) build(m *Module, kind, name string) (provider.Provider, error) {
	getenv := m.d.Config.Getenv
	switch name {
	case "":
		return nil, nil
	case "log":
		return logprov.New(m.d.Log), nil
	case "smtp":
		if kind != post.KindEmail {
			break
		}
		if m.d.Mail == nil {
			m.d.Log.Warn("post: email waits: no SMTP relay is set on this node (DBTP_SMTP_ADDR)")
			return nil, nil
		}
		if ms, ok := m.d.Mail.(*mail.Sender); ok {
			// Conversations kept open: a busy queue sends hundreds a second.
			p.pool = mail.NewPool(ms, 16)
			return smtpmail.New(p.pool), nil
		}
		return smtpmail.New(m.d.Mail), nil
	case "http":
		if kind != post.KindSMS {
			break
		}
		return httpsms.New(httpsms.Config{URL: getenv("DBTP_POST_SMS_URL"), Token: getenv("DBTP_POST_SMS_TOKEN")})
	case "notify":
		return notifyup.New(notifyup.Config{URL: getenv("DBTP_POST_NOTIFY_URL"), APIKey: getenv("DBTP_POST_NOTIFY_API_KEY"),
			EmailTemplate: getenv("DBTP_POST_NOTIFY_EMAIL_TEMPLATE"), SMSTemplate: getenv("DBTP_POST_NOTIFY_SMS_TEMPLATE"),
			EmailReplyToID: getenv("DBTP_POST_NOTIFY_EMAIL_REPLY_TO_ID")})
	default:
		if pr, ok := p.offered[name]; ok {
			return pr, nil
		}
	}
	return nil, fmt.Errorf("DBTP_POST_%s_PROVIDER: %q is not a %s provider (%s)", strings.ToUpper(kind), name, kind, choices(kind, p.offered))
}

func choices(kind string, offered map[string]provider.Provider) string {
	cs := []string{"notify", "log"}
	switch kind {
	case post.KindEmail:
		cs = append(cs, "smtp")
	case post.KindSMS:
		cs = append(cs, "http")
	}
	for n := range offered {
		cs = append(cs, n)
	}
	return strings.Join(cs, ", ")
}

func (p *deliveryPart) web(srv *web.Server, m *Module) error {
	return p.sendWeb(srv, m)
}

// start builds the providers, now that every part has offered its own.
func (p *deliveryPart) start(ctx context.Context, m *Module) error {
	for kind, name := range p.named {
		pr, err := p.build(m, kind, name)
		if err != nil {
			if strings.HasPrefix(err.Error(), "DBTP_POST_") {
				return err
			}
			return fmt.Errorf("DBTP_POST_%s_PROVIDER=%s: %w", strings.ToUpper(kind), name, err)
		}
		if pr != nil {
			p.providers[kind] = pr
			m.d.Log.Info("post: delivery on", "kind", kind, "provider", pr.Name())
		} else {
			m.d.Log.Info("post: no provider on this node: messages of this kind wait", "kind", kind)
		}
	}
	return nil
}

func (p *deliveryPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

func (p *deliveryPart) stop() {
	if p.pool != nil {
		p.pool.Close()
	}
}
