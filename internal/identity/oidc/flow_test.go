package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
)

func TestStaffSignInMapsGroupsToRoles(t *testing.T) {
	h := newHarness(t, nil)
	id, ret, err := h.signIn("/cases/123?tab=notes")
	if err != nil {
		t.Fatalf("sign-in failed: %v", err)
	}
	if ret != "/cases/123?tab=notes" {
		t.Errorf("returnTo = %q", ret)
	}
	want := []platform.Role{platform.RoleManager, platform.RoleCaseworker}
	if !slices.Equal(id.Roles, want) {
		t.Errorf("roles = %v, want %v (unknown group ignored, order by power)", id.Roles, want)
	}
	if !slices.Equal(id.Groups, staffUser.Groups) {
		t.Errorf("groups = %v", id.Groups)
	}
	if id.Provider != "entra" || id.Issuer != h.idp.URL || id.Subject != staffUser.Subject ||
		id.Email != staffUser.Email || !id.EmailVerified || id.Name != staffUser.Name || id.OrgID != "org_council" {
		t.Errorf("identity = %+v", id)
	}
	if d := h.clock.Now().Sub(id.AuthTime); d < 0 || d > 2*time.Second {
		t.Errorf("auth time %v not from the token", id.AuthTime)
	}
	if got := h.idp.LastClientAuth(); got != oidctest.AuthClientSecretBasic {
		t.Errorf("client auth = %q, want client_secret_basic", got)
	}
	if c := h.stateCookie(); c != nil {
		t.Errorf("state cookie not cleared after sign-in: %v", c.Name)
	}
}

func TestResidentGetsDefaultRoleWithPrivateKeyJWTAndUserInfo(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config, idp *oidctest.Config) {
		// Shaped like GOV.UK One Login: private_key_jwt only, email only
		// from userinfo, no groups, everyone a resident.
		c.Name, c.DisplayName = "entra", "GOV.UK One Login"
		c.ClientSecret, c.PrivateKey, c.PrivateKeyID = "", key, "dbtp-2026"
		c.RoleClaim, c.RoleMap, c.DefaultRole = "", nil, platform.RoleResident
		c.UserInfo = true
		c.ExtraAuthParams = map[string]string{"vtr": `["Cl.Cm"]`, "ui_locales": "en"}
		idp.ClientSecret, idp.ClientKey = "", &key.PublicKey
		idp.AuthMethods = []string{oidctest.AuthPrivateKeyJWT}
		idp.UserInfoOnly = true
		idp.User = oidctest.User{Subject: "urn:fdc:gov.uk:2022:abc", Email: "resident@example.org", EmailVerified: true}
	})
	id, ret, err := h.signIn("")
	if err != nil {
		t.Fatalf("sign-in failed: %v", err)
	}
	if ret != "/" {
		t.Errorf("returnTo = %q, want /", ret)
	}
	if !slices.Equal(id.Roles, []platform.Role{platform.RoleResident}) {
		t.Errorf("roles = %v", id.Roles)
	}
	if id.Email != "resident@example.org" || !id.EmailVerified || id.Subject != "urn:fdc:gov.uk:2022:abc" {
		t.Errorf("identity = %+v (email should come from userinfo)", id)
	}
	if got := h.idp.LastClientAuth(); got != oidctest.AuthPrivateKeyJWT {
		t.Errorf("client auth = %q, want private_key_jwt", got)
	}
}

func TestClientSecretPost(t *testing.T) {
	h := newHarness(t, func(c *Config, idp *oidctest.Config) {
		c.ClientAuth = AuthClientSecretPost
		idp.AuthMethods = []string{oidctest.AuthClientSecretPost}
	})
	if _, _, err := h.signIn("/"); err != nil {
		t.Fatalf("sign-in failed: %v", err)
	}
	if got := h.idp.LastClientAuth(); got != oidctest.AuthClientSecretPost {
		t.Errorf("client auth = %q", got)
	}
}

func TestWrongClientSecretRefused(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *oidctest.Config) { c.ClientSecret = "guessed" })
	_, _, err := h.signIn("/")
	wantCode(t, err, platform.CodeUnauthorized)
	if r := h.idp.Rejections(); len(r) != 1 || !strings.HasPrefix(r[0], "invalid_client") {
		t.Errorf("rejections = %v", r)
	}
}

func TestNoMappedRoleAndNoDefaultIsForbidden(t *testing.T) {
	h := newHarness(t, func(_ *Config, idp *oidctest.Config) {
		idp.User.Groups = []string{"grp-canteen"}
	})
	_, _, err := h.signIn("/")
	pe := wantCode(t, err, platform.CodeForbidden)
	if !strings.Contains(pe.Message, "administrator") {
		t.Errorf("message should say whom to ask: %q", pe.Message)
	}
}

