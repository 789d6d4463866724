package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Sources say how a document arrived.
const (
	SourceUpload = "upload"
	SourceAPI    = "api"
	SourceCase   = "case"
	SourceM365   = "m365"
	SourceEmail  = "email"
	SourceImport = "import"
)

// NewDocument is a document to file, with its first version's content.
type NewDocument struct {
	Metadata
	Name      string    // the file's name as given; cleaned
	MediaType string    // what the content is (detect it; never trust a browser alone)
	Content   io.Reader // streamed to the encrypted store, never held whole
	// BlobID names content already in the file store (a case's file),
	// instead of Content; Size is then its size.
	BlobID    string
	Size      int64
	Source    string    // default upload
	SourceRef string    // what it was captured from, for idempotent capture
	Declare   bool      // file it as a record at once
	TriggerAt time.Time // an event trigger already known (the case closed)
	Note      string
}

// errTooBig is returned by limitReader when content passes the limit.
var errTooBig = errors.New("content over the size limit")

// limitReader fails (rather than stopping quietly, as io.LimitReader does)
// once more than n bytes are read, so an oversized upload is refused
// before it is stored whole.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooBig
	}
	return n, err
}

func (s *Store) tooLarge() error {
	return &platform.Error{Code: platform.CodeTooLarge, Message: fmt.Sprintf("The file is larger than the %s limit", humanBytes(s.opts.MaxBytes)),
		Fields: []platform.FieldError{{Field: "file", Message: "Choose a file smaller than " + humanBytes(s.opts.MaxBytes)}}}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

// put streams content into the file store within the size limit.
func (s *Store) put(ctx context.Context, content io.Reader) (string, int64, error) {
	if s.opts.Files == nil {
		return "", 0, platform.Errorf(platform.CodeInternal, "No file store is configured")
	}
	if content == nil {
		return "", 0, platform.Invalid("Choose a file", platform.FieldError{Field: "file", Message: "Choose a file"})
	}
	info, err := s.opts.Files.Put(ctx, &limitReader{r: content, n: s.opts.MaxBytes})
	if errors.Is(err, errTooBig) {
		return "", 0, s.tooLarge()
	}
	if err != nil {
		return "", 0, err
	}
	if info.Size == 0 {
		return "", 0, platform.Invalid("The selected file is empty", platform.FieldError{Field: "file", Message: "The selected file is empty"})
	}
	return info.ID, info.Size, nil
}

// Create files a new document. The content is streamed into the encrypted
// store first (so a 5 GB file never sits in memory); the document, its
// first version and the audit entry are then written together, so a
// failure leaves nothing half-filed. Capture with a SourceRef already
// filed returns the existing document and a conflict error.
func (s *Store) Create(ctx context.Context, sub *platform.Subject, in NewDocument) (*Document, error) {
	bad := in.clean()
	if len(bad) > 0 {
		return nil, platform.Invalid("Check the document", bad...)
	}
	if in.Source == "" {
		in.Source = SourceUpload
	}
	d := &Document{ID: platform.NewID("rec"), OrgID: sub.OrgID, ClassID: in.ClassID, Title: in.Title, UnitID: in.UnitID,
		Classification: in.Classification, Subjects: in.Subjects, CaseID: in.CaseID, CaseRef: in.CaseRef, Tags: in.Tags,
		Source: in.Source, SourceRef: in.SourceRef, Versions: 1, State: StateActive, TextStatus: "pending", TriggerAt: in.TriggerAt}
	if sub.Kind != platform.SubjectSystem {
		d.AuthorID, d.AuthorName = sub.UserID, sub.Name
	}
	// Refuse before reading a byte of a large upload.
	if err := s.access.Check(ctx, sub, access.Create, d.resource()); err != nil {
		return nil, err
	}
	blobID, size, err := in.BlobID, in.Size, error(nil)
	if blobID == "" {
		blobID, size, err = s.put(ctx, in.Content)
	} else if ok, e := s.opts.Files.Exists(ctx, blobID); e != nil || !ok {
		err = platform.Errorf(platform.CodeNotFound, "The file's content is not in the file store")
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	d.CreatedAt, d.UpdatedAt = now, now
	v := Version{DocumentID: d.ID, Number: 1, BlobID: blobID, Size: size, Name: CleanName(in.Name), MediaType: cleanMediaType(in.MediaType),
		Note: in.Note, CreatedBy: d.AuthorID, CreatedByName: d.AuthorName, CreatedAt: now}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		c, err := classFor(ctx, tx, d.OrgID, d.ClassID)
		if err != nil {
			return err
		}
		if in.Declare {
			d.DeclaredAt, d.DeclaredBy = now, declarer(sub)
		}
		d.DueAt = DueAt(c.Effective, d, now)
		if err := s.insertDocument(ctx, tx, d); err != nil {
			return err
		}
		if err := insertVersion(ctx, tx, d.OrgID, v); err != nil {
			return err
		}
		detail := fmt.Sprintf("filed %q in %s (%s, %s)", d.Title, c.Code, v.Name, humanBytes(v.Size))
		if in.Declare {
			detail += " and declared a record"
		}
		if err := s.recordDocEntry(tx, sub, "records.create", d, detail); err != nil {
			return err
		}
		return s.extracted(ctx, tx, d)
	})
	if store.IsUniqueViolation(err) && in.SourceRef != "" {
		var existing *Document
		if e2 := s.db.QueryRow(ctx, `SELECT id FROM records_documents WHERE org_id = ? AND source = ? AND source_ref = ? AND source_ref <> ''`, d.OrgID, d.Source, d.SourceRef).Scan(&d.ID); e2 == nil {
			existing, _ = loadDocument(ctx, s.db.QueryRow, d.ID)
		}
		return existing, platform.Errorf(platform.CodeConflict, "This has already been filed")
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

func declarer(sub *platform.Subject) string {
	// The platform itself (a case's file kept when the case closes) is
	// named as the document page names its filer: "the platform".
	if sub.Kind == platform.SubjectSystem {
		return "the platform"
	}
	if sub.Name != "" {
		return sub.Name
	}
	return sub.UserID
}

func (s *Store) insertDocument(ctx context.Context, tx *store.Tx, d *Document) error {
	subjects, err := json.Marshal(d.Subjects)
	if err != nil {
		return err
	}
	tags, err := json.Marshal(d.Tags)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO records_documents (id, org_id, class_id, title, author_id, author_name, unit_id, classification, subjects,
		case_id, case_ref, tags, source, source_ref, versions, declared_at, declared_by, trigger_at, due_at, state, disposed_at, text_status, text_error,
		created_at, updated_at, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.OrgID, d.ClassID, d.Title, d.AuthorID, d.AuthorName, d.UnitID, d.Classification, string(subjects),
		d.CaseID, d.CaseRef, string(tags), d.Source, d.SourceRef, d.Versions, optMillis(d.DeclaredAt), d.DeclaredBy, optMillis(d.TriggerAt),
		optMillis(d.DueAt), d.State, optMillis(d.DisposedAt), d.TextStatus, d.TextError, store.Millis(d.CreatedAt), store.Millis(d.UpdatedAt),
		optMillis(d.RetainUntil))
	return err
}

func insertVersion(ctx context.Context, tx *store.Tx, orgID string, v Version) error {
	_, err := tx.Exec(ctx, `INSERT INTO records_versions (document_id, number, org_id, blob_id, size, name, media_type, note, created_by, created_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.DocumentID, v.Number, orgID, v.BlobID, v.Size, v.Name, v.MediaType, v.Note, v.CreatedBy, v.CreatedByName, store.Millis(v.CreatedAt))
	return err
}

// extracted tells the module a new version needs its text read.
func (s *Store) extracted(ctx context.Context, tx *store.Tx, d *Document) error {
	if s.opts.Extracted == nil {
		return nil
	}
	return s.opts.Extracted(ctx, tx, d.OrgID, d.ID)
}

// NewVersion is new content for a document that is not yet a record.
type NewVersion struct {
	Name      string
	MediaType string
	Content   io.Reader
	Note      string
	// Expected is the version number the person saw (0: any); a newer
	// version written meanwhile makes this a conflict instead of a silent
	// overwrite.
	Expected int
}

// AddVersion stores new content as the document's next version. A
// declared record's content is frozen: refused for everyone.
func (s *Store) AddVersion(ctx context.Context, sub *platform.Subject, id string, in NewVersion) (*Document, error) {
	d, err := s.Document(ctx, sub, id)
	if err != nil {
		return nil, err
	}
	if err := frozen(d); err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, sub, access.Update, d.resource()); err != nil {
		return nil, err
	}
	blobID, size, err := s.put(ctx, in.Content)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		cur, err := loadDocument(ctx, tx.QueryRow, id)
		if err != nil {
			return err
		}
		if err := frozen(cur); err != nil {
			return err
		}
		if in.Expected > 0 && cur.Versions != in.Expected {
			return platform.Errorf(platform.CodeConflict, "Someone added version %d while you were working: look at it before adding yours", cur.Versions)
		}
		now := s.now()
		cur.Versions++
		cur.UpdatedAt = now
		v := Version{DocumentID: id, Number: cur.Versions, BlobID: blobID, Size: size, Name: CleanName(in.Name), MediaType: cleanMediaType(in.MediaType),
			Note: in.Note, CreatedBy: sub.UserID, CreatedByName: sub.Name, CreatedAt: now}
		if err := insertVersion(ctx, tx, cur.OrgID, v); err != nil {
			return err
		}
		c, err := classFor(ctx, tx, cur.OrgID, cur.ClassID)
		if err != nil && platform.CodeOf(err) != platform.CodeInvalid {
			return err
		}
		cur.DueAt = DueAt(c.Effective, cur, now)
		if _, err := tx.Exec(ctx, `UPDATE records_documents SET versions = ?, updated_at = ?, due_at = ?, text_status = 'pending', text_error = '' WHERE id = ?`,
			cur.Versions, store.Millis(now), optMillis(cur.DueAt), id); err != nil {
			return err
		}
		cur.TextStatus, cur.TextError = "pending", ""
		d = cur
		if err := s.recordDocEntry(tx, sub, "records.version_add", cur, fmt.Sprintf("version %d: %s (%s)", v.Number, v.Name, humanBytes(v.Size))); err != nil {
			return err
		}
		return s.extracted(ctx, tx, cur)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// frozen refuses a change to a record's content or to a disposed document.
func frozen(d *Document) error {
	switch {
	case d.State != StateActive:
		return platform.Errorf(platform.CodeConflict, "This record was %s on %s: it cannot change", d.State, d.DisposedAt.Format("2 January 2006"))
	case d.Declared():
		return platform.Errorf(platform.CodeConflict, "This is a declared record: its content cannot change. File a new document if there is new information")
	}
	return nil
}
