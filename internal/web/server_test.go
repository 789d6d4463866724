package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSecurityHeaders(t *testing.T) {
	ts := startServer(t, Config{})
	res, _ := ts.do(ts.client(), "GET", "/demo", nil, nil)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'self'", "img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %q", csp)
	}
	if res.Header.Get("Permissions-Policy") == "" {
		t.Error("no Permissions-Policy")
	}
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent for an http BaseURL")
	}

	tls := startServer(t, Config{BaseURL: "https://services.example.gov.uk"})
	res, _ = tls.do(tls.client(), "GET", "/healthz", nil, nil)
	if !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS for an https BaseURL")
	}
}

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9_-]+)'`)

func TestCSPNonceFreshAndInPage(t *testing.T) {
	ts := startServer(t, Config{BrandColour: "#005a30"})
	seen := map[string]bool{}
	for range 3 {
		res, body := ts.do(ts.client(), "GET", "/demo", nil, nil)
		m := nonceRE.FindStringSubmatch(res.Header.Get("Content-Security-Policy"))
		if m == nil {
			t.Fatal("no nonce in CSP")
		}
		nonce := m[1]
		if seen[nonce] {
			t.Fatalf("nonce %s reused", nonce)
		}
		seen[nonce] = true
		if !strings.Contains(body, `<style nonce="`+nonce+`">:root{--dbtp-brand:#005a30}</style>`) {
			t.Errorf("brand style without this response's nonce")
		}
		if !strings.Contains(body, `nonce="`+nonce+`"></script>`) {
			t.Errorf("script without this response's nonce")
		}
		if strings.Contains(body, " style=\"") {
			t.Error("inline style attribute would be blocked by CSP")
		}
		if n := strings.Count(body, "<script"); n != 1 {
			t.Errorf("%d script elements, want only the external init script", n)
		}
	}
}

func TestCSRF(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	token := ts.csrfToken(c)
	form := url.Values{"name": {"Ada"}}

	if res, _ := ts.postForm(c, "/demo", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without token: %d, want 403", res.StatusCode)
	}
	form.Set(CSRFField, "garbage")
	if res, _ := ts.postForm(c, "/demo", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with bad token: %d, want 403", res.StatusCode)
	}
	form.Set(CSRFField, token)
	if res, _ := ts.postForm(ts.client(), "/demo", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST with another browser's token: %d, want 403", res.StatusCode)
	}
	res, _ := ts.do(c, "POST", "/demo", strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example",
	})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST with valid token: %d, want 403", res.StatusCode)
	}
	res, _ = ts.do(c, "POST", "/demo", strings.NewReader(form.Encode()), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example",
	})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST from foreign Origin (no Sec-Fetch-Site): %d, want 403", res.StatusCode)
	}
	res, _ = ts.postForm(c, "/demo", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with token: %d, want 303", res.StatusCode)
	}
	// The flash set by the successful post shows once.
	_, body := ts.do(c, "GET", "/demo", nil, nil)
	if !strings.Contains(body, "Saved Ada") || !strings.Contains(body, "govuk-notification-banner--success") {
		t.Error("flash message not shown after redirect")
	}
	if _, body = ts.do(c, "GET", "/demo", nil, nil); strings.Contains(body, "Saved Ada") {
		t.Error("flash message shown twice")
	}
	// A notice is something to know: an "Important" banner, not a success.
	if res, _ := ts.postForm(c, "/note", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /note: %d", res.StatusCode)
	}
	if _, body = ts.do(c, "GET", "/demo", nil, nil); !strings.Contains(body, "Enter your reference number") ||
		!strings.Contains(body, "Important") || strings.Contains(body, "govuk-notification-banner--success") {
		t.Errorf("notice not shown as Important: %s", body)
	}
	// Each page masks the token afresh, and every mask verifies.
	again := ts.csrfToken(c)
	if again == token {
		t.Error("token repeated across responses")
	}
	form.Set(CSRFField, again)
	if res, _ := ts.postForm(c, "/demo", form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST with second token: %d, want 303", res.StatusCode)
	}
}

