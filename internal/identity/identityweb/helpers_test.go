package identityweb

import (
	"context"
	"dbtp/internal/access"
	"dbtp/internal/identity"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity/oidc"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

// webEnv is the identity service of env behind a real web server on
// 127.0.0.1:0, with the real audit log and access point on a real database.
type webEnv struct {
	*env
	srv  *web.Server
	base string
}

// newWebEnv starts the server. providers, when given, is called with the
// server's base URL (callback URLs need it) before routes are registered.
func newWebEnv(t *testing.T, db *store.DB, providers func(e *env, base string) []*oidc.Provider) *webEnv {
	t.Helper()
	return newWebEnvOrgs(t, db, providers, nil)
}

// newWebEnvOrgs is newWebEnv with providers' organisations by short name,
// as the module registers providers read from DBTP_OIDC_*.
func newWebEnvOrgs(t *testing.T, db *store.DB, providers func(e *env, base string) []*oidc.Provider, orgs map[string]string) *webEnv {
	t.Helper()
	e := newEnv(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, nil)), web.WithAuthenticator(e.svc))
	if err != nil {
		t.Fatal(err)
	}
	var ps []*oidc.Provider
	if providers != nil {
		ps = providers(e, base)
	}
	if err := register(srv, e.svc, access.New(e.log), ps, orgs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	})
	return &webEnv{env: e, srv: srv, base: base}
}

// testLog sends the server's log to the test's, shown when a test fails.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func sqliteWeb(t *testing.T) *webEnv {
	return newWebEnv(t, storetest.Open(t, store.SQLite, testMods), nil)
}

// browser is a cookie-jar client that does not follow redirects (so tests
// see each 303) and remembers the last CSRF token it was given.
type browser struct {
	t    *testing.T
	w    *webEnv
	c    *http.Client
	csrf string
}

// loadToolCSRF is the expression the load tool scrapes the sign-in form with.
var loadToolCSRF = regexp.MustCompile(`name="csrf_token"\s+value="([^"]+)"`)

func (w *webEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, w: w, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) location() string { return r.header.Get("Location") }

func (b *browser) do(req *http.Request) reply {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := loadToolCSRF.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) reply {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.w.base+path, nil)
	return b.do(req)
}

// post sends a form as a same-origin browser would, adding the last CSRF
// token seen unless the form carries its own (or noCSRF is set).
func (b *browser) post(path string, form url.Values) reply {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[web.CSRFField]; !ok && b.csrf != "" {
		form.Set(web.CSRFField, b.csrf)
	}
	req, _ := http.NewRequest("POST", b.w.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.w.base)
	return b.do(req)
}

func (b *browser) session() string {
	u, _ := url.Parse(b.w.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "dbtp_session" {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setSession(v string) {
	u, _ := url.Parse(b.w.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: v, Path: "/"}})
}

func want(t *testing.T, r reply, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, snippet(r.body))
	}
}

func wantRedirect(t *testing.T, r reply, prefix, what string) {
	t.Helper()
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), prefix) {
		t.Fatalf("%s: %d to %q, want 303 to %s...\n%s", what, r.status, r.location(), prefix, snippet(r.body))
	}
}

func wantBody(t *testing.T, r reply, parts ...string) {
	t.Helper()
	text := html.UnescapeString(r.body)
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Fatalf("page lacks %q:\n%s", p, snippet(r.body))
		}
	}
}

// snippet is the main element of a page, to keep failure output readable.
func snippet(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</main>"); j >= 0 {
			body = body[:j]
		}
	}
	if len(body) > 4000 {
		body = body[:4000]
	}
	return body
}

var secretRE = regexp.MustCompile(`<code class="dbtp-secret"[^>]*>([^<]+)</code>`)

func secretIn(t *testing.T, r reply) string {
	t.Helper()
	m := secretRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no secret on page:\n%s", snippet(r.body))
	}
	return html.UnescapeString(m[1])
}

// signIn posts the sign-in form and returns the reply.
func (b *browser) signIn(email, password, ret string) reply {
	b.t.Helper()
	path := "/sign-in"
	if ret != "" {
		path += "?return=" + url.QueryEscape(ret)
	}
	page := b.get(path)
	want(b.t, page, http.StatusOK, "sign-in page")
	if !loadToolCSRF.MatchString(page.body) {
		b.t.Fatal("sign-in form has no csrf_token the load tool can scrape")
	}
	f := url.Values{"org": {"northshire"}, "email": {email}, "password": {password}}
	if ret != "" {
		f.Set("return", ret)
	}
	return b.post("/sign-in", f)
}

// signInAdmin signs the env's admin in through the real pages, enrolling
// TOTP on first use, and returns the TOTP secret for later sign-ins.
func (b *browser) signInAdmin(secret string) string {
	b.t.Helper()
	r := b.signIn("admin@northshire.gov.uk", testPassword, "")
	if secret == "" {
		wantRedirect(b.t, r, "/sign-in/totp/setup", "admin sign-in")
		setup := b.get("/sign-in/totp/setup")
		want(b.t, setup, http.StatusOK, "TOTP setup page")
		secret = strings.ReplaceAll(secretIn(b.t, setup), " ", "")
		wantRedirect(b.t, b.post("/sign-in/totp/setup", url.Values{"code": {b.w.code(secret)}}), "/", "TOTP setup")
		return secret
	}
	wantRedirect(b.t, r, "/sign-in/totp", "admin sign-in")
	b.w.clock.Add(31 * time.Second) // each code is single-use
	want(b.t, b.get("/sign-in/totp"), http.StatusOK, "TOTP page")
	wantRedirect(b.t, b.post("/sign-in/totp", url.Values{"code": {b.w.code(secret)}}), "/", "TOTP entry")
	return secret
}

// sessionFor signs a user in through the service (skipping the pages) and
// returns a browser holding the session, enrolling TOTP if required.
func (w *webEnv) sessionFor(t *testing.T, org, email, password string) *browser {
	t.Helper()
	res, err := w.svc.SignIn(w.ctx, org, email, password, "127.0.0.1")
	noErr(t, err)
	if res.State == identity.StateNeedsTOTPSetup {
		enr, err := w.svc.BeginTOTPSetup(w.ctx, res.Token)
		noErr(t, err)
		res, err = w.svc.ConfirmTOTPSetup(w.ctx, res.Token, w.code(enr.Secret), "127.0.0.1")
		noErr(t, err)
	}
	if res.State != identity.StateSignedIn {
		t.Fatalf("session for %s is %s", email, res.State)
	}
	b := w.browser(t)
	b.setSession(res.Token)
	return b
}

// api calls the JSON API with a bearer token.
func (w *webEnv) api(t *testing.T, token, method, path string, body string) (reply, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return reply{status: res.StatusCode, header: res.Header, body: string(raw)}, m
}

// tokenFor mints a token for sub's user as the operator does with dbtp
// token create (admin-scope tokens need the platform or a fresh second factor).
func (w *webEnv) tokenFor(t *testing.T, sub *platform.Subject, scopes ...string) string {
	t.Helper()
	ct, err := w.svc.CreateTokenFor(w.ctx, platform.System(sub.OrgID), sub.UserID, identity.NewToken{Name: "test " + strings.Join(scopes, "+"), Scopes: scopes})
	noErr(t, err)
	return ct.Secret
}

func wantProblem(t *testing.T, r reply, status int, what string) {
	t.Helper()
	if r.status != status || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: %d %s, want %d problem+json\n%s", what, r.status, r.header.Get("Content-Type"), status, r.body)
	}
}
