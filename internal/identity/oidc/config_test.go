package oidc

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
)

func TestNewRefusesBadConfig(t *testing.T) {
	good := func() Config {
		return Config{Name: "entra", Issuer: "https://login.example/tenant/v2.0", ClientID: "c",
			ClientSecret: "s", RedirectURL: "https://council.example/sign-in/oidc/entra/callback",
			DefaultRole: platform.RoleStaff, CookieKey: make([]byte, CookieKeySize)}
	}
	smallRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	cases := map[string]func(*Config){
		"bad name":          func(c *Config) { c.Name = "Entra ID" },
		"relative issuer":   func(c *Config) { c.Issuer = "/tenant" },
		"no client id":      func(c *Config) { c.ClientID = "" },
		"relative redirect": func(c *Config) { c.RedirectURL = "/callback" },
		"no secret":         func(c *Config) { c.ClientSecret = "" },
		"unknown auth":      func(c *Config) { c.ClientAuth = "none" },
		"jwt without key":   func(c *Config) { c.ClientAuth = AuthPrivateKeyJWT },
		"weak rsa key":      func(c *Config) { c.PrivateKey = smallRSA },
		"short cookie key":  func(c *Config) { c.CookieKey = make([]byte, 16) },
		"unknown role":      func(c *Config) { c.RoleClaim, c.RoleMap = "groups", map[string]platform.Role{"g": "wizard"} },
		"unknown default":   func(c *Config) { c.DefaultRole = "wizard" },
		"nobody can enter":  func(c *Config) { c.DefaultRole = "" },
		"overrides nonce":   func(c *Config) { c.ExtraAuthParams = map[string]string{"nonce": "fixed"} },
	}
	for name, mutate := range cases {
		c := good()
		mutate(&c)
		// validate runs before any network access, so the issuer need not exist.
		_, err := New(context.Background(), c, nil)
		pe := wantCode(t, err, platform.CodeInvalid)
		if strings.Contains(pe.Message, "s3cret") || pe.Message == "" {
			t.Errorf("%s: message %q", name, pe.Message)
		}
	}
}

func TestNewRefusesUnreachableOrMismatchedIssuer(t *testing.T) {
	idp := oidctest.Start(t, oidctest.Config{ClientID: "c", ClientSecret: "s"})
	base := Config{Name: "entra", ClientID: "c", ClientSecret: "s", RedirectURL: "http://127.0.0.1/cb",
		DefaultRole: platform.RoleStaff, CookieKey: make([]byte, CookieKeySize)}
	for _, issuer := range []string{idp.URL + "/other-tenant", "http://127.0.0.1:1"} {
		c := base
		c.Issuer = issuer
		_, err := New(context.Background(), c, nil)
		wantCode(t, err, platform.CodeInvalid)
	}
	// A provider that does not offer the configured client authentication
	// is caught at start-up, not at the first sign-in.
	strict := oidctest.Start(t, oidctest.Config{ClientID: "c", AuthMethods: []string{oidctest.AuthPrivateKeyJWT}})
	c := base
	c.Issuer = strict.URL
	_, err := New(context.Background(), c, nil)
	wantCode(t, err, platform.CodeInvalid)
}

func TestBeginCookieAndAuthorizationRequest(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *oidctest.Config) {
		c.ExtraAuthParams = map[string]string{"domain_hint": "council.example"}
	})
	r := httptest.NewRequest(http.MethodGet, "https://council.example/sign-in/oidc/entra", nil)
	w := httptest.NewRecorder()
	h.prov.Begin(w, r, "//evil.example")
	res := w.Result()
	if res.StatusCode != http.StatusFound || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, cache-control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	c := cookies[0]
	if c.Name != "__Host-dbtp-oidc-entra" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.Domain != "" || c.MaxAge != 600 {
		t.Errorf("cookie attributes wrong over TLS: %+v", c)
	}
	if strings.Contains(c.Value, "evil") {
		t.Error("cookie is readable")
	}
	st, err := h.prov.sealer.open(c.Value, h.clock.Now())
	if err != nil || st.ReturnTo != "/" {
		t.Fatalf("sealed state = %+v, %v; returnTo should already be neutralised", st, err)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	q := loc.Query()
	checks := map[string]string{"state": st.State, "nonce": st.Nonce, "code_challenge_method": "S256",
		"response_type": "code", "client_id": testClientID, "domain_hint": "council.example",
		"code_challenge": oauth2.S256ChallengeFromVerifier(st.Verifier), "scope": "openid email profile"}
	for k, want := range checks {
		if got := q.Get(k); got != want {
			t.Errorf("authorization request %s = %q, want %q", k, got, want)
		}
	}
	if loc.Host != strings.TrimPrefix(h.idp.URL, "http://") {
		t.Errorf("redirected to %s, not the provider", loc.Host)
	}
}

func TestParsePrivateKeyPEM(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	key, err := ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil || !ec.Equal(key) {
		t.Fatalf("PKCS#8 EC key: %v", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p384)
	for name, data := range map[string][]byte{
		"not pem":   []byte("hello"),
		"wrong pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"garbage":   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"p384":      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
	} {
		if _, err := ParsePrivateKeyPEM(data); platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}

func TestParseCookieKey(t *testing.T) {
	raw := make([]byte, CookieKeySize)
	_, _ = rand.Read(raw)
	for _, s := range []string{base64.StdEncoding.EncodeToString(raw) + "\n", base64.RawURLEncoding.EncodeToString(raw)} {
		if k, err := ParseCookieKey(s); err != nil || !bytes.Equal(k, raw) {
			t.Errorf("ParseCookieKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "c2hvcnQ=", "not base64 at all!!"} {
		_, err := ParseCookieKey(s)
		if pe := wantCode(t, err, platform.CodeInvalid); s != "" && strings.Contains(pe.Error(), s) {
			t.Errorf("error echoes the key: %v", pe)
		}
	}
}
