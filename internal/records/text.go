package records

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Text extraction states of a document (documents.text_status).
const (
	TextStatusPending = "pending" // a version waits for its text to be read
	TextStatusDone    = "done"    // records_text holds the latest version's text
	TextStatusFailed  = "failed"  // reading failed; text_error says why
	TextStatusNone    = "none"    // the content has no text to read (an image without OCR)
)

// MaxTextBytes is the most extracted text kept per document. A 5 GB file
// can hold far more text than anyone searches or reviews; the rest is
// cut. Search indexes the first 200,000 characters of it (migration 0003).
const MaxTextBytes = 8 << 20

// SetText stores the text read from a document's latest version, inside
// the extraction job's write, and marks the extraction done; the search
// index follows in the same transaction (migration 0003's triggers). A
// document deleted or disposed of meanwhile is not found, and its text
// is not stored.
func (s *Store) SetText(ctx context.Context, tx *store.Tx, orgID, documentID, text string) error {
	ok, err := s.setTextStatus(ctx, tx, orgID, documentID, TextStatusDone, "")
	if err != nil || !ok {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO records_text (document_id, org_id, body) VALUES (?, ?, ?)
		ON CONFLICT (document_id) DO UPDATE SET org_id = excluded.org_id, body = excluded.body`, documentID, orgID, cleanText(text))
	return err
}

// TextFailed marks a document's extraction failed, with the reason shown
// on the document (a corrupt or password-protected PDF). The document
// stays filed; the text of an earlier version is removed, so search never
// finds words the current version may not have.
func (s *Store) TextFailed(ctx context.Context, documentID, reason string) error {
	return s.textGone(ctx, documentID, TextStatusFailed, reason)
}

// NoText marks a document whose content has no text to read.
func (s *Store) NoText(ctx context.Context, documentID string) error {
	return s.textGone(ctx, documentID, TextStatusNone, "")
}

func (s *Store) textGone(ctx context.Context, documentID, status, reason string) error {
	reason = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(reason, "")))
	if utf8.RuneCountInString(reason) > 300 {
		reason = string([]rune(reason)[:300]) + "…"
	}
	if status == TextStatusFailed && reason == "" {
		reason = "The text could not be read"
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var orgID string
		if err := tx.QueryRow(ctx, `SELECT org_id FROM records_documents WHERE id = ?`, documentID).Scan(&orgID); store.IsNoRows(err) {
			return platform.NotFound("record")
		} else if err != nil {
			return err
		}
		ok, err := s.setTextStatus(ctx, tx, orgID, documentID, status, reason)
		if err != nil || !ok {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM records_text WHERE document_id = ?`, documentID)
		return err
	})
}

// setTextStatus records the extraction's outcome on an active document;
// false with a not-found error when there is none.
func (s *Store) setTextStatus(ctx context.Context, tx *store.Tx, orgID, documentID, status, reason string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE records_documents SET text_status = ?, text_error = ? WHERE id = ? AND org_id = ? AND state = ?`,
		status, reason, documentID, orgID, StateActive)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n == 0 {
		return false, platform.NotFound("record")
	}
	return true, nil
}

// cleanText makes extracted text storable on both engines: valid UTF-8
// (PostgreSQL refuses anything else), no NUL (which it refuses too), and
// at most MaxTextBytes.
func cleanText(t string) string {
	t = strings.ReplaceAll(strings.ToValidUTF8(t, "\uFFFD"), "\x00", " ")
	if len(t) <= MaxTextBytes {
		return t
	}
	t = t[:MaxTextBytes]
	for !utf8.ValidString(t) {
		t = t[:len(t)-1]
	}
	return t
}