func TestCSRFHeaderAndBearer(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	token := ts.csrfToken(c)
	res, _ := ts.do(c, "POST", "/demo", strings.NewReader("name=Ada"), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", CSRFHeader: token,
	})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST with token header: %d, want 303", res.StatusCode)
	}
	// A bearer request needs no form token: it carries no ambient credentials.
	body := `{"title":"hello"}`
	res, got := ts.do(ts.client(), "POST", "/api/v1/echo", strings.NewReader(body), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer good-token",
	})
	if res.StatusCode != http.StatusOK || !strings.Contains(got, `"title":"hello"`) {
		t.Errorf("bearer POST: %d %s", res.StatusCode, got)
	}
	// The session cookie is ignored under /api/, so a browser's session
	// cannot be ridden into the API.
	u, _ := url.Parse(ts.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: "good-session"}})
	res, got = ts.do(c, "POST", "/api/v1/echo", strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("cookie-authenticated API POST: %d %s, want 401", res.StatusCode, got)
	}
	res, _ = ts.do(ts.client(), "POST", "/api/v1/echo", strings.NewReader(body), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer wrong",
	})
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("bad token: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

func TestSessionSubject(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	u, _ := url.Parse(ts.base)
	var who map[string]string
	_, body := ts.do(c, "GET", "/whoami", nil, nil)
	json.Unmarshal([]byte(body), &who)
	if who["kind"] != "anonymous" || who["addr"] != "127.0.0.1" {
		t.Errorf("signed out: %v", who)
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: "good-session"}})
	_, body = ts.do(c, "GET", "/whoami", nil, nil)
	json.Unmarshal([]byte(body), &who)
	if who["kind"] != "user" || who["name"] != "Ada Lovelace" || who["addr"] != "127.0.0.1" {
		t.Errorf("signed in: %v", who)
	}
	_, page := ts.do(c, "GET", "/demo", nil, nil)
	if !strings.Contains(page, `action="/sign-out"`) || !strings.Contains(page, "Ada Lovelace") {
		t.Error("signed-in header lacks the sign-out form")
	}
	if strings.Contains(page, `href="/admin"`) {
		t.Error("admin nav shown to a caseworker")
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: "expired"}})
	res, _ := ts.do(c, "GET", "/whoami", nil, nil)
	if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "dbtp_session=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("stale session cookie not cleared: %q", sc)
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: "db-down"}})
	if res, _ := ts.do(c, "GET", "/whoami", nil, nil); res.StatusCode != http.StatusInternalServerError {
		t.Errorf("authenticator failure: %d, want 500", res.StatusCode)
	}
}

