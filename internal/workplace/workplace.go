// Package workplace is the council's estate as its staff use it: buildings,
// floors and zones; desks, meeting rooms and loanable equipment with the
// rules for booking them; bookings and loans; the device inventory; and the
// occupancy sensors whose readings show how the estate is really used.
//
// Everyone on the staff reads the places and books within the rules;
// workplace managers (the "workplace" role) and administrators keep the
// places, resources, rules, devices and sensors (policy.go). Organisations
// never see each other's estate.
package workplace

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/blob"
	"dbtp/internal/events"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the workplace module's tables on both engines.
var Migrations = store.EmbeddedMigrations("workplace", migrationFS, "migrations")

// ResourceType is the access point's name for the estate: places,
// resources, rules, devices and sensors.
const ResourceType = "workplace"

// FileStore keeps floor plan pictures: *blob.Store.
type FileStore interface {
	Put(ctx context.Context, r io.Reader) (blob.Info, error)
	Open(ctx context.Context, id string) (io.ReadCloser, blob.Info, error)
}

// Options wire a Store.
type Options struct {
	Files FileStore // nil: floor plans cannot be uploaded
	Now   func() time.Time
	// Location is the council's time zone: days, opening hours and
	// bookings are in local time (default Europe/London).
	Location *time.Location
	// Holiday reports bank holidays (the services calendar), on which
	// nothing can be booked; nil: none.
	Holiday func(day time.Time) (name string, ok bool)
	// Events publishes the module's events (EventBooking...) in the
	// writes that cause them; nil: none are published.
	Events *events.Bus
}

// Store keeps every organisation's workplace.
type Store struct {
	db     *store.DB
	audit  audit.Recorder
	access *access.Point
	opts   Options
	creds  credCache // sensors' credentials (sensors.go)
}

// New returns the workplace store.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Europe/London")
		if err != nil {
			loc = time.UTC
		}
		opts.Location = loc
	}
	return &Store{db: db, audit: rec, access: ap, opts: opts}
}

// DB is the store's database, for the module's own jobs.
func (s *Store) DB() *store.DB { return s.db }

// Location is the time zone days and hours are in.
func (s *Store) Location() *time.Location { return s.opts.Location }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newSecret is a credential handed out once (a sensor's password, a
// calendar feed's token): 32 random bytes, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how a secret credential (a calendar feed's token, a
// sensor's password) is kept: 32 random bytes need no slow hash.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
