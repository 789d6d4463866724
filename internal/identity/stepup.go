package identity

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Creating an admin (or making someone one), resetting an admin's password
// or second factor, and minting an admin-scope token hand out the keys to an
// organisation. A leaked API token or a browser left signed in must not be
// enough for that: only a person signed in with a session who entered a TOTP
// code within StepUpWindow may do them, or the platform itself (the CLI,
// which the operator runs on the machine). Otherwise an admin-scope token
// could make an admin with no password and no second factor, mint an admin
// token for it, and go on from there.

// StepUpWindow is how recently the second factor must have been entered.
const StepUpWindow = 15 * time.Minute

var errStepUp = errors.New("identity: a second factor entered in the last 15 minutes is needed")

// NeedsRecentSecondFactor reports whether err is a refusal that entering a
// TOTP code again (ConfirmSecondFactor) would lift, so pages can send the
// person to do that rather than show an error.
func NeedsRecentSecondFactor(err error) bool { return errors.Is(err, errStepUp) }

// requireRecentSecondFactor allows the platform and a session whose person
// entered a TOTP code within StepUpWindow, and refuses anything else with a
// 403 that says what to do, audited as a denial of action on the resource.
// what completes "API tokens cannot ..." ("create an admin").
func (s *Service) requireRecentSecondFactor(ctx context.Context, sub *platform.Subject, action, resType, resID, what string) error {
	switch {
	case sub == nil:
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	case sub.Kind == platform.SubjectSystem:
		return nil
	case sub.Kind == platform.SubjectUser && sub.SessionID != "":
		var at int64
		err := s.db.QueryRow(ctx, "SELECT second_factor_at FROM sessions WHERE org_id = ? AND user_id = ? AND id = ?",
			sub.OrgID, sub.UserID, sub.SessionID).Scan(&at)
		if err != nil && !store.IsNoRows(err) {
			return platform.Internal(err)
		}
		if at > 0 && s.now().Sub(store.Time(at)) < StepUpWindow {
			return nil
		}
		return s.refuse(ctx, sub, action, resType, resID, "no second factor in the last 15 minutes", &platform.Error{
			Code: platform.CodeForbidden, Err: errStepUp,
			Message: "To " + what + ", first confirm it is you with a code from your authenticator app; it counts for 15 minutes.",
		})
	case sub.Kind == platform.SubjectToken:
		return s.refuse(ctx, sub, action, resType, resID, "API token", platform.Errorf(platform.CodeForbidden,
			"API tokens cannot %s. Sign in to dbtp as an admin, with your authenticator app, to do this.", what))
	}
	return s.refuse(ctx, sub, action, resType, resID, "no session", platform.Errorf(platform.CodeForbidden,
		"Only an admin signed in with two-factor authentication can %s.", what))
}

// refuse audits a denial with reason and returns answer.
func (s *Service) refuse(ctx context.Context, sub *platform.Subject, action, resType, resID, reason string, answer error) error {
	e := audit.For(sub, action, resType, resID, audit.Denied)
	e.Detail = reason
	if err := s.rec.RecordNow(ctx, e); err != nil {
		return platform.Internal(err)
	}
	return answer
}

// ConfirmSecondFactor is step-up authentication: a signed-in person enters a
// code from their authenticator app again, and for the next StepUpWindow
// their session may do what needs a recent second factor. The session keeps
// its identity and lifetime but gets a new token, as at every second-factor
// step; the old cookie stops working at once on this node. Wrong codes are
// counted and throttled like wrong passwords, and each code works once.
func (s *Service) ConfirmSecondFactor(ctx context.Context, cookie, code, addr string) (SignInResult, error) {
	r, err := s.pendingSession(ctx, cookie)
	if err != nil {
		return SignInResult{}, err
	}
	u := r.user
	switch {
	case SignInState(r.state) != StateSignedIn:
		return SignInResult{}, platform.Errorf(platform.CodeConflict, "Finish signing in first")
	case !u.TOTPEnabled:
		return SignInResult{}, platform.Errorf(platform.CodeConflict, "Set up two-factor authentication first")
	}
	acct := accountKey(u.OrgID, strings.ToLower(u.Email))
	if wait, err := s.throttled(ctx, acct, addrKey(addr)); err != nil {
		return SignInResult{}, err
	} else if wait > 0 {
		return SignInResult{}, rateLimited(wait)
	}
	step, ok := checkTOTP(u.totpSecret, code, s.now(), u.totpLastStep)
	if !ok {
		return SignInResult{}, s.totpFailed(ctx, u, addr, "session.totp_confirm", "wrong code")
	}
	oldRaw, _ := decodeSessionToken(cookie) // pendingSession has parsed it
	oldKey := sha256.Sum256(oldRaw)
	raw := randomBytes(32)
	now := store.Millis(s.now())
	res := SignInResult{State: StateSignedIn, Token: b64url.EncodeToString(raw), SessionID: r.id, UserID: u.ID, OrgID: u.OrgID,
		ExpiresAt: store.Time(r.expiresAt)}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		done, err := tx.Exec(ctx, "UPDATE users SET totp_last_step = ? WHERE org_id = ? AND id = ? AND totp_last_step < ? AND totp_secret = ?",
			step, u.OrgID, u.ID, step, u.totpSecret)
		if err != nil {
			return err
		}
		if n, _ := done.RowsAffected(); n == 0 {
			return wrongCode()
		}
		moved, err := tx.Exec(ctx, "UPDATE sessions SET token_hash = ?, second_factor_at = ?, last_seen = ? WHERE org_id = ? AND id = ? AND token_hash = ?",
			secretHash(raw), now, now, u.OrgID, r.id, secretHash(oldRaw))
		if err != nil {
			return err
		}
		if n, _ := moved.RowsAffected(); n == 0 {
			return noSession()
		}
		if err := clearAccount(ctx, tx, acct); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.sessions.drop(oldKey) })
		e := audit.For(actorFor(u, addr), "session.totp_confirm", "session", r.id, audit.Success)
		e.Detail = "second factor confirmed; session token rotated"
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return SignInResult{}, asPlatform(err)
	}
	return res, nil
}
