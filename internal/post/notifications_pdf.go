package post

import (
	"bytes"
	"context"
	"errors"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// MaxPrecompiledBytes is the largest precompiled letter, as Notify's.
const MaxPrecompiledBytes = 5 << 20

// SendPrecompiled sends a letter the caller made as a PDF (Notify's
// precompiled letter): the PDF is kept in the file store and the
// notification carries it (PDFBlob), so delivery prints it as it is
// rather than rendering a template. Its reference is required, as
// Notify's is: it is how the caller finds the letter again.
func (s *Store) SendPrecompiled(ctx context.Context, key APIKey, reference string, pdf []byte, postage string) (Notification, error) {
	sv, err := s.ServiceByID(ctx, key.ServiceID)
	if err != nil {
		return Notification{}, err
	}
	if sv.Archived {
		return Notification{}, sendError(400, "BadRequestError", "", "Service is archived: it cannot send")
	}
	if s.opts.Files == nil {
		return Notification{}, platform.Internal(errors.New("post: no file store for precompiled letters"))
	}
	switch {
	case reference == "":
		return Notification{}, sendError(400, "ValidationError", "reference", "is a required property")
	case len(reference) > MaxReferenceLen:
		return Notification{}, sendError(400, "ValidationError", "reference", "is too long")
	case len(pdf) > MaxPrecompiledBytes:
		return Notification{}, sendError(400, "BadRequestError", "content", "Letter content is too large: a PDF may be at most 5MB")
	case !bytes.HasPrefix(pdf, []byte("%PDF-")):
		return Notification{}, sendError(400, "ValidationError", "content", "Letter content is not a valid PDF")
	}
	if postage == "" {
		postage = "second"
	}
	switch postage {
	case "first", "second", "economy", "europe", "rest-of-world":
	default:
		return Notification{}, sendError(400, "ValidationError", "postage", "invalid. It must be either first, second, economy, europe or rest-of-world.")
	}
	info, err := s.opts.Files.Put(ctx, bytes.NewReader(pdf))
	if err != nil {
		return Notification{}, err
	}
	now := s.now()
	n := Notification{ID: NewUUID(), OrgID: sv.OrgID, ServiceID: sv.ID, Kind: KindLetter, Recipient: "Provided as PDF", Reference: reference,
		Subject: "Pre-compiled PDF", Personalisation: map[string]any{}, KeyType: key.Type, APIKeyID: key.ID, CreatedBy: "api:" + key.ID,
		Status: StatusCreated, Postage: postage, PDFBlob: info.ID, CreatedAt: now, UpdatedAt: now}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.insert(ctx, tx, &n, nil, &key); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE post_notifications SET pdf_blob = ? WHERE id = ?", n.PDFBlob, n.ID)
		return err
	})
	return n, err
}
