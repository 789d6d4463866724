package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"dbtp/internal/platform"
)

// ScopeMetrics is the API token scope GET /metrics needs on the main
// address. Metrics describe the whole platform (every organisation's
// traffic together), so identity grants the scope only to admins of the
// host organisation.
const ScopeMetrics = platform.ScopeMetrics

// metrics uses its own registry, not the global one, so two servers in one
// test binary do not collide and nothing registers behind our back.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		// Labelled by route pattern, never by raw path, so IDs in URLs
		// cannot explode the number of series.
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dbtp_http_requests_total",
			Help: "HTTP requests served, by route pattern and status class.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dbtp_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dbtp_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) record(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status/100)+"xx").Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// RegisterCollectors adds module or store metrics (job queue depth, database
// pool statistics) to what GET /metrics exposes.
func (s *Server) RegisterCollectors(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.metrics.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// routeOperational registers the endpoints every node serves.
func (s *Server) routeOperational() {
	rt := s.router
	rt.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	}))
	rt.Handle("GET /readyz", http.HandlerFunc(s.serveReady))
	if s.cfg.MetricsAddr == "" {
		rt.Handle("GET /metrics", http.HandlerFunc(s.serveMetricsWithToken))
	}
	rt.Handle("GET "+AdminGroupPath, RequireSignedInFunc(s.serveAdminGroup))
	rt.Handle("GET /static/", staticHandler())
	rt.Handle("GET /favicon.ico", http.RedirectHandler(AssetURL("images/favicon.svg"), http.StatusMovedPermanently))
	rt.Handle("/", http.HandlerFunc(NotFound))
	s.api.routeDocument()
}

// exposition is the Prometheus text handler for the server's registry.
func (s *Server) exposition() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: promLogger{s}, Registry: s.metrics.reg})
}

// serveMetricsWithToken answers a scrape on the main address, which may
// face the internet: only a bearer token with the metrics scope gets the
// metrics. The middleware has already resolved the token (and refused a bad
// one); session cookies are never read for /metrics, so a signed-in browser
// is anonymous here. A token without the scope is refused through the
// scope gate when there is one, which audits the refusal.
func (s *Server) serveMetricsWithToken(w http.ResponseWriter, r *http.Request) {
	subj := SubjectOf(r)
	if subj.Kind != platform.SubjectToken {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		http.Error(w, "GET /metrics needs an API token with the metrics scope (Authorization: Bearer ...)", http.StatusUnauthorized)
		return
	}
	if s.gate != nil {
		if err := s.gate(r.Context(), subj, ScopeMetrics, "GET /metrics"); err != nil {
			Error(w, r, err)
			return
		}
	}
	if !slices.Contains(subj.Scopes, ScopeMetrics) {
		http.Error(w, "this API token lacks the metrics scope", http.StatusForbidden)
		return
	}
	s.exposition().ServeHTTP(w, r)
}

// MetricsHandler serves GET /metrics without authentication and nothing
// else, for the separate listener Config.MetricsAddr names. That address
// must be reachable only by the monitoring network.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.exposition())
	return mux
}

// ServeMetrics serves MetricsHandler on ln until ctx is cancelled, like
// Serve does for the main handler.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	return s.serveOn(ctx, ln, s.MetricsHandler(), "web: serving metrics")
}

// serveReady runs the readiness check with a short deadline so a hung
// database makes the node unready rather than hanging the probe.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.log.Warn("web: not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("not ready\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}

type promLogger struct{ s *Server }

func (l promLogger) Println(v ...any) {
	l.s.log.Error("web: metrics exposition failed", "detail", fmt.Sprint(v...))
}
