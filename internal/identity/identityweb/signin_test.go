package identityweb

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

func TestWebAdminSignInWithTOTPSetupThenCode(t *testing.T) {
	w := sqliteWeb(t)
	b := w.browser(t)

	// Password step: a pending session under a first cookie.
	r := b.signIn("admin@northshire.gov.uk", testPassword, "/users?role=admin")
	wantRedirect(t, r, "/sign-in/totp/setup?return=%2Fusers%3Frole%3Dadmin", "password step")
	pending := b.session()
	if pending == "" {
		t.Fatal("no session cookie after the password step")
	}
	// A pending session is not a signed-in one.
	wantRedirect(t, b.get("/account"), "/sign-in?return=%2Faccount", "account while pending")
	b.setSession(pending) // the shell cleared it on that page, as for any stale cookie

	setup := b.get("/sign-in/totp/setup?return=%2Fusers%3Frole%3Dadmin")
	want(t, setup, http.StatusOK, "setup page")
	wantBody(t, setup, `<img class="dbtp-qr-code" src="data:image/png;base64,`, "Set up two-factor authentication")
	if b.session() != pending {
		t.Fatal("the setup page lost the pending session cookie")
	}
	secret := strings.ReplaceAll(secretIn(t, setup), " ", "")

	// A wrong code keeps the same secret on the page and the same session.
	bad := b.post("/sign-in/totp/setup", url.Values{"code": {"000000"}, "return": {"/users?role=admin"}})
	want(t, bad, http.StatusUnprocessableEntity, "wrong setup code")
	wantBody(t, bad, "There is a problem", `href="#code"`, "The code is not right")
	if got := strings.ReplaceAll(secretIn(t, bad), " ", ""); got != secret {
		t.Fatal("a wrong code changed the secret being enrolled")
	}

	r = b.post("/sign-in/totp/setup", url.Values{"code": {w.code(secret)}, "return": {"/users?role=admin"}})
	wantRedirect(t, r, "/users?role=admin", "setup confirmed")
	full := b.session()
	if full == "" || full == pending {
		t.Fatal("session cookie not rotated when the second factor was set up")
	}
	want(t, b.get("/account"), http.StatusOK, "account when signed in")

	// The pending cookie is dead after rotation.
	old := w.browser(t)
	old.setSession(pending)
	wantRedirect(t, old.get("/account"), "/sign-in", "old pending cookie")

	// Sign out, then sign in again: this time a code is asked for.
	wantRedirect(t, b.post("/sign-out", nil), "/sign-in", "sign-out")
	if b.session() != "" {
		t.Fatal("sign-out left the session cookie")
	}
	reuse := w.browser(t)
	reuse.setSession(full)
	wantRedirect(t, reuse.get("/account"), "/sign-in", "signed-out session reused")

	r = b.signIn("admin@northshire.gov.uk", testPassword, "")
	wantRedirect(t, r, "/sign-in/totp", "second password step")
	pending2 := b.session()
	if pending2 == "" || pending2 == full || pending2 == pending {
		t.Fatal("second sign-in did not get a fresh cookie")
	}
	want(t, b.get("/sign-in/totp"), http.StatusOK, "code page")
	// The code used at enrolment is refused (single use) in the same step.
	r = b.post("/sign-in/totp", url.Values{"code": {w.code(secret)}})
	want(t, r, http.StatusUnprocessableEntity, "replayed code")
	w.clock.Add(31 * time.Second)
	r = b.post("/sign-in/totp", url.Values{"code": {w.code(secret)}})
	wantRedirect(t, r, "/", "code accepted")
	if s := b.session(); s == "" || s == pending2 {
		t.Fatal("session cookie not rotated after the code")
	}
	acct := b.get("/account")
	want(t, acct, http.StatusOK, "account")
	wantBody(t, acct, "Ada Admin", "admin@northshire.gov.uk", "Northshire Council", "Admin")
}

func TestWebSignInErrorsAndReturn(t *testing.T) {
	w := sqliteWeb(t)
	w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	b := w.browser(t)

	// A signed-out page visit goes to sign-in and comes back.
	wantRedirect(t, b.get("/tokens?x=1"), "/sign-in?return=%2Ftokens%3Fx%3D1", "signed-out page")

	// Empty fields: one message each, linked to the field.
	r := b.post("/sign-in", url.Values{"org": {"northshire"}, "email": {""}, "password": {""}})
	want(t, r, http.StatusForbidden, "sign-in post without a CSRF cookie")
	wantBody(t, b.get("/sign-in"), `<input type="hidden" name="org" value="northshire">`)
	w.otherOrg()
	wantBody(t, b.get("/sign-in"), `<option value="northshire" selected>`, `<option value="northshire-trading">`)
	wantBody(t, b.get("/sign-in?org=northshire-trading"), `<option value="northshire-trading" selected>`, `<label class="govuk-label" for="org">Organisation</label>`)
	r = b.post("/sign-in", url.Values{"org": {"northshire"}, "email": {""}, "password": {""}})
	want(t, r, http.StatusUnprocessableEntity, "empty fields")
	wantBody(t, r, `href="#email"`, "Enter your email address", `href="#password"`, "Enter your password")

	// Wrong password, unknown email, unknown organisation: the same words.
	for _, f := range []url.Values{
		{"org": {"northshire"}, "email": {"sam@northshire.gov.uk"}, "password": {"wrong password here"}},
		{"org": {"northshire"}, "email": {"nobody@northshire.gov.uk"}, "password": {testPassword}},
		{"org": {"nowhere"}, "email": {"sam@northshire.gov.uk"}, "password": {testPassword}},
		{"org": {"northshire"}, "email": {"not an email"}, "password": {testPassword}},
	} {
		r = b.post("/sign-in", f)
		want(t, r, http.StatusUnprocessableEntity, "bad credentials")
		wantBody(t, r, "Enter a correct email address and password", `value="`+f.Get("email")+`"`)
		if strings.Contains(r.body, testPassword) {
			t.Fatal("the password was echoed into the page")
		}
	}

	// A good sign-in returns to the page asked for, but never off-site.
	r = b.signIn("sam@northshire.gov.uk", testPassword, "/tokens?x=1")
	wantRedirect(t, r, "/tokens?x=1", "sign-in with return")
	if r.location() != "/tokens?x=1" {
		t.Fatalf("returned to %q", r.location())
	}
	b2 := w.browser(t)
	r = b2.signIn("sam@northshire.gov.uk", testPassword, "//evil.example/x")
	if r.location() != "/" {
		t.Fatalf("off-site return path followed: %q", r.location())
	}
	// Signed in, the sign-in page sends people on.
	wantRedirect(t, b2.get("/sign-in"), "/", "sign-in page when signed in")
}

