package services

import (
	"context"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// RecordFiles is what the records module files from a case: the case, the
// retention class of the service version it started on, and its files
// whose content is in the file store.
type RecordFiles struct {
	Case      Case
	Retention string
	Files     []RecordFile
}

// RecordFile is an attachment with the ID of its content in the file store.
type RecordFile struct {
	Attachment
	BlobID string
}

// RecordFiles returns a case's files for filing as records, as the
// platform (the records module's subscriber calls it on case events, in
// no person's name). Files still kept in the database (from before the
// file store; moved at start) are left out until they move.
func (s *Service) RecordFiles(ctx context.Context, orgID, caseID string) (RecordFiles, error) {
	sys := platform.System(orgID)
	c, err := s.caseFor(ctx, sys, caseID, access.Read)
	if err != nil {
		return RecordFiles{}, err
	}
	out := RecordFiles{Case: c}
	if def, err := s.definitionVersion(ctx, orgID, c.ServiceID, c.ServiceVersion); err == nil {
		out.Retention = def.Retention
	} else if platform.CodeOf(err) != platform.CodeNotFound {
		return RecordFiles{}, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+attachmentColumns+", blob_id FROM case_attachments WHERE org_id = ? AND case_id = ? AND blob_id <> '' ORDER BY created_at, id", orgID, c.ID)
	if err != nil {
		return RecordFiles{}, platform.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f RecordFile
		if f.Attachment, err = scanAttachment(rows, &f.BlobID); err != nil {
			return RecordFiles{}, platform.Internal(err)
		}
		out.Files = append(out.Files, f)
	}
	return out, rows.Err()
}

// FileInUse reports whether an attachment or a held upload names the
// content with this ID, so another module sharing the content-addressed
// store deletes it only when nothing here needs it.
func (s *Service) FileInUse(ctx context.Context, blobID string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM case_attachments WHERE blob_id = ?) + (SELECT COUNT(*) FROM case_uploads WHERE blob_id = ?)`, blobID, blobID).Scan(&n)
	return n > 0, err
}
