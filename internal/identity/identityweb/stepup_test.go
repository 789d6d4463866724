package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Over the real API, an admin-scope token can neither make an admin nor
// mint an admin-scope token, so it cannot escalate by minting one for an
// admin it made; each refusal is a 403 saying why.
func TestWebAPITokensCannotMakeAdmins(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		w := newWebEnv(t, db, nil)
		tok := w.tokenFor(t, w.admin, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
		refused := func(method, path, body, what string) {
			t.Helper()
			r, problem := w.api(t, tok, method, path, body)
			wantProblem(t, r, http.StatusForbidden, what)
			if detail, _ := problem["detail"].(string); !strings.Contains(detail, "API tokens cannot") {
				t.Fatalf("%s: the refusal does not say why: %s", what, r.body)
			}
		}
		refused("POST", "/api/v1/users", `{"email":"root@northshire.gov.uk","name":"Rory Root","roles":["admin"]}`, "create an admin")
		refused("POST", "/api/v1/users", `{"email":"root@northshire.gov.uk","name":"Rory Root","roles":["staff","admin"],"password":"a long passphrase here"}`,
			"create an admin with a password")

		r, body := w.api(t, tok, "POST", "/api/v1/users", `{"email":"svc@northshire.gov.uk","name":"Service Account","roles":["staff"]}`)
		want(t, r, http.StatusCreated, "create a staff account")
		id, _ := body["id"].(string)
		refused("PATCH", "/api/v1/users/"+id, `{"roles":["admin"]}`, "grant the admin role")
		ivy := w.mustUser(w.sys, "it@northshire.gov.uk", "Ivy IT", []platform.Role{platform.RoleAdmin}, nil, "")
		refused("POST", "/api/v1/tokens", `{"user_id":"`+ivy.ID+`","name":"escalate","scopes":["admin"]}`, "admin token for another admin")
		refused("POST", "/api/v1/tokens", `{"user_id":"`+ivy.ID+`","name":"escalate","scopes":["read","write","admin"]}`, "admin token with more")
		r, _ = w.api(t, tok, "POST", "/api/v1/tokens", `{"user_id":"`+id+`","name":"sync","scopes":["read"]}`)
		want(t, r, http.StatusCreated, "a read token for a service account")

		// Nothing was made an admin: Ada and Ivy (made by the CLI) are the only ones.
		r, body = w.api(t, tok, "GET", "/api/v1/users?role=admin", "")
		want(t, r, http.StatusOK, "list admins")
		if items := body["items"].([]any); len(items) != 2 {
			t.Fatalf("%d admins after the refusals: %s", len(items), r.body)
		}
		if n := denials(w.auditActions(w.org.ID), "", ""); n != 5 {
			t.Fatalf("%d refusals audited, want 5", n)
		}
	})
}

// On the pages, an admin who entered their code in the last 15 minutes adds
// admins and admin-scope tokens; later they are sent to enter a code again
// and brought back to the form.
func TestWebAdminKeysAskForTheCodeAgain(t *testing.T) {
	w := sqliteWeb(t)
	b := w.browser(t)
	secret := b.signInAdmin("")
	newAdmin := func(email string) reply {
		b.get("/users/new")
		return b.post("/users/new", url.Values{"email": {email}, "name": {"Dee Deputy"}, "roles": {"admin"}, "sign_in": {"password"}})
	}
	r := newAdmin("deputy@northshire.gov.uk")
	want(t, r, http.StatusCreated, "an admin added just after sign-in")

	w.clock.Add(identity.StepUpWindow + time.Minute)
	r = newAdmin("second@northshire.gov.uk")
	wantRedirect(t, r, "/account/confirm?return=%2Fusers%2Fnew", "a stale second factor")
	page := b.get(r.location())
	want(t, page, http.StatusOK, "confirm page")
	wantBody(t, page, "Confirm it is you", "authenticator app", `name="code"`, `value="/users/new"`)
	r = b.post("/account/confirm", url.Values{"code": {"000000"}, "return": {"/users/new"}})
	want(t, r, http.StatusUnprocessableEntity, "a wrong code")
	wantBody(t, r, `href="#code"`)
	before := b.session()
	r = b.post("/account/confirm", url.Values{"code": {w.code(secret)}, "return": {"/users/new"}})
	wantRedirect(t, r, "/users/new", "the right code")
	if b.session() == before || b.session() == "" {
		t.Fatal("the session token did not change at the second-factor step")
	}
	want(t, newAdmin("second@northshire.gov.uk"), http.StatusCreated, "an admin added after confirming")

	// The same for a token with the admin scope on the tokens page.
	w.clock.Add(identity.StepUpWindow + time.Minute)
	b.get("/tokens/new")
	r = b.post("/tokens/new", url.Values{"name": {"Ops"}, "scopes": {"read", "admin"}, "expires": {"30"}})
	wantRedirect(t, r, "/account/confirm?return=%2Ftokens%2Fnew", "admin-scope token with a stale second factor")
	r = b.post("/tokens/new", url.Values{"name": {"Reports"}, "scopes": {"read"}, "expires": {"30"}})
	want(t, r, http.StatusCreated, "a read token needs no fresh code")
	b.get("/account/confirm?return=%2Ftokens%2Fnew")
	wantRedirect(t, b.post("/account/confirm", url.Values{"code": {w.code(secret)}, "return": {"/tokens/new"}}), "/tokens/new", "confirm")
	b.get("/tokens/new")
	r = b.post("/tokens/new", url.Values{"name": {"Ops"}, "scopes": {"read", "admin"}, "expires": {"30"}})
	want(t, r, http.StatusCreated, "admin-scope token after confirming")

	// Someone without a second factor is told to set one up first.
	w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	sam := w.browser(t)
	wantRedirect(t, sam.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "staff sign-in")
	wantBody(t, sam.get("/account/confirm"), "You have not set up two-factor authentication")
}
