package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Email verification lets someone without an account use a service whose
// start.who includes anonymous, or track a case they started that way: a
// six-digit code goes to the address through the outbox, and entering it
// opens a short session bound to that address. An unverified address must
// never receive a case's correspondence, so this is the only way in.

const (
	CodeLifetime    = 15 * time.Minute // how long a code may be entered
	CodeAttempts    = 5                // wrong entries before a code is dead
	SessionLifetime = 2 * time.Hour    // a verified session, from verification
	// Codes sent per hour: per address (so nobody's inbox is flooded) and
	// per network address (so one client cannot flood many inboxes).
	codesPerEmail = 5
	codesPerAddr  = 20
)

// Verification is a code sent and waiting to be entered.
type Verification struct {
	ID        string
	Email     string
	ExpiresAt time.Time
}

// EmailSession is a verified address's session: what it was opened for
// (PurposeStart/PurposeTrack plus a service ID or case reference) and the
// answers given so far.
type EmailSession struct {
	ID        string
	OrgID     string
	Email     string
	Purpose   string
	ExpiresAt time.Time
	Answers   definition.Answers
	Page      string
}

// Purposes a code is sent for; the portal appends the service or reference.
const (
	PurposeStart = "start:"
	PurposeTrack = "track:"
)

// anonymousActor is how anonymous applicants appear in the audit log.
func anonymousActor(orgID, addr string) *platform.Subject {
	return &platform.Subject{Kind: platform.SubjectAnonymous, OrgID: orgID, Addr: addr}
}

// CleanEmail checks an address typed by a person and returns it trimmed,
// with the domain in lower case.
func CleanEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || strings.ContainsAny(email, " <>\r\n") {
		return "", platform.Invalid("Enter an email address in the correct format, like name@example.com",
			platform.FieldError{Field: "email", Message: "Enter an email address in the correct format, like name@example.com"})
	}
	at := strings.LastIndexByte(email, '@')
	return email[:at] + strings.ToLower(email[at:]), nil
}

// hashSecret keeps codes and session tokens out of the database in the
// clear. A six-digit code hashed is still guessable by someone holding the
// table, but only for its 15 minutes; the point is that backups and logs
// never hold a live code.
func hashSecret(id, secret string) string {
	h := sha256.Sum256([]byte(id + "\x00" + secret))
	return hex.EncodeToString(h[:])
}

// SendCode sends a new code to email for purpose, through the outbox in the
// same write. addr is the requester's network address, for the rate limit.
func (s *Service) SendCode(ctx context.Context, orgID, email, purpose, addr, serviceTitle string) (Verification, error) {
	email, err := CleanEmail(email)
	if err != nil {
		return Verification{}, err
	}
	if orgID == "" || !strings.HasPrefix(purpose, PurposeStart) && !strings.HasPrefix(purpose, PurposeTrack) || len(purpose) > 100 {
		return Verification{}, platform.NotFound("service")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return Verification{}, platform.Internal(err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.now()
	v := Verification{ID: platform.NewID("evf"), Email: email, ExpiresAt: now.Add(CodeLifetime)}
	hourAgo := store.Millis(now.Add(-time.Hour))
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		// Counted inside the write: the single writer makes the check and
		// the insert one step, so parallel requests cannot slip past it.
		var perEmail, perAddr int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM email_verifications WHERE org_id = ? AND LOWER(email) = LOWER(?) AND created_at > ?",
			orgID, email, hourAgo).Scan(&perEmail); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM email_verifications WHERE addr = ? AND created_at > ?", addr, hourAgo).Scan(&perAddr); err != nil {
			return err
		}
		if perEmail >= codesPerEmail || addr != "" && perAddr >= codesPerAddr {
			return platform.Errorf(platform.CodeRateLimited, "Too many codes have been sent. Wait an hour and try again.")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO email_verifications (id, org_id, email, purpose, code_hash, addr, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, orgID, email, purpose, hashSecret(v.ID, code), addr, store.Millis(now), store.Millis(v.ExpiresAt)); err != nil {
			return err
		}
		m := Message{ID: platform.NewID("msg"), OrgID: orgID, To: Recipient{Kind: ToEmail, Value: email}, Template: "email-verification",
			Subject: code + " is your code for " + serviceTitle,
			Body: "Your code is " + code + "\n\nEnter it to continue with " + serviceTitle + ". It expires in 15 minutes.\n\n" +
				"If you did not ask for this code, you can ignore this email: nobody can use it without access to your inbox.\n",
			CreatedAt: now}
		if err := s.opts.Notifier.Notify(ctx, tx, m); err != nil {
			return err
		}
		e := audit.For(anonymousActor(orgID, addr), "email_verification.send", "email_verification", v.ID, audit.Success)
		e.ActorID, e.ActorName = "anonymous", "anonymous applicant"
		e.Detail = "code sent to " + email + " for " + purpose
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Verification{}, asPlatform(err)
	}
	return v, nil
}

