package records

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// UpdateMetadata changes what is said about a document. Once it is a
// declared record only its tags may change and its classification may only
// go up (to OFFICIAL-SENSITIVE): everything retention and evidence rely on
// (title, class, unit, people, case) is frozen, for admins too.
func (s *Store) UpdateMetadata(ctx context.Context, sub *platform.Subject, id string, m Metadata) (*Document, error) {
	if bad := m.clean(); len(bad) > 0 {
		return nil, platform.Invalid("Check the document", bad...)
	}
	var out *Document
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		d, err := loadDocument(ctx, tx.QueryRow, id)
		if err != nil {
			return err
		}
		if err := s.seeTx(tx, sub, d); err != nil {
			return err
		}
		if d.State != StateActive {
			return frozen(d)
		}
		// The document as it would be, checked as well as as it is, so
		// nobody moves a document into a unit they do not work in.
		next := *d
		next.Tags, next.Classification = m.Tags, m.Classification
		if d.Declared() {
			if changed := frozenChanges(d, m); len(changed) > 0 {
				return platform.Errorf(platform.CodeConflict, "This is a declared record: its %s cannot change", strings.Join(changed, ", "))
			}
		} else {
			next.Title, next.ClassID, next.UnitID, next.Subjects, next.CaseID, next.CaseRef = m.Title, m.ClassID, m.UnitID, m.Subjects, m.CaseID, m.CaseRef
		}
		if err := s.access.CheckTx(tx, sub, access.Update, d.resource()); err != nil {
			return err
		}
		if next.UnitID != d.UnitID || next.Classification != d.Classification {
			// Moving it is filing it again, where it goes.
			if err := s.access.CheckTx(tx, sub, access.Create, next.resource()); err != nil {
				return err
			}
		}
		c, err := classFor(ctx, tx, next.OrgID, next.ClassID)
		if err != nil && (next.ClassID != d.ClassID || platform.CodeOf(err) != platform.CodeInvalid) {
			return err
		}
		next.UpdatedAt = s.now()
		last, err := lastVersionAt(ctx, tx, id)
		if err != nil {
			return err
		}
		next.DueAt = DueAt(c.Effective, &next, last)
		subjects, _ := json.Marshal(next.Subjects)
		tags, _ := json.Marshal(next.Tags)
		if _, err := tx.Exec(ctx, `UPDATE records_documents SET title = ?, class_id = ?, unit_id = ?, classification = ?, subjects = ?, case_id = ?, case_ref = ?,
			tags = ?, due_at = ?, updated_at = ? WHERE id = ?`, next.Title, next.ClassID, next.UnitID, next.Classification, string(subjects), next.CaseID, next.CaseRef,
			string(tags), optMillis(next.DueAt), store.Millis(next.UpdatedAt), id); err != nil {
			return err
		}
		out = &next
		return s.recordDocEntry(tx, sub, "records.update", &next, "metadata changed")
	})
	return out, err
}

// frozenChanges names the frozen fields m would change on declared d.
func frozenChanges(d *Document, m Metadata) []string {
	var out []string
	if m.Title != d.Title {
		out = append(out, "title")
	}
	if m.ClassID != d.ClassID {
		out = append(out, "class")
	}
	if m.UnitID != d.UnitID {
		out = append(out, "business unit")
	}
	if m.CaseID != d.CaseID || m.CaseRef != d.CaseRef {
		out = append(out, "case")
	}
	if !slices.Equal(m.Subjects, d.Subjects) {
		out = append(out, "people")
	}
	if m.Classification != d.Classification && m.Classification != platform.OfficialSensitive {
		out = append(out, "classification (it may only be raised)")
	}
	return out
}

