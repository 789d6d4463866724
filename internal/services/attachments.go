package services

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"
	"unicode"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Attachment is a file kept with a case: its metadata as the definition's
// answers know it, plus where it came from.
type Attachment struct {
	definition.File
	CaseID     string    `json:"case_id"`
	FieldID    string    `json:"field_id,omitempty"` // the file question it answers, if any
	SHA256     string    `json:"sha256"`
	UploadedBy string    `json:"uploaded_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	StaffOnly  bool      `json:"staff_only,omitempty"` // kept from the applicant (AddStaffAttachment)
}

// fileIn is a file on its way to becoming an attachment: its content is
// already in the file store under blobID, given with the request (content
// kept for ensureStored) or held since its upload (held).
type fileIn struct {
	file    definition.File
	fieldID string
	blobID  string
	content []byte
	held    bool
	staff   bool // staff only
}

// cleanFile checks and normalises an upload's metadata, and gives it an ID.
func (s *Service) cleanFile(f definition.File, size, limit int64, field string) (definition.File, error) {
	if limit <= 0 || limit > s.opts.MaxAttachmentBytes {
		limit = s.opts.MaxAttachmentBytes
	}
	if size > limit {
		return f, &platform.Error{Code: platform.CodeTooLarge, Message: fmt.Sprintf("The file must be smaller than %s", humanBytes(limit)),
			Fields: []platform.FieldError{{Field: field, Message: "The file must be smaller than " + humanBytes(limit)}}}
	}
	if size == 0 {
		return f, platform.Invalid("The selected file is empty", platform.FieldError{Field: field, Message: "The selected file is empty"})
	}
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(f.Name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	mt := "application/octet-stream"
	if f.MediaType != "" {
		parsed, _, err := mime.ParseMediaType(f.MediaType)
		if err != nil {
			return f, platform.Invalid("The file type is not recognised", platform.FieldError{Field: field, Message: "The file type is not recognised"})
		}
		mt = parsed
	}
	id := f.ID
	if !platform.ValidID("att", id) {
		id = platform.NewID("att")
	}
	return definition.File{ID: id, Name: name, MediaType: mt, Size: size}, nil
}

func humanBytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

// submittedFiles pairs the files of a submission with its file answers,
// correcting each answer's metadata to what is stored: content given with
// the submission (o.Files) is put in the file store now; files uploaded
// earlier are found among those held for o.Held. With o.Held set, a file
// answer whose file is not there any more is an error naming its question.
func (s *Service) submittedFiles(ctx context.Context, orgID string, def *definition.Definition, answers definition.Answers, o SubmitOptions) ([]fileIn, error) {
	held, err := s.heldFiles(ctx, orgID, o.Held)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	var out []fileIn
	var missing []platform.FieldError
	for _, fd := range def.Fields {
		if fd.Type != definition.TypeFile {
			continue
		}
		f, ok := asFile(answers[fd.ID])
		if !ok {
			continue
		}
		in := fileIn{fieldID: fd.ID}
		var size int64
		if b, ok := o.Files[f.ID]; ok {
			in.content, size = b, int64(len(b))
			used[f.ID] = true
		} else if h, ok := held[f.ID]; ok {
			in.blobID, in.held, size = h.blobID, true, h.size
		} else {
			if o.Held != "" {
				missing = append(missing, platform.FieldError{Field: fd.ID, Message: fmt.Sprintf("Upload %s again: we no longer have the copy you sent", f.Name)})
			}
			continue
		}
		clean, err := s.cleanFile(f, size, fd.MaxBytes, fd.ID)
		if err != nil {
			return nil, err
		}
		answers[fd.ID] = clean
		in.file = clean
		out = append(out, in)
	}
	for id := range o.Files {
		if !used[id] {
			return nil, platform.Invalid("A file was sent that no question asked for", platform.FieldError{Field: "files", Message: "no file answer has this ID"})
		}
	}
	if len(missing) > 0 {
		return nil, platform.Invalid("Upload your files again", missing...)
	}
	return out, nil
}

// storeGiven puts the content given with a submission in the file store,
// once everything else about the submission has been checked.
func (s *Service) storeGiven(ctx context.Context, files []fileIn) error {
	for i := range files {
		if files[i].held {
			continue
		}
		id, err := s.storeFile(ctx, files[i].content)
		if err != nil {
			s.abandonFiles(ctx, given(files[:i]))
			return err
		}
		files[i].blobID = id
	}
	return nil
}

// given lists the blobs stored for a request's own content.
func given(files []fileIn) []string {
	var ids []string
	for _, f := range files {
		if !f.held && f.blobID != "" {
			ids = append(ids, f.blobID)
		}
	}
	return ids
}

// abandonFiles releases blobs stored for a write that then failed, so the
// collection removes them unless something else names them. It is best
// effort: the write's own error is the one to report.
func (s *Service) abandonFiles(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	at := store.Millis(s.now())
	s.db.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error { return releaseFiles(ctx, tx, ids, at) })
}

// asFile reads a file answer as stored in memory or decoded from JSON.
func asFile(v any) (definition.File, bool) {
	switch f := v.(type) {
	case definition.File:
		return f, true
	case *definition.File:
		if f != nil {
			return *f, true
		}
	case map[string]any:
		b, err := json.Marshal(f)
		if err == nil {
			var out definition.File
			if json.Unmarshal(b, &out) == nil && out.ID != "" {
				return out, true
			}
		}
	}
	return definition.File{}, false
}

// insertAttachment writes an attachment row naming its blob, inside
// writeNaming.
func insertAttachment(ctx context.Context, tx *store.Tx, c *Case, f fileIn, by string, at time.Time) error {
	// The blob ID is the SHA-256 of the content, which the row records.
	staff := 0
	if f.staff {
		staff = 1
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_attachments (id, org_id, case_id, field_id, name, media_type, size, sha256, blob_id, content, uploaded_by, created_at, staff_only)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.file.ID, c.OrgID, c.ID, f.fieldID, f.file.Name, f.file.MediaType, f.file.Size, f.blobID, f.blobID, []byte{}, by, store.Millis(at), staff)
	if store.IsUniqueViolation(err) {
		return platform.Errorf(platform.CodeConflict, "this file has already been uploaded")
	}
	return err
}

// AddAttachment keeps a file with a case. The applicant may add files to
// their own case; staff need the access point's leave to update it.
func (s *Service) AddAttachment(ctx context.Context, sub *platform.Subject, caseID string, file definition.File, content []byte) (Attachment, error) {
	return s.addAttachment(ctx, sub, caseID, file, content, false)
}

// AddStaffAttachment keeps a file with a case that its applicant does not
// see, nor its adding in the case's history: a scanned letter filed by
// inbound post may be about someone else, or filed on the wrong case.
func (s *Service) AddStaffAttachment(ctx context.Context, sub *platform.Subject, caseID string, file definition.File, content []byte) (Attachment, error) {
	if sub == nil || !sub.IsStaff() {
		return Attachment{}, platform.Errorf(platform.CodeForbidden, "only staff keep files from the applicant")
	}
	return s.addAttachment(ctx, sub, caseID, file, content, true)
}

func (s *Service) addAttachment(ctx context.Context, sub *platform.Subject, caseID string, file definition.File, content []byte, staffOnly bool) (Attachment, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return Attachment{}, err
	}
	clean, err := s.cleanFile(file, int64(len(content)), 0, "file")
	if err != nil {
		return Attachment{}, err
	}
	blobID, err := s.storeFile(ctx, content)
	if err != nil {
		return Attachment{}, err
	}
	now := s.now()
	a := Attachment{File: clean, CaseID: c.ID, SHA256: blobID, UploadedBy: sub.UserID, CreatedAt: now, StaffOnly: staffOnly}
	in := fileIn{file: clean, blobID: blobID, content: content, staff: staffOnly}
	err = s.writeNaming(ctx, []fileIn{in}, func(tx *store.Tx) error {
		if err := insertAttachment(ctx, tx, &c, in, sub.UserID, now); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, sub, &c, now, EventAttachment, "", "", "added "+clean.Name, !staffOnly); err != nil {
			return err
		}
		e := audit.For(sub, "case.attach", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: added %s (%d bytes)", c.Reference, clean.ID, clean.Size)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		s.abandonFiles(ctx, []string{blobID})
		return Attachment{}, asPlatform(err)
	}
	return a, nil
}

const attachmentColumns = "id, name, media_type, size, case_id, field_id, sha256, uploaded_by, created_at, staff_only"

func scanAttachment(r scanner, extra ...any) (Attachment, error) {
	var a Attachment
	var at int64
	var staff int
	err := r.Scan(append([]any{&a.ID, &a.Name, &a.MediaType, &a.Size, &a.CaseID, &a.FieldID, &a.SHA256, &a.UploadedBy, &at, &staff}, extra...)...)
	a.CreatedAt, a.StaffOnly = store.Time(at), staff == 1
	return a, err
}

// seenBy is the condition on case_attachments that keeps staff-only files
// from everyone but staff.
func seenBy(sub *platform.Subject) string {
	if sub != nil && sub.IsStaff() {
		return ""
	}
	return " AND staff_only = 0"
}

// ListAttachments lists a case's files, oldest first, without content.
func (s *Service) ListAttachments(ctx context.Context, sub *platform.Subject, caseID string) ([]Attachment, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+attachmentColumns+" FROM case_attachments WHERE org_id = ? AND case_id = ?"+seenBy(sub)+" ORDER BY created_at, id", c.OrgID, c.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// GetAttachment returns one file of a case with its content, to someone who
// may read the case.
func (s *Service) GetAttachment(ctx context.Context, sub *platform.Subject, caseID, attachmentID string) (Attachment, []byte, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return Attachment{}, nil, err
	}
	if !platform.ValidID("att", attachmentID) {
		return Attachment{}, nil, platform.NotFound("attachment")
	}
	var blobID string
	var content []byte
	a, err := scanAttachment(s.db.QueryRow(ctx, "SELECT "+attachmentColumns+", blob_id, content FROM case_attachments WHERE org_id = ? AND case_id = ? AND id = ?"+seenBy(sub),
		c.OrgID, c.ID, attachmentID), &blobID, &content)
	if store.IsNoRows(err) {
		return Attachment{}, nil, platform.NotFound("attachment")
	}
	if err != nil {
		return Attachment{}, nil, platform.Internal(err)
	}
	if blobID == "" {
		return a, content, nil // written before the blob store, not yet moved (see MoveAttachmentContent)
	}
	if s.opts.Files == nil {
		return Attachment{}, nil, platform.Internal(errNoFileStore)
	}
	// Verified in full before anything is returned: all or nothing.
	content, err = s.opts.Files.ReadAll(ctx, blobID, max(a.Size, 1))
	if err != nil {
		return Attachment{}, nil, platform.Internal(fmt.Errorf("attachment %s of case %s: %w", a.ID, c.ID, err))
	}
	return a, content, nil
}
