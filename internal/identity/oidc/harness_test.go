package oidc

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
)

// fakeClock is shared by the app and the provider so expiry can be tested
// by moving time rather than waiting for it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	testClientID     = "dbtp-test-client"
	testClientSecret = "s3cret-never-in-errors"
)

var staffUser = oidctest.User{
	Subject: "entra-oid-123", Email: "sam.caseworker@council.example", EmailVerified: true,
	Name: "Sam Caseworker", Groups: []string{"grp-caseworkers", "grp-managers", "grp-canteen"},
}

// harness is a real app server with the sign-in routes, a real provider and
// a browser-like client with a cookie jar that follows redirects.
type harness struct {
	t      *testing.T
	clock  *fakeClock
	idp    *oidctest.Server
	app    *httptest.Server
	prov   *Provider
	client *http.Client

	mu       sync.Mutex
	id       *Identity
	returnTo string
	err      error
	calls    int
}

func newHarness(t *testing.T, tune func(*Config, *oidctest.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: &fakeClock{t: time.Now()}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sign-in/oidc/{provider}", func(w http.ResponseWriter, r *http.Request) {
		h.prov.Begin(w, r, r.URL.Query().Get("return_to"))
	})
	mux.HandleFunc("GET /sign-in/oidc/{provider}/callback", func(w http.ResponseWriter, r *http.Request) {
		id, ret, err := h.prov.Complete(w, r)
		h.mu.Lock()
		h.id, h.returnTo, h.err = id, ret, err
		h.calls++
		h.mu.Unlock()
		if err != nil {
			http.Error(w, platform.AsError(err).Message, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("signed in"))
	})
	h.app = httptest.NewServer(mux)
	t.Cleanup(h.app.Close)

	redirect := h.app.URL + "/sign-in/oidc/entra/callback"
	idpCfg := oidctest.Config{ClientID: testClientID, ClientSecret: testClientSecret,
		RedirectURL: redirect, User: staffUser, Clock: h.clock.Now}
	cfg := Config{
		Name: "entra", DisplayName: "Council staff sign-in", ClientID: testClientID,
		ClientSecret: testClientSecret, RedirectURL: redirect, Scopes: []string{"email", "profile"},
		RoleClaim: "groups", OrgID: "org_council",
		RoleMap: map[string]platform.Role{
			"grp-caseworkers": platform.RoleCaseworker,
			"grp-managers":    platform.RoleManager,
			"grp-it":          platform.RoleAdmin,
		},
		CookieKey: testKey(t), Clock: h.clock,
	}
	if tune != nil {
		tune(&cfg, &idpCfg)
	}
	h.idp = oidctest.Start(t, idpCfg)
	cfg.Issuer = h.idp.URL
	prov, err := New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.prov = prov
	h.client = newBrowser(t)
	return h
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func testKey(t *testing.T) []byte {
	k := make([]byte, CookieKeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func (h *harness) beginURL(returnTo string) string {
	return h.app.URL + "/sign-in/oidc/entra?return_to=" + url.QueryEscape(returnTo)
}

// signIn runs the whole flow as a browser would and returns the outcome
// of Complete.
func (h *harness) signIn(returnTo string) (*Identity, string, error) {
	h.t.Helper()
	resp, err := h.client.Get(h.beginURL(returnTo))
	if err != nil {
		h.t.Fatalf("sign-in request: %v", err)
	}
	resp.Body.Close()
	return h.outcome()
}

func (h *harness) outcome() (*Identity, string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.calls == 0 {
		h.t.Fatal("callback was never reached")
	}
	return h.id, h.returnTo, h.err
}

// callbackURL begins a sign-in and approves it at the provider, but stops
// before the browser follows the redirect back, so tests can tamper with
// or replay the callback.
func (h *harness) callbackURL(returnTo string) *url.URL {
	h.t.Helper()
	stop := *h.client
	stop.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := stop.Get(h.beginURL(returnTo))
	if err != nil {
		h.t.Fatalf("begin: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		h.t.Fatalf("provider did not redirect back (status %d): %v", resp.StatusCode, err)
	}
	return loc
}

// complete visits a callback URL with whatever cookies the jar holds, or
// with exactly the given cookie when one is passed (a replay from a copy).
func (h *harness) complete(u *url.URL, cookie *http.Cookie) (*Identity, string, error) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	client := h.client
	if cookie != nil {
		client = &http.Client{Timeout: 10 * time.Second}
		req.AddCookie(cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatalf("callback: %v", err)
	}
	resp.Body.Close()
	return h.outcome()
}

// stateCookie returns the state cookie the jar holds for the app, or nil.
func (h *harness) stateCookie() *http.Cookie {
	u, _ := url.Parse(h.app.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == "dbtp-oidc-entra" {
			return c
		}
	}
	return nil
}

func (h *harness) setStateCookie(value string) {
	u, _ := url.Parse(h.app.URL)
	h.client.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp-oidc-entra", Value: value, Path: "/"}})
}

// wantCode checks err is a *platform.Error with code, and that nothing
// secret leaked into its text (message or wrapped cause).
func wantCode(t *testing.T, err error, code platform.Code) *platform.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got success", code)
	}
	pe, ok := err.(*platform.Error)
	if !ok {
		t.Fatalf("want *platform.Error, got %T: %v", err, err)
	}
	if pe.Code != code {
		t.Fatalf("want code %s, got %s: %v", code, pe.Code, err)
	}
	for _, secret := range []string{testClientSecret, "eyJ"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error text leaks a secret or token: %v", err)
		}
	}
	return pe
}
