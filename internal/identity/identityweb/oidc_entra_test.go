package identityweb

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/identity"
	"dbtp/internal/identity/oidc"
	"dbtp/internal/identity/oidc/oidctest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

const (
	entraTenant = "8c6f2b1e-3d4a-4f5b-9c7d-0e1f2a3b4c5d"
	samOID      = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
)

// entraToken is a member of the tenant as Entra describes one: tid, oid, a
// UPN, a changeable email attribute and no email_verified.
func entraToken(sub, oid, upn string, extra map[string]any) oidctest.User {
	claims := map[string]any{"tid": entraTenant, "oid": oid, "preferred_username": upn}
	for k, v := range extra {
		claims[k] = v
	}
	return oidctest.User{Subject: sub, Email: "anything@elsewhere.example", NoEmailVerified: true, Name: "Sam from Entra",
		Groups: []string{"grp-case"}, Claims: claims}
}

// entraWeb is the web env with an "entra" provider shaped like Entra ID,
// whose organisation is named by short name, as DBTP_OIDC_ENTRA_ORG names it.
func entraWeb(t *testing.T, org string) (*webEnv, *oidctest.Server) {
	var idp *oidctest.Server
	w := newWebEnvOrgs(t, storetest.Open(t, store.SQLite, testMods), func(e *env, base string) []*oidc.Provider {
		redirect := base + "/sign-in/oidc/entra/callback"
		idp = oidctest.Start(t, oidctest.Config{ClientID: "dbtp", ClientSecret: "client-secret", RedirectURL: redirect,
			Path: "/" + entraTenant + "/v2.0", User: entraToken("sub-app-1", samOID, "Sam.Case@northshire.gov.uk", nil)})
		key := make([]byte, oidc.CookieKeySize)
		_, _ = rand.Read(key)
		p, err := oidc.New(e.ctx, oidc.Config{Name: "entra", DisplayName: "Council staff account", Issuer: idp.URL,
			ClientID: "dbtp", ClientSecret: "client-secret", RedirectURL: redirect, EntraTenant: entraTenant,
			RoleClaim: "groups", RoleMap: map[string]platform.Role{"grp-case": platform.RoleCaseworker}, CookieKey: key}, nil)
		noErr(t, err)
		return []*oidc.Provider{p}
	}, map[string]string{"entra": org})
	return w, idp
}

func TestWebEntraMatchesByUPNThenObjectID(t *testing.T) {
	w, idp := entraWeb(t, "northshire")
	sam := w.mustUser(w.sys, "sam.case@northshire.gov.uk", "Sam Case", []platform.Role{platform.RoleStaff}, nil, testPassword)

	// First sign-in: no email_verified, yet the member's UPN finds the
	// existing account (whose roles are dbtp's, not the token's).
	b := w.browser(t)
	wantRedirect(t, b.getAbs(b.oidcCallback("/account")), "/account", "first Entra sign-in")
	acct := b.get("/account")
	wantBody(t, acct, "Sam Case", "sam.case@northshire.gov.uk", "Staff")

	// The UPN is renamed and the app registered afresh (a new sub): the
	// link by tenant and object ID still finds Sam.
	idp.SetUser(entraToken("sub-app-2", samOID, "samuel.case@northshire.gov.uk", nil))
	b = w.browser(t)
	wantRedirect(t, b.getAbs(b.oidcCallback("/account")), "/account", "sign-in after a UPN rename")
	wantBody(t, b.get("/account"), "Sam Case", "sam.case@northshire.gov.uk")

	// One account, with no password lost: the link was added, not a user.
	page, err := w.svc.ListUsers(w.ctx, w.admin, identity.UserFilter{Text: "case"})
	noErr(t, err)
	if len(page.Users) != 1 || page.Users[0].ID != sam.ID || !page.Users[0].HasPassword {
		t.Fatalf("users after two Entra sign-ins: %+v", page.Users)
	}

	// A guest (authenticated by another directory) with the admin's address
	// as their preferred_username takes nothing.
	idp.SetUser(entraToken("sub-guest", "9f9f9f9f-0000-1111-2222-333333333333", "admin@northshire.gov.uk",
		map[string]any{"idp": "https://sts.windows.net/11111111-2222-3333-4444-555555555555/"}))
	b = w.browser(t)
	r := b.getAbs(b.oidcCallback("/"))
	want(t, r, http.StatusForbidden, "guest with someone else's address")
	wantBody(t, r, "no verified email address")
	if b.session() != "" {
		t.Fatal("a guest's preferred_username took an account")
	}

	// A new member of the tenant gets an account named by their UPN.
	idp.SetUser(entraToken("sub-new", "12345678-9abc-def0-1234-56789abcdef0", "new.starter@northshire.gov.uk", nil))
	b = w.browser(t)
	wantRedirect(t, b.getAbs(b.oidcCallback("/account")), "/account", "new member")
	wantBody(t, b.get("/account"), "Sam from Entra", "new.starter@northshire.gov.uk", "Caseworker")
}

