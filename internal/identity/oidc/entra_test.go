package oidc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
)

const (
	testTenant = "8c6f2b1e-3d4a-4f5b-9c7d-0e1f2a3b4c5d"
	testOID    = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
)

// entraUser is shaped like a Microsoft Entra ID v2.0 ID token for a member
// of the tenant: tid, oid and a UPN, an email attribute and no
// email_verified at all.
func entraUser(extra map[string]any) oidctest.User {
	claims := map[string]any{"tid": testTenant, "oid": strings.ToUpper(testOID), "preferred_username": "sam.caseworker@council.example"}
	for k, v := range extra {
		claims[k] = v
	}
	return oidctest.User{Subject: "pairwise-sub-for-this-app", Email: "sam@anything.example", NoEmailVerified: true,
		Name: "Sam Caseworker", Groups: []string{"grp-caseworkers"}, Claims: claims}
}

// entraHarness serves the provider under /<tenant>/v2.0, as Entra does, and
// names the tenant (a loopback issuer is not login.microsoftonline.com, so
// the tenant is not derived from it).
func entraHarness(t *testing.T, u oidctest.User) *harness {
	return newHarness(t, func(c *Config, idp *oidctest.Config) {
		idp.Path = "/" + testTenant + "/v2.0"
		idp.User = u
		c.EntraTenant = testTenant
	})
}

func TestEntraMemberMatchedByObjectIDAndUPN(t *testing.T) {
	h := entraHarness(t, entraUser(nil))
	id, _, err := h.signIn("/")
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if id.EmailVerified {
		t.Error("an email without email_verified was taken as verified")
	}
	if id.Entra == nil || id.Entra.TenantID != testTenant || id.Entra.ObjectID != testOID || id.Entra.UPN != "sam.caseworker@council.example" {
		t.Fatalf("entra account = %+v", id.Entra)
	}
	if iss, sub := id.LinkKey(); iss != "entra:"+testTenant || sub != testOID {
		t.Errorf("link key = %q %q, want the tenant and object ID, not iss and sub", iss, sub)
	}
}

func TestEntraGuestHasNoTrustedUPN(t *testing.T) {
	// A B2B guest authenticated at their home directory: the token's idp
	// names it, and preferred_username is whatever that directory says.
	h := entraHarness(t, entraUser(map[string]any{"idp": "https://sts.windows.net/11111111-2222-3333-4444-555555555555/",
		"preferred_username": "admin@council.example"}))
	id, _, err := h.signIn("/")
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if id.Entra == nil || id.Entra.UPN != "" {
		t.Fatalf("a guest's preferred_username was trusted: %+v", id.Entra)
	}
	// A guest UPN in the resource tenant is marked #EXT#.
	h = entraHarness(t, entraUser(map[string]any{"preferred_username": "mallory_evil.example#EXT#@council.example"}))
	if id, _, err = h.signIn("/"); err != nil || id.Entra.UPN != "" {
		t.Fatalf("an #EXT# UPN was trusted: %+v %v", id, err)
	}
}

func TestEntraTokenWithoutTenantOrObjectIDRefused(t *testing.T) {
	for name, claims := range map[string]map[string]any{
		"other tenant": {"tid": "11111111-2222-3333-4444-555555555555"},
		"no oid":       {"oid": ""},
		"bad oid":      {"oid": "not-a-guid"},
	} {
		h := entraHarness(t, entraUser(claims))
		_, _, err := h.signIn("/")
		pe := wantCode(t, err, platform.CodeUnauthorized)
		if !strings.Contains(pe.Message, "did not say which account") {
			t.Errorf("%s: message %q", name, pe.Message)
		}
	}
}

func TestGenericProviderIgnoresEntraClaims(t *testing.T) {
	// Without EntraTenant the same claims mean nothing: any provider could
	// send a tid and oid.
	h := newHarness(t, func(_ *Config, idp *oidctest.Config) { idp.User = entraUser(nil) })
	id, _, err := h.signIn("/")
	if err != nil {
		t.Fatal(err)
	}
	if id.Entra != nil || id.EmailVerified {
		t.Fatalf("generic provider identity = %+v", id)
	}
	if iss, sub := id.LinkKey(); iss != h.idp.URL || sub != "pairwise-sub-for-this-app" {
		t.Errorf("link key = %q %q", iss, sub)
	}
}

