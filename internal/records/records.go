// Package records is dbtp's electronic document and records management
// (EDRMS): a file plan of classes with retention schedules, documents with
// versions whose content is kept in the encrypted blob store, and the
// declaration that turns a document into a record. A declared record's
// content and key metadata are frozen: nobody, administrators included, can
// edit or delete it; only its retention schedule disposes of it.
//
// Who may see a document is decided by the access point's "record" policy
// (policy.go); lists and searches apply the same rule in SQL (visibleSQL),
// so nothing a person may not read appears, not even in a count.
package records

import (
	"context"
	"embed"
	"io"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/blob"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the records module's tables on both engines.
var Migrations = store.EmbeddedMigrations("records", migrationFS, "migrations")

// ResourceType is the access point's name for a document or record.
const ResourceType = "record"

// FileStore is where content is kept: *blob.Store.
type FileStore interface {
	Put(ctx context.Context, r io.Reader) (blob.Info, error)
	Open(ctx context.Context, id string) (io.ReadCloser, blob.Info, error)
	Exists(ctx context.Context, id string) (bool, error)
	Delete(ctx context.Context, id string) error
}

// Options wire a Store. Files is required.
type Options struct {
	Files FileStore
	Now   func() time.Time
	// MaxBytes is the largest version accepted (default 5 GiB).
	MaxBytes int64
	// FilesInUseElsewhere reports whether another module still needs
	// content in the shared, content-addressed file store (a case keeps
	// the attachment a record was filed from), so deleting a draft keeps
	// it; nil: nothing else shares the store.
	FilesInUseElsewhere func(ctx context.Context, blobID string) (bool, error)
	// Extracted is told after a version is stored, inside its write, so
	// text extraction can be queued in the same transaction; nil: none.
	Extracted func(ctx context.Context, tx *store.Tx, orgID, documentID string) error
}

// DefaultMaxBytes is the default largest version: 5 GiB.
const DefaultMaxBytes = 5 << 30

// Store keeps the file plan and the documents of every organisation.
type Store struct {
	db     *store.DB
	audit  audit.Recorder
	access *access.Point
	opts   Options
}

// New returns the records store.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	return &Store{db: db, audit: rec, access: ap, opts: opts}
}

// DB is the store's database, for the module's own jobs.
func (s *Store) DB() *store.DB { return s.db }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// FileInUse reports whether a document's version names the content, for
// other modules sharing the file store.
func (s *Store) FileInUse(ctx context.Context, blobID string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM records_versions v JOIN records_documents d ON d.id = v.document_id
		WHERE v.blob_id = ? AND d.state = 'active'`, blobID).Scan(&n)
	return n > 0, err
}

// MaxBytes is the largest version the store accepts.
func (s *Store) MaxBytes() int64 { return s.opts.MaxBytes }
