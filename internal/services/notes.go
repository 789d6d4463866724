package services

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Visibility says who may read a note.
type Visibility string

const (
	// Internal notes are for staff only.
	Internal Visibility = "internal"
	// ToApplicant notes are messages between staff and the applicant; a
	// resident's reply is one too.
	ToApplicant Visibility = "applicant"
)

// Note is a message on a case.
type Note struct {
	ID         string     `json:"id"`
	CaseID     string     `json:"case_id"`
	AuthorID   string     `json:"author_id,omitempty"`
	AuthorName string     `json:"author_name,omitempty"`
	ActingFor  string     `json:"acting_for,omitempty"`
	Visibility Visibility `json:"visibility"`
	Body       string     `json:"body"`
	CreatedAt  time.Time  `json:"created_at"`
}

const maxNote = 10000

// AddNote adds a note to a case. Staff who may update the case write either
// kind; the applicant writes to staff (their note is applicant-visible
// whatever they ask for, so they can always read what they wrote).
func (s *Service) AddNote(ctx context.Context, sub *platform.Subject, caseID, text string, vis Visibility) (Note, error) {
	text, err := checkNoteText(text)
	if err != nil {
		return Note{}, err
	}
	if vis != Internal && vis != ToApplicant {
		return Note{}, platform.Invalid("Choose who can see the note", platform.FieldError{Field: "visibility", Message: "Choose internal or applicant"})
	}
	c, err := s.caseFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return Note{}, err
	}
	if s.applicantView(sub, &c) {
		vis = ToApplicant
	}
	now := s.now()
	n := newNote(sub, c.ID, text, vis, now)
	err = s.db.Write(ctx, func(tx *store.Tx) error { return s.insertNote(ctx, tx, sub, &c, n) })
	if err != nil {
		return Note{}, asPlatform(err)
	}
	return n, nil
}

func newNote(sub *platform.Subject, caseID, text string, vis Visibility, at time.Time) Note {
	return Note{ID: platform.NewID("note"), CaseID: caseID, AuthorID: sub.UserID, AuthorName: sub.Name, ActingFor: sub.ActingFor,
		Visibility: vis, Body: text, CreatedAt: at}
}

// insertNote stores n on c with its timeline event and audit entry.
func (s *Service) insertNote(ctx context.Context, tx *store.Tx, sub *platform.Subject, c *Case, n Note) error {
	if _, err := tx.Exec(ctx, `INSERT INTO case_notes (id, org_id, case_id, author_id, author_name, acting_for, visibility, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, n.ID, c.OrgID, c.ID, n.AuthorID, n.AuthorName, n.ActingFor, string(n.Visibility), n.Body, store.Millis(n.CreatedAt)); err != nil {
		return err
	}
	detail := "internal note"
	if n.Visibility == ToApplicant {
		detail = "message"
		// Staff writing to the applicant tell them by email that a message
		// waits (not what it says: the request page is behind sign-in or
		// an emailed code). The applicant's own messages tell nobody.
		if !s.applicantView(sub, c) && n.AuthorID != c.ApplicantID {
			if to, ok := recipient("applicant", c); ok {
				m := Message{ID: platform.NewID("msg"), OrgID: c.OrgID, CaseID: c.ID, Reference: c.Reference, To: to,
					Template: "case-message", Subject: "A message about your request " + c.Reference,
					Body:      "We have sent you a message about your request " + c.Reference + ". Sign in, or track your request, to read it and reply.",
					CreatedAt: n.CreatedAt}
				if err := s.opts.Notifier.Notify(ctx, tx, m); err != nil {
					return fmt.Errorf("services: notify: %w", err)
				}
			}
		}
	}
	if err := s.addEvent(ctx, tx, sub, c, n.CreatedAt, EventNote, "", "", detail, n.Visibility == ToApplicant); err != nil {
		return err
	}
	e := audit.For(sub, "case.note", "case", c.ID, audit.Success)
	e.Detail = fmt.Sprintf("%s: %s note %s", c.Reference, n.Visibility, n.ID)
	return s.rec.Record(tx, e)
}

// checkNoteText trims a message and refuses an empty or overlong one.
func checkNoteText(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", platform.Invalid("Enter a message", platform.FieldError{Field: "text", Message: "Enter a message"})
	case !utf8.ValidString(text):
		return "", platform.Invalid("Check the message", platform.FieldError{Field: "text", Message: "The message contains characters that cannot be read; type it again"})
	case utf8.RuneCountInString(text) > maxNote:
		return "", platform.Invalid("The message is too long", platform.FieldError{Field: "text", Message: "The message must be 10,000 characters or fewer"})
	}
	return text, nil
}

// ListNotes lists a case's notes, oldest first; someone who sees the case
// only as its applicant gets the applicant-visible ones.
func (s *Service) ListNotes(ctx context.Context, sub *platform.Subject, caseID string) ([]Note, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	return s.notes(ctx, sub, &c)
}

// notes reads the notes of c, which the caller has loaded and checked.
func (s *Service) notes(ctx context.Context, sub *platform.Subject, c *Case) ([]Note, error) {
	q := "SELECT id, case_id, author_id, author_name, acting_for, visibility, body, created_at FROM case_notes WHERE org_id = ? AND case_id = ?"
	if s.applicantView(sub, c) {
		q += " AND visibility = 'applicant'"
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY created_at, id", c.OrgID, c.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var vis string
		var at int64
		if err := rows.Scan(&n.ID, &n.CaseID, &n.AuthorID, &n.AuthorName, &n.ActingFor, &vis, &n.Body, &at); err != nil {
			return nil, platform.Internal(err)
		}
		n.Visibility, n.CreatedAt = Visibility(vis), store.Time(at)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}
