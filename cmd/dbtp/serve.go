package main

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/mail"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// serveConfig is everything serve and demo need.
type serveConfig struct {
	data            dataConfig
	addr            string
	metricsAddr     string
	baseURL         string
	councilName     string
	brandColour     string
	secretKey       string
	auditKey        string
	tlsCert, tlsKey string
	logLevel        string
	trustedProxies  string
	idle, absolute  time.Duration
	smtp            smtpConfig
	demoMail        bool // without a relay, print email to the terminal (dbtp demo)
	webhookPrivate  bool
	jobWorkers      int
	// clock is the modules' clock; nil: the system's. Tests set a day
	// when offices are open, to book and check in as on that day.
	clock platform.Clock
}

// smtpConfig is the relay outbox messages are sent through.
type smtpConfig struct {
	addr, from, username, password, startTLS string
}

func (f *flags) serveFlags(c *serveConfig) {
	f.dataFlags(&c.data)
	f.String(&c.addr, "addr", "DBTP_ADDR", "127.0.0.1:8080", "address to listen on")
	f.String(&c.metricsAddr, "metrics-addr", "DBTP_METRICS_ADDR", "", "serve GET /metrics here, without authentication, instead of on --addr (where it needs a token with the metrics scope); keep it on a private network")
	f.String(&c.baseURL, "base-url", "DBTP_BASE_URL", "", "public URL people use, e.g. https://services.example.gov.uk (default http://ADDR)")
	f.String(&c.councilName, "council-name", "DBTP_COUNCIL_NAME", "Kent County Council", "name shown in the header and page titles")
	f.String(&c.brandColour, "brand-colour", "DBTP_BRAND_COLOUR", "#1d70b8", "header colour as #rrggbb (needs 4.5:1 contrast with white)")
	f.String(&c.secretKey, "secret-key", "DBTP_SECRET_KEY", "", "base64 key for CSRF tokens, the same on every node (default: random per start)")
	f.String(&c.auditKey, "audit-key", "DBTP_AUDIT_KEY", "", "audit signing key shared by several nodes (default: key file in the data folder)")
	f.String(&c.tlsCert, "tls-cert", "DBTP_TLS_CERT", "", "TLS certificate file (PEM); serve HTTPS directly")
	f.String(&c.tlsKey, "tls-key", "DBTP_TLS_KEY", "", "TLS private key file (PEM)")
	f.String(&c.logLevel, "log-level", "DBTP_LOG_LEVEL", "info", "debug, info, warn or error")
	f.String(&c.trustedProxies, "trusted-proxies", "DBTP_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed")
	f.Duration(&c.idle, "session-idle", "DBTP_SESSION_IDLE", 30*time.Minute, "sign people out after this long unused")
	f.Duration(&c.absolute, "session-absolute", "DBTP_SESSION_ABSOLUTE", 12*time.Hour, "sign people out this long after sign-in")
	f.String(&c.smtp.addr, "smtp-addr", "DBTP_SMTP_ADDR", "", "SMTP relay host:port for email (verification codes, case updates); empty keeps messages in the outbox")
	f.String(&c.smtp.from, "smtp-from", "DBTP_SMTP_FROM", "", "sender address of email, e.g. \"Kent County Council <noreply@kent.gov.uk>\"")
	f.String(&c.smtp.username, "smtp-username", "DBTP_SMTP_USERNAME", "", "SMTP username (AUTH PLAIN); empty for a relay that needs none")
	f.String(&c.smtp.password, "smtp-password", "DBTP_SMTP_PASSWORD", "", "SMTP password (prefer the environment variable: flags show in ps)")
	f.Int(&c.jobWorkers, "job-workers", "DBTP_JOB_WORKERS", 8, "background jobs this node runs at once (email and letters delivered, webhooks, scans read, seals); most wait on the network or the disk, so more than the CPUs is normal")
	f.Bool(&c.webhookPrivate, "webhook-private-networks", "DBTP_WEBHOOK_PRIVATE_NETWORKS", false, "let webhooks reach private and local addresses and plain http (the council's own network); any organisation admin chooses webhook addresses")
	f.String(&c.smtp.startTLS, "smtp-starttls", "DBTP_SMTP_STARTTLS", "require", "require, opportunistic or none: whether to upgrade the SMTP connection to TLS")
}

// sender builds the mail sender, or nil when no relay is configured.
func (c smtpConfig) sender() (*mail.Sender, error) {
	if c.addr == "" {
		return nil, nil
	}
	if c.from == "" {
		return nil, badUsage("--smtp-from is needed with --smtp-addr")
	}
	s, err := mail.New(mail.Config{Addr: c.addr, From: c.from, Username: c.username, Password: c.password, StartTLS: mail.StartTLS(c.startTLS)})
	if err != nil {
		return nil, badUsage("%s", strings.TrimPrefix(err.Error(), "mail: "))
	}
	return s, nil
}

