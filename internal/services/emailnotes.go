package services

import (
	"context"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Someone who made a request without an account follows it through a
// verified-email session (see CaseForEmail): they read the council's
// messages there and reply, as a signed-in applicant does on their request
// page. Their messages carry their address as the author's name, with no
// user ID, so staff see who wrote.

// NotesForEmail lists the applicant-visible messages on the case reference
// made without an account from the session's address, oldest first.
func (s *Service) NotesForEmail(ctx context.Context, sess EmailSession, reference string) ([]Note, error) {
	c, err := s.CaseForEmail(ctx, sess, reference)
	if err != nil {
		return nil, err
	}
	return s.notes(ctx, emailApplicant(sess, ""), &c)
}

// ReplyForEmail adds the session holder's message to their case. addr is
// the request's remote address, for the audit log.
func (s *Service) ReplyForEmail(ctx context.Context, sess EmailSession, reference, text, addr string) (Note, error) {
	text, err := checkNoteText(text)
	if err != nil {
		return Note{}, err
	}
	c, err := s.CaseForEmail(ctx, sess, reference)
	if err != nil {
		return Note{}, err
	}
	if c.Terminal {
		return Note{}, platform.Errorf(platform.CodeConflict, "This request is closed. To tell us something new, make a new request.")
	}
	sub := emailApplicant(sess, addr)
	n := newNote(sub, c.ID, text, ToApplicant, s.now())
	n.AuthorName = sess.Email
	if err := s.db.Write(ctx, func(tx *store.Tx) error { return s.insertNote(ctx, tx, sub, &c, n) }); err != nil {
		return Note{}, asPlatform(err)
	}
	return n, nil
}

// emailApplicant is the subject of someone known only by a verified address:
// anonymous to access (they hold no roles), named by their address.
func emailApplicant(sess EmailSession, addr string) *platform.Subject {
	sub := anonymousActor(sess.OrgID, addr)
	sub.Name = strings.TrimSpace(sess.Email)
	return sub
}
