// Package web is the HTTP shell every dbtp module builds on: the server and
// its middleware (security headers, CSRF, authentication, body limits,
// logging, metrics, panic recovery), GOV.UK-style page rendering, RFC 9457
// problem responses, strict JSON decoding, cursor pagination, operational
// endpoints and the OpenAPI registry. It knows nothing about identity, access
// or audit: it declares the small interfaces it needs and cmd/dbtp wires the
// providers in.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// Server is the one HTTP server of a dbtp node.
type Server struct {
	cfg      Config
	log      *slog.Logger
	auth     Authenticator
	ready    func(context.Context) error
	router   *Router
	renderer *Renderer
	api      *API
	gate     ScopeGate
	metrics  *metrics
	cop      *http.CrossOriginProtection
	handler  http.Handler
}

// ServerOption configures optional collaborators of a Server.
type ServerOption func(*Server)

// WithAuthenticator sets who turns cookies and bearer tokens into subjects.
// Without one every request is anonymous.
func WithAuthenticator(a Authenticator) ServerOption { return func(s *Server) { s.auth = a } }

// WithScopeGate enforces each API operation's documented token scopes
// through gate. Without one, handlers must check scopes themselves.
func WithScopeGate(gate ScopeGate) ServerOption { return func(s *Server) { s.gate = gate } }

// WithReady sets the readiness check behind GET /readyz, typically a
// database ping. Without one the node is ready as soon as it serves.
func WithReady(f func(context.Context) error) ServerOption { return func(s *Server) { s.ready = f } }

// NewServer validates cfg and builds a server with the operational
// endpoints, static files, error pages and OpenAPI document registered.
// Modules then add their routes through Router, API and Renderer.
func NewServer(cfg Config, logger *slog.Logger, opts ...ServerOption) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: logger, router: newRouter()}
	for _, o := range opts {
		o(s)
	}
	s.router.srv = s
	s.cop = http.NewCrossOriginProtection()
	if cfg.BaseURL != "" {
		// Behind a proxy the Host header may not be the public name, so
		// the public origin is trusted explicitly.
		if err := s.cop.AddTrustedOrigin(cfg.BaseURL); err != nil {
			return nil, fmt.Errorf("web: BaseURL as trusted origin: %w", err)
		}
	}
	if s.renderer, err = NewRenderer(Site{CouncilName: cfg.CouncilName, ServiceName: cfg.ServiceName, BrandColour: cfg.BrandColour}); err != nil {
		return nil, err
	}
	s.metrics = newMetrics()
	s.api = newAPI(s.router, cfg)
	s.api.gate = s.gate
	s.routeOperational()
	s.handler = s.middleware(s.router.mux)
	return s, nil
}

// Config returns the validated configuration with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Router is where modules register HTML pages and forms.
func (s *Server) Router() *Router { return s.router }

// API is where modules register documented JSON routes under /api/v1/.
func (s *Server) API() *API { return s.api }

// Renderer is where modules add their page templates and navigation.
func (s *Server) Renderer() *Renderer { return s.renderer }

// Handler returns the complete handler: middleware around the router.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish for up to
// ShutdownTimeout, and returns nil when that went cleanly.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serveOn(ctx, ln, s.handler, "web: serving")
}

func (s *Server) serveOn(ctx context.Context, ln net.Listener, h http.Handler, what string) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Request contexts are not derived from ctx: cancelling ctx starts
		// a graceful shutdown and must not abort requests in flight.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info(what, "addr", ln.Addr().String(), "base_url", s.cfg.BaseURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		hs.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	s.log.Info("web: stopped")
	return nil
}

// ListenAndServe listens on Config.Addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	addr := s.cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// cookieName adds the __Host- prefix over TLS: browsers then insist on
// Secure, Path=/ and no Domain, so a sibling subdomain cannot plant it.
func (s *Server) cookieName(base string) string {
	if s.cfg.TLS() {
		return "__Host-" + base
	}
	return base
}

func (s *Server) cookie(base, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     s.cookieName(base),
		Value:    value,
		Path:     "/",
		HttpOnly: true,
		Secure:   s.cfg.TLS(),
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	} else if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// SetCookie sets a cookie with the platform's attributes: HttpOnly,
// SameSite=Lax, Path=/, and Secure plus the __Host- prefix over TLS.
// maxAge 0 makes a browser-session cookie; negative deletes it.
func SetCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	if st := stateOf(r); st != nil && st.srv != nil {
		http.SetCookie(w, st.srv.cookie(name, value, maxAge))
	}
}

// Cookie reads a cookie set by SetCookie under its base name.
func Cookie(r *http.Request, name string) string {
	st := stateOf(r)
	if st == nil || st.srv == nil {
		return ""
	}
	c, err := r.Cookie(st.srv.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

// SetSessionCookie stores the session identifier after sign-in.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) {
	if st := stateOf(r); st != nil && st.srv != nil {
		SetCookie(w, r, st.srv.cfg.SessionCookie, value, maxAge)
	}
}

// ClearSessionCookie removes the session cookie at sign-out.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	if st := stateOf(r); st != nil && st.srv != nil {
		SetCookie(w, r, st.srv.cfg.SessionCookie, "", -1)
	}
}

// SafeReturn returns target when it is a local path (so a sign-in link cannot
// be used to bounce people to another site), otherwise "/".
func SafeReturn(target string) string {
	if target == "" || target[0] != '/' || len(target) > 1 && (target[1] == '/' || target[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(target); i++ {
		// Browsers drop tabs and newlines from URLs, so "/\t/evil.example"
		// would become "//evil.example": refuse every control byte.
		if target[i] < 0x20 || target[i] == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || !utf8.ValidString(target) {
		return "/"
	}
	return u.RequestURI()
}

// anonymous is the subject of a signed-out visitor.
func anonymous(addr string) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectAnonymous, Addr: addr}
}