func TestWebSSOOrganisationLookedUpAtSignIn(t *testing.T) {
	// The provider names an organisation that does not exist yet, as on a
	// fresh demo data folder: the server starts, sign-in explains...
	w, _ := entraWeb(t, "kent")
	b := w.browser(t)
	r := b.getAbs(b.oidcCallback("/"))
	want(t, r, http.StatusForbidden, "organisation missing")
	wantBody(t, r, "not set up for an organisation here")
	// ...and works once the organisation is created.
	w.mustOrg("kent", "Kent County Council", platform.OrgCouncil)
	b = w.browser(t)
	wantRedirect(t, b.getAbs(b.oidcCallback("/account")), "/account", "organisation created")
	wantBody(t, b.get("/account"), "Sam from Entra", "Sam.Case@northshire.gov.uk", "Kent County Council")
}

func TestWebProviderErrorsShownWithAWayBack(t *testing.T) {
	w, idp := oidcWeb(t)
	for _, c := range []struct {
		code, desc string
		status     int
		text       string
	}{
		{"invalid_scope", "AADSTS70011: The provided value for scope bogus is not valid.", http.StatusBadGateway,
			"Sign-in with Council staff account is not set up correctly"},
		{"temporarily_unavailable", "", http.StatusServiceUnavailable, "Council staff account is having problems at the moment"},
		{"access_denied", "", http.StatusForbidden, "Sign-in with Council staff account was cancelled or refused"},
	} {
		idp.SetAuthorizeError(c.code, c.desc)
		b := w.browser(t)
		r := b.getAbs(b.oidcCallback("/"))
		want(t, r, c.status, c.code)
		// The sign-in page, with the message and the button to start again.
		wantBody(t, r, "There is a problem", c.text, `href="/sign-in/oidc/entra`)
		if c.desc != "" {
			wantBody(t, r, "AADSTS70011")
			if strings.Contains(r.body, "provided value") {
				t.Errorf("%s: the provider's description was shown", c.code)
			}
		}
	}
}

func TestOIDCFromEnv(t *testing.T) {
	idp := oidctest.Start(t, oidctest.Config{ClientID: "dbtp", ClientSecret: "s"})
	key := make([]byte, oidc.CookieKeySize)
	_, _ = rand.Read(key)
	env := map[string]string{
		"DBTP_OIDC_PROVIDERS": "dex, onelogin", "DBTP_OIDC_COOKIE_KEY": base64.StdEncoding.EncodeToString(key),
		"DBTP_OIDC_DEX_ISSUER": idp.URL, "DBTP_OIDC_DEX_CLIENT_ID": "dbtp", "DBTP_OIDC_DEX_CLIENT_SECRET": "s",
		"DBTP_OIDC_DEX_DEFAULT_ROLE": "staff", "DBTP_OIDC_DEX_ORG": "not-created-yet",
		"DBTP_OIDC_ONELOGIN_ISSUER": idp.URL, "DBTP_OIDC_ONELOGIN_CLIENT_ID": "dbtp", "DBTP_OIDC_ONELOGIN_CLIENT_SECRET": "s",
		"DBTP_OIDC_ONELOGIN_DEFAULT_ROLE": "resident", "DBTP_OIDC_ONELOGIN_ORG": "kent", "DBTP_OIDC_ONELOGIN_SCOPES": "openid email phone",
	}
	ps, orgs, err := oidcFromEnv(context.Background(), func(k string) string { return env[k] }, "http://127.0.0.1:1")
	noErr(t, err)
	if len(ps) != 2 || orgs["dex"] != "not-created-yet" || orgs["onelogin"] != "kent" {
		t.Fatalf("providers %d, orgs %v", len(ps), orgs)
	}
	if got := ps[0].Scopes(); !slices.Equal(got, []string{"openid", "email", "profile"}) {
		t.Errorf("default scopes = %v", got)
	}
	if got := ps[1].Scopes(); !slices.Equal(got, []string{"openid", "email", "phone"}) {
		t.Errorf("configured scopes = %v", got)
	}
	env["DBTP_OIDC_DEX_ENTRA_TENANT"] = entraTenant // not the tenant the issuer names
	if _, _, err := oidcFromEnv(context.Background(), func(k string) string { return env[k] }, "http://127.0.0.1:1"); err == nil ||
		!strings.Contains(err.Error(), "tenant") {
		t.Errorf("a tenant the issuer does not name: %v", err)
	}
}
