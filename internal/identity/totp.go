package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	"rsc.io/qr"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// TOTP as in RFC 6238 with the parameters every authenticator app supports:
// HMAC-SHA-1, six digits, 30-second steps, one step of drift either way.
const (
	totpPeriod = 30
	totpDigits = 6
	totpSkew   = 1
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPEnrolment is what a person needs to add dbtp to an authenticator app.
// Secret is for typing in by hand; QRCode is a data: URI of a PNG.
type TOTPEnrolment struct {
	Secret string
	URI    string
	QRCode string
}

func totpCode(secret []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

// checkTOTP returns the time step a code matches. Steps at or before
// lastStep are refused, so a code seen over someone's shoulder (or replayed
// from a phishing proxy) cannot be used a second time.
func checkTOTP(encodedSecret, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	secret, err := totpEncoding.DecodeString(encodedSecret)
	if err != nil || len(secret) == 0 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		st := step + d
		if st <= lastStep || st < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(totpCode(secret, uint64(st))), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

func (s *Service) enrolment(secret, email string) (TOTPEnrolment, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", s.opts.Issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	uri := "otpauth://totp/" + url.PathEscape(s.opts.Issuer) + ":" + url.PathEscape(email) + "?" + v.Encode()
	code, err := qr.Encode(uri, qr.M)
	if err != nil {
		return TOTPEnrolment{}, platform.Internal(err)
	}
	code.Scale = 4
	return TOTPEnrolment{Secret: secret, URI: uri,
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())}, nil
}

// BeginTOTPSetup starts enrolment for the session's user: a fresh secret is
// kept as pending until ConfirmTOTPSetup proves the app has it. It works for
// an admin's pending session and for any complete session without TOTP.
func (s *Service) BeginTOTPSetup(ctx context.Context, cookie string) (TOTPEnrolment, error) {
	r, err := s.pendingSession(ctx, cookie)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	switch {
	case SignInState(r.state) == StateNeedsTOTP:
		return TOTPEnrolment{}, platform.Errorf(platform.CodeForbidden, "Enter the code from your authenticator app first")
	case r.user.TOTPEnabled:
		return TOTPEnrolment{}, platform.Errorf(platform.CodeConflict, "Two-factor authentication is already set up; ask an admin to reset it to change device")
	}
	secret := totpEncoding.EncodeToString(randomBytes(20))
	enr, err := s.enrolment(secret, r.user.Email)
	if err != nil {
		return enr, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET totp_pending = ? WHERE org_id = ? AND id = ?", secret, r.user.OrgID, r.user.ID); err != nil {
			return err
		}
		return s.rec.Record(tx, audit.For(actorFor(r.user, ""), "user.totp_enrol_start", "user", r.user.ID, audit.Success))
	})
	if err != nil {
		return TOTPEnrolment{}, asPlatform(err)
	}
	return enr, nil
}

func wrongCode() error {
	return platform.Invalid("Check the code", platform.FieldError{Field: "code", Message: "The code is not right; enter the 6 digits your authenticator app shows now"})
}

// totpFailed counts a wrong code against the account and address exactly as
// a wrong password is counted, so six-digit codes cannot be brute-forced.
func (s *Service) totpFailed(ctx context.Context, u userRow, addr, action, detail string) error {
	e := audit.For(actorFor(u, addr), action, "user", u.ID, audit.Failure)
	e.Detail = detail
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.recordFailure(ctx, tx, accountKey(u.OrgID, strings.ToLower(u.Email))); err != nil {
			return err
		}
		if err := s.recordFailure(ctx, tx, addrKey(addr)); err != nil {
			return err
		}
		return s.rec.Record(tx, e)
	})
	return orInternal(err, wrongCode())
}

// ConfirmTOTPSetup checks a code from the newly enrolled app, turns TOTP on
// and replaces the session with a complete one (a new token: the old one is
// invalid from now on).
func (s *Service) ConfirmTOTPSetup(ctx context.Context, cookie, code, addr string) (SignInResult, error) {
	return s.secondFactor(ctx, cookie, code, addr, true)
}