func TestWebSignInThrottled(t *testing.T) {
	w := sqliteWeb(t)
	b := w.browser(t)
	b.get("/sign-in")
	bad := url.Values{"org": {"northshire"}, "email": {"admin@northshire.gov.uk"}, "password": {"not the password"}}
	for i := range 5 { // identity locks an account after five failures
		want(t, b.post("/sign-in", bad), http.StatusUnprocessableEntity, "failure "+string(rune('1'+i)))
	}
	r := b.post("/sign-in", bad)
	want(t, r, http.StatusTooManyRequests, "locked account")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("429 without Retry-After: %q", ra)
	}
	wantBody(t, r, "Too many failed attempts")
	// Even the right password waits for the lock.
	r = b.post("/sign-in", url.Values{"org": {"northshire"}, "email": {"admin@northshire.gov.uk"}, "password": {testPassword}})
	want(t, r, http.StatusTooManyRequests, "right password while locked")
}

func TestWebCSRFRequired(t *testing.T) {
	w := sqliteWeb(t)
	b := w.browser(t)
	b.get("/sign-in")
	r := b.post("/sign-in", url.Values{web.CSRFField: {""}, "org": {"northshire"}, "email": {"admin@northshire.gov.uk"}, "password": {testPassword}})
	want(t, r, http.StatusForbidden, "sign-in without a CSRF token")
	if b.session() != "" {
		t.Fatal("a session was started without a CSRF token")
	}
	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	admin.get("/business-units")
	r = admin.post("/business-units", url.Values{web.CSRFField: {"forged"}, "name": {"Finance"}})
	want(t, r, http.StatusForbidden, "form post with a forged token")
	units, err := w.svc.ListUnits(w.ctx, w.admin)
	noErr(t, err)
	if len(units) != 0 {
		t.Fatal("a forged post changed data")
	}
}

func TestWebSignOutEverywhere(t *testing.T) {
	w := sqliteWeb(t)
	w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	phone, laptop := w.browser(t), w.browser(t)
	wantRedirect(t, phone.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "phone")
	wantRedirect(t, laptop.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "laptop")
	want(t, laptop.get("/account"), http.StatusOK, "laptop account")
	r := phone.get("/account")
	want(t, r, http.StatusOK, "phone account")
	wantBody(t, r, "Sign out everywhere", "Sam Staff", "Staff")
	wantRedirect(t, phone.post("/account/sign-out-everywhere", nil), "/sign-in", "sign out everywhere")
	wantRedirect(t, phone.get("/account"), "/sign-in", "phone after")
	wantRedirect(t, laptop.get("/account"), "/sign-in", "laptop after")

	// Change password ends the other sessions but keeps this one.
	wantRedirect(t, phone.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "phone again")
	wantRedirect(t, laptop.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "laptop again")
	phone.get("/account")
	r = phone.post("/account/password", url.Values{"current_password": {"wrong one"}, "new_password": {"short"}})
	want(t, r, http.StatusUnprocessableEntity, "bad password change")
	wantBody(t, r, `href="#new_password"`, "at least 12 characters")
	r = phone.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {"a brand new passphrase"}})
	wantRedirect(t, r, "/account", "password changed")
	want(t, phone.get("/account"), http.StatusOK, "this session stays")
	wantRedirect(t, laptop.get("/account"), "/sign-in", "other session ended")
}

func TestWebAccountTOTPEnrolmentForStaff(t *testing.T) {
	w := sqliteWeb(t)
	w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	b := w.browser(t)
	wantRedirect(t, b.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "sign in")
	wantBody(t, b.get("/account"), `href="/sign-in/totp/setup?return=%2Faccount"`, "Not set up")
	before := b.session()
	setup := b.get("/sign-in/totp/setup?return=%2Faccount")
	want(t, setup, http.StatusOK, "setup from account")
	secret := strings.ReplaceAll(secretIn(t, setup), " ", "")
	wantRedirect(t, b.post("/sign-in/totp/setup", url.Values{"code": {w.code(secret)}, "return": {"/account"}}), "/account", "enrolled")
	if b.session() == before {
		t.Fatal("session not rotated on enrolment")
	}
	wantBody(t, b.get("/account"), "Two-factor authentication is set up")
	// From now on a code is asked for at sign-in.
	c := w.browser(t)
	wantRedirect(t, c.signIn("sam@northshire.gov.uk", testPassword, ""), "/sign-in/totp", "code required")
	// The code page on its own, without a pending session, restarts sign-in.
	wantRedirect(t, w.browser(t).get("/sign-in/totp"), "/sign-in", "code page without a session")
}