func lastVersionAt(ctx context.Context, tx *store.Tx, id string) (t time.Time, err error) {
	var ms int64
	err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(created_at), 0) FROM records_versions WHERE document_id = ?`, id).Scan(&ms)
	return optTime(ms), err
}

// seeTx is see inside a write.
func (s *Store) seeTx(tx *store.Tx, sub *platform.Subject, d *Document) error {
	err := s.access.CheckTx(tx, sub, access.Read, d.resource())
	if c := platform.CodeOf(err); c == platform.CodeForbidden || c == platform.CodeUnauthorized {
		return store.CommitAnd(platform.NotFound("record"))
	}
	return err
}

// Declare makes a document a record: from now on its content and key
// metadata are frozen and only its retention schedule disposes of it.
func (s *Store) Declare(ctx context.Context, sub *platform.Subject, id string) (*Document, error) {
	var out *Document
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		d, err := loadDocument(ctx, tx.QueryRow, id)
		if err != nil {
			return err
		}
		if err := s.seeTx(tx, sub, d); err != nil {
			return err
		}
		if err := s.access.CheckTx(tx, sub, access.Update, d.resource()); err != nil {
			return err
		}
		if err := frozen(d); err != nil {
			if d.Declared() {
				return platform.Errorf(platform.CodeConflict, "This is already a declared record")
			}
			return err
		}
		d.DeclaredAt, d.DeclaredBy = s.now(), declarer(sub)
		if _, err := tx.Exec(ctx, `UPDATE records_documents SET declared_at = ?, declared_by = ?, updated_at = ? WHERE id = ?`,
			store.Millis(d.DeclaredAt), d.DeclaredBy, store.Millis(d.DeclaredAt), id); err != nil {
			return err
		}
		out = d
		return s.recordDocEntry(tx, sub, "records.declare", d, fmt.Sprintf("declared %q a record at version %d", d.Title, d.Versions))
	})
	return out, err
}

// Delete removes a document that is not a record, with its versions.
// Declared records cannot be deleted by anyone; they leave only through
// disposal under their schedule, which keeps a certificate.
func (s *Store) Delete(ctx context.Context, sub *platform.Subject, id string) error {
	var blobs []string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		d, err := loadDocument(ctx, tx.QueryRow, id)
		if err != nil {
			return err
		}
		if err := s.seeTx(tx, sub, d); err != nil {
			return err
		}
		if d.Declared() {
			return platform.Errorf(platform.CodeConflict, "A declared record cannot be deleted, by anyone: it is disposed of by its retention schedule")
		}
		if d.State != StateActive {
			return frozen(d)
		}
		if err := s.access.CheckTx(tx, sub, access.Delete, d.resource()); err != nil {
			return err
		}
		if blobs, err = s.unsharedBlobs(ctx, tx, id); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM records_versions WHERE document_id = ?`, `DELETE FROM records_text WHERE document_id = ?`, `DELETE FROM records_documents WHERE id = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return s.recordDocEntry(tx, sub, "records.delete", d, fmt.Sprintf("deleted %q (%d versions) before it was declared", d.Title, d.Versions))
	})
	if err != nil {
		return err
	}
	// The rows are gone; content no other document shares goes too. A
	// failure here leaves unreferenced ciphertext, never a dangling row.
	for _, b := range blobs {
		if s.opts.FilesInUseElsewhere != nil {
			if used, err := s.opts.FilesInUseElsewhere(ctx, b); err != nil || used {
				continue // kept: a case still names it (or we could not tell)
			}
		}
		if err := s.opts.Files.Delete(ctx, b); err != nil && platform.CodeOf(err) != platform.CodeNotFound {
			return err
		}
	}
	return nil
}

// unsharedBlobs lists the content of document id that no other document's
// version uses.
func (s *Store) unsharedBlobs(ctx context.Context, tx *store.Tx, id string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT v.blob_id FROM records_versions v WHERE v.document_id = ?
		AND NOT EXISTS (SELECT 1 FROM records_versions o WHERE o.blob_id = v.blob_id AND o.document_id <> v.document_id)`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Open returns a version's content (0: the latest) for sub to read; the
// read is audited, as the content is what the law protects.
func (s *Store) Open(ctx context.Context, sub *platform.Subject, id string, number int) (io.ReadCloser, Version, error) {
	d, err := s.Document(ctx, sub, id)
	if err != nil {
		return nil, Version{}, err
	}
	if d.State != StateActive {
		return nil, Version{}, platform.Errorf(platform.CodeNotFound, "This record's content was %s on %s", d.State, d.DisposedAt.Format("2 January 2006"))
	}
	if number <= 0 {
		number = d.Versions
	}
	v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? AND number = ?`, id, number))
	if store.IsNoRows(err) {
		return nil, Version{}, platform.NotFound("version")
	}
	if err != nil {
		return nil, Version{}, err
	}
	rc, _, err := s.opts.Files.Open(ctx, v.BlobID)
	if err != nil {
		return nil, Version{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		return s.recordDocEntry(tx, sub, "records.read_content", d, fmt.Sprintf("version %d (%s)", v.Number, v.Name))
	})
	if err != nil {
		rc.Close()
		return nil, Version{}, err
	}
	return rc, v, nil
}
