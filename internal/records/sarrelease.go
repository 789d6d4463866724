package records

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/store"
)

// Releasing a request is several steps across two modules, done by the web
// layer in this order: build the bundle (BuildSARBundle) and keep it
// (PutSARBundle); give it to the requester with the case's move to
// released (the services module, in one write); file it as a declared
// record of the request (FileSARBundle); mark the workspace released and
// audit it (MarkSARReleased). A failure after the case moved leaves the
// bundle with the requester and the last two steps to repeat: both are
// idempotent (filing is keyed by the attachment, marking by the request).

// SARBundle is a bundle built for release.
type SARBundle struct {
	PDF      []byte
	Items    int // documents in it
	Redacted int // of which redacted
	Gone     int // documents found and not left out, deleted since (drafts): not in it, and said so
}

// BuildSARBundle joins the included items, redacted copies where there
// are, into one PDF with an index (pdfs.Bundle). Every item must have been
// decided, and sub must be able to read every item (a caseworker cannot
// release what only a records manager can see). A draft deleted since it
// was found cannot go out: it is counted in Gone, which the release's
// audit entry states.
func (s *Store) BuildSARBundle(ctx context.Context, sub *platform.Subject, caseID, title, council string, received time.Time) (SARBundle, error) {
	r, err := s.sarFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return SARBundle{}, err
	}
	if r.Released() {
		return SARBundle{}, released(r)
	}
	if r.SearchedAt.IsZero() {
		return SARBundle{}, platform.Invalid("Search for the person's information before releasing it")
	}
	all, err := s.sarItems(ctx, r)
	if err != nil {
		return SARBundle{}, err
	}
	pending, hidden, gone := 0, 0, 0
	var items []pdfs.BundleItem
	out := SARBundle{}
	for _, it := range all {
		visible, err := s.itemVisible(ctx, sub, it)
		if err != nil {
			return SARBundle{}, err
		}
		switch {
		case it.Decision == DecisionExclude:
			continue
		case !visible && it.Kind == ItemRecord && s.documentGone(ctx, it.RefID):
			gone++
			continue
		case !visible:
			hidden++
			continue
		case it.Decision == DecisionPending:
			pending++
			continue
		}
		f := form{mediaType: "application/pdf"}
		if it.Redacted() {
			if f.content, err = s.readAll(ctx, it.RedactedBlob); err != nil {
				return SARBundle{}, err
			}
			out.Redacted++
		} else if f, err = s.bundleForm(ctx, it); err != nil {
			return SARBundle{}, err
		}
		date := ""
		if !it.Date.IsZero() {
			date = it.Date.Format("2 January 2006")
		}
		items = append(items, pdfs.BundleItem{Title: it.Title, Source: it.Source, Date: date, Redacted: it.Redacted(), MediaType: f.mediaType, Content: f.content})
	}
	switch {
	case hidden > 0:
		return SARBundle{}, platform.Errorf(platform.CodeForbidden, "%d %s to include or still to review %s outside what you may read: a records manager must release this request",
			hidden, plural(hidden, "item"), map[bool]string{true: "is", false: "are"}[hidden == 1])
	case pending > 0:
		return SARBundle{}, platform.Invalid(fmt.Sprintf("Decide about every item first: %d %s still to review", pending, plural(pending, "item")))
	}
	if out.PDF, err = pdfs.Bundle(ctx, title, council, received, items, pdfs.Options{}); err != nil {
		return SARBundle{}, err
	}
	out.Items, out.Gone = len(items), gone
	return out, nil
}

// documentGone reports whether a document no longer exists (a draft
// deleted since it was found).
func (s *Store) documentGone(ctx context.Context, id string) bool {
	_, err := loadDocument(ctx, s.db.QueryRow, id)
	return platform.CodeOf(err) == platform.CodeNotFound
}

func (s *Store) readAll(ctx context.Context, blobID string) ([]byte, error) {
	rc, _, err := s.opts.Files.Open(ctx, blobID)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(rc)
	return b.Bytes(), err
}