func TestGroupOverageExplained(t *testing.T) {
	h := newHarness(t, func(_ *Config, idp *oidctest.Config) {
		idp.User.Groups = nil
		// Entra's shape when a user is in more than 200 groups.
		idp.User.Claims = map[string]any{
			"_claim_names":   map[string]string{"groups": "src1"},
			"_claim_sources": map[string]any{"src1": map[string]string{"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}},
		}
	})
	_, _, err := h.signIn("/")
	pe := wantCode(t, err, platform.CodeForbidden)
	if !strings.Contains(pe.Message, "too many groups") {
		t.Errorf("message = %q", pe.Message)
	}
}

func TestPKCEVerifierEnforced(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	// Re-seal the cookie with the right state and nonce but another
	// verifier: only the provider's PKCE check can catch this.
	st, err := h.prov.sealer.open(h.stateCookie().Value, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.Verifier = strings.Repeat("A", 43)
	h.setStateCookie(h.prov.sealer.seal(st))
	_, _, err = h.complete(cb, nil)
	wantCode(t, err, platform.CodeUnauthorized)
	r := h.idp.Rejections()
	if len(r) != 1 || !strings.Contains(r[0], "PKCE") {
		t.Errorf("provider rejections = %v, want a PKCE mismatch", r)
	}
}

func TestStateMismatchRefusedAndCookieKept(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	q := cb.Query()
	q.Set("state", q.Get("state")[:len(q.Get("state"))-1]+"x")
	cb.RawQuery = q.Encode()
	_, _, err := h.complete(cb, nil)
	wantCode(t, err, platform.CodeUnauthorized)
	if h.stateCookie() == nil {
		t.Error("a forged callback must not clear the sign-in in progress")
	}
	if len(h.idp.Rejections()) != 0 {
		t.Error("code was sent to the provider despite the state mismatch")
	}
}

func TestMissingCookieRefused(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	h.client = newBrowser(t) // another browser: same URL, no cookie
	_, _, err := h.complete(cb, nil)
	wantCode(t, err, platform.CodeUnauthorized)
}

func TestTamperedCookieRefused(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	v := []byte(h.stateCookie().Value)
	i := len(v) / 2
	if v[i] == 'A' {
		v[i] = 'B'
	} else {
		v[i] = 'A'
	}
	h.setStateCookie(string(v))
	_, _, err := h.complete(cb, nil)
	wantCode(t, err, platform.CodeUnauthorized)
	if h.stateCookie() != nil {
		t.Error("a cookie that fails authentication should be cleared")
	}
}

func TestExpiredCookieRefused(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	h.clock.Advance(flowLifetime + time.Second)
	_, _, err := h.complete(cb, nil)
	pe := wantCode(t, err, platform.CodeUnauthorized)
	if !strings.Contains(pe.Message, "expired") {
		t.Errorf("message = %q", pe.Message)
	}
}

func TestReplayedCallbackRefused(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	saved := *h.stateCookie()
	if _, _, err := h.complete(cb, nil); err != nil {
		t.Fatalf("first completion failed: %v", err)
	}
	_, _, err := h.complete(cb, &saved)
	pe := wantCode(t, err, platform.CodeUnauthorized)
	if !strings.Contains(pe.Message, "already been used") {
		t.Errorf("message = %q", pe.Message)
	}
	if r := h.idp.Rejections(); len(r) != 0 {
		t.Errorf("replay reached the provider: %v", r)
	}
}

func TestWrongIssParameterRefused(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	q := cb.Query()
	q.Set("iss", "https://impostor.example")
	cb.RawQuery = q.Encode()
	_, _, err := h.complete(cb, nil)
	wantCode(t, err, platform.CodeUnauthorized)
}

func TestMissingCodeIsInvalid(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL("/")
	q := cb.Query()
	q.Del("code")
	cb.RawQuery = q.Encode()
	_, _, err := h.complete(cb, nil)
	wantCode(t, err, platform.CodeInvalid)
}

func TestFaultyIDTokensRefused(t *testing.T) {
	// Each fault must be caught by its own check, named in the logged cause
	// or the message, not by some unrelated failure.
	faults := []struct {
		name  string
		fault oidctest.Fault
		why   string
	}{
		{"wrong nonce", oidctest.FaultWrongNonce, "not issued for this sign-in"},
		{"missing nonce", oidctest.FaultMissingNonce, "not issued for this sign-in"},
		{"wrong audience", oidctest.FaultWrongAudience, "expected audience"},
		{"wrong issuer", oidctest.FaultWrongIssuer, "different provider"},
		{"expired", oidctest.FaultExpired, "expired"},
		{"bad signature", oidctest.FaultBadSignature, "signature"},
	}
	for _, tc := range faults {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.idp.SetFault(tc.fault)
			_, _, err := h.signIn("/")
			wantCode(t, err, platform.CodeUnauthorized)
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("refused for the wrong reason: %v", err)
			}
			h.idp.SetFault(oidctest.FaultNone)
			if _, _, err := h.signIn("/"); err != nil {
				t.Fatalf("a good token after the faulty one was refused: %v", err)
			}
		})
	}
}

func TestOpenRedirectNeutralised(t *testing.T) {
	h := newHarness(t, nil)
	for _, evil := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example",
		"\\\\evil.example", "/\t/evil.example", "javascript:alert(1)", "evil.example", "/%0a/x\n"} {
		_, ret, err := h.signIn(evil)
		if err != nil {
			t.Fatalf("%q: sign-in failed: %v", evil, err)
		}
		if ret != "/" {
			t.Errorf("returnTo %q came back as %q, want /", evil, ret)
		}
	}
}

func TestProviderErrorResponse(t *testing.T) {
	h := newHarness(t, nil)
	h.idp.SetAuthorizeError("access_denied", "<script>alert('the user said no')</script>")
	_, _, err := h.signIn("/")
	pe := wantCode(t, err, platform.CodeForbidden)
	if strings.Contains(pe.Message, "script") {
		t.Errorf("provider-chosen text reached the message: %q", pe.Message)
	}
	if h.stateCookie() != nil {
		t.Error("state cookie not cleared after a provider error")
	}

	h.idp.SetAuthorizeError("temporarily_unavailable", "try later")
	_, _, err = h.signIn("/")
	wantCode(t, err, platform.CodeUnauthorized)
}
