package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// SignInState says where a sign-in stands.
type SignInState string

const (
	// StateSignedIn: the session is complete and SessionSubject accepts it.
	StateSignedIn SignInState = "signed_in"
	// StateNeedsTOTP: the password was right; a TOTP code must follow.
	StateNeedsTOTP SignInState = "needs_totp"
	// StateNeedsTOTPSetup: an admin without a second factor must enrol one
	// before the session can be used for anything else.
	StateNeedsTOTPSetup SignInState = "needs_totp_setup"
)

// SignInResult is what a sign-in step produced. Token is the session cookie
// value; it is returned only here and only its hash is stored.
type SignInResult struct {
	State     SignInState
	Token     string
	SessionID string
	UserID    string
	OrgID     string
	ExpiresAt time.Time // latest end of this session (or of the pending step)
}

// sessionTokenLen is the length of 32 random bytes in unpadded base64url.
const sessionTokenLen = 43

var b64url = base64.RawURLEncoding.Strict()

// decodeSessionToken parses a cookie value. It accepts exactly the form
// newSession produces and nothing else, so junk never reaches a query.
func decodeSessionToken(v string) ([]byte, bool) {
	if len(v) != sessionTokenLen {
		return nil, false
	}
	raw, err := b64url.DecodeString(v)
	if err != nil || len(raw) != 32 {
		return nil, false
	}
	return raw, true
}

func noSession() error {
	return platform.Errorf(platform.CodeUnauthorized, "Your session has ended. Sign in again.")
}

// newSession stores a session for u in state and returns its token. Expired
// sessions of the same user are swept on the way, which keeps the table
// small without a separate job for the common case. secondFactor says the
// person has just entered a TOTP code, which the session records.
func (s *Service) newSession(ctx context.Context, tx *store.Tx, u userRow, state SignInState, addr string, secondFactor bool) (SignInResult, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	factorAt := int64(0)
	if secondFactor {
		factorAt = store.Millis(now)
	}
	raw := randomBytes(32)
	res := SignInResult{State: state, Token: b64url.EncodeToString(raw), SessionID: platform.NewID("ses"),
		UserID: u.ID, OrgID: u.OrgID, ExpiresAt: now.Add(s.opts.AbsoluteTimeout)}
	if state != StateSignedIn {
		res.ExpiresAt = now.Add(pendingLifetime)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ? AND (expires_at <= ? OR last_seen <= ?)",
		u.OrgID, u.ID, store.Millis(now), store.Millis(now.Add(-s.opts.IdleTimeout))); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, org_id, user_id, token_hash, state, created_at, auth_time, last_seen, expires_at, addr, second_factor_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, res.SessionID, u.OrgID, u.ID, secretHash(raw), string(state),
		store.Millis(now), store.Millis(now), store.Millis(now), store.Millis(res.ExpiresAt), truncate(addr, 100), factorAt); err != nil {
		return res, err
	}
	return res, nil
}

// sessionRow is a stored session joined with its user.
type sessionRow struct {
	id, state                     string
	authTime, lastSeen, expiresAt int64
	user                          userRow
}

var sessionQuery = "SELECT s.id, s.state, s.auth_time, s.last_seen, s.expires_at, u." +
	strings.ReplaceAll(userColumns, ", ", ", u.") +
	" FROM sessions s JOIN users u ON u.org_id = s.org_id AND u.id = s.user_id WHERE s.token_hash = ?"

func (s *Service) loadSession(ctx context.Context, hash string) (sessionRow, error) {
	var r sessionRow
	u := &r.user
	var roles string
	var disabled int
	var c, up int64
	err := s.db.QueryRow(ctx, sessionQuery, hash).Scan(&r.id, &r.state, &r.authTime, &r.lastSeen, &r.expiresAt,
		&u.ID, &u.OrgID, &u.Email, &u.Name, &roles, &u.passwordHash, &disabled,
		&u.totpSecret, &u.totpPending, &u.totpLastStep, &c, &up)
	if store.IsNoRows(err) {
		return r, noSession()
	}
	if err != nil {
		return r, platform.Internal(err)
	}
	u.Roles, u.Disabled, u.TOTPEnabled = decodeRoles(roles), disabled == 1, u.totpSecret != ""
	return r, nil
}

// live reports whether the session may still be used at now.
func (s *Service) live(r sessionRow, now time.Time) bool {
	ms := store.Millis(now)
	if r.user.Disabled || ms >= r.expiresAt {
		return false
	}
	return SignInState(r.state) != StateSignedIn || ms-r.lastSeen < s.opts.IdleTimeout.Milliseconds()
}

// pendingSession loads a live session by cookie, for the TOTP steps.
func (s *Service) pendingSession(ctx context.Context, cookie string) (sessionRow, error) {
	raw, ok := decodeSessionToken(cookie)
	if !ok {
		return sessionRow{}, noSession()
	}
	r, err := s.loadSession(ctx, secretHash(raw))
	if err != nil {
		return r, err
	}
	if !s.live(r, s.now()) {
		return r, noSession()
	}
	return r, nil
}