// PutSARBundle keeps a built bundle in the encrypted file store and
// returns its ID (its SHA-256) and size.
func (s *Store) PutSARBundle(ctx context.Context, sub *platform.Subject, caseID string, pdf []byte) (string, int64, error) {
	if _, err := s.sarFor(ctx, sub, caseID, access.Update); err != nil {
		return "", 0, err
	}
	return s.put(ctx, bytes.NewReader(pdf))
}

// BundleFiling is the released bundle as it is filed.
type BundleFiling struct {
	BlobID       string // in the file store (PutSARBundle)
	Size         int64
	Name         string // the file's name
	AttachmentID string // the case attachment it was given as: filing is keyed by it
	Retention    string // the request service's retention class (subject-access-2y)
}

// FileSARBundle files the released bundle as a declared record of the
// request, in the class that keeps the service's retention class (the
// general class when none does), about the person, naming the same
// content as the case's attachment rather than a copy. Filed already (by
// an earlier try, or by the case-files subscriber), it returns that record.
func (s *Store) FileSARBundle(ctx context.Context, sub *platform.Subject, caseID string, f BundleFiling) (*Document, error) {
	r, err := s.sarFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return nil, err
	}
	classes, err := s.classes(ctx, s.db.Query, r.OrgID)
	if err != nil {
		return nil, err
	}
	classID := ""
	for _, c := range classes {
		if c.RetentionKey == f.Retention && f.Retention != "" && !c.Closed {
			classID = c.ID
			break
		}
		if c.Code == GeneralClass && classID == "" {
			classID = c.ID
		}
	}
	person := Person{Name: r.Person.Names[0], BirthDate: r.Person.BirthDate, PersonID: r.Person.UserID}
	d, err := s.Create(ctx, sub, NewDocument{
		Metadata: Metadata{ClassID: classID, Title: "Subject access bundle " + r.Reference, UnitID: r.UnitID, Classification: platform.OfficialSensitive,
			Subjects: []Person{person}, CaseID: r.CaseID, CaseRef: r.Reference, Tags: []string{"subject access"}},
		Name: f.Name, MediaType: "application/pdf", BlobID: f.BlobID, Size: f.Size, Source: SourceCase, SourceRef: f.AttachmentID,
		Declare: true, TriggerAt: s.now(), Note: "Released to the requester of " + r.Reference,
	})
	if platform.CodeOf(err) == platform.CodeConflict && d != nil {
		return d, nil
	}
	return d, err
}

// MarkSARReleased closes the workspace: the release is audited with who
// released it, how many items, and the bundle's SHA-256 and record.
func (s *Store) MarkSARReleased(ctx context.Context, sub *platform.Subject, caseID string, b SARBundle, blobID, recordID string) error {
	r, err := s.sarFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		cur, err := s.loadSAR(ctx, tx.QueryRow, r.OrgID, r.CaseID)
		if err != nil {
			return err
		}
		if cur.Released() {
			return nil // marked by an earlier try
		}
		now := store.Millis(s.now())
		if _, err := tx.Exec(ctx, `UPDATE records_sars SET released_at = ?, released_by = ?, bundle_sha256 = ?, bundle_record = ?, released_items = ?, updated_at = ?
			WHERE case_id = ?`, now, declarer(sub), blobID, recordID, b.Items, now, r.CaseID); err != nil {
			return err
		}
		detail := fmt.Sprintf("released %d %s (%d redacted) to the requester; bundle sha256 %s; filed as record %s",
			b.Items, plural(b.Items, "item"), b.Redacted, blobID, recordID)
		if b.Gone > 0 {
			detail += fmt.Sprintf("; %d %s found were deleted before the release and are not in it", b.Gone, plural(b.Gone, "document"))
		}
		return s.sarEntry(tx, sub, "records.sar_release", r, detail)
	})
}