func TestEntraTenantConfig(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://login.microsoftonline.com/" + strings.ToUpper(testTenant) + "/v2.0": testTenant,
		"https://login.microsoftonline.us/" + testTenant + "/v2.0/":                  testTenant,
		"https://login.microsoftonline.com/" + testTenant + "/":                      "", // v1 issuer: no oid guarantees here
		"https://accounts.example/" + testTenant + "/v2.0":                           "",
		"https://login.microsoftonline.com.evil.example/" + testTenant + "/v2.0":     "",
	} {
		if got := (&Config{Issuer: issuer}).entraTenant(); got != want {
			t.Errorf("tenant of %s = %q, want %q", issuer, got, want)
		}
	}
	good := Config{Name: "entra", ClientID: "c", ClientSecret: "s", RedirectURL: "https://council.example/cb",
		DefaultRole: platform.RoleStaff, CookieKey: make([]byte, CookieKeySize)}
	for name, c := range map[string]struct{ issuer, tenant string }{
		"common":          {"https://login.microsoftonline.com/common/v2.0", ""},
		"organizations":   {"https://login.microsoftonline.com/organizations/v2.0", ""},
		"tenant mismatch": {"https://login.microsoftonline.com/" + testTenant + "/v2.0", "11111111-2222-3333-4444-555555555555"},
		"not a guid":      {"https://idp.example/kent/v2.0", "kent"},
		"no profile":      {"https://login.microsoftonline.com/" + testTenant + "/v2.0", ""},
	} {
		cfg := good
		cfg.Issuer, cfg.EntraTenant = c.issuer, c.tenant
		if name == "no profile" {
			cfg.Scopes = []string{"openid", "email"}
		}
		_, err := New(context.Background(), cfg, nil)
		wantCode(t, err, platform.CodeInvalid)
		t.Logf("%s: %v", name, err)
	}
}

func TestScopesDefaultToOpenIDEmailProfile(t *testing.T) {
	for _, c := range []struct {
		configured, supported []string
		want                  string
	}{
		{nil, nil, "openid email profile"},
		// One Login publishes no "profile": asking for it would be refused.
		{nil, []string{"openid", "email", "phone"}, "openid email"},
		// What the operator sets is sent as set, openid first and once.
		{[]string{"email", "phone", "openid"}, []string{"openid", "email"}, "openid email phone"},
	} {
		h := newHarness(t, func(cfg *Config, idp *oidctest.Config) {
			cfg.Scopes, idp.ScopesSupported = c.configured, c.supported
		})
		if _, _, err := h.signIn("/"); err != nil {
			t.Fatal(err)
		}
		if got := h.idp.LastScope(); got != c.want {
			t.Errorf("configured %v, supported %v: scope %q, want %q", c.configured, c.supported, got, c.want)
		}
	}
}

func TestProviderErrorsInPlainWords(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		code, desc string
		want       []string
		kind       error
	}{
		{"access_denied", "AADSTS65004: User declined to consent to access the app.",
			[]string{"was cancelled or refused", "reference for your administrator: access_denied, AADSTS65004"}, nil},
		{"invalid_scope", "Unrecognized scope(s) \"bogus\"", []string{"is not set up correctly", "tell your administrator", "invalid_scope"}, ErrSetup},
		{"unauthorized_client", "", []string{"is not set up correctly"}, ErrSetup},
		{"temporarily_unavailable", "busy", []string{"having problems at the moment"}, ErrProviderDown},
		{"login_required", "", []string{"needs you to sign in"}, nil},
		{"Something <b>odd</b>", "<script>x</script>", []string{"could not sign you in"}, nil},
	} {
		h.idp.SetAuthorizeError(c.code, c.desc)
		_, _, err := h.signIn("/")
		if err == nil {
			t.Fatalf("%s: signed in", c.code)
		}
		msg := platform.AsError(err).Message
		for _, w := range c.want {
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
				t.Errorf("%s: message %q lacks %q", c.code, msg, w)
			}
		}
		for _, never := range []string{"<", "Unrecognized", "declined", "busy"} {
			if strings.Contains(msg, never) {
				t.Errorf("%s: the provider's own text reached the message: %q", c.code, msg)
			}
		}
		if c.kind != nil && !errors.Is(err, c.kind) {
			t.Errorf("%s: error is not %v", c.code, c.kind)
		}
		if !strings.Contains(err.Error(), strconv.Quote(c.desc)) {
			t.Errorf("%s: the log text %q lacks the provider's description", c.code, err)
		}
	}
}

func TestTokenEndpointErrorsInPlainWords(t *testing.T) {
	h := newHarness(t, func(c *Config, _ *oidctest.Config) { c.ClientSecret = "expired-secret" })
	_, _, err := h.signIn("/")
	pe := wantCode(t, err, platform.CodeUnauthorized)
	if !errors.Is(err, ErrSetup) || !strings.Contains(pe.Message, "did not accept this service's credentials") ||
		!strings.Contains(pe.Message, "invalid_client") {
		t.Errorf("wrong client secret: %v", err)
	}
	if strings.Contains(err.Error(), "expired-secret") {
		t.Errorf("the secret reached the log text: %v", err)
	}
}