// VerifyTOTP completes a sign-in that is waiting for a TOTP code, replacing
// the pending session with a complete one under a new token.
func (s *Service) VerifyTOTP(ctx context.Context, cookie, code, addr string) (SignInResult, error) {
	return s.secondFactor(ctx, cookie, code, addr, false)
}

func (s *Service) secondFactor(ctx context.Context, cookie, code, addr string, enrol bool) (SignInResult, error) {
	r, err := s.pendingSession(ctx, cookie)
	if err != nil {
		return SignInResult{}, err
	}
	u := r.user
	action, secret, last := "session.totp", u.totpSecret, u.totpLastStep
	if enrol {
		action, secret, last = "user.totp_enrol", u.totpPending, 0
		if SignInState(r.state) == StateNeedsTOTP || u.TOTPEnabled || secret == "" {
			return SignInResult{}, platform.Errorf(platform.CodeConflict, "Start setting up two-factor authentication again")
		}
	} else if SignInState(r.state) != StateNeedsTOTP {
		return SignInResult{}, platform.Errorf(platform.CodeConflict, "This session is not waiting for a code")
	}
	acct := accountKey(u.OrgID, strings.ToLower(u.Email))
	if wait, err := s.throttled(ctx, acct, addrKey(addr)); err != nil {
		return SignInResult{}, err
	} else if wait > 0 {
		return SignInResult{}, rateLimited(wait)
	}
	step, ok := checkTOTP(secret, code, s.now(), last)
	if !ok {
		return SignInResult{}, s.totpFailed(ctx, u, addr, action, "wrong code")
	}
	var res SignInResult
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		// The step condition makes a code single-use even when two nodes
		// check the same code at the same moment.
		q := "UPDATE users SET totp_last_step = ? WHERE org_id = ? AND id = ? AND totp_last_step < ? AND totp_secret = ?"
		args := []any{step, u.OrgID, u.ID, step, secret}
		if enrol {
			q = "UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ? WHERE org_id = ? AND id = ? AND totp_last_step < ? AND totp_pending = ?"
		}
		res2, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res2.RowsAffected(); n == 0 {
			return wrongCode()
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND id = ?", u.OrgID, r.id); err != nil {
			return err
		}
		if err := clearAccount(ctx, tx, acct); err != nil {
			return err
		}
		if res, err = s.newSession(ctx, tx, u, StateSignedIn, addr, true); err != nil {
			return err
		}
		s.forgetUserAfter(tx, u.OrgID, u.ID)
		e := audit.For(actorFor(u, addr), action, "session", res.SessionID, audit.Success)
		e.Detail = "second factor accepted; session rotated"
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return SignInResult{}, asPlatform(err)
	}
	return res, nil
}

// ResetTOTP removes a user's second factor (a lost phone) and ends their
// sessions; an admin's next sign-in must enrol again. Resetting an admin's
// needs a recent second factor (see StepUpWindow): with their password reset
// too, it would hand over their account.
func (s *Service) ResetTOTP(ctx context.Context, sub *platform.Subject, id string) error {
	u, err := s.adminTarget(ctx, sub, id)
	if err != nil {
		return err
	}
	if u.hasRole(platform.RoleAdmin) {
		if err := s.requireRecentSecondFactor(ctx, sub, "user.totp_reset", "user", id, "reset an admin's two-factor authentication"); err != nil {
			return err
		}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0, updated_at = ? WHERE org_id = ? AND id = ?",
			store.Millis(s.now()), sub.OrgID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ?", sub.OrgID, id); err != nil {
			return err
		}
		s.forgetUserAfter(tx, sub.OrgID, id)
		return s.rec.Record(tx, audit.For(sub, "user.totp_reset", "user", id, audit.Success))
	})
	return asPlatform(err)
}

// TOTPCode is the code an authenticator app shows at t for a secret as
// enrolment displays it, for tests and tools that sign in as a person would.
func TOTPCode(secret string, t time.Time) (string, error) {
	raw, err := totpEncoding.DecodeString(strings.ReplaceAll(secret, " ", ""))
	if err != nil {
		return "", err
	}
	return totpCode(raw, uint64(t.Unix()/totpPeriod)), nil
}
