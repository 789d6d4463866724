package oidctest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

const redirect = "http://127.0.0.1:9/callback"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize asks for a code and returns the redirect's query.
func authorize(t *testing.T, s *Server, params url.Values) url.Values {
	t.Helper()
	base := url.Values{"client_id": {"app"}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st"}, "nonce": {"no"}, "code_challenge_method": {"S256"}}
	for k, v := range params {
		base[k] = v
	}
	resp, err := noFollow.Get(s.URL + "/authorize?" + base.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize did not redirect: status %d", resp.StatusCode)
	}
	return loc.Query()
}

// redeem posts to /token with client_secret_post plus form, returning the
// status and the OAuth error code, if any.
func redeem(t *testing.T, s *Server, form url.Values) (int, string) {
	t.Helper()
	base := url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {redirect}}
	for k, v := range form {
		base[k] = v
	}
	resp, err := http.PostForm(s.TokenURL(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error   string `json:"error"`
		IDToken string `json:"id_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode == http.StatusOK && body.IDToken == "" {
		t.Error("token response has no id_token")
	}
	return resp.StatusCode, body.Error
}

func secretPost() url.Values { return url.Values{"client_id": {"app"}, "client_secret": {"pw"}} }

func TestTokenEnforcesPKCEAndSingleUseExpiringCodes(t *testing.T) {
	clock := &testClock{t: time.Unix(1_800_000_000, 0)}
	s := Start(t, Config{ClientID: "app", ClientSecret: "pw", RedirectURL: redirect, Clock: clock.now,
		User: User{Subject: "u1"}})
	verifier := oauth2.GenerateVerifier()
	challenge := url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}}
	with := func(code, verifier string) url.Values {
		f := secretPost()
		f.Set("code", code)
		if verifier != "" {
			f.Set("code_verifier", verifier)
		}
		return f
	}

	code := authorize(t, s, challenge).Get("code")
	if status, e := redeem(t, s, with(code, oauth2.GenerateVerifier())); status != 400 || e != "invalid_grant" {
		t.Errorf("wrong verifier: %d %s", status, e)
	}
	// The failed attempt spent the code: the right verifier is now too late.
	if status, _ := redeem(t, s, with(code, verifier)); status != 400 {
		t.Errorf("code usable after a failed attempt: %d", status)
	}

	code = authorize(t, s, challenge).Get("code")
	if status, _ := redeem(t, s, with(code, "")); status != 400 {
		t.Errorf("missing verifier accepted: %d", status)
	}

	code = authorize(t, s, challenge).Get("code")
	if status, e := redeem(t, s, with(code, verifier)); status != 200 {
		t.Fatalf("right verifier refused: %d %s", status, e)
	}
	if status, _ := redeem(t, s, with(code, verifier)); status != 400 {
		t.Errorf("code accepted twice: %d", status)
	}

	code = authorize(t, s, challenge).Get("code")
	clock.advance(codeLifetime)
	if status, _ := redeem(t, s, with(code, verifier)); status != 400 {
		t.Errorf("expired code accepted: %d", status)
	}
	want := []string{"PKCE", "already used", "PKCE", "already used", "expired"}
	got := s.Rejections()
	if len(got) != len(want) {
		t.Fatalf("rejections = %q", got)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("rejection %d = %q, want it to mention %q", i, got[i], want[i])
		}
	}
}

func TestAuthorizeRefusesWeakRequests(t *testing.T) {
	s := Start(t, Config{ClientID: "app", ClientSecret: "pw", RedirectURL: redirect})
	ch := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	cases := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"plain pkce", url.Values{"code_challenge": {ch}, "code_challenge_method": {"plain"}}, "invalid_request"},
		{"no pkce", url.Values{"code_challenge_method": {""}}, "invalid_request"},
		{"no nonce", url.Values{"code_challenge": {ch}, "nonce": {""}}, "invalid_request"},
		{"no openid", url.Values{"code_challenge": {ch}, "scope": {"email"}}, "invalid_scope"},
		{"implicit", url.Values{"code_challenge": {ch}, "response_type": {"token"}}, "unsupported_response_type"},
	}
	for _, tc := range cases {
		q := authorize(t, s, tc.params)
		if q.Get("error") != tc.want || q.Get("code") != "" || q.Get("state") != "st" {
			t.Errorf("%s: redirect query %v, want error=%s", tc.name, q, tc.want)
		}
	}
	s.SetAuthorizeError("access_denied", "no")
	if q := authorize(t, s, url.Values{"code_challenge": {ch}}); q.Get("error") != "access_denied" || q.Get("code") != "" {
		t.Errorf("error mode: redirect query %v", q)
	}
	resp, err := noFollow.Get(s.URL + "/authorize?client_id=app&redirect_uri=https://evil.example/cb")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unregistered redirect_uri: status %d, want 400 without redirecting", resp.StatusCode)
	}
}

func TestPrivateKeyJWTClientAuthentication(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	s := Start(t, Config{ClientID: "app", ClientKey: pub, RedirectURL: redirect,
		AuthMethods: []string{AuthPrivateKeyJWT}, User: User{Subject: "u1"}})
	verifier := oauth2.GenerateVerifier()
	assertion := func(aud string, key ed25519.PrivateKey) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		a, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: "app", Subject: "app", Audience: jwt.Audience{aud},
			ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	try := func(a string, extra url.Values) int {
		code := authorize(t, s, url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}}).Get("code")
		f := url.Values{"code": {code}, "code_verifier": {verifier}, "client_id": {"app"},
			"client_assertion_type": {clientAssertionType}, "client_assertion": {a}}
		for k, v := range extra {
			f[k] = v
		}
		status, _ := redeem(t, s, f)
		return status
	}
	_, rogue, _ := ed25519.GenerateKey(rand.Reader)
	good := assertion(s.TokenURL(), priv)
	if status := try(good, nil); status != 200 {
		t.Fatalf("good assertion refused: %d %v", status, s.Rejections())
	}
	if status := try(good, nil); status != 401 {
		t.Errorf("reused assertion (same jti): %d", status)
	}
	if status := try(assertion(s.URL+"/elsewhere", priv), nil); status != 401 {
		t.Errorf("assertion for another audience: %d", status)
	}
	if status := try(assertion(s.TokenURL(), rogue), nil); status != 401 {
		t.Errorf("assertion signed by another key: %d", status)
	}
	if status := try(assertion(s.TokenURL(), priv), url.Values{"client_secret": {"pw"}}); status != 401 {
		t.Errorf("two client authentication methods at once: %d", status)
	}
}
