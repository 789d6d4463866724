package services

import (
	"context"
	"fmt"
	"mime"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// A response may be a file: the bundle of a subject access request, a
// decision letter. The definition declares it as an internal file field
// shared with the applicant; staff give it with the move that sends it
// (Respond), and the applicant downloads it from their request page
// (ResponseFile). Nobody else reaches it through the portal, and other
// files kept with the case stay with staff.

// ResponseIn is a file for Respond whose content is already in the shared
// file store (another module built and stored it): its ID (the SHA-256 of
// the content) and size.
type ResponseIn struct {
	AttachmentID string // optional: an att_ ID chosen by the caller, so it can name the attachment before it exists
	Name         string
	MediaType    string
	BlobID       string
	Size         int64
}

// Respond makes transition transitionID on a case and, in the same write,
// keeps file as the answer to fieldID: an internal file field shared with
// the applicant. Either both happen or neither does, so a case is never
// closed without its response nor a response shown on a case that did not
// move. The transition's guards, the access policy and the optimistic lock
// apply as for Transition.
func (s *Service) Respond(ctx context.Context, sub *platform.Subject, caseID, transitionID string, expectedVersion int64, fieldID string, file ResponseIn) (Case, Attachment, error) {
	c, err := s.findCase(ctx, sub, caseID, access.Update)
	if err != nil {
		return Case{}, Attachment{}, err
	}
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		return Case{}, Attachment{}, err
	}
	t, ok := findTransition(def, transitionID)
	if !ok {
		return Case{}, Attachment{}, platform.NotFound("transition")
	}
	if err := s.ap.Check(ctx, sub, access.Update, c.resource()); err != nil {
		return Case{}, Attachment{}, err
	}
	refusal, err := s.guardReason(ctx, sub, &c, t)
	if err != nil {
		return Case{}, Attachment{}, err
	}
	if refusal != "" {
		return Case{}, Attachment{}, s.denied(ctx, sub, "case.transition", "case", c.ID, t.ID+": "+refusal, "you cannot "+lowerFirst(t.Label)+" on this case")
	}
	fd, ok := findField(def, fieldID)
	if !ok || fd.Type != definition.TypeFile || !fd.Internal || !fd.SharedWithApplicant {
		return Case{}, Attachment{}, platform.Invalid("A response file must answer an internal file field shared with the applicant",
			platform.FieldError{Field: "field", Message: fmt.Sprintf("%q is not a file the applicant is given", fieldID)})
	}
	if s.opts.Files == nil {
		return Case{}, Attachment{}, platform.Internal(errNoFileStore)
	}
	if ok, err := s.opts.Files.Exists(ctx, file.BlobID); err != nil || !ok {
		return Case{}, Attachment{}, platform.Errorf(platform.CodeNotFound, "The response file is not in the file store")
	}
	clean, err := s.cleanResponse(fd, file)
	if err != nil {
		return Case{}, Attachment{}, err
	}
	in := fileIn{file: clean, fieldID: fd.ID, blobID: file.BlobID, held: true}
	next, err := s.move(ctx, sub, c, def, t, expectedVersion, definition.Answers{fd.ID: clean}, "", &in)
	if err != nil {
		return Case{}, Attachment{}, err
	}
	a := Attachment{File: clean, CaseID: c.ID, FieldID: fd.ID, SHA256: file.BlobID, UploadedBy: sub.UserID, CreatedAt: next.UpdatedAt}
	return next, a, nil
}

// cleanResponse checks a response file's metadata against its field: the
// field's size limit (content already stored is not bound by the upload
// limit, only by what the field allows) and its media types.
func (s *Service) cleanResponse(fd definition.Field, f ResponseIn) (definition.File, error) {
	limit := fd.MaxBytes
	if limit <= 0 {
		limit = s.opts.MaxAttachmentBytes
	}
	if f.Size > limit {
		return definition.File{}, &platform.Error{Code: platform.CodeTooLarge, Message: fmt.Sprintf("The file must be smaller than %s", humanBytes(limit)),
			Fields: []platform.FieldError{{Field: fd.ID, Message: "The file must be smaller than " + humanBytes(limit)}}}
	}
	mt, _, err := mime.ParseMediaType(f.MediaType)
	if err != nil {
		return definition.File{}, platform.Invalid("The file type is not recognised", platform.FieldError{Field: fd.ID, Message: "The file type is not recognised"})
	}
	// cleanFile names and IDs it as any upload; the size is checked above.
	return s.cleanFile(definition.File{ID: f.AttachmentID, Name: f.Name, MediaType: mt}, f.Size, max(limit, s.opts.MaxAttachmentBytes), fd.ID)
}

// attachWithin writes the attachment row for a response inside move's
// write, under the files lock, after checking its content is still there.
func (s *Service) attachWithin(ctx context.Context, tx *store.Tx, sub *platform.Subject, c *Case, f fileIn, now time.Time) error {
	if err := lockFiles(ctx, tx, false); err != nil {
		return err
	}
	if ok, err := s.opts.Files.Exists(ctx, f.blobID); err != nil || !ok {
		return platform.Errorf(platform.CodeConflict, "The response file left the file store before it was kept: try again")
	}
	if err := insertAttachment(ctx, tx, c, f, sub.UserID, now); err != nil {
		return err
	}
	if err := s.addEvent(ctx, tx, sub, c, now, EventAttachment, "", "", "added "+f.file.Name, true); err != nil {
		return err
	}
	e := audit.For(sub, "case.attach", "case", c.ID, audit.Success)
	e.Detail = fmt.Sprintf("%s: response %s %s (%d bytes, sha256 %s)", c.Reference, f.fieldID, f.file.ID, f.file.Size, f.blobID)
	return s.rec.Record(tx, e)
}

// ResponseFile returns a file staff gave the applicant as a response (the
// current answer to an internal file field shared with them) to someone
// who may read the case: its applicant, or staff. Any other file of the
// case, and any case the person may not read, is not found. The download
// is audited: it is the moment the information left the council.
func (s *Service) ResponseFile(ctx context.Context, sub *platform.Subject, reference, attachmentID string) (Attachment, []byte, error) {
	c, err := s.FindByReference(ctx, sub, reference)
	if err != nil {
		return Attachment{}, nil, err
	}
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		return Attachment{}, nil, err
	}
	shared := false
	for _, fd := range def.Fields {
		if f, ok := asFile(c.Answers[fd.ID]); ok && f.ID == attachmentID && fd.Type == definition.TypeFile && fd.Internal && fd.SharedWithApplicant {
			shared = true
		}
	}
	if !shared {
		return Attachment{}, nil, platform.NotFound("file")
	}
	a, content, err := s.GetAttachment(ctx, platform.System(c.OrgID), c.ID, attachmentID)
	if err != nil {
		return Attachment{}, nil, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		e := audit.For(sub, "case.response_download", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: %s (%s, sha256 %s)", c.Reference, a.Name, humanBytes(a.Size), a.SHA256)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Attachment{}, nil, asPlatform(err)
	}
	return a, content, nil
}

// AnswerFile reads a file answer as stored (decoded from JSON, or as given).
func AnswerFile(v any) (definition.File, bool) { return asFile(v) }
