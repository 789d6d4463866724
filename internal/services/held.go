package services

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Files uploaded on a question page belong to no case yet: they are held,
// in the file store, for the journey that uploaded them (its holder, a key
// the portal makes from the person and the service), until the submission
// takes them or they expire, DraftLifetime after the journey last kept
// them. Held in the database rather than in a node's memory, they survive
// a restart and are seen by every node.

// maxHolder bounds a holder key.
const maxHolder = 300

// maxHeldFiles bounds the files one journey may hold at once (each within
// its question's size limit), so uploads cannot fill the store unnoticed.
var maxHeldFiles = 50

// heldFile is one held upload, as a submission needs it.
type heldFile struct {
	blobID string
	size   int64
}

func checkHolder(holder string) error {
	if holder == "" || len(holder) > maxHolder {
		return platform.Errorf(platform.CodeInvalid, "the journey holding the file is not named")
	}
	return nil
}

// HoldFile keeps a file uploaded for question fieldID of service serviceID
// for the journey holder, and returns the answer to save: its ID names the
// held file, and SubmitOptions.Held with the same holder hands it to the
// case. The field's size limit applies.
func (s *Service) HoldFile(ctx context.Context, sub *platform.Subject, serviceID, fieldID, holder string, file definition.File, content []byte) (definition.File, error) {
	if err := needOrg(sub); err != nil {
		return definition.File{}, err
	}
	if err := checkHolder(holder); err != nil {
		return definition.File{}, err
	}
	def, err := s.latestDefinition(ctx, sub.OrgID, serviceID)
	if err != nil {
		return definition.File{}, err
	}
	if !CanStart(sub, def) && !isStaff(sub) { // staff upload for residents they help
		return definition.File{}, platform.Errorf(platform.CodeForbidden, "you cannot use this service")
	}
	fd, ok := findField(def, fieldID)
	if !ok || fd.Type != definition.TypeFile || fd.Internal {
		return definition.File{}, platform.Invalid("This question does not take a file", platform.FieldError{Field: fieldID, Message: "is not a file question of this service"})
	}
	file.ID = platform.NewID("att") // a new upload is a new file, whatever the caller named it
	clean, err := s.cleanFile(file, int64(len(content)), fd.MaxBytes, fieldID)
	if err != nil {
		return definition.File{}, err
	}
	tooMany := func(q func(string, ...any) *sql.Row) error {
		var n int
		if err := q("SELECT COUNT(*) FROM case_uploads WHERE org_id = ? AND holder = ?", sub.OrgID, holder).Scan(&n); err != nil {
			return err
		}
		if n >= maxHeldFiles {
			return platform.Errorf(platform.CodeRateLimited, "You have uploaded too many files for this form. Send it, or delete it and start again.")
		}
		return nil
	}
	// Checked before storing anything, and again in the write (two
	// uploads at once).
	if err := tooMany(func(q string, a ...any) *sql.Row { return s.db.QueryRow(ctx, q, a...) }); err != nil {
		return definition.File{}, asPlatform(err)
	}
	blobID, err := s.storeFile(ctx, content)
	if err != nil {
		return definition.File{}, err
	}
	now := s.now()
	in := fileIn{file: clean, blobID: blobID, content: content}
	err = s.writeNaming(ctx, []fileIn{in}, func(tx *store.Tx) error {
		if err := tooMany(func(q string, a ...any) *sql.Row { return tx.QueryRow(ctx, q, a...) }); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO case_uploads (id, org_id, holder, blob_id, name, media_type, size, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, clean.ID, sub.OrgID, holder, blobID, clean.Name, clean.MediaType, clean.Size,
			store.Millis(now), store.Millis(now.Add(s.opts.DraftLifetime)))
		return err
	})
	if err != nil {
		s.abandonFiles(ctx, []string{blobID})
		return definition.File{}, asPlatform(err)
	}
	return clean, nil
}

// heldFiles are the unexpired files held for holder, by ID.
func (s *Service) heldFiles(ctx context.Context, orgID, holder string) (map[string]heldFile, error) {
	out := map[string]heldFile{}
	if holder == "" {
		return out, nil
	}
	rows, err := s.db.Query(ctx, "SELECT id, blob_id, size FROM case_uploads WHERE org_id = ? AND holder = ? AND expires_at > ?",
		orgID, holder, store.Millis(s.now()))
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var h heldFile
		if err := rows.Scan(&id, &h.blobID, &h.size); err != nil {
			return nil, platform.Internal(err)
		}
		out[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// takeHeld removes a held upload as it becomes an attachment in the same
// write, so its blob is never without a row naming it. If it is gone (it
// expired and was pruned meanwhile) the submission is refused.
func takeHeld(ctx context.Context, tx *store.Tx, orgID, holder string, f fileIn) error {
	res, err := tx.Exec(ctx, "DELETE FROM case_uploads WHERE id = ? AND org_id = ? AND holder = ? AND blob_id = ?", f.file.ID, orgID, holder, f.blobID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		msg := fmt.Sprintf("Upload %s again: we no longer have the copy you sent", f.file.Name)
		return platform.Invalid("Upload your files again", platform.FieldError{Field: f.fieldID, Message: msg})
	}
	return nil
}

// dropHeld lets go of every file still held for holder, releasing their
// blobs for collection.
func dropHeld(ctx context.Context, tx *store.Tx, orgID, holder string, now time.Time) error {
	ids, err := blobIDs(ctx, tx, "DELETE FROM case_uploads WHERE org_id = ? AND holder = ? RETURNING blob_id", orgID, holder)
	if err != nil {
		return err
	}
	return releaseFiles(ctx, tx, ids, store.Millis(now))
}

func blobIDs(ctx context.Context, tx *store.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// KeepHeldFiles moves the expiry of the files held for holder to
// DraftLifetime from now, as saving a draft does for the draft: a person
// coming back to a draft finds the files they uploaded with it.
func (s *Service) KeepHeldFiles(ctx context.Context, sub *platform.Subject, holder string) error {
	if err := needOrg(sub); err != nil {
		return err
	}
	if err := checkHolder(holder); err != nil {
		return err
	}
	now := s.now()
	return asPlatform(s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE case_uploads SET expires_at = ? WHERE org_id = ? AND holder = ? AND expires_at > ?",
			store.Millis(now.Add(s.opts.DraftLifetime)), sub.OrgID, holder, store.Millis(now))
		return err
	}))
}

// DropHeldFiles lets go of every file held for holder (its draft was
// deleted, or staff abandoned a journey).
func (s *Service) DropHeldFiles(ctx context.Context, sub *platform.Subject, holder string) error {
	if err := needOrg(sub); err != nil {
		return err
	}
	if err := checkHolder(holder); err != nil {
		return err
	}
	return asPlatform(s.db.Write(ctx, func(tx *store.Tx) error { return dropHeld(ctx, tx, sub.OrgID, holder, s.now()) }))
}

// PruneHeldFiles removes held files that expired before now, in every
// organisation, releasing their blobs for CollectFiles; a background job
// calls both. Expired files are already invisible to submissions.
func (s *Service) PruneHeldFiles(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		ids, err := blobIDs(ctx, tx, "DELETE FROM case_uploads WHERE expires_at <= ? RETURNING blob_id", store.Millis(now))
		if err != nil {
			return err
		}
		n = len(ids)
		return releaseFiles(ctx, tx, ids, store.Millis(now))
	})
	return n, err
}
