package main

import (
	"crypto/rand"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity/oidc/dextest"
)

// TestDemoSignsInWithDex sets up single sign-on as a council would, with
// the settings docs/operations.md documents, against a real Dex, on a
// fresh demo data folder whose organisation the demo has yet to create
// when the providers are read. A person then signs in as a browser would:
// following redirects and posting Dex's login form.
func TestDemoSignsInWithDex(t *testing.T) {
	addr := dextest.FreeAddr(t)
	base := "http://" + addr
	callback := func(p string) string { return base + "/sign-in/oidc/" + p + "/callback" }
	const secret = "dex-client-secret-not-in-logs"
	dex := dextest.Start(t, dextest.Config{
		Clients: []dextest.Client{{ID: "dbtp", Secret: secret,
			RedirectURIs: []string{callback("dex"), callback("dexscope"), callback("dexsecret")}}},
		Users: []dextest.User{
			{Email: "river.song@kent.example", Password: "river-password", Name: "River Song", UserID: "u-river"},
			// The demo's caseworker, already with a password account.
			{Email: "caseworker@kent.example", Password: "sam-password", Name: "Sam at Dex", UserID: "u-sam"},
			{Email: "staff@kent.example", Password: "mallory-password", Name: "Mallory", UserID: "u-mallory", Unverified: true},
		},
	})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := map[string]string{
		"DBTP_OIDC_PROVIDERS":  "dex,dexscope,dexsecret",
		"DBTP_OIDC_COOKIE_KEY": base64.StdEncoding.EncodeToString(key),
	}
	for _, p := range []string{"DEX", "DEXSCOPE", "DEXSECRET"} {
		env["DBTP_OIDC_"+p+"_ISSUER"] = dex.Issuer
		env["DBTP_OIDC_"+p+"_CLIENT_ID"] = "dbtp"
		env["DBTP_OIDC_"+p+"_CLIENT_SECRET"] = secret
		env["DBTP_OIDC_"+p+"_ORG"] = "kent"
		env["DBTP_OIDC_"+p+"_DEFAULT_ROLE"] = "staff"
		env["DBTP_OIDC_"+p+"_DISPLAY_NAME"] = "Kent staff account"
	}
	// Two set up wrongly, to see how a provider's refusals read.
	env["DBTP_OIDC_DEXSCOPE_SCOPES"] = "openid email bogus"
	env["DBTP_OIDC_DEXSECRET_CLIENT_SECRET"] = "expired-secret"
	r := startDemoEnv(t, t.TempDir(), func(k string) string { return env[k] }, "--addr", addr)
	if r.url != base {
		t.Fatalf("demo at %s, want %s", r.url, base)
	}

	// A new person: an account is made with Dex's name and verified email
	// and the default role. No scopes were configured: Dex puts the email
	// in the ID token only for "email" and the name only for "profile", so
	// this shows the defaults are asked for.
	status, page := dexSignIn(t, base, "dex", "river.song@kent.example", "river-password")
	if status != http.StatusOK || !strings.Contains(page, "River Song") || !strings.Contains(page, "river.song@kent.example") ||
		!strings.Contains(page, "Staff") {
		t.Fatalf("new person via Dex: %d\n%s", status, page)
	}

	// The demo caseworker: linked to the existing account by the verified
	// email, which keeps its own name and role.
	status, page = dexSignIn(t, base, "dex", "caseworker@kent.example", "sam-password")
	if status != http.StatusOK || !strings.Contains(page, "Sam Okafor") || !strings.Contains(page, "Caseworker") {
		t.Fatalf("existing person via Dex: %d\n%s", status, page)
	}

	// An address Dex does not vouch for takes no account, not even one
	// that exists.
	status, page = dexSignIn(t, base, "dex", "staff@kent.example", "mallory-password")
	if status != http.StatusForbidden || !strings.Contains(page, "has no verified email address") {
		t.Fatalf("unverified email via Dex: %d\n%s", status, page)
	}

	// Dex refuses an unknown scope and says so on the callback: shown in
	// plain words with a way back, not Dex's wording.
	status, page = dexSignIn(t, base, "dexscope", "", "")
	if status != http.StatusBadGateway || !strings.Contains(page, "is not set up correctly") ||
		!strings.Contains(page, "invalid_scope") || !strings.Contains(page, `href="/sign-in/oidc/dex`) || strings.Contains(page, "bogus") {
		t.Fatalf("invalid scope: %d\n%s", status, page)
	}

	// Dex refuses the client secret at the token endpoint.
	status, page = dexSignIn(t, base, "dexsecret", "river.song@kent.example", "river-password")
	if status != http.StatusBadGateway || !strings.Contains(page, "did not accept this service&#39;s credentials") {
		t.Fatalf("wrong client secret: %d\n%s", status, page)
	}
	for _, leak := range []string{secret, "expired-secret", "river-password"} {
		if strings.Contains(page, leak) {
			t.Fatalf("page shows a secret: %s", leak)
		}
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// dexSignIn starts a sign-in at dbtp with a fresh browser (cookie jar,
// redirects followed), fills in Dex's login form if Dex shows one, and
// returns the status and body of the page it lands on, asking for the
// account page on success.
func dexSignIn(t *testing.T, base, provider, email, password string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(base + "/sign-in/oidc/" + provider + "?return=" + url.QueryEscape("/account"))
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if strings.HasPrefix(resp.Request.URL.String(), base) {
		return resp.StatusCode, body // back at dbtp without a login form
	}
	m := formAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no login form at %s (%d):\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	action, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.PostForm(action.String(), url.Values{"login": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	if !strings.HasPrefix(resp.Request.URL.String(), base) {
		t.Fatalf("still at Dex after the login form: %s (%d):\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return resp.StatusCode, body
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