// CheckCode checks a code entered for verification id. The right code, in
// time and within the attempts, opens a session: the returned token (for a
// cookie) is its only key. A code works once.
func (s *Service) CheckCode(ctx context.Context, orgID, id, code string) (EmailSession, string, error) {
	wrong := platform.Invalid("The code is not correct", platform.FieldError{Field: "code", Message: "The code is not correct. Check the email and try again"})
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return EmailSession{}, "", platform.Invalid("Enter the 6-digit code", platform.FieldError{Field: "code", Message: "Enter the 6-digit code from the email"})
	}
	if !platform.ValidID("evf", id) {
		return EmailSession{}, "", platform.NotFound("code")
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	token := id + "." + hex.EncodeToString(secret)
	now := s.now()
	var sess EmailSession
	var refused error // a wrong code: refused, but the attempt is kept
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var hash, addr string
		var attempts int
		var expires, verified int64
		err := tx.QueryRow(ctx, "SELECT email, purpose, code_hash, attempts, addr, expires_at, verified_at FROM email_verifications WHERE org_id = ? AND id = ?",
			orgID, id).Scan(&sess.Email, &sess.Purpose, &hash, &attempts, &addr, &expires, &verified)
		if store.IsNoRows(err) {
			return platform.NotFound("code")
		}
		if err != nil {
			return err
		}
		expired := platform.Errorf(platform.CodeInvalid, "The code has expired or has been used. Ask for a new code.")
		switch {
		case verified != 0 || store.Millis(now) >= expires:
			return expired
		case attempts >= CodeAttempts:
			return platform.Errorf(platform.CodeInvalid, "You have entered a wrong code too many times. Ask for a new code.")
		}
		if subtle.ConstantTimeCompare([]byte(hashSecret(id, code)), []byte(hash)) != 1 {
			if _, err := tx.Exec(ctx, "UPDATE email_verifications SET attempts = attempts + 1 WHERE id = ?", id); err != nil {
				return err
			}
			e := audit.For(anonymousActor(orgID, addr), "email_verification.check", "email_verification", id, audit.Denied)
			e.ActorID, e.ActorName, e.Detail = "anonymous", "anonymous applicant", fmt.Sprintf("wrong code, attempt %d", attempts+1)
			if err := s.rec.Record(tx, e); err != nil {
				return err
			}
			refused = wrong
			return nil
		}
		sess.ID, sess.OrgID, sess.ExpiresAt = id, orgID, now.Add(SessionLifetime)
		if _, err := tx.Exec(ctx, "UPDATE email_verifications SET verified_at = ?, session_hash = ?, session_expires_at = ? WHERE id = ?",
			store.Millis(now), hashSecret(id, token), store.Millis(sess.ExpiresAt), id); err != nil {
			return err
		}
		e := audit.For(anonymousActor(orgID, addr), "email_verification.check", "email_verification", id, audit.Success)
		e.ActorID, e.ActorName, e.Detail = "anonymous", "anonymous applicant", sess.Email+" verified for "+sess.Purpose
		return s.rec.Record(tx, e)
	})
	if err == nil && refused != nil {
		err = refused
	}
	if err != nil {
		return EmailSession{}, "", asPlatform(err)
	}
	return sess, token, nil
}

