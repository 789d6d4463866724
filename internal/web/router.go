package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Router wraps http.ServeMux. It records every registered pattern (so tests
// can prove each JSON route is documented) and wraps each handler with the
// per-route layers that must know the route: the body limit, form parsing,
// text validation and CSRF.
type Router struct {
	srv      *Server
	mux      *http.ServeMux
	mu       sync.Mutex
	patterns []string
	// devices holds the routes whose bearer credential is a device's,
	// which the route checks itself (see DeviceCredential).
	devices *http.ServeMux
	hasDev  bool
}

func newRouter() *Router { return &Router{mux: http.NewServeMux(), devices: http.NewServeMux()} }

// RouteOption adjusts one route.
type RouteOption func(*route)

type route struct {
	maxBody int64
	stream  bool
	device  bool
}

// MaxBody raises (or lowers) the request body limit for one route, for
// example a document upload. The default is Config.MaxBodyBytes.
func MaxBody(n int64) RouteOption { return func(rt *route) { rt.maxBody = n } }

// StreamBody leaves a multipart body unread for the handler to stream
// with r.MultipartReader, so a large upload goes from the socket to its
// destination without being spooled to a temporary file. For API routes
// only: a page form needs its CSRF field read before the handler runs.
func StreamBody() RouteOption { return func(rt *route) { rt.stream = true } }

// DeviceCredential marks an API route whose Authorization: Bearer value
// is not an API token but a device's own credential (a sensor's secret),
// which the handler checks itself: the middleware leaves the header
// alone and the request reaches the handler anonymous. Outside /api/ it
// serves another protocol's paths (GOV.UK Notify's /v2/): the session
// cookie is not read there either, so no CSRF token is asked for.
func DeviceCredential() RouteOption { return func(rt *route) { rt.device = true } }

// deviceRoute reports whether r is for a DeviceCredential route.
func (rt *Router) deviceRoute(r *http.Request) bool {
	rt.mu.Lock()
	has := rt.hasDev
	rt.mu.Unlock()
	if !has {
		return false
	}
	_, pattern := rt.devices.Handler(r)
	return pattern != ""
}

// Handle registers h for a ServeMux pattern such as "GET /users/{id}".
// Like ServeMux it panics on a malformed or conflicting pattern, which is a
// programming error found at start-up.
func (rt *Router) Handle(pattern string, h http.Handler, opts ...RouteOption) {
	var o route
	for _, f := range opts {
		f(&o)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.mux.Handle(pattern, rt.wrap(pattern, o, h))
	rt.patterns = append(rt.patterns, pattern)
	if o.device {
		rt.devices.Handle(pattern, http.NotFoundHandler())
		rt.hasDev = true
	}
}

// HandleFunc registers an error-returning handler; a returned error is
// written with Error (HTML page or problem+json).
func (rt *Router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request) error, opts ...RouteOption) {
	rt.Handle(pattern, HandlerFunc(h), opts...)
}

// Patterns returns every registered pattern in registration order.
func (rt *Router) Patterns() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.patterns)
}

// HandlerFunc is a handler that reports failure by returning an error,
// which is then written with Error. Handlers must not have written anything
// before returning an error.
type HandlerFunc func(http.ResponseWriter, *http.Request) error

func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		Error(w, r, err)
	}
}

func (rt *Router) wrap(pattern string, o route, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		if st != nil {
			st.pattern = pattern
		}
		limit := o.maxBody
		if limit <= 0 && rt.srv != nil {
			limit = rt.srv.cfg.MaxBodyBytes
		}
		if st != nil {
			st.bodyLimit = limit
		}
		if r.Body != nil && r.Body != http.NoBody && limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if err := checkQuery(r); err != nil {
			Error(w, r, err)
			return
		}
		if !o.stream || !isAPIPath(r.URL.Path) {
			if err := parseForm(r); err != nil {
				Error(w, r, err)
				return
			}
		}
		if rt.srv != nil {
			if err := rt.srv.checkCSRF(r); err != nil {
				Error(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether p is part of the JSON API, which answers in
// problem+json and never reads the session cookie.
func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// splitPattern splits "GET example.org/a/{b}" into method and path; the host
// part, if any, is dropped because dbtp serves one host.
func splitPattern(pattern string) (method, path string, err error) {
	method, path, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	if !ok {
		return "", "", fmt.Errorf("pattern %q has no method", pattern)
	}
	path = strings.TrimSpace(path)
	if i := strings.IndexByte(path, '/'); i > 0 {
		path = path[i:]
	}
	return method, path, nil
}
