package identity

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

func badCredentials() error {
	return platform.Errorf(platform.CodeUnauthorized, "The email address or password is not right")
}

func disabledAccount() error {
	return platform.Errorf(platform.CodeForbidden, "This account has been disabled. Contact your administrator.")
}

// actorFor is the subject used in audit entries written while someone signs in.
func actorFor(u userRow, addr string) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, Addr: addr}
}

// resolveOrg accepts an organisation ID or short name.
func (s *Service) resolveOrg(ctx context.Context, org string) (platform.Org, error) {
	if platform.ValidID("org", org) {
		return s.orgBy(ctx, "id", org)
	}
	return s.OrgBySlug(ctx, org)
}

// SignIn checks an email and password for an organisation (ID or short name)
// and starts a session. The result may ask for a TOTP code, or for TOTP
// enrolment (admins must have a second factor). Failures are throttled per
// account and per client address and audited; the password never is.
func (s *Service) SignIn(ctx context.Context, org, email, password, addr string) (SignInResult, error) {
	o, err := s.resolveOrg(ctx, org)
	if platform.CodeOf(err) == platform.CodeNotFound {
		// Spend the same time as a real check, so probing for organisations
		// or emails by timing learns nothing.
		if _, err := s.verifyPassword(ctx, "", password); err != nil {
			return SignInResult{}, platform.Internal(err)
		}
		return SignInResult{}, badCredentials()
	}
	if err != nil {
		return SignInResult{}, err
	}
	_, key, err := normaliseEmail(email)
	if err != nil {
		return SignInResult{}, err
	}
	if password == "" || len(password) > 4*maxPasswordLen || utf8.RuneCountInString(password) > maxPasswordLen {
		return SignInResult{}, badCredentials()
	}
	acct, ak := accountKey(o.ID, key), addrKey(addr)
	failed := func(u userRow, detail string) error {
		e := audit.For(actorFor(u, addr), "session.sign_in", "user", u.ID, audit.Failure)
		e.OrgID, e.Detail = o.ID, detail
		return s.db.Write(ctx, func(tx *store.Tx) error {
			if err := s.recordFailure(ctx, tx, acct); err != nil {
				return err
			}
			if err := s.recordFailure(ctx, tx, ak); err != nil {
				return err
			}
			return s.rec.Record(tx, e)
		})
	}
	if wait, err := s.throttled(ctx, acct, ak); err != nil {
		return SignInResult{}, err
	} else if wait > 0 {
		e := audit.For(&platform.Subject{OrgID: o.ID, Addr: addr}, "session.sign_in", "user", "", audit.Denied)
		e.Detail = "refused: too many failed attempts"
		if err := s.rec.RecordNow(ctx, e); err != nil {
			return SignInResult{}, platform.Internal(err)
		}
		return SignInResult{}, rateLimited(wait)
	}
	u, err := s.loadUserRow(ctx, o.ID, "email_key", key)
	known := err == nil
	if err != nil && platform.CodeOf(err) != platform.CodeNotFound {
		return SignInResult{}, err
	}
	ok, err := s.verifyPassword(ctx, u.passwordHash, password)
	if err != nil {
		return SignInResult{}, platform.Internal(err)
	}
	switch {
	case !known:
		// The attempted address is deliberately not recorded: people type
		// passwords into the email box, and audit logs are kept for years.
		return SignInResult{}, orInternal(failed(u, "unknown email"), badCredentials())
	case !ok && u.passwordHash == "":
		return SignInResult{}, orInternal(failed(u, "no password set"), badCredentials())
	case !ok:
		return SignInResult{}, orInternal(failed(u, "wrong password"), badCredentials())
	case u.Disabled:
		e := audit.For(actorFor(u, addr), "session.sign_in", "user", u.ID, audit.Denied)
		e.Detail = "account disabled"
		if err := s.rec.RecordNow(ctx, e); err != nil {
			return SignInResult{}, platform.Internal(err)
		}
		return SignInResult{}, disabledAccount()
	}
	return s.startSession(ctx, u, addr, "password", func(tx *store.Tx) error { return clearAccount(ctx, tx, acct) })
}

// orInternal returns want unless recording the failure itself failed.
func orInternal(recordErr, want error) error {
	if recordErr != nil {
		return platform.Internal(recordErr)
	}
	return want
}

