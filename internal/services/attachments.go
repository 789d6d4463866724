package services

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
}

type fileIn struct {
	file    definition.File
	fieldID string
	content []byte
}

// cleanFile checks and normalises an upload's metadata, and gives it an ID.
func (s *Service) cleanFile(f definition.File, content []byte, limit int64, field string) (definition.File, error) {
	if limit <= 0 || limit > s.opts.MaxAttachmentBytes {
		limit = s.opts.MaxAttachmentBytes
	}
	if int64(len(content)) > limit {
		return f, &platform.Error{Code: platform.CodeTooLarge, Message: fmt.Sprintf("The file must be smaller than %s", humanBytes(limit)),
			Fields: []platform.FieldError{{Field: field, Message: "The file must be smaller than " + humanBytes(limit)}}}
	}
	if len(content) == 0 {
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
	return definition.File{ID: id, Name: name, MediaType: mt, Size: int64(len(content))}, nil
}

func humanBytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

// submittedFiles pairs the content given with a submission to its file
// answers, correcting each answer's metadata to what is stored.
func (s *Service) submittedFiles(def *definition.Definition, answers definition.Answers, content map[string][]byte) ([]fileIn, error) {
	used := map[string]bool{}
	var out []fileIn
	for _, fd := range def.Fields {
		if fd.Type != definition.TypeFile {
			continue
		}
		f, ok := asFile(answers[fd.ID])
		if !ok {
			continue
		}
		b, ok := content[f.ID]
		if !ok {
			continue
		}
		clean, err := s.cleanFile(f, b, fd.MaxBytes, fd.ID)
		if err != nil {
			return nil, err
		}
		used[f.ID] = true
		answers[fd.ID] = clean
		out = append(out, fileIn{file: clean, fieldID: fd.ID, content: b})
	}
	for id := range content {
		if !used[id] {
			return nil, platform.Invalid("A file was sent that no question asked for", platform.FieldError{Field: "files", Message: "no file answer has this ID"})
		}
	}
	return out, nil
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

func insertAttachment(ctx context.Context, tx *store.Tx, c *Case, f fileIn, by string, at time.Time) error {
	sum := sha256.Sum256(f.content)
	_, err := tx.Exec(ctx, `INSERT INTO case_attachments (id, org_id, case_id, field_id, name, media_type, size, sha256, content, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.file.ID, c.OrgID, c.ID, f.fieldID, f.file.Name, f.file.MediaType, f.file.Size, hex.EncodeToString(sum[:]), f.content, by, store.Millis(at))
	if store.IsUniqueViolation(err) {
		return platform.Errorf(platform.CodeConflict, "this file has already been uploaded")
	}
	return err
}

// AddAttachment keeps a file with a case. The applicant may add files to
// their own case; staff need the access point's leave to update it.
func (s *Service) AddAttachment(ctx context.Context, sub *platform.Subject, caseID string, file definition.File, content []byte) (Attachment, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return Attachment{}, err
	}
	clean, err := s.cleanFile(file, content, 0, "file")
	if err != nil {
		return Attachment{}, err
	}
	now := s.now()
	sum := sha256.Sum256(content)
	a := Attachment{File: clean, CaseID: c.ID, SHA256: hex.EncodeToString(sum[:]), UploadedBy: sub.UserID, CreatedAt: now}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := insertAttachment(ctx, tx, &c, fileIn{file: clean, content: content}, sub.UserID, now); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, sub, &c, now, EventAttachment, "", "", "added "+clean.Name, true); err != nil {
			return err
		}
		e := audit.For(sub, "case.attach", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: added %s (%d bytes)", c.Reference, clean.ID, clean.Size)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Attachment{}, asPlatform(err)
	}
	return a, nil
}

const attachmentColumns = "id, name, media_type, size, case_id, field_id, sha256, uploaded_by, created_at"

func scanAttachment(r scanner, extra ...any) (Attachment, error) {
	var a Attachment
	var at int64
	err := r.Scan(append([]any{&a.ID, &a.Name, &a.MediaType, &a.Size, &a.CaseID, &a.FieldID, &a.SHA256, &a.UploadedBy, &at}, extra...)...)
	a.CreatedAt = store.Time(at)
	return a, err
}

// ListAttachments lists a case's files, oldest first, without content.
func (s *Service) ListAttachments(ctx context.Context, sub *platform.Subject, caseID string) ([]Attachment, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+attachmentColumns+" FROM case_attachments WHERE org_id = ? AND case_id = ? ORDER BY created_at, id", c.OrgID, c.ID)
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
	var content []byte
	a, err := scanAttachment(s.db.QueryRow(ctx, "SELECT "+attachmentColumns+", content FROM case_attachments WHERE org_id = ? AND case_id = ? AND id = ?",
		c.OrgID, c.ID, attachmentID), &content)
	if store.IsNoRows(err) {
		return Attachment{}, nil, platform.NotFound("attachment")
	}
	if err != nil {
		return Attachment{}, nil, platform.Internal(err)
	}
	return a, content, nil
}