// SessionState tells the web layer which step a session cookie is at, so it
// can send a half-signed-in admin to the TOTP page and nowhere else.
func (s *Service) SessionState(ctx context.Context, cookie string) (SignInState, error) {
	r, err := s.pendingSession(ctx, cookie)
	if err != nil {
		return "", err
	}
	return SignInState(r.state), nil
}

// SessionSubject turns a session cookie into the Subject of the request.
// Complete sessions only: a session waiting for TOTP yields unauthorized.
//
// It is on every request's path, so a recent answer is served from memory:
// a hash, a map lookup and a copy. Activity is written back (last_seen) at
// most once a minute per session.
func (s *Service) SessionSubject(ctx context.Context, cookie, addr string) (*platform.Subject, error) {
	raw, ok := decodeSessionToken(cookie)
	if !ok {
		return nil, noSession()
	}
	key := sha256.Sum256(raw)
	now := s.now()
	e := s.sessions.get(key)
	if e == nil || now.Sub(e.loadedAt) >= s.opts.CacheTTL {
		var err error
		if e, err = s.reloadSession(ctx, key, e, now); err != nil {
			return nil, err
		}
	}
	if !now.Before(e.expiresAt) || now.Sub(e.seen()) >= s.opts.IdleTimeout {
		s.sessions.drop(key)
		return nil, noSession()
	}
	if e.touch(now) {
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen = ?, addr = ? WHERE id = ?", store.Millis(now), truncate(addr, 100), e.id)
			return err
		})
		if err != nil {
			return nil, platform.Internal(err)
		}
	}
	return e.subject(addr), nil
}

// reloadSession reads the session afresh, keeping the in-memory activity of
// the previous entry, which may be up to a minute newer than the database.
func (s *Service) reloadSession(ctx context.Context, key [32]byte, old *cached, now time.Time) (*cached, error) {
	r, err := s.loadSession(ctx, hex.EncodeToString(key[:]))
	if err != nil {
		s.sessions.drop(key)
		return nil, err
	}
	if SignInState(r.state) != StateSignedIn || r.user.Disabled {
		s.sessions.drop(key)
		return nil, noSession()
	}
	units, err := s.unitsOf(ctx, r.user.OrgID, []string{r.user.ID})
	if err != nil {
		return nil, err
	}
	e := &cached{
		subj: platform.Subject{Kind: platform.SubjectUser, UserID: r.user.ID, Name: r.user.Name, OrgID: r.user.OrgID,
			Roles: r.user.Roles, BusinessUnits: units[r.user.ID], SessionID: r.id, AuthTime: store.Time(r.authTime)},
		id: r.id, loadedAt: now, expiresAt: store.Time(r.expiresAt),
		lastSeen: store.Time(r.lastSeen), lastWritten: store.Time(r.lastSeen),
	}
	if old != nil && old.id == r.id {
		old.mu.Lock()
		e.lastSeen, e.lastWritten = later(e.lastSeen, old.lastSeen), later(e.lastWritten, old.lastWritten)
		old.mu.Unlock()
	}
	s.sessions.put(key, e)
	return e, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// SignOut ends the session behind cookie. Signing out twice is not an error.
func (s *Service) SignOut(ctx context.Context, cookie, addr string) error {
	raw, ok := decodeSessionToken(cookie)
	if !ok {
		return nil
	}
	key := sha256.Sum256(raw)
	r, err := s.loadSession(ctx, hex.EncodeToString(key[:]))
	if platform.CodeOf(err) == platform.CodeUnauthorized {
		s.sessions.drop(key)
		return nil
	}
	if err != nil {
		return err
	}
	actor := &platform.Subject{Kind: platform.SubjectUser, UserID: r.user.ID, Name: r.user.Name, OrgID: r.user.OrgID, SessionID: r.id, Addr: addr}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND id = ?", r.user.OrgID, r.id); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.sessions.drop(key) })
		return s.rec.Record(tx, audit.For(actor, "session.sign_out", "session", r.id, audit.Success))
	})
	return asPlatform(err)
}

// SignOutEverywhere ends every session of the subject's user, on every node
// within Options.CacheTTL and on this node at once.
func (s *Service) SignOutEverywhere(ctx context.Context, sub *platform.Subject) error {
	if sub == nil || sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE org_id = ? AND user_id = ?", sub.OrgID, sub.UserID); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.sessions.dropUser(sub.OrgID, sub.UserID) })
		return s.rec.Record(tx, audit.For(sub, "session.sign_out_everywhere", "user", sub.UserID, audit.Success))
	})
	return asPlatform(err)
}

// Prune deletes ended sessions and stale throttle counters. Sign-in sweeps a
// user's own old sessions; a daily job calling Prune catches the rest.
func (s *Service) Prune(ctx context.Context) error {
	now := s.now()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR (state = ? AND last_seen <= ?)",
			store.Millis(now), string(StateSignedIn), store.Millis(now.Add(-s.opts.IdleTimeout))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM sign_in_throttle WHERE window_start <= ? AND locked_until <= ?",
			store.Millis(now.Add(-throttleWindow)), store.Millis(now))
		return err
	})
	return asPlatform(err)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
