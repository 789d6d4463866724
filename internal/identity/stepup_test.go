package identity

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// keyActions tries everything that hands out the keys to the organisation:
// creating an admin, granting the admin role, resetting an admin's password
// and second factor, and minting an admin-scope token for someone else.
// Each returns its error.
func keyActions(e *env, sub *platform.Subject, n int) map[string]error {
	e.t.Helper()
	target := e.mustUser(e.sys, "target"+string(rune('a'+n))+"@northshire.gov.uk", "Tara Target", []platform.Role{platform.RoleStaff}, nil, "")
	admin2 := e.mustUser(e.sys, "admin"+string(rune('a'+n))+"@northshire.gov.uk", "Adam Second", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	out := map[string]error{}
	_, out["create admin"] = e.svc.CreateUser(e.ctx, sub, NewUser{Email: "new" + string(rune('a'+n)) + "@northshire.gov.uk", Name: "Nadia New",
		Roles: []platform.Role{platform.RoleAdmin}})
	_, out["grant admin"] = e.svc.UpdateUser(e.ctx, sub, target.ID, UserChanges{Name: target.Name, Roles: []platform.Role{platform.RoleAdmin}})
	_, out["admin token"] = e.svc.CreateTokenFor(e.ctx, sub, admin2.ID, NewToken{Name: "escalate", Scopes: []string{ScopeAdmin}})
	_, out["reset admin password"] = e.svc.ResetPassword(e.ctx, sub, admin2.ID)
	out["reset admin TOTP"] = e.svc.ResetTOTP(e.ctx, sub, admin2.ID)
	return out
}

func TestAdminKeysNeedARecentSecondFactor(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)

		// An admin-scope API token: refused, each with a clear 403, audited.
		ct, err := e.svc.CreateTokenFor(e.ctx, e.sys, e.adminU.ID, NewToken{Name: "ops", Scopes: []string{ScopeRead, ScopeWrite, ScopeAdmin}})
		noErr(t, err)
		tok, err := e.svc.TokenSubject(e.ctx, ct.Secret, "192.0.2.5")
		noErr(t, err)
		for what, err := range keyActions(e, tok, 0) {
			wantCode(t, err, platform.CodeForbidden)
			if !strings.Contains(platform.AsError(err).Message, "API tokens cannot") {
				t.Errorf("%s by a token: %q does not say why", what, platform.AsError(err).Message)
			}
		}
		if n := denials(e.auditActions(e.org.ID), "", ""); n != 5 {
			t.Fatalf("%d denials audited, want 5", n)
		}
		// The same token still does ordinary administration.
		_, err = e.svc.CreateUser(e.ctx, tok, NewUser{Email: "clerk@northshire.gov.uk", Name: "Clerk", Roles: []platform.Role{platform.RoleStaff}})
		noErr(t, err)
		_, err = e.svc.CreateTokenFor(e.ctx, tok, e.adminU.ID, NewToken{Name: "reader", Scopes: []string{ScopeRead}})
		noErr(t, err)

		// A subject with no session behind it (nobody entered a code).
		for what, err := range keyActions(e, e.admin, 1) {
			wantCode(t, err, platform.CodeForbidden)
			if NeedsRecentSecondFactor(err) {
				t.Errorf("%s without a session: a code cannot help, but the error says it would", what)
			}
		}

		// An admin who has just entered their code may; 15 minutes later not.
		admin := e.signedIn(e.adminU.Email)
		for what, err := range keyActions(e, admin, 2) {
			if err != nil {
				t.Fatalf("%s after a fresh second factor: %v", what, err)
			}
		}
		e.clock.Add(StepUpWindow + time.Second)
		for what, err := range keyActions(e, admin, 3) {
			wantCode(t, err, platform.CodeForbidden)
			if !NeedsRecentSecondFactor(err) || !strings.Contains(platform.AsError(err).Message, "authenticator app") {
				t.Errorf("%s with a stale second factor: %v", what, err)
			}
		}

		// The CLI (the platform subject) is the operator on the machine.
		for what, err := range keyActions(e, e.sys, 4) {
			if err != nil {
				t.Fatalf("%s from the CLI: %v", what, err)
			}
		}
	})
}

// Entering a code again refreshes the session's second factor, rotates its
// token and counts like any other code: once only, wrong ones throttled.
func TestConfirmSecondFactor(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		res, err := e.svc.SignIn(e.ctx, e.org.Slug, e.adminU.Email, testPassword, "")
		noErr(t, err)
		enr, err := e.svc.BeginTOTPSetup(e.ctx, res.Token)
		noErr(t, err)
		res, err = e.svc.ConfirmTOTPSetup(e.ctx, res.Token, e.code(enr.Secret), "")
		noErr(t, err)
		e.clock.Add(20 * time.Minute)
		admin, err := e.svc.SessionSubject(e.ctx, res.Token, "")
		noErr(t, err)
		promote := func(sub *platform.Subject, email string) error {
			_, err := e.svc.CreateUser(e.ctx, sub, NewUser{Email: email, Name: "Nadia New", Roles: []platform.Role{platform.RoleAdmin}})
			return err
		}
		if err := promote(admin, "one@northshire.gov.uk"); !NeedsRecentSecondFactor(err) {
			t.Fatalf("20 minutes after the code: %v", err)
		}

		_, err = e.svc.ConfirmSecondFactor(e.ctx, res.Token, "000000", "192.0.2.1")
		wantField(t, err, "code")
		code := e.code(enr.Secret)
		done, err := e.svc.ConfirmSecondFactor(e.ctx, res.Token, code, "192.0.2.1")
		noErr(t, err)
		if done.Token == res.Token || done.SessionID != res.SessionID || !done.ExpiresAt.Equal(res.ExpiresAt) {
			t.Fatalf("confirmed %+v from %+v: want a new token for the same session and lifetime", done, res)
		}
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized) // the old token is gone
		admin, err = e.svc.SessionSubject(e.ctx, done.Token, "")
		noErr(t, err)
		noErr(t, promote(admin, "two@northshire.gov.uk"))
		_, err = e.svc.ConfirmSecondFactor(e.ctx, done.Token, code, "192.0.2.1")
		wantField(t, err, "code") // each code works once

		// Wrong codes lock the account like wrong passwords (five in all,
		// counting the reused one).
		for range 4 {
			_, err = e.svc.ConfirmSecondFactor(e.ctx, done.Token, "000000", "192.0.2.1")
			wantField(t, err, "code")
		}
		e.clock.Add(30 * time.Second)
		_, err = e.svc.ConfirmSecondFactor(e.ctx, done.Token, e.code(enr.Secret), "192.0.2.1")
		wantCode(t, err, platform.CodeRateLimited)

		// Someone without a second factor has nothing to confirm with.
		staff := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
		s, err := e.svc.SignIn(e.ctx, e.org.Slug, staff.Email, testPassword, "")
		noErr(t, err)
		_, err = e.svc.ConfirmSecondFactor(e.ctx, s.Token, "123456", "")
		wantCode(t, err, platform.CodeConflict)

		entries := e.auditActions(e.org.ID)
		if !hasEntry(entries, "session.totp_confirm", audit.Success) || !hasEntry(entries, "session.totp_confirm", audit.Failure) ||
			!hasEntry(entries, "user.create", audit.Denied) {
			t.Fatal("confirmations and refusals not audited")
		}
	})
}