// Session returns the live session a token opens, or unauthorized.
func (s *Service) Session(ctx context.Context, orgID, token string) (EmailSession, error) {
	none := platform.Errorf(platform.CodeUnauthorized, "Your session has ended. Confirm your email address again to continue.")
	id, _, ok := strings.Cut(token, ".")
	if !ok || !platform.ValidID("evf", id) || len(token) > 200 {
		return EmailSession{}, none
	}
	var sess EmailSession
	var hash, answers string
	var expires int64
	err := s.db.QueryRow(ctx, "SELECT email, purpose, session_hash, session_expires_at, answers, page FROM email_verifications WHERE org_id = ? AND id = ?",
		orgID, id).Scan(&sess.Email, &sess.Purpose, &hash, &expires, &answers, &sess.Page)
	if store.IsNoRows(err) {
		return EmailSession{}, none
	}
	if err != nil {
		return EmailSession{}, platform.Internal(err)
	}
	if hash == "" || subtle.ConstantTimeCompare([]byte(hashSecret(id, token)), []byte(hash)) != 1 || store.Millis(s.now()) >= expires {
		return EmailSession{}, none
	}
	sess.ID, sess.OrgID, sess.ExpiresAt = id, orgID, store.Time(expires)
	sess.Answers = definition.Answers{}
	if answers != "" {
		if err := json.Unmarshal([]byte(answers), &sess.Answers); err != nil {
			return EmailSession{}, platform.Internal(err)
		}
	}
	return sess, nil
}

// SaveSessionAnswers keeps the answers so far of a session opened to start
// serviceID, as SaveDraft does for signed-in people.
func (s *Service) SaveSessionAnswers(ctx context.Context, sess EmailSession, serviceID string, answers definition.Answers, page string) error {
	if sess.Purpose != PurposeStart+serviceID {
		return platform.Errorf(platform.CodeForbidden, "This session was opened for something else.")
	}
	def, err := s.latestDefinition(ctx, sess.OrgID, serviceID)
	if err != nil {
		return err
	}
	if answers == nil {
		answers = definition.Answers{}
	}
	if bad := answerKeys(def, answers, true); len(bad) > 0 {
		return platform.Invalid("Check the answers", bad...)
	}
	body, err := json.Marshal(answers)
	if err != nil || len(body) > maxAnswersBytes || len(page) > 100 {
		return platform.Invalid("Your answers are too long", platform.FieldError{Field: "answers", Message: "must be at most 1 MiB in total"})
	}
	return asPlatform(s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE email_verifications SET answers = ?, page = ? WHERE org_id = ? AND id = ? AND session_expires_at > ?",
			string(body), page, sess.OrgID, sess.ID, store.Millis(s.now()))
		return err
	}))
}

// EndSession closes a session and forgets its answers (after submission).
func (s *Service) EndSession(ctx context.Context, sess EmailSession) error {
	return asPlatform(s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE email_verifications SET session_hash = '', session_expires_at = 0, answers = '', page = '' WHERE org_id = ? AND id = ?",
			sess.OrgID, sess.ID)
		return err
	}))
}

// CaseForEmail returns the case with reference when it was started
// anonymously with the session's verified email; anything else is "not
// found", so a reference and someone else's address reveal nothing.
func (s *Service) CaseForEmail(ctx context.Context, sess EmailSession, reference string) (Case, error) {
	if len(reference) == 0 || len(reference) > 40 {
		return Case{}, platform.NotFound("case")
	}
	c, err := loadCase(ctx, s.db, sess.OrgID, "reference = ?", reference)
	if err != nil {
		return Case{}, err
	}
	if c.ApplicantID != "" || !strings.EqualFold(c.ApplicantEmail, sess.Email) {
		return Case{}, platform.NotFound("case")
	}
	return c, nil
}
