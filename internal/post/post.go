// Package post is the council's digital post: templates for email, text
// message and letter; sending services with API keys of GOV.UK Notify's
// form, so systems written against Notify's v2 API send through dbtp
// unchanged; the durable delivery of every notification through
// pluggable providers with Notify's status lifecycle; residents' contact
// preferences; and inbound post, scanned, read and routed to cases.
//
// The engine has no net/http: the module (postweb) puts the pages, the
// Notify-compatible API (/v2/...) and the JSON API (/api/v1/...) on the
// server. The pure parts are their own packages: notify (the template
// syntax, text message counting, address and phone checks, API keys and
// tokens, Notify's errors), letter (A4 PDFs for windowed envelopes),
// provider (where messages go) and inbound (reading scanned post).
package post

import (
	"context"
	"crypto/rand"
	"embed"
	"fmt"
	"io"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/blob"
	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are digital post's tables on both engines.
var Migrations = store.EmbeddedMigrations("post", migrationFS, "migrations")

// ResourceType is the access point's name for digital post: sending
// services, templates, notifications and inbound post.
const ResourceType = "post"

// FileStore keeps letters' PDFs and scanned post: *blob.Store.
type FileStore interface {
	Put(ctx context.Context, r io.Reader) (blob.Info, error)
	Open(ctx context.Context, id string) (io.ReadCloser, blob.Info, error)
}

// Options wire a Store.
type Options struct {
	// BaseURL is the public address, for the unsubscribe link in messages
	// that are not statutory; empty: no link can be made.
	BaseURL string
	Now     func() time.Time
	Files   FileStore   // nil: letters are not kept and scans cannot be uploaded
	Jobs    *jobs.Queue // nil: nothing is delivered (tests of the store alone)
	Events  *events.Bus // nil: no events are published
}

// Store keeps every organisation's digital post.
type Store struct {
	letter letterSettings // the letters part's (letters.go)
	db     *store.DB
	audit  audit.Recorder
	access *access.Point
	opts   Options
	keys   keyCache // the sending part's: services and their API keys, for the Notify API's token checks (services_keys.go)
}

// New returns the post store.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{db: db, audit: rec, access: ap, opts: opts}
}

// DB is the store's database, for the module's own jobs.
func (s *Store) DB() *store.DB { return s.db }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// NewUUID is a random (version 4) UUID: Notify's services, templates and
// notifications are named by UUIDs, and its client libraries parse them.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
