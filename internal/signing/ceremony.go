package signing

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// The recipient's side: who may act, and how an outside party proves it.
// An outside party holds a link (a secret; only its hash is kept), then a
// 6-digit code emailed to them, then a session (another secret, hashed)
// that lets their browser see and sign the document. Every failure on the
// way says the same thing, errNoLink, which tells nothing about the
// document: a link forwarded, used out of turn, or used after acting.

const (
	codeLifetime    = 10 * time.Minute
	codeAttempts    = 5
	codeInterval    = time.Minute
	sessionLifetime = time.Hour
)

func errNoLink() error {
	return platform.Errorf(platform.CodeNotFound, "This link does not work. It may have been used already, it may not be your turn yet, or it was meant for someone else: ask the person who sent it for a new one.")
}

// Actor is who acts on the recipient's side: an outside party by their
// link and, after the one-time code, their session; or staff signed in,
// on one envelope.
type Actor struct {
	Token, Session string
	Subject        *platform.Subject
	EnvelopeID     string
	Addr           string // the address they act from, for the evidence
}

// Link is what an outside party's link shows before the code: nothing of
// the document, only where the code goes.
type Link struct {
	CodeTo     string // the email address, partly hidden, or "the mobile number ending 123"
	ByText     bool   // the code goes by text message, not by email
	Identified bool   // a session exists already (the code was given)
}

func (s *Store) byToken(ctx context.Context, q cerQuerier, token string) (Envelope, Recipient, error) {
	if token == "" || len(token) > 100 {
		return Envelope{}, Recipient{}, errNoLink()
	}
	var id string
	if err := q.QueryRow(ctx, "SELECT id FROM signing_recipients WHERE token_hash = ?", hashSecret(token)).Scan(&id); err != nil {
		if store.IsNoRows(err) {
			return Envelope{}, Recipient{}, errNoLink()
		}
		return Envelope{}, Recipient{}, err
	}
	r, err := cerRecipient(ctx, q, id)
	if err != nil {
		return Envelope{}, Recipient{}, err
	}
	env, err := cerEnvelope(ctx, q, r.EnvelopeID)
	if err != nil {
		return Envelope{}, Recipient{}, err
	}
	if !atTurn(env, r) || r.UserID != "" {
		return Envelope{}, Recipient{}, errNoLink()
	}
	return env, r, nil
}

// OpenLink checks an outside party's link.
func (s *Store) OpenLink(ctx context.Context, token string) (Link, error) {
	_, r, err := s.byToken(ctx, s.db, token)
	if err != nil {
		return Link{}, err
	}
	return Link{CodeTo: codeTo(r), ByText: r.Phone != ""}, nil
}

// codeTo is where r's code goes, partly hidden.
func codeTo(r Recipient) string {
	if r.Phone != "" {
		return maskPhone(r.Phone)
	}
	return maskEmail(r.Email)
}

// codeHow says how r's code went, for the evidence.
func codeHow(r Recipient) string {
	if r.Phone != "" {
		return "code by text message"
	}
	return "code by email"
}

// maskPhone shows the end of a number: "the mobile number ending 123".
func maskPhone(p string) string {
	if len(p) < 3 {
		return "your mobile number"
	}
	return "the mobile number ending " + p[len(p)-3:]
}

// maskEmail shows enough of an address to recognise it: j***@example.org.
func maskEmail(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at < 1 {
		return "your email address"
	}
	return a[:1] + "***" + a[at:]
}

// SendCode sends a new 6-digit code to the link's recipient, by email or
// by text message as the sender chose, valid for ten minutes and five
// attempts; it replaces any code before it.
func (s *Store) SendCode(ctx context.Context, token, addr string) error {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	code := fmt.Sprintf("%06d", n.Int64())
	var env Envelope
	var r Recipient
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		env, r, err = s.byToken(ctx, tx, token)
		if err != nil {
			return err
		}
		if r.Phone != "" && s.opts.Texts == nil {
			return platform.Errorf(platform.CodeConflict, "The council cannot send text messages at the moment: ask the person who sent you the link to send the code by email instead")
		}
		// One code a minute at most: whoever holds a link must not be able
		// to flood the recipient's inbox or phone.
		var expires int64
		if err := tx.QueryRow(ctx, "SELECT code_expires_at FROM signing_recipients WHERE id = ?", r.ID).Scan(&expires); err != nil {
			return err
		}
		if s.now().Before(store.Time(expires).Add(codeInterval - codeLifetime)) {
			where := "your email"
			if r.Phone != "" {
				where = "your text messages"
			}
			return platform.Errorf(platform.CodeRateLimited, "A code was sent less than a minute ago: check %s, or wait a minute and ask again", where)
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_recipients SET code_hash = ?, code_expires_at = ?, code_attempts = 0, updated_at = ? WHERE id = ?",
			hashSecret(r.ID+":"+code), store.Millis(s.now().Add(codeLifetime)), store.Millis(s.now()), r.ID); err != nil {
			return err
		}
		how := "a one-time code by email to " + maskEmail(r.Email)
		if r.Phone != "" {
			how = "a one-time code by text message to " + maskPhone(r.Phone)
		}
		return s.event(ctx, tx, env, r, "code_sent", r.Name, addr, how, "")
	})
	if err != nil {
		return err
	}
	if r.Phone != "" {
		// Each code is a message of its own; the key says nothing of it.
		err := s.opts.Texts.SendText(ctx, Text{OrgID: env.OrgID, To: r.Phone, Key: platform.NewID("code"), Reference: env.ID,
			Body: "Your code to see " + textTitle(env.Title) + " is " + code + ". It works for 10 minutes. Do not share it."})
		if err != nil {
			// Not sent: the code goes, so that asking again is not held
			// back by the one-a-minute rule.
			if cerr := s.dropCode(context.WithoutCancel(ctx), r.ID); cerr != nil {
				return errors.Join(err, cerr)
			}
			return &platform.Error{Code: platform.CodeConflict, Message: "We could not send the code by text message: try again in a few minutes, or ask the person who sent you the link to send the code by email instead", Err: err}
		}
		return nil
	}
	if s.opts.Mail == nil {
		return nil
	}
	return s.opts.Mail.Send(ctx, mail.Message{To: r.Email, Subject: "Your code to see " + env.Title,
		Text: "Your code is " + code + ".\n\nIt works for 10 minutes. If you did not ask for it, ignore this email.\n"})
}

