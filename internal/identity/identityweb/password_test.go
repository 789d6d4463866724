package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
)

// Weak passwords are refused with the reason, on the account page and in
// the API, and nothing changes.
func TestWebWeakPasswordsRefused(t *testing.T) {
	w := sqliteWeb(t)
	w.mustUser(w.sys, "sam.staff@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	b := w.browser(t)
	wantRedirect(t, b.signIn("sam.staff@northshire.gov.uk", testPassword, ""), "/", "sign in")
	for weak, why := range map[string]string{
		"password1234":      "one of the most common passwords",
		"aaaaaaaaaaaa":      "must not repeat a character",
		"123456789012":      "run of consecutive characters",
		"staff room rota 1": "must not contain your name",
	} {
		b.get("/account")
		r := b.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {weak}})
		want(t, r, http.StatusUnprocessableEntity, weak)
		wantBody(t, r, `href="#new_password"`, why)
	}
	wantRedirect(t, w.browser(t).signIn("sam.staff@northshire.gov.uk", testPassword, ""), "/", "the old password still works")

	tok := w.tokenFor(t, w.admin, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
	r, problem := w.api(t, tok, "POST", "/api/v1/users", `{"email":"jo@northshire.gov.uk","name":"Jo Bloggs","roles":["staff"],"password":"Password1234"}`)
	wantProblem(t, r, http.StatusUnprocessableEntity, "API: common password")
	if !strings.Contains(r.body, "most common passwords") {
		t.Fatalf("the API does not say why: %v", problem)
	}
	r, _ = w.api(t, tok, "GET", "/api/v1/users?q=jo@", "")
	if strings.Contains(r.body, "jo@northshire.gov.uk") {
		t.Fatal("a user was created with a refused password")
	}
}
