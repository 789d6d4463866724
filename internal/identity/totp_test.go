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

// RFC 6238 appendix B, SHA-1 rows, last six digits.
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1111111111: "050471",
		1234567890: "005924", 2000000000: "279037", 20000000000: "353130"} {
		if got := totpCode(secret, uint64(unix/30)); got != want {
			t.Errorf("T=%d: got %s, want %s", unix, got, want)
		}
	}
	enc := totpEncoding.EncodeToString(secret)
	now := time.Unix(1111111109, 0)
	if _, ok := checkTOTP(enc, "081804", now, 0); !ok {
		t.Fatal("current code refused")
	}
	if _, ok := checkTOTP(enc, "081804", now.Add(30*time.Second), 0); !ok {
		t.Fatal("one step of drift refused")
	}
	if _, ok := checkTOTP(enc, "081804", now.Add(61*time.Second), 0); ok {
		t.Fatal("code accepted two steps late")
	}
	if _, ok := checkTOTP(enc, "081804", now, 1111111109/30); ok {
		t.Fatal("reused step accepted")
	}
	for _, bad := range []string{"", "08180", "0818045", "08180a", "-81804"} {
		if _, ok := checkTOTP(enc, bad, now, 0); ok {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestAdminTOTP(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// An admin without TOTP gets a session that can only enrol.
		res, err := e.svc.SignIn(e.ctx, e.org.Slug, e.adminU.Email, testPassword, "192.0.2.1")
		noErr(t, err)
		if res.State != StateNeedsTOTPSetup {
			t.Fatalf("state %s", res.State)
		}
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		st, err := e.svc.SessionState(e.ctx, res.Token)
		noErr(t, err)
		if st != StateNeedsTOTPSetup {
			t.Fatal(st)
		}
		_, err = e.svc.VerifyTOTP(e.ctx, res.Token, "123456", "")
		wantCode(t, err, platform.CodeConflict)

		enr, err := e.svc.BeginTOTPSetup(e.ctx, res.Token)
		noErr(t, err)
		if !strings.HasPrefix(enr.URI, "otpauth://totp/Northshire%20Council:admin@northshire.gov.uk?") ||
			!strings.Contains(enr.URI, "secret="+enr.Secret) || !strings.HasPrefix(enr.QRCode, "data:image/png;base64,iVBOR") {
			t.Fatalf("enrolment %+v", enr)
		}
		_, err = e.svc.ConfirmTOTPSetup(e.ctx, res.Token, "000000", "")
		wantField(t, err, "code")
		full, err := e.svc.ConfirmTOTPSetup(e.ctx, res.Token, e.code(enr.Secret), "192.0.2.1")
		noErr(t, err)
		if full.State != StateSignedIn || full.Token == res.Token {
			t.Fatal("session not rotated to a complete one")
		}
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		sub, err := e.svc.SessionSubject(e.ctx, full.Token, "")
		noErr(t, err)
		if !sub.HasRole(platform.RoleAdmin) {
			t.Fatal("admin lost role")
		}
		_, err = e.svc.BeginTOTPSetup(e.ctx, full.Token)
		wantCode(t, err, platform.CodeConflict)

		// Next sign-in asks for a code; the code used at enrolment cannot be reused.
		res, err = e.svc.SignIn(e.ctx, e.org.Slug, e.adminU.Email, testPassword, "")
		noErr(t, err)
		if res.State != StateNeedsTOTP {
			t.Fatalf("state %s", res.State)
		}
		_, err = e.svc.SessionSubject(e.ctx, res.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.VerifyTOTP(e.ctx, res.Token, e.code(enr.Secret), "")
		wantField(t, err, "code")
		e.clock.Add(30 * time.Second)
		done, err := e.svc.VerifyTOTP(e.ctx, res.Token, e.code(enr.Secret), "")
		noErr(t, err)
		if done.State != StateSignedIn || done.Token == res.Token {
			t.Fatal("not rotated")
		}
		// The admin's session: they entered a code just now, so it may make
		// admins and reset admins' second factors for 15 minutes.
		admin, err := e.svc.SessionSubject(e.ctx, done.Token, "")
		noErr(t, err)
		_, err = e.svc.VerifyTOTP(e.ctx, res.Token, e.code(enr.Secret), "")
		wantCode(t, err, platform.CodeUnauthorized) // the pending session is gone

		// Wrong codes count towards the account lock.
		res, err = e.svc.SignIn(e.ctx, e.org.Slug, e.adminU.Email, testPassword, "")
		noErr(t, err)
		for range 5 {
			_, err = e.svc.VerifyTOTP(e.ctx, res.Token, "000000", "")
			wantField(t, err, "code")
		}
		e.clock.Add(30 * time.Second)
		_, err = e.svc.VerifyTOTP(e.ctx, res.Token, e.code(enr.Secret), "")
		wantCode(t, err, platform.CodeRateLimited)

		// A pending session expires after ten minutes.
		e.clock.Add(11 * time.Minute)
		_, err = e.svc.VerifyTOTP(e.ctx, res.Token, e.code(enr.Secret), "")
		wantCode(t, err, platform.CodeUnauthorized)

		// Promoting a user to admin ends their sessions; they must enrol next time.
		u := e.mustUser(e.sys, "newadmin@northshire.gov.uk", "New Admin", []platform.Role{platform.RoleStaff}, nil, testPassword)
		s1, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		_, err = e.svc.UpdateUser(e.ctx, admin, u.ID, UserChanges{Name: u.Name, Roles: []platform.Role{platform.RoleAdmin}})
		noErr(t, err)
		_, err = e.svc.SessionSubject(e.ctx, s1.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		s2, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
		noErr(t, err)
		if s2.State != StateNeedsTOTPSetup {
			t.Fatal("new admin not sent to enrolment")
		}

		// An admin resets a lost second factor.
		noErr(t, e.svc.ResetTOTP(e.ctx, admin, e.adminU.ID))
		_, err = e.svc.SessionSubject(e.ctx, done.Token, "")
		wantCode(t, err, platform.CodeUnauthorized)
		entries := e.auditActions(e.org.ID)
		for _, a := range []string{"user.totp_enrol", "session.totp", "user.totp_reset"} {
			if !hasEntry(entries, a, audit.Success) {
				t.Errorf("%s not audited", a)
			}
		}
		if containsSecret(entries, enr.Secret) {
			t.Fatal("TOTP secret in the audit log")
		}
	})
}
