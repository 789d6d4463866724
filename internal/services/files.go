package services

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"dbtp/internal/blob"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// FileStore keeps file content: the kernel's encrypted, content-addressed
// blob store (*blob.Store) as the engine uses it. An ID is the SHA-256 of
// the content, so the same bytes stored twice share one ID, and Delete
// removes them for every row that names it: the engine deletes an ID only
// once none of its rows does (see CollectFiles).
type FileStore interface {
	Put(ctx context.Context, r io.Reader) (blob.Info, error)
	ReadAll(ctx context.Context, id string, max int64) ([]byte, error)
	Exists(ctx context.Context, id string) (bool, error)
	Delete(ctx context.Context, id string) error
}

var errNoFileStore = errors.New("services: no file store configured (Options.Files)")

// storeFile puts content in the file store before the row naming it is
// written.
func (s *Service) storeFile(ctx context.Context, content []byte) (string, error) {
	if s.opts.Files == nil {
		return "", platform.Internal(errNoFileStore)
	}
	info, err := s.opts.Files.Put(ctx, bytes.NewReader(content))
	if err != nil {
		return "", platform.AsError(err)
	}
	return info.ID, nil
}

// errFileGone: a blob stored for a write was deleted before the write.
var errFileGone = errors.New("services: a stored file was collected before the row naming it was written")

// writeNaming runs fn, which writes rows naming blobs, with the files lock
// held, and commits only if each blob stored for it (files not held) is
// still there: a collection that ran between storing and this write may
// have deleted one, having seen no row naming it. Then the content, still
// at hand, is stored again and the write tried once more. Once committed,
// no collection can delete them: it would see the rows.
func (s *Service) writeNaming(ctx context.Context, files []fileIn, fn func(tx *store.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.db.Write(ctx, func(tx *store.Tx) error {
			if len(files) > 0 {
				if err := lockFiles(ctx, tx, false); err != nil {
					return err
				}
			}
			if err := fn(tx); err != nil {
				return err
			}
			for _, f := range files {
				if f.held {
					continue // its held row kept it, until this write took it
				}
				ok, err := s.opts.Files.Exists(ctx, f.blobID)
				if err != nil {
					return err
				}
				if !ok {
					return errFileGone
				}
			}
			return nil
		})
		if !errors.Is(err, errFileGone) || attempt > 0 {
			return err
		}
		for i := range files {
			if !files[i].held {
				if _, err := s.storeFile(ctx, files[i].content); err != nil {
					return err
				}
			}
		}
	}
}

// filesLock is the PostgreSQL advisory lock ("dbtpfile") that orders the
// writing of rows naming blobs (shared) against a collection deciding that
// none does (exclusive). On SQLite the single writer orders them already.
const filesLock = 0x6462747066696c65

func lockFiles(ctx context.Context, tx *store.Tx, exclusive bool) error {
	if tx.Dialect() != store.Postgres {
		return nil
	}
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	_, err := tx.Exec(ctx, "SELECT "+fn+"(?)", int64(filesLock))
	return err
}

// releaseFiles records blobs that may have lost their last reference in tx;
// CollectFiles deletes those that have.
func releaseFiles(ctx context.Context, tx *store.Tx, ids []string, at int64) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, err := tx.Exec(ctx, "INSERT INTO service_blob_releases (blob_id, released_at) VALUES (?, ?) ON CONFLICT (blob_id) DO NOTHING", id, at); err != nil {
			return err
		}
	}
	return nil
}

// collectBatch is how many released blobs one pass of CollectFiles reads.
const collectBatch = 100

// CollectFiles deletes released blobs that no attachment or held upload
// names any more, and returns how many it deleted. Each is checked and
// deleted inside one write that excludes the writing of new references,
// so a blob someone is storing again at that moment is either kept or
// stored afresh by them (see ensureStored). A background job calls it.
func (s *Service) CollectFiles(ctx context.Context) (int, error) {
	if s.opts.Files == nil {
		return 0, nil
	}
	deleted := 0
	for {
		ids, err := s.releasedFiles(ctx)
		if err != nil || len(ids) == 0 {
			return deleted, err
		}
		for _, id := range ids {
			gone := false
			err := s.db.Write(ctx, func(tx *store.Tx) error {
				gone = false
				if err := lockFiles(ctx, tx, true); err != nil {
					return err
				}
				var used int
				if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM case_attachments WHERE blob_id = ?) + (SELECT COUNT(*) FROM case_uploads WHERE blob_id = ?)`,
					id, id).Scan(&used); err != nil {
					return err
				}
				if used == 0 && s.opts.FilesInUseElsewhere != nil {
					elsewhere, err := s.opts.FilesInUseElsewhere(ctx, id)
					if err != nil {
						return err
					}
					if elsewhere {
						used = 1
					}
				}
				if used == 0 && blob.ValidID(id) {
					// Inside the write, on purpose: no reference can be
					// written between the check and the delete.
					if err := s.opts.Files.Delete(ctx, id); err != nil && !errors.Is(err, blob.ErrNotFound) {
						return fmt.Errorf("delete file %s: %w", id, err)
					}
					gone = true
				}
				_, err := tx.Exec(ctx, "DELETE FROM service_blob_releases WHERE blob_id = ?", id)
				return err
			})
			if err != nil {
				return deleted, err
			}
			if gone {
				deleted++
			}
		}
	}
}

func (s *Service) releasedFiles(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, "SELECT blob_id FROM service_blob_releases ORDER BY released_at, blob_id LIMIT ?", collectBatch)
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

// moveBatch is how many attachments one MoveAttachmentContent call moves.
const moveBatch = 50

// MoveAttachmentContent moves up to a batch of attachments whose content is
// still in the database (rows written before the blob store) into the file
// store, emptying their content column, and returns how many it moved; 0
// means none is left. Rows are read one at a time, so memory holds one
// file. It is idempotent: a row moved by another node meanwhile is skipped,
// and a blob stored twice is kept once.
func (s *Service) MoveAttachmentContent(ctx context.Context) (int, error) {
	if s.opts.Files == nil {
		return 0, platform.Internal(errNoFileStore)
	}
	rows, err := s.db.Query(ctx, "SELECT id FROM case_attachments WHERE blob_id = '' ORDER BY id LIMIT ?", moveBatch)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	moved := 0
	for _, id := range ids {
		var content []byte
		err := s.db.QueryRow(ctx, "SELECT content FROM case_attachments WHERE id = ? AND blob_id = ''", id).Scan(&content)
		if store.IsNoRows(err) {
			continue
		}
		if err != nil {
			return moved, err
		}
		blobID, err := s.storeFile(ctx, content)
		if err != nil {
			return moved, fmt.Errorf("attachment %s: %w", id, err)
		}
		err = s.writeNaming(ctx, []fileIn{{blobID: blobID, content: content}}, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE case_attachments SET blob_id = ?, content = ? WHERE id = ? AND blob_id = ''", blobID, []byte{}, id)
			return err
		})
		if err != nil {
			return moved, err
		}
		moved++
	}
	return moved, nil
}