// dropCode forgets a recipient's code that could not be sent.
func (s *Store) dropCode(ctx context.Context, recipientID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE signing_recipients SET code_hash = '', code_expires_at = 0 WHERE id = ?", recipientID)
		return err
	})
}

// textTitle keeps an envelope's title short enough for a text message
// (two at most with the code's words).
func textTitle(t string) string {
	if r := []rune(t); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return "\"" + t + "\""
}

// CheckCode checks a one-time code and, when right, starts a session for
// the browser that gave it (returned once; only its hash is kept). Wrong
// codes count; after five the code is spent and a new one must be asked.
func (s *Store) CheckCode(ctx context.Context, token, code, addr string) (session string, err error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return "", platform.Invalid("Enter the 6-digit code we sent you", platform.FieldError{Field: "code", Message: "Enter the 6 digits of the code"})
	}
	var refusal error
	session = newSecret()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		_, r, err := s.byToken(ctx, tx, token)
		if err != nil {
			return err
		}
		// Lock the recipient's row first: guesses at the same moment
		// count one after the other on PostgreSQL too.
		if err := lockRow(ctx, tx, "signing_recipients", r.ID); err != nil {
			return err
		}
		env, r, err := s.byToken(ctx, tx, token)
		if err != nil {
			return err
		}
		var hash string
		var expires int64
		var attempts int
		if err := tx.QueryRow(ctx, "SELECT code_hash, code_expires_at, code_attempts FROM signing_recipients WHERE id = ?", r.ID).Scan(&hash, &expires, &attempts); err != nil {
			return err
		}
		now := s.now()
		switch {
		case hash == "" || attempts >= codeAttempts:
			refusal = platform.Invalid("Ask for a new code", platform.FieldError{Field: "code", Message: "This code can no longer be used: ask for a new one"})
			return nil
		case now.After(store.Time(expires)):
			refusal = platform.Invalid("The code has expired", platform.FieldError{Field: "code", Message: "The code has expired: ask for a new one"})
			return nil
		case subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(r.ID+":"+code))) != 1:
			refusal = platform.Invalid("The code is not right", platform.FieldError{Field: "code", Message: fmt.Sprintf("The code is not right: %d tries left", codeAttempts-attempts-1)})
			_, err := tx.Exec(ctx, "UPDATE signing_recipients SET code_attempts = code_attempts + 1 WHERE id = ?", r.ID)
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_recipients SET code_hash = '', session_hash = ?, session_expires_at = ?, identified_by = ?, status = ?, updated_at = ? WHERE id = ?`,
			hashSecret(session), store.Millis(now.Add(sessionLifetime)), codeHow(r), RecipientViewed, store.Millis(now), r.ID); err != nil {
			return err
		}
		if err := s.event(ctx, tx, env, r, "identified", r.Name, addr, "one-time "+codeHow(r)+" to "+codeTo(r), ""); err != nil {
			return err
		}
		return s.event(ctx, tx, env, r, "viewed", r.Name, addr, "", env.OriginalSHA256)
	})
	if err != nil {
		return "", err
	}
	if refusal != nil {
		return "", refusal
	}
	return session, nil
}

// resolveLocked is resolve inside a write that acts on the envelope: the
// envelope's row is locked first, so two recipients acting at once (a
// parallel group) act one after the other on PostgreSQL as on SQLite,
// and the second sees what the first did.
func (s *Store) resolveLocked(ctx context.Context, tx *store.Tx, a Actor) (Envelope, Recipient, error) {
	if a.Subject != nil {
		// A staff member names the envelope: lock it, then look once. The
		// lock is taken only within their own organisation, so naming
		// another's envelope neither locks nor reads its row.
		if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET updated_at = updated_at WHERE id = ? AND org_id = ?",
			a.EnvelopeID, a.Subject.OrgID); err != nil {
			return Envelope{}, Recipient{}, err
		}
		return s.resolve(ctx, tx, a)
	}
	env, _, err := s.resolve(ctx, tx, a)
	if err != nil {
		return env, Recipient{}, err
	}
	if err := lockRow(ctx, tx, "signing_envelopes", env.ID); err != nil {
		return Envelope{}, Recipient{}, err
	}
	return s.resolve(ctx, tx, a)
}

// lockRow takes a row's write lock until the write commits (a no-op
// update, portable to both engines; SQLite has one writer anyway).
func lockRow(ctx context.Context, tx *store.Tx, table, id string) error {
	_, err := tx.Exec(ctx, "UPDATE "+table+" SET updated_at = updated_at WHERE id = ?", id)
	return err
}

// resolve finds the envelope and recipient an actor may act as now.
func (s *Store) resolve(ctx context.Context, q cerQuerier, a Actor) (Envelope, Recipient, error) {
	if a.Subject == nil {
		env, r, err := s.byToken(ctx, q, a.Token)
		if err != nil {
			return env, r, err
		}
		var hash string
		var expires int64
		if err := q.QueryRow(ctx, "SELECT session_hash, session_expires_at FROM signing_recipients WHERE id = ?", r.ID).Scan(&hash, &expires); err != nil {
			return Envelope{}, Recipient{}, err
		}
		if a.Session == "" || hash == "" || subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(a.Session))) != 1 || s.now().After(store.Time(expires)) {
			return Envelope{}, Recipient{}, errNoLink()
		}
		return env, r, nil
	}
	nothing := platform.Errorf(platform.CodeNotFound, "There is nothing for you to sign or approve on this envelope now")
	env, err := cerEnvelope(ctx, q, a.EnvelopeID)
	if err != nil || env.OrgID != a.Subject.OrgID || a.Subject.UserID == "" {
		return Envelope{}, Recipient{}, nothing
	}
	rs, err := cerRecipients(ctx, q, env.ID)
	if err != nil {
		return Envelope{}, Recipient{}, err
	}
	for _, r := range rs {
		if r.UserID == a.Subject.UserID && atTurn(env, r) {
			return env, r, nil
		}
	}
	return Envelope{}, Recipient{}, nothing
}

// Ceremony is what a recipient sees at their turn.
type Ceremony struct {
	Envelope  Envelope // without other recipients' details
	Recipient Recipient
	Fields    []Field // theirs
}

// Open returns the recipient's view of the envelope at their turn; a
// signed-in recipient's first look is recorded as "viewed".
func (s *Store) Open(ctx context.Context, a Actor) (Ceremony, error) {
	env, r, err := s.resolve(ctx, s.db, a)
	if err != nil {
		return Ceremony{}, err
	}
	if r.Status == RecipientNotified {
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, "UPDATE signing_recipients SET status = ?, identified_by = ?, updated_at = ? WHERE id = ? AND status = ?",
				RecipientViewed, "signed in", store.Millis(s.now()), r.ID, RecipientNotified)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			return s.event(ctx, tx, env, r, "viewed", r.Name, a.Addr, "signed in", env.OriginalSHA256)
		})
		if err != nil {
			return Ceremony{}, err
		}
		r.Status, r.IdentifiedBy = RecipientViewed, "signed in"
	}
	fs, err := cerFields(ctx, s.db, env.ID)
	if err != nil {
		return Ceremony{}, err
	}
	c := Ceremony{Envelope: env, Recipient: r}
	for _, f := range fs {
		if f.RecipientID == r.ID {
			c.Fields = append(c.Fields, f)
		}
	}
	return c, nil
}

// Document is the PDF as the recipient must act on it (with the
// signatures of the steps before).
func (s *Store) Document(ctx context.Context, a Actor) ([]byte, error) {
	env, _, err := s.resolve(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	return s.readBlob(ctx, env.CurrentBlob)
}

func (s *Store) readBlob(ctx context.Context, id string) ([]byte, error) {
	if s.opts.Files == nil || id == "" {
		return nil, platform.Errorf(platform.CodeNotFound, "The document is not available")
	}
	rc, _, err := s.opts.Files.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// ToSign lists the envelopes waiting for sub's signature or approval now:
// staff's tasks.
func (s *Store) ToSign(ctx context.Context, sub *platform.Subject) ([]Envelope, error) {
	rows, err := s.db.Query(ctx, `SELECT e.id FROM signing_envelopes e JOIN signing_recipients r ON r.envelope_id = e.id
		WHERE r.org_id = ? AND r.user_id = ? AND r.step = e.current_step AND e.status = ? AND r.role <> ? AND r.status IN (?, ?)
		ORDER BY e.sent_at, e.id`, sub.OrgID, sub.UserID, EnvelopeSent, RoleCopy, RecipientNotified, RecipientViewed)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Envelope, 0, len(ids))
	for _, id := range ids {
		env, err := cerEnvelope(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, env)
	}
	return out, nil
}
