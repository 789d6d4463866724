package web

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// middleware wraps the router in the layers that apply to every request,
// outermost first: request state, logging and metrics, panic recovery,
// security headers, authentication. Per-route layers (body limit, form
// validation, CSRF) live in Router.wrap because they depend on the route.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		st := &state{srv: s, w: sw, requestID: randomString(12), nonce: randomString(18)}
		r = withState(r, st)
		// One request is one look: sensitive reads are audited once in it.
		r = r.WithContext(platform.WithOnce(r.Context()))
		addr := s.clientAddr(r)
		st.subject = anonymous(addr)

		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			s.observe(r, st, sw, time.Since(start))
		}()
		defer s.recoverPanic(sw, r)

		s.securityHeaders(sw.Header(), st.nonce)
		sw.Header().Set("X-Request-Id", st.requestID)
		if !skipAuth(r.URL.Path) && !s.router.deviceRoute(r) {
			subj, err := s.authenticate(sw, r, addr)
			if err != nil {
				Error(sw, r, err)
				return
			}
			st.subject = subj
		}
		next.ServeHTTP(sw, r)
	})
}

// skipAuth lists paths that never need a subject, so fetching a stylesheet
// or polling health does not cost a session lookup.
func skipAuth(p string) bool {
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/favicon.ico"
}

// quietPath lists probes, scrapes and assets, logged at Debug only.
func quietPath(p string) bool { return skipAuth(p) || p == "/metrics" }

// recoverPanic turns a panic into a generic 500; the panic value and stack
// go to the log only, never to the client.
func (s *Server) recoverPanic(w *statusWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		// The documented way for a handler to abort the response; the
		// server suppresses its stack trace, so let it through.
		panic(v)
	}
	err := platform.Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
	if w.status != 0 {
		// Too late for an error page: log and let the connection end.
		logInternal(r, err)
		return
	}
	for _, h := range []string{"Content-Length", "Content-Disposition", "Content-Encoding", "ETag", "Last-Modified"} {
		w.Header().Del(h)
	}
	Error(w, r, err)
}

// securityHeaders sets the headers every response carries. The CSP allows
// scripts and styles only from this origin or carrying this response's
// nonce, so injected markup cannot run code or restyle the page.
func (s *Server) securityHeaders(h http.Header, nonce string) {
	h.Set("Content-Security-Policy", "default-src 'self'; "+
		"script-src 'self' 'nonce-"+nonce+"'; "+
		"style-src 'self' 'nonce-"+nonce+"'; "+
		"img-src 'self' data:; font-src 'self'; connect-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	// Not no-referrer: that makes browsers send "Origin: null" on form
	// posts, which older browsers' CSRF checks (no Sec-Fetch-Site) would
	// then refuse. Cross-origin requests still learn only our origin.
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if s.cfg.TLS() {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

// authenticate finds the subject of a request. A bearer token wins and
// cookies are then ignored; under /api/ and for /metrics the session cookie
// is never read, so a browser's ambient session cannot drive the API (and
// so the API needs no CSRF token) or scrape metrics. A stale session cookie
// is cleared and the visitor treated as signed out; only an internal
// failure stops the request.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, addr string) (*platform.Subject, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		tok = strings.TrimSpace(tok)
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return nil, platform.Errorf(platform.CodeUnauthorized, "The Authorization header must be \"Bearer\" followed by an API token.")
		}
		if s.auth == nil {
			return nil, platform.Errorf(platform.CodeUnauthorized, "API tokens are not accepted by this server.")
		}
		subj, err := s.auth.TokenSubject(r.Context(), tok, addr)
		if err != nil {
			if platform.CodeOf(err) == platform.CodeInternal {
				return nil, err
			}
			return nil, &platform.Error{Code: platform.CodeUnauthorized, Message: "The API token is not valid, has expired or has been revoked.", Err: err}
		}
		if subj == nil || subj.Kind != platform.SubjectToken {
			return nil, platform.Internal(fmt.Errorf("authenticator returned subject %+v for a token", subj))
		}
		if subj.Addr == "" {
			subj.Addr = addr
		}
		return subj, nil
	}
	if s.auth == nil || isAPIPath(r.URL.Path) || r.URL.Path == "/metrics" {
		return anonymous(addr), nil
	}
	c, err := r.Cookie(s.cookieName(s.cfg.SessionCookie))
	if err != nil || c.Value == "" {
		return anonymous(addr), nil
	}
	subj, err := s.auth.SessionSubject(r.Context(), c.Value, addr)
	if err != nil && platform.CodeOf(err) == platform.CodeInternal {
		return nil, err
	}
	if err != nil || subj == nil || !subj.Authenticated() {
		http.SetCookie(w, s.cookie(s.cfg.SessionCookie, "", -1))
		return anonymous(addr), nil
	}
	if subj.Addr == "" {
		subj.Addr = addr
	}
	return subj, nil
}

// clientAddr is the remote IP, or for a trusted reverse proxy the nearest
// untrusted address in X-Forwarded-For (rightmost first: entries further left
// were written by the client and can be forged).
func (s *Server) clientAddr(r *http.Request) string {
	host := clientHost(r.RemoteAddr)
	ip, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(ip) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return host
		}
		if !s.trusted(hip) {
			return hip.String()
		}
	}
	return host
}

func (s *Server) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func clientHost(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// observe logs the request and records its metrics. The log line carries the
// path without its query string (sign-in callbacks put codes and state
// there) and never any header, cookie or body.
func (s *Server) observe(r *http.Request, st *state, sw *statusWriter, d time.Duration) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	route := st.pattern
	if route == "" {
		route = "unmatched"
	}
	s.metrics.record(route, status, d)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelWarn
	case quietPath(r.URL.Path):
		// Probes, scrapes and assets would drown the log at Info.
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("request_id", st.requestID),
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("addr", st.subject.Addr),
	}
	if st.subject.Authenticated() {
		attrs = append(attrs, slog.String("subject", st.subject.UserID+st.subject.TokenID))
	}
	s.log.LogAttrs(r.Context(), level, "http request", attrs...)
}

// statusWriter remembers the status and size for logging and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush, deadlines and so on.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps streaming responses working through the wrapper.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}
