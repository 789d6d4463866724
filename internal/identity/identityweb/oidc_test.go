package identityweb

import (
	"crypto/rand"
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"testing"

	"dbtp/internal/identity/oidc"
	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// oidcWeb is a web env with one provider, "entra", backed by oidctest.
func oidcWeb(t *testing.T) (*webEnv, *oidctest.Server) {
	var idp *oidctest.Server
	w := newWebEnv(t, storetest.Open(t, store.SQLite, testMods), func(e *env, base string) []*oidc.Provider {
		redirect := base + "/sign-in/oidc/entra/callback"
		idp = oidctest.Start(t, oidctest.Config{ClientID: "dbtp", ClientSecret: "client-secret", RedirectURL: redirect,
			User: oidctest.User{Subject: "entra-123", Email: "sam.case@northshire.gov.uk", EmailVerified: true,
				Name: "Sam Caseworker", Groups: []string{"grp-case"}}})
		key := make([]byte, oidc.CookieKeySize)
		_, _ = rand.Read(key)
		p, err := oidc.New(e.ctx, oidc.Config{Name: "entra", DisplayName: "Council staff account", Issuer: idp.URL,
			ClientID: "dbtp", ClientSecret: "client-secret", RedirectURL: redirect, Scopes: []string{"email", "profile"},
			RoleClaim: "groups", RoleMap: map[string]platform.Role{"grp-case": platform.RoleCaseworker},
			OrgID: e.org.ID, CookieKey: key}, nil)
		noErr(t, err)
		return []*oidc.Provider{p}
	})
	return w, idp
}

// getAbs fetches an absolute URL (the provider's) with the browser's jar.
func (b *browser) getAbs(u string) reply {
	b.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.w.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// oidcCallback runs the flow up to the redirect back to the app and returns
// the callback URL, without visiting it.
func (b *browser) oidcCallback(ret string) string {
	b.t.Helper()
	page := b.get("/sign-in")
	wantBody(b.t, page, "Sign in with Council staff account", `href="/sign-in/oidc/entra"`)
	r := b.get("/sign-in/oidc/entra?return=" + url.QueryEscape(ret))
	if r.status != http.StatusFound {
		b.t.Fatalf("begin: %d", r.status)
	}
	r = b.getAbs(r.location())
	if r.status != http.StatusFound {
		b.t.Fatalf("authorize: %d %s", r.status, r.body)
	}
	return r.location()
}

func TestWebOIDCSignIn(t *testing.T) {
	w, idp := oidcWeb(t)
	b := w.browser(t)
	callback := b.oidcCallback("/account")
	state := b.cookie("dbtp-oidc-entra")
	if state == nil {
		t.Fatal("no state cookie")
	}
	r := b.getAbs(callback)
	wantRedirect(t, r, "/account", "callback")
	if b.session() == "" {
		t.Fatal("no session after the callback")
	}
	acct := b.get("/account")
	want(t, acct, http.StatusOK, "account after OIDC")
	wantBody(t, acct, "Sam Caseworker", "sam.case@northshire.gov.uk", "Caseworker")

	// The callback replayed with a copy of the state cookie is refused, and
	// starts no session.
	thief := w.browser(t)
	u, _ := url.Parse(w.base)
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: state.Name, Value: state.Value, Path: "/"}})
	r = thief.getAbs(callback)
	want(t, r, http.StatusUnauthorized, "replayed callback")
	wantBody(t, r, "There is a problem", "This sign-in response has already been used")
	if thief.session() != "" {
		t.Fatal("a replayed callback started a session")
	}
	// Without the cookie at all: refused, on the sign-in page.
	r = w.browser(t).getAbs(callback)
	want(t, r, http.StatusUnauthorized, "callback without state cookie")
	wantBody(t, r, "Sign in", "Your sign-in has expired or was started in another browser")

	// The second sign-in finds the linked user rather than making another.
	b2 := w.browser(t)
	wantRedirect(t, b2.getAbs(b2.oidcCallback("/")), "/", "second OIDC sign-in")
	page, err := w.svc.ListUsers(w.ctx, w.admin, identity.UserFilter{Text: "sam.case"})
	noErr(t, err)
	if len(page.Users) != 1 || page.Users[0].HasPassword {
		t.Fatalf("users after two sign-ins: %+v", page.Users)
	}

	// A refusal at the provider is shown on the sign-in page.
	idp.SetAuthorizeError("access_denied", "user said no <script>")
	b3 := w.browser(t)
	r = b3.getAbs(b3.oidcCallback("/"))
	want(t, r, http.StatusForbidden, "access denied at the provider")
	wantBody(t, r, "Sign-in with Council staff account was cancelled or refused")
	if b3.session() != "" {
		t.Fatal("session after a refusal")
	}

	// Someone in no mapped group is refused with a message saying why.
	idp.SetAuthorizeError("", "")
	idp.SetUser(oidctest.User{Subject: "entra-999", Email: "canteen@northshire.gov.uk", EmailVerified: true, Name: "C", Groups: []string{"grp-canteen"}})
	b4 := w.browser(t)
	r = b4.getAbs(b4.oidcCallback("/"))
	want(t, r, http.StatusForbidden, "no mapped group")
	wantBody(t, r, "is not allowed to use this service")

	// An unverified email cannot create or link an account.
	idp.SetUser(oidctest.User{Subject: "entra-555", Email: "admin@northshire.gov.uk", EmailVerified: false, Name: "Mallory", Groups: []string{"grp-case"}})
	b5 := w.browser(t)
	r = b5.getAbs(b5.oidcCallback("/"))
	want(t, r, http.StatusForbidden, "unverified email")
	wantBody(t, r, "no verified email address")
	if b5.session() != "" {
		t.Fatal("an unverified email signed in")
	}

	want(t, w.browser(t).get("/sign-in/oidc/nope"), http.StatusNotFound, "unknown provider")
	want(t, w.browser(t).get("/sign-in/oidc/nope/callback"), http.StatusNotFound, "unknown provider callback")
}
