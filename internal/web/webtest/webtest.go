// Package webtest runs a web.Server on 127.0.0.1:0 for module tests and
// drives it like a browser (cookies, CSRF tokens, no automatic redirects) or
// like an API client (bearer token), so handler tests exercise the real
// middleware rather than a recorder.
package webtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// Server is a running web.Server.
type Server struct {
	t   testing.TB
	URL string // e.g. "http://127.0.0.1:43210"
	Srv *web.Server
}

// Start serves srv until the test ends, then shuts it down gracefully.
func Start(t testing.TB, srv *web.Server) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("webtest: server shutdown: %v", err)
		}
	})
	return &Server{t: t, URL: "http://" + ln.Addr().String(), Srv: srv}
}

// Response is a fully read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Browser is a cookie-keeping client that posts forms with a valid CSRF
// token and a same-origin Sec-Fetch-Site header, as a real browser would.
type Browser struct {
	s      *Server
	Client *http.Client
	secret []byte
}

// Browser returns a new signed-out browser.
func (s *Server) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{s: s, secret: make([]byte, 32),
		Client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	rand.Read(b.secret)
	b.SetCookie(s.Srv.Config().CSRFCookie, base64.RawURLEncoding.EncodeToString(b.secret))
	return b
}

// SetCookie stores a cookie under its base name (dbtp cookies carry no
// prefix over plain http, which is what tests serve).
func (b *Browser) SetCookie(name, value string) {
	u, _ := url.Parse(b.s.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// SignIn makes the browser present sessionValue as its session cookie; the
// server's Authenticator decides whom it stands for.
func (b *Browser) SignIn(sessionValue string) {
	b.SetCookie(b.s.Srv.Config().SessionCookie, sessionValue)
}

// CSRFToken is a valid token for this browser.
func (b *Browser) CSRFToken() string { return web.NewCSRFToken(b.s.Srv.Config().SecretKey, b.secret) }

// Get fetches path.
func (b *Browser) Get(path string) *Response { return b.Do("GET", path, nil, nil) }

// PostForm posts values (plus the CSRF token) as a same-origin form.
func (b *Browser) PostForm(path string, values url.Values) *Response {
	v := url.Values{}
	for k, vs := range values {
		v[k] = vs
	}
	v.Set(web.CSRFField, b.CSRFToken())
	return b.Do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// Do sends any request as this browser.
func (b *Browser) Do(method, path string, body io.Reader, h http.Header) *Response {
	b.s.t.Helper()
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.s.t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.s.send(b.Client, req)
}

// API sends a request with a bearer token; body, when not nil, is JSON.
func (s *Server) API(token, method, path, body string) *Response {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.send(&http.Client{Timeout: 30 * time.Second}, req)
}

func (s *Server) send(c *http.Client, req *http.Request) *Response {
	s.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Subjects is an Authenticator for module tests: a browser signed in with
// SignIn(name) is the subject stored under name; there are no API tokens.
type Subjects map[string]*platform.Subject

func (s Subjects) SessionSubject(_ context.Context, v, _ string) (*platform.Subject, error) {
	if sub, ok := s[v]; ok {
		return sub, nil
	}
	return nil, platform.Errorf(platform.CodeUnauthorized, "no session")
}

func (Subjects) TokenSubject(context.Context, string, string) (*platform.Subject, error) {
	return nil, platform.Errorf(platform.CodeUnauthorized, "no tokens")
}
