package services

import (
	"context"
	"fmt"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// RemoveAttachment takes a file added to a case by mistake (such as a
// letter filed on the wrong case) off it, for someone who may update the
// case, with an internal note saying why (when note is not empty) and an
// event on the timeline, in one write. A file that answers a question of
// the case's form is part of the answers and is not removed. The content
// stays in the file store while anything names it, and records already
// made of the file stay: a record is never lost.
func (s *Service) RemoveAttachment(ctx context.Context, sub *platform.Subject, caseID, attachmentID, note string) error {
	c, err := s.caseFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return err
	}
	if !platform.ValidID("att", attachmentID) {
		return platform.NotFound("attachment")
	}
	if note != "" {
		if note, err = checkNoteText(note); err != nil {
			return err
		}
	}
	var name, field string
	err = s.db.QueryRow(ctx, "SELECT name, field_id FROM case_attachments WHERE org_id = ? AND case_id = ? AND id = ?", c.OrgID, c.ID, attachmentID).Scan(&name, &field)
	if store.IsNoRows(err) {
		return platform.NotFound("attachment")
	}
	if err != nil {
		return platform.Internal(err)
	}
	if field != "" {
		return platform.Errorf(platform.CodeConflict, "%s answers a question of the form and cannot be removed", name)
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM case_attachments WHERE org_id = ? AND case_id = ? AND id = ? AND field_id = ''", c.OrgID, c.ID, attachmentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("attachment") // removed meanwhile
		}
		if err := s.addEvent(ctx, tx, sub, &c, now, EventAttachmentRemoved, "", "", "removed "+name, false); err != nil {
			return err
		}
		if note != "" {
			if err := s.insertNote(ctx, tx, sub, &c, newNote(sub, c.ID, note, Internal, now)); err != nil {
				return err
			}
		}
		e := audit.For(sub, "case.detach", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s: removed %s (%s)", c.Reference, attachmentID, name)
		return s.rec.Record(tx, e)
	})
	return asPlatform(err)
}
