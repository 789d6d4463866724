package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is the web shell's part of the platform configuration. cmd/dbtp
// builds it from flags; zero values get the defaults noted on each field.
type Config struct {
	Addr        string // listen address used by ListenAndServe, e.g. "127.0.0.1:8080"
	BaseURL     string // public URL, e.g. "https://services.example.gov.uk"; https enables HSTS, Secure and __Host- cookies
	CouncilName string // shown in the header and page titles (required)
	ServiceName string // optional product name shown after the council name
	BrandColour string // header colour as "#rrggbb"; must give 4.5:1 contrast with white text (default "#1d70b8")

	// MetricsAddr, when set, is where GET /metrics is served on a listener
	// of its own (see ServeMetrics), without authentication; the main
	// address then does not serve /metrics at all. When empty, /metrics is
	// on the main address and needs a bearer token with the metrics scope.
	MetricsAddr string

	MaxBodyBytes  int64  // default request body limit (default 1 MiB); routes may raise it with MaxBody
	SessionCookie string // session cookie base name (default "dbtp_session"); "__Host-" is prefixed over TLS
	CSRFCookie    string // CSRF cookie base name (default "dbtp_csrf")
	// SecretKey keys the CSRF token HMAC. Every node behind one load balancer
	// needs the same key; when empty a random key is made at start, which is
	// right for a single node (tokens then die with the process).
	SecretKey []byte

	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For header is believed when working out the client address.
	TrustedProxies []netip.Prefix

	ReadHeaderTimeout time.Duration // default 5s: bounds slow-loris style header trickling
	ReadTimeout       time.Duration // default 60s: the whole request including body (uploads)
	WriteTimeout      time.Duration // default 60s
	IdleTimeout       time.Duration // default 120s
	ShutdownTimeout   time.Duration // default 20s: how long in-flight requests get on shutdown
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// withDefaults validates c and fills in defaults. Validation happens once at
// start so a bad flag stops the binary with one clear line.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if strings.TrimSpace(c.CouncilName) == "" {
		errs = append(errs, errors.New("web: CouncilName is required"))
	}
	if c.BrandColour == "" {
		c.BrandColour = "#1d70b8"
	}
	if err := checkBrandColour(c.BrandColour); err != nil {
		errs = append(errs, err)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("web: BaseURL: %w", err))
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.RawQuery != "", u.Fragment != "":
			errs = append(errs, fmt.Errorf("web: BaseURL %q must be an absolute http(s) URL without query or fragment", c.BaseURL))
		case u.Path != "" && u.Path != "/":
			// Cookies use Path=/ and the __Host- prefix, and routes are
			// absolute, so serving under a sub-path is not supported.
			errs = append(errs, fmt.Errorf("web: BaseURL %q must not have a path", c.BaseURL))
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.SessionCookie == "" {
		c.SessionCookie = "dbtp_session"
	}
	if c.CSRFCookie == "" {
		c.CSRFCookie = "dbtp_csrf"
	}
	switch {
	case len(c.SecretKey) == 0:
		c.SecretKey = make([]byte, 32)
		rand.Read(c.SecretKey)
	case len(c.SecretKey) < 32:
		errs = append(errs, errors.New("web: SecretKey must be at least 32 bytes"))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.ReadTimeout, 60*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.IdleTimeout, 120*time.Second)
	def(&c.ShutdownTimeout, 20*time.Second)
	return c, errors.Join(errs...)
}

// Validate reports every problem with c (as NewServer would), so the
// command line can refuse bad flags before opening the database.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// TLS reports whether the public URL is https, which decides HSTS, the
// Secure cookie flag and the __Host- cookie prefix.
func (c Config) TLS() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// checkBrandColour accepts "#rrggbb" colours dark enough for white header
// text to meet WCAG 2.2 AA (4.5:1), so a council cannot brand itself into
// an inaccessible header.
func checkBrandColour(s string) error {
	if !hexColour.MatchString(s) {
		return fmt.Errorf("web: BrandColour %q must look like #1d70b8", s)
	}
	var lum float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += w * c
	}
	if ratio := 1.05 / (lum + 0.05); ratio < 4.5 {
		return fmt.Errorf("web: BrandColour %s gives %.1f:1 contrast with white text; it needs at least 4.5:1", s, ratio)
	}
	return nil
}