// webConfig validates the flags that shape the web server.
func (c *serveConfig) webConfig() (web.Config, error) {
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return web.Config{}, badUsage("--tls-cert and --tls-key go together")
	}
	base := c.baseURL
	if base == "" {
		scheme := "http"
		if c.tlsCert != "" {
			scheme = "https"
		}
		base = scheme + "://" + c.addr
	}
	wc := web.Config{Addr: c.addr, MetricsAddr: c.metricsAddr, BaseURL: strings.TrimRight(base, "/"), CouncilName: c.councilName, BrandColour: c.brandColour}
	if c.secretKey != "" {
		k, err := base64.StdEncoding.DecodeString(c.secretKey)
		if err != nil || len(k) < 32 {
			return web.Config{}, badUsage("--secret-key must be base64 of at least 32 bytes (openssl rand -base64 32)")
		}
		wc.SecretKey = k
	}
	for _, p := range splitList(c.trustedProxies) {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return web.Config{}, badUsage("--trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", p)
		}
		wc.TrustedProxies = append(wc.TrustedProxies, pfx)
	}
	if c.idle <= 0 || c.absolute <= 0 || c.idle > c.absolute {
		return web.Config{}, badUsage("--session-idle and --session-absolute must be positive, idle no longer than absolute")
	}
	if err := wc.Validate(); err != nil {
		return web.Config{}, badUsage("%s", configFieldsAsFlags.Replace(strings.TrimPrefix(err.Error(), "web: ")))
	}
	return wc, nil
}

// configFieldsAsFlags names web.Config fields the way people typed them.
var configFieldsAsFlags = strings.NewReplacer("BrandColour", "--brand-colour", "BaseURL", "--base-url",
	"CouncilName", "--council-name", "SecretKey", "--secret-key", "Addr", "--addr")

func newLogger(env *cliEnv, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, badUsage("--log-level must be debug, info, warn or error")
	}
	return slog.New(slog.NewJSONHandler(env.stderr, &slog.HandlerOptions{Level: l})), nil
}

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	var c serveConfig
	f := newFlags(env, "serve", "")
	f.serveFlags(&c)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	return serve(ctx, env, c, nil)
}

// serve opens the platform, builds the server and runs it until ctx ends.
// ready, if set, is called with the listening URL before serving (demo and
// tests use it).
func serve(ctx context.Context, env *cliEnv, c serveConfig, ready func(a *app, url string) error) error {
	if _, err := c.webConfig(); err != nil {
		return err // bad flags are reported before anything is opened
	}
	sender, err := c.smtp.sender()
	if err != nil {
		return err
	}
	log, err := newLogger(env, c.logLevel)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", c.addr, err)
	}
	defer ln.Close()
	c.addr = ln.Addr().String() // the real port when :0 was asked for
	var metricsLn net.Listener
	if c.metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", c.metricsAddr); err != nil {
			return fmt.Errorf("cannot listen on %s (--metrics-addr): %w", c.metricsAddr, err)
		}
		defer metricsLn.Close()
		c.metricsAddr = metricsLn.Addr().String()
	}
	wc, _ := c.webConfig()
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	var transport mail.Transport
	switch {
	case sender != nil:
		transport = sender
	case c.demoMail:
		transport = &mail.Printer{W: env.stdout}
	}
	a, err := openApp(ctx, c.data, appOptions{auditKey: c.auditKey, web: wc, mail: transport, getenv: env.getenv, webhookPrivate: c.webhookPrivate, jobWorkers: c.jobWorkers, clock: c.clock,
		identity: identity.Options{IdleTimeout: c.idle, AbsoluteTimeout: c.absolute, Issuer: c.councilName}}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, m := range a.applied {
		log.Info("migration applied", "module", m.Module, "name", m.Name)
	}
	srv, err := buildServer(a, wc, log)
	if err != nil {
		return err
	}
	if err := module.Start(ctx, a.mods); err != nil {
		return err
	}
	log.Info("dbtp listening", "addr", c.addr, "url", wc.BaseURL, "metrics_addr", c.metricsAddr, "database", string(a.db.Dialect()), "version", versionString())
	if ready != nil {
		if err := ready(a, wc.BaseURL); err != nil {
			return err
		}
	}
	// A failing metrics listener stops the node rather than leave it
	// running unmonitored; both listeners stop with ctx.
	serveCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	if metricsLn != nil {
		metricsDone := make(chan struct{})
		defer func() { stop(nil); <-metricsDone }()
		go func() {
			defer close(metricsDone)
			if err := srv.ServeMetrics(serveCtx, metricsLn); err != nil {
				stop(fmt.Errorf("metrics listener: %w", err))
			}
		}()
	}
	// Background work runs until serving stops; jobs in hand are given
	// their context's end and left to their lease if they do not finish.
	jobsDone := make(chan struct{})
	jctx, stopJobs := context.WithCancel(ctx)
	go func() { a.jobs.Run(jctx); close(jobsDone) }()
	defer func() { stopJobs(); <-jobsDone }()
	err = srv.Serve(serveCtx, ln)
	if cause := context.Cause(serveCtx); ctx.Err() == nil && cause != nil {
		return cause
	}
	if errors.Is(err, http.ErrServerClosed) || ctx.Err() != nil {
		return nil
	}
	return err
}

// buildServer puts every module on one web server.
func buildServer(a *app, wc web.Config, log *slog.Logger) (*web.Server, error) {
	srv, err := web.NewServer(wc, log, web.WithAuthenticator(a.identity), web.WithScopeGate(a.access.CheckScope),
		web.WithReady(func(ctx context.Context) error {
			if err := a.db.Ping(ctx); err != nil {
				return err
			}
			return module.Ready(ctx, a.mods)
		}))
	if err != nil {
		return nil, err
	}
	if err := module.Web(a.mods, srv); err != nil {
		return nil, err
	}
	if err := srv.RegisterCollectors(newStoreCollector(a.db)); err != nil {
		return nil, err
	}
	return srv, nil
}