// startSession creates the session a successful first factor earns, in the
// state the user's second factor calls for, running pre in the same write.
func (s *Service) startSession(ctx context.Context, u userRow, addr, method string, pre func(*store.Tx) error) (SignInResult, error) {
	state := StateSignedIn
	switch {
	case u.TOTPEnabled:
		state = StateNeedsTOTP
	case u.hasRole(platform.RoleAdmin):
		state = StateNeedsTOTPSetup
	}
	var res SignInResult
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if pre != nil {
			if err := pre(tx); err != nil {
				return err
			}
		}
		var err error
		if res, err = s.newSession(ctx, tx, u, state, addr, false); err != nil {
			return err
		}
		e := audit.For(actorFor(u, addr), "session.sign_in", "session", res.SessionID, audit.Success)
		e.Detail = method + "; " + string(state)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return SignInResult{}, asPlatform(err)
	}
	return res, nil
}

// SignInExternal completes a sign-in that an OIDC provider has vouched for.
// It finds the user linked to (issuer, subject) in the organisation; failing
// that, links the user with the same email address (the caller must pass only
// an email the provider marks verified); failing that, creates a user with
// the given roles. Roles of existing users are managed in dbtp and are not
// changed here. Disabled users are refused. Admins still need TOTP: dbtp
// cannot see how strongly the provider authenticated them.
func (s *Service) SignInExternal(ctx context.Context, orgID, provider, issuer, subject, email, name string, roles []platform.Role, addr string) (SignInResult, error) {
	o, err := s.orgBy(ctx, "id", orgID)
	if err != nil {
		return SignInResult{}, err
	}
	provider, issuer, subject = strings.TrimSpace(provider), strings.TrimSpace(issuer), strings.TrimSpace(subject)
	if provider == "" || issuer == "" || subject == "" || len(provider) > 100 || len(issuer) > 500 || len(subject) > 255 {
		return SignInResult{}, platform.Invalid("The identity provider sent an incomplete identity")
	}
	var u userRow
	var userID string
	err = s.db.QueryRow(ctx, "SELECT user_id FROM user_links WHERE org_id = ? AND issuer = ? AND subject = ?", o.ID, issuer, subject).Scan(&userID)
	switch {
	case err == nil:
		if u, err = s.loadUser(ctx, o.ID, "id", userID); err != nil {
			return SignInResult{}, err
		}
		return s.externalSession(ctx, u, addr, provider, nil)
	case !store.IsNoRows(err):
		return SignInResult{}, platform.Internal(err)
	}
	emailAddr, key, err := normaliseEmail(email)
	if err != nil {
		return SignInResult{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	link := func(tx *store.Tx, u userRow) error {
		if _, err := tx.Exec(ctx, "INSERT INTO user_links (org_id, issuer, subject, provider, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			o.ID, issuer, subject, provider, u.ID, store.Millis(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return platform.Errorf(platform.CodeConflict, "This sign-in is already being set up; try again")
			}
			return err
		}
		e := audit.For(actorFor(u, addr), "user.link", "user", u.ID, audit.Success)
		e.Detail = "linked to " + provider
		return s.rec.Record(tx, e)
	}
	u, err = s.loadUser(ctx, o.ID, "email_key", key)
	if err == nil {
		return s.externalSession(ctx, u, addr, provider, func(tx *store.Tx) error { return link(tx, u) })
	}
	if platform.CodeOf(err) != platform.CodeNotFound {
		return SignInResult{}, err
	}
	if strings.TrimSpace(name) == "" {
		name = emailAddr
	}
	if name, err = cleanText("name", "name", name, 200); err != nil {
		return SignInResult{}, err
	}
	if roles, err = normaliseRoles(roles); err != nil {
		return SignInResult{}, err
	}
	u = userRow{User: User{ID: platform.NewID("usr"), OrgID: o.ID, Email: emailAddr, Name: name, Roles: roles,
		BusinessUnits: []string{}, CreatedAt: now, UpdatedAt: now}}
	return s.externalSession(ctx, u, addr, provider, func(tx *store.Tx) error {
		if err := insertUser(ctx, tx, u.User, key, ""); err != nil {
			return err
		}
		e := audit.For(actorFor(u, addr), "user.create", "user", u.ID, audit.Success)
		e.Detail = "created on first sign-in through " + provider + "; roles " + strings.Trim(encodeRoles(roles), ",")
		if err := s.rec.Record(tx, e); err != nil {
			return err
		}
		return link(tx, u)
	})
}

func (s *Service) externalSession(ctx context.Context, u userRow, addr, provider string, pre func(*store.Tx) error) (SignInResult, error) {
	if u.Disabled {
		e := audit.For(actorFor(u, addr), "session.sign_in", "user", u.ID, audit.Denied)
		e.Detail = "account disabled; via " + provider
		if err := s.rec.RecordNow(ctx, e); err != nil {
			return SignInResult{}, platform.Internal(err)
		}
		return SignInResult{}, disabledAccount()
	}
	return s.startSession(ctx, u, addr, provider, pre)
}