func TestRequireSignedIn(t *testing.T) {
	ts := startServer(t, Config{})
	res, _ := ts.do(ts.client(), "GET", "/private?tab=notes", nil, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in?return=%2Fprivate%3Ftab%3Dnotes" {
		t.Errorf("page: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = ts.do(ts.client(), "GET", "/private", nil, map[string]string{"Authorization": "Bearer good-token"})
	if res.StatusCode != http.StatusOK {
		t.Errorf("with token: %d", res.StatusCode)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	ts := startServer(t, Config{BaseURL: "https://services.example.gov.uk"})
	res, _ := ts.do(ts.client(), "GET", "/demo", nil, nil)
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-dbtp_csrf=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("CSRF cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(sc, "Domain=") {
		t.Errorf("cookie has a Domain: %q", sc)
	}
	// Pages without forms and static files set no cookie.
	res, _ = ts.do(ts.client(), "GET", "/healthz", nil, nil)
	if res.Header.Get("Set-Cookie") != "" {
		t.Error("cookie set on /healthz")
	}
}

func TestBodyLimit(t *testing.T) {
	ts := startServer(t, Config{MaxBodyBytes: 4096})
	c := ts.client()
	token := ts.csrfToken(c)
	form := url.Values{CSRFField: {token}, "name": {strings.Repeat("a", 8192)}}
	res, body := ts.postForm(c, "/demo", form)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("oversize form: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, `lang="en-GB"`) {
		t.Error("oversize form error page is not in the layout")
	}
	big := `{"title":"` + strings.Repeat("a", 8192) + `"}`
	res, body = ts.do(c, "POST", "/api/v1/echo", strings.NewReader(big), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer good-token"})
	if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("oversize JSON: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

func TestMultipartForm(t *testing.T) {
	ts := startServer(t, Config{MaxBodyBytes: 64 << 10})
	c := ts.client()
	token := ts.csrfToken(c)
	post := func(size int) int {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField(CSRFField, token)
		mw.WriteField("name", "Ada")
		fw, _ := mw.CreateFormFile("upload", "a.txt")
		fw.Write(bytes.Repeat([]byte("x"), size))
		mw.Close()
		res, _ := ts.do(c, "POST", "/demo", &buf, map[string]string{"Content-Type": mw.FormDataContentType(), "Sec-Fetch-Site": "same-origin"})
		return res.StatusCode
	}
	if got := post(1024); got != http.StatusSeeOther {
		t.Errorf("multipart with token: %d, want 303", got)
	}
	if got := post(128 << 10); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize multipart: %d, want 413", got)
	}
}

func TestInvalidText(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	token := ts.csrfToken(c)
	for name, raw := range map[string]string{
		"invalid UTF-8 value": "name=%FF%FE&csrf_token=" + url.QueryEscape(token),
		"NUL in value":        "name=a%00b&csrf_token=" + url.QueryEscape(token),
		"invalid UTF-8 key":   "%C3%28=x&csrf_token=" + url.QueryEscape(token),
		"malformed escape":    "name=%zz&csrf_token=" + url.QueryEscape(token),
	} {
		res, _ := ts.do(c, "POST", "/demo", strings.NewReader(raw), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"})
		if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 400/422", name, res.StatusCode)
		}
	}
	if res, _ := ts.do(c, "GET", "/demo?q=%FF", nil, nil); res.StatusCode/100 != 4 {
		t.Errorf("invalid UTF-8 query: %d", res.StatusCode)
	}
	res, body := ts.do(c, "POST", "/api/v1/echo", strings.NewReader("{\"title\":\"\xff\"}"), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer good-token"})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("invalid UTF-8 JSON: %d %s", res.StatusCode, body)
	}
}

func TestFormErrorsPage(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	token := ts.csrfToken(c)
	res, body := ts.postForm(c, "/demo", url.Values{CSRFField: {token}, "name": {" "}, "password": {"hunter2"}, "unit": {"children"}, "roles": {"adults", "children"}, "notes": {"<b>bold</b>"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		"<title>Error: Demo form",
		`<a href="#name">Enter your full name</a>`,
		`class="govuk-form-group govuk-form-group--error"`,
		`aria-describedby="name-hint name-error"`,
		`<option value="children" selected>`,
		`id="roles" name="roles" type="checkbox" value="adults" checked`,
		`&lt;b&gt;bold&lt;/b&gt;</textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "hunter2") {
		t.Error("password echoed back")
	}
	if strings.Contains(body, "no value") {
		t.Error("a missing component argument printed as <no value>")
	}
}

func TestPanicRecovery(t *testing.T) {
	ts := startServer(t, Config{})
	res, body := ts.do(ts.client(), "GET", "/panic", nil, nil)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "secret panic") {
		t.Errorf("page panic: %d, leaked=%v", res.StatusCode, strings.Contains(body, "secret panic"))
	}
	if !strings.Contains(body, res.Header.Get("X-Request-Id")) {
		t.Error("error page does not show the request reference")
	}
	res, body = ts.do(ts.client(), "GET", "/api/v1/panic", nil, nil)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(body, "secret panic") || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("API panic: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(ts.logs.String(), "secret panic detail 42") {
		t.Error("panic not logged")
	}
	// The server is still serving.
	if res, _ := ts.do(ts.client(), "GET", "/healthz", nil, nil); res.StatusCode != http.StatusOK {
		t.Error("server down after panic")
	}
}

func TestProblemShape(t *testing.T) {
	ts := startServer(t, Config{})
	cases := map[string]int{"invalid": 400, "unauthorized": 401, "forbidden": 403, "not_found": 404, "conflict": 409, "too_large": 413, "rate_limited": 429, "internal": 500, "mystery": 500}
	for code, status := range cases {
		res, body := ts.do(ts.client(), "GET", "/fail/"+code, nil, map[string]string{"Accept": "application/json"})
		var p ProblemDetails
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("%s: %v in %s", code, err, body)
		}
		if res.StatusCode != status || p.Status != status || p.Type != "about:blank" || p.Title != http.StatusText(status) || p.Instance != "/fail/"+code {
			t.Errorf("%s: %d %+v", code, res.StatusCode, p)
		}
		if res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: content type %q", code, res.Header.Get("Content-Type"))
		}
		if strings.Contains(body, "hidden cause") {
			t.Errorf("%s: internal cause leaked", code)
		}
		switch status {
		case 500:
			if strings.Contains(body, "failure") || p.Code != "internal" {
				t.Errorf("%s: 500 detail not generic: %s", code, body)
			}
		case 400:
			if len(p.Errors) != 1 || p.Errors[0].Field != "title" {
				t.Errorf("invalid: errors %+v", p.Errors)
			}
		case 429:
			if res.Header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After = %q, want 2", res.Header.Get("Retry-After"))
			}
		}
	}
	// Field errors in a submitted body are 422.
	res, body := ts.do(ts.client(), "POST", "/api/v1/echo", strings.NewReader(`{"title":"a","count":"three"}`), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer good-token"})
	var p ProblemDetails
	json.Unmarshal([]byte(body), &p)
	if res.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "count" {
		t.Errorf("body field error: %d %s", res.StatusCode, body)
	}
	// Without Accept: JSON the same errors are HTML pages.
	res, body = ts.do(ts.client(), "GET", "/fail/forbidden", nil, nil)
	if res.StatusCode != 403 || !strings.Contains(body, "You cannot do this") {
		t.Errorf("HTML 403: %d", res.StatusCode)
	}
	// Someone who is not staff is not sent to an IT service desk they do not have.
	if strings.Contains(body, "IT service desk") || !strings.Contains(body, "contact the council") {
		t.Errorf("HTML 403 for someone not on the staff:\n%s", body)
	}
	res, body = ts.do(ts.client(), "GET", "/no/such/page", nil, nil)
	if res.StatusCode != 404 || !strings.Contains(body, "Page not found") {
		t.Errorf("HTML 404: %d", res.StatusCode)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	if res, body := ts.do(c, "GET", "/healthz", nil, nil); res.StatusCode != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", res.StatusCode, body)
	}
	if res, _ := ts.do(c, "GET", "/readyz", nil, nil); res.StatusCode != 200 {
		t.Errorf("readyz ready: %d", res.StatusCode)
	}
	ts.ready.Store(false)
	if res, _ := ts.do(c, "GET", "/readyz", nil, nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz not ready: %d", res.StatusCode)
	}
	ts.do(c, "GET", "/no/such/page", nil, nil)
	res, body := ts.do(c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer metrics-token"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics with a metrics-scope token: %d %s", res.StatusCode, body)
	}
	for _, want := range []string{
		`dbtp_http_requests_total{code="2xx",route="GET /healthz"} 1`,
		`dbtp_http_requests_total{code="5xx",route="GET /readyz"} 1`,
		`dbtp_http_request_duration_seconds_bucket{route="GET /healthz"`,
		`dbtp_http_requests_in_flight 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "/no/such/page") {
		t.Error("raw path used as a metric label")
	}
}

// On the main address /metrics answers only a bearer token with the
// metrics scope: anonymous scrapes (and signed-in browsers, whose cookie
// is not read there) get 401, other tokens 403.
func TestMetricsNeedMetricsScope(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	for name, hdr := range map[string]map[string]string{
		"anonymous":      nil,
		"session cookie": {"Cookie": "dbtp_session=good-session"},
	} {
		res, body := ts.do(c, "GET", "/metrics", nil, hdr)
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") || strings.Contains(body, "go_goroutines") {
			t.Errorf("%s: %d %q %.100s", name, res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
		}
	}
	if res, body := ts.do(c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer good-token"}); res.StatusCode != http.StatusForbidden || strings.Contains(body, "go_goroutines") {
		t.Errorf("token without the metrics scope: %d %.100s", res.StatusCode, body)
	}
	if res, _ := ts.do(c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer forged"}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", res.StatusCode)
	}
	if res, body := ts.do(c, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer metrics-token"}); res.StatusCode != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics token: %d %.100s", res.StatusCode, body)
	}
}

// With MetricsAddr the metrics move to a listener of their own, open to
// whoever can reach it, and the main address no longer serves them.
func TestMetricsOnSeparateListener(t *testing.T) {
	ts := startServer(t, Config{MetricsAddr: "127.0.0.1:0"})
	if res, body := ts.do(ts.client(), "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer metrics-token"}); res.StatusCode != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Fatalf("main address still serves metrics: %d", res.StatusCode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.srv.ServeMetrics(ctx, ln) }()
	get := func(path string) (int, string) {
		res, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, `dbtp_http_requests_total{code="4xx"`) {
		t.Errorf("metrics listener: %d %.300s", code, body)
	}
	if code, _ := get("/demo"); code != http.StatusNotFound {
		t.Errorf("metrics listener serves pages: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("metrics listener shutdown: %v", err)
	}
}

func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, Config{ShutdownTimeout: 5 * time.Second})
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get(ts.base + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		got <- result{res.StatusCode, string(b), err}
	}()
	<-ts.started
	ts.cancel()
	// New connections are refused once shutdown begins.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := http.Get(ts.base + "/healthz"); err != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(ts.release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-ts.done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
		ts.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestStaticAssets(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	res, body := ts.do(c, "GET", AssetURL("css/app.css"), nil, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("css: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	if strings.Contains(body, "GDS Transport") || strings.Contains(body, "@font-face") || strings.Contains(body, "crest") {
		t.Error("CSS carries the GDS font or the crown")
	}
	res, _ = ts.do(c, "GET", AssetURL("js/init.js"), nil, nil)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Errorf("js: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, _ = ts.do(c, "GET", "/static/0123456789ab/css/app.css", nil, nil)
	if res.StatusCode != 200 || strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("old version: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	for _, p := range []string{"/static/" + assetVersion + "/css/", "/static/" + assetVersion + "/nope.css", "/static/" + assetVersion + "/../static.go"} {
		res, err := http.Get(ts.base + p) // follows the mux's clean-path redirect
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
}

func TestLogsOmitSecrets(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.client()
	u, _ := url.Parse(ts.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "dbtp_session", Value: "good-session"}})
	ts.do(c, "GET", "/demo?code=secret-oauth-code&state=xyz", nil, map[string]string{"Authorization": "Bearer good-token"})
	logs := ts.logs.String()
	for _, secret := range []string{"secret-oauth-code", "good-session", "good-token", "xyz"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
	if !strings.Contains(logs, `route="GET /demo"`) {
		t.Errorf("request not logged: %s", logs)
	}
}
