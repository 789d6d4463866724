package records

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Dispose carries out approved items: the approval that completes an item
// does this itself, so Dispose is for an item whose first attempt stopped
// part way (the blob store was unreachable) and is still approved or
// being disposed of. The daily run retries those too.
func (s *Store) Dispose(ctx context.Context, sub *platform.Subject, ids ...string) (ApprovalResult, error) {
	ids = tidyIDs(ids)
	if len(ids) == 0 || len(ids) > maxBatch {
		return ApprovalResult{}, platform.Invalid("Choose what to dispose of", platform.FieldError{Field: "ids", Message: fmt.Sprintf("Choose between 1 and %d items of the queue", maxBatch)})
	}
	if err := s.mayManage(ctx, nil, sub, access.Delete, "disposal"); err != nil {
		return ApprovalResult{}, err
	}
	return s.execute(ctx, sub, ids, "")
}

// planned is one item being carried out.
type planned struct {
	x         *Disposal
	doc       *Document
	versions  []Version
	delete    []string // content no live document shares: deleted and checked gone
	kept      []string // content another live document, or another module, still uses
	elsewhere int      // how many of kept another module uses
	failed    error
}

// execute carries out approved items in three steps. First, one write
// marks them "disposing" (a hold arriving afterwards can no longer stop
// them, and their content no longer protects shared bytes from one
// another) and works out which content may go. Then the content is
// deleted from the blob store and each deletion verified with Exists: this
// cannot be inside a transaction. Last, one write turns the documents into
// tombstones, closes the items and issues the certificate, so the
// certificate exists exactly when the disposal is complete. A failure in
// the middle leaves items "disposing", and running execute again finishes
// them: deleting what is already gone is harmless.
func (s *Store) execute(ctx context.Context, sub *platform.Subject, ids []string, note string) (ApprovalResult, error) {
	var res ApprovalResult
	var plan []*planned
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		plan = nil
		for _, id := range ids {
			x, err := loadDisposal(ctx, tx.QueryRow, sub.OrgID, id)
			if err != nil {
				return err
			}
			if x.State != DisposalApproved && x.State != DisposalDisposing {
				return platform.Errorf(platform.CodeConflict, "%q is not approved for disposal: it is %s", x.Title, x.State)
			}
			d, err := loadDocument(ctx, tx.QueryRow, x.DocumentID)
			if platform.CodeOf(err) == platform.CodeNotFound || (err == nil && d.State != StateActive) {
				if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, reason = ?, updated_at = ? WHERE id = ?`,
					DisposalWithdrawn, "the document is no longer active", store.Millis(s.now()), x.ID); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			if x.State == DisposalApproved {
				// The last moment a hold can stop it.
				if hid, _, err := holdOn(ctx, tx.QueryRow, d.ID); err != nil {
					return err
				} else if hid != "" {
					if err := s.markHeld(ctx, tx, sub, x.ID, d, hid); err != nil {
						return err
					}
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, updated_at = ? WHERE id = ?`, DisposalDisposing, store.Millis(s.now()), x.ID); err != nil {
					return err
				}
			}
			p := &planned{x: x, doc: d}
			if p.versions, err = versionsOf(ctx, tx, d.ID); err != nil {
				return err
			}
			plan = append(plan, p)
		}
		for _, p := range plan {
			if p.x.Action == ActionTransfer {
				continue
			}
			del, err := s.destroyableBlobs(ctx, tx, p.doc.ID)
			if err != nil {
				return err
			}
			p.delete = del
			for _, v := range p.versions {
				if !slices.Contains(del, v.BlobID) && !slices.Contains(p.kept, v.BlobID) {
					p.kept = append(p.kept, v.BlobID)
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, p := range plan {
		p.failed = s.removeContent(ctx, p)
	}
	var failed []*planned
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res.Done, res.Certificates, failed = nil, nil, nil
		byAction := map[string][]*planned{}
		for _, p := range plan {
			var state string
			if err := tx.QueryRow(ctx, `SELECT state FROM records_disposals WHERE id = ?`, p.x.ID).Scan(&state); err != nil {
				return err
			}
			if state != DisposalDisposing {
				continue // finished meanwhile by another run
			}
			if p.failed != nil {
				failed = append(failed, p)
				e := audit.For(sub, "records.destroy", ResourceType, p.doc.ID, audit.Failure)
				e.Detail = p.x.ID + ": content could not be removed and checked gone; it will be tried again: " + p.failed.Error()
				if e.OrgID == "" {
					e.OrgID = p.doc.OrgID
				}
				if err := s.audit.Record(tx, e); err != nil {
					return err
				}
				continue
			}
			act := ActionDestroy
			if p.x.Action == ActionTransfer {
				act = ActionTransfer
			}
			byAction[act] = append(byAction[act], p)
		}
		for _, act := range []string{ActionDestroy, ActionTransfer} {
			if len(byAction[act]) == 0 {
				continue
			}
			c, err := s.complete(ctx, tx, sub, act, byAction[act], note)
			if err != nil {
				return err
			}
			res.Certificates = append(res.Certificates, c)
			for _, p := range byAction[act] {
				res.Done = append(res.Done, p.x.ID)
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if len(failed) > 0 {
		var titles []string
		var errs []error
		for _, p := range failed {
			titles, errs = append(titles, fmt.Sprintf("%q", p.doc.Title)), append(errs, p.failed)
		}
		return res, &platform.Error{Code: platform.CodeInternal, Err: errors.Join(errs...),
			Message: fmt.Sprintf("The content of %s could not be removed from the file store and checked gone; it stays in the queue as being disposed of and will be tried again", strings.Join(titles, ", "))}
	}
	return res, nil
}

// versionsOf lists a document's versions, oldest first, inside a write.
func versionsOf(ctx context.Context, tx *store.Tx, id string) ([]Version, error) {
	rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? ORDER BY number`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// destroyableBlobs is the content of document id that no live document
// still needs: every other document using the same bytes is destroyed
// already, or being disposed of with it.
func (s *Store) destroyableBlobs(ctx context.Context, tx *store.Tx, id string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT v.blob_id FROM records_versions v WHERE v.document_id = ?
		AND NOT EXISTS (SELECT 1 FROM records_versions o JOIN records_documents od ON od.id = o.document_id
			WHERE o.blob_id = v.blob_id AND o.document_id <> v.document_id AND od.state <> ?
			AND NOT EXISTS (SELECT 1 FROM records_disposals x WHERE x.document_id = od.id AND x.state = ? AND x.action <> ?))
		ORDER BY v.blob_id`, id, StateDestroyed, DisposalDisposing, ActionTransfer)
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

// removeContent deletes each blob of p.delete and checks that the store
// no longer has it: a deletion that reports success but leaves the object
// behind is a failure, not a destruction. Content another module still
// names (a case's attachment the record was filed from) is kept, and the
// certificate says so; when that cannot be told, the disposal fails and is
// tried again rather than certify a guess.
func (s *Store) removeContent(ctx context.Context, p *planned) error {
	for _, id := range p.delete {
		if s.opts.FilesInUseElsewhere != nil {
			used, err := s.opts.FilesInUseElsewhere(ctx, id)
			if err != nil {
				return fmt.Errorf("ask whether %s is used elsewhere: %w", id, err)
			}
			if used {
				p.kept, p.elsewhere = append(p.kept, id), p.elsewhere+1
				continue
			}
		}
		if err := s.opts.Files.Delete(ctx, id); err != nil && platform.CodeOf(err) != platform.CodeNotFound {
			return fmt.Errorf("delete %s: %w", id, err)
		}
		there, err := s.opts.Files.Exists(ctx, id)
		if err != nil {
			return fmt.Errorf("check %s: %w", id, err)
		}
		if there {
			return fmt.Errorf("%s is still in the file store after deletion", id)
		}
	}
	return nil
}

// complete closes carried-out items of one action, turns their documents
// into tombstones and issues their certificate, in the caller's write.
//
// What a destroyed record keeps (MoReq2010 keeps a destroyed record's
// metadata as evidence that it existed and was disposed of properly): its
// ID, class, title, business unit, marking, author, case, tags, dates
// (filed, declared, trigger, due, disposed) and every version's number,
// file name, media type, size and SHA-256. What goes with the content:
// the extracted text, the people it was about (names and dates of birth
// are the personal data the schedule exists to dispose of) and the notes
// written on versions. A transferred record keeps everything; its content
// stays until the archive's transfer package is made from it.
func (s *Store) complete(ctx context.Context, tx *store.Tx, sub *platform.Subject, act string, items []*planned, note string) (*Certificate, error) {
	now := s.now()
	c := &Certificate{ID: platform.NewID("rct"), OrgID: sub.OrgID, Action: act, DestroyedAt: now, Note: note, ExecutedBy: declarer(sub)}
	prefix := "DC"
	if act == ActionTransfer {
		prefix = "TC"
	}
	var err error
	if c.Number, err = nextNumber(ctx, tx, sub.OrgID, prefix, now); err != nil {
		return nil, err
	}
	for _, p := range items {
		if act == ActionDestroy {
			if _, err := tx.Exec(ctx, `UPDATE records_documents SET state = ?, disposed_at = ?, subjects = '[]', text_status = 'none', text_error = '', updated_at = ? WHERE id = ?`,
				StateDestroyed, store.Millis(now), store.Millis(now), p.doc.ID); err != nil {
				return nil, err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM records_text WHERE document_id = ?`, p.doc.ID); err != nil {
				return nil, err
			}
			if _, err := tx.Exec(ctx, `UPDATE records_versions SET note = '' WHERE document_id = ?`, p.doc.ID); err != nil {
				return nil, err
			}
		} else if _, err := tx.Exec(ctx, `UPDATE records_documents SET state = ?, disposed_at = ?, updated_at = ? WHERE id = ?`,
			StateTransferred, store.Millis(now), store.Millis(now), p.doc.ID); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, certificate_id = ?, decided_at = ?, decided_by = ?, decided_by_name = ?, updated_at = ? WHERE id = ?`,
			DisposalDone, c.ID, store.Millis(now), sub.UserID, declarer(sub), store.Millis(now), p.x.ID); err != nil {
			return nil, err
		}
		it := certificateItem(p)
		c.Items = append(c.Items, it)
		c.Approvals = mergeApprovals(c.Approvals, p.x.Approvals)
		detail := fmt.Sprintf("%s: destroyed %d versions (%s) under %s; certificate %s", p.x.ID, it.Versions, humanBytes(it.Bytes), p.x.Schedule, c.Number)
		if act == ActionTransfer {
			detail = fmt.Sprintf("%s: transferred to the archive under %s; certificate %s", p.x.ID, p.x.Schedule, c.Number)
		} else if len(p.kept) > 0 {
			detail += fmt.Sprintf("; %d contents kept as other live records use the same bytes", len(p.kept))
		}
		if err := s.recordDocEntry(tx, sub, "records."+act, p.doc, detail); err != nil {
			return nil, err
		}
	}
	c.Schedule = c.Items[0].Schedule
	for _, it := range c.Items {
		if it.Schedule != c.Schedule {
			c.Schedule = "Several schedules: see each record"
		}
	}
	if err := insertCertificate(ctx, tx, c); err != nil {
		return nil, err
	}
	e := audit.For(sub, "records.certificate_issue", "record_certificate", c.ID, audit.Success)
	e.Detail = fmt.Sprintf("%s: %d records (%s)", c.Number, len(c.Items), act)
	if e.OrgID == "" {
		e.OrgID = sub.OrgID
	}
	return c, s.audit.Record(tx, e)
}
