// Package signing is the council's electronic signatures: envelopes (a
// PDF and the people who must sign, approve or receive a copy of it, in
// an order of sequential steps and parallel groups), the signing
// ceremony for staff and outside parties, the council's seal (a PAdES
// signature by its own certificate with a trusted timestamp and the
// revocation data for long-term validation), the evidence of who did
// what, and verification of any PDF.
//
// The engine has no net/http: the module (signingweb) puts the pages and
// the JSON API on the server. The cryptography is in the pure packages
// beside it: pades (signing and sealing), tsa (RFC 3161 timestamps),
// verify (reports on a PDF's signatures) and ca (the demo's certificate
// authority and PKCS#12 import).
package signing

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
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/revfetch"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are electronic signatures' tables on both engines.
var Migrations = store.EmbeddedMigrations("signing", migrationFS, "migrations")

// ResourceType is the access point's name for envelopes and keys.
const ResourceType = "envelope"

// FileStore keeps the PDFs at every step and the sealed keys: *blob.Store
// (which encrypts everything it keeps with AES-256-GCM under the master key).
type FileStore interface {
	Put(ctx context.Context, r io.Reader) (blob.Info, error)
	Open(ctx context.Context, id string) (io.ReadCloser, blob.Info, error)
}

// Options wire a Store.
type Options struct {
	Now    func() time.Time
	Files  FileStore      // required for anything with a document
	Jobs   *jobs.Queue    // reminders, expiry, sealing retries; nil in store-only tests
	Events *events.Bus    // envelope events (EventEnvelope); nil: none
	Mail   mail.Transport // links and one-time codes to recipients; nil: they wait in the log
	// Texts sends one-time codes by text message (digital post's SMS,
	// wired in cmd/dbtp); nil: codes by text message cannot be asked for.
	Texts TextSender
	// BaseURL is the public address, for links in emails.
	BaseURL string
	// TSAURL is the RFC 3161 time-stamping authority the seal asks; empty:
	// seals are B-B only (the demo mounts its own TSA).
	TSAURL string
	// SealWith, when set, gives the credential that signs each step and
	// seals, and the revocation data for the seal's B-LT, instead of
	// SealingKey (tests set it; see sealingCredential).
	SealWith func(ctx context.Context, orgID string) (*ca.Credential, pades.RevocationSource, error)
}

// TextSender sends a text message. The engine imports no other module:
// cmd/dbtp adapts digital post's SMS sending to it.
type TextSender interface {
	SendText(ctx context.Context, t Text) error
}

// Text is one text message: a signer's one-time code.
type Text struct {
	OrgID string
	To    string // a UK mobile number, +447...
	Body  string
	// Key is unique to this message: handing the same one over twice
	// sends it once.
	Key string
	// Reference names what it is about (the envelope), for the sender's
	// message records.
	Reference string
}

// Store keeps every organisation's envelopes and signing keys.
type Store struct {
	db     *store.DB
	audit  audit.Recorder
	access *access.Point
	opts   Options
	// fetch gets, and keeps for a while, the CRLs and OCSP responses that
	// certificates from outside authorities name (RevocationSource).
	fetch *revfetch.Fetcher
}

// New returns the signing store.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{db: db, audit: rec, access: ap, opts: opts, fetch: &revfetch.Fetcher{Now: opts.Now}}
	// The envelopes' expiry and reminders, on the queue at once (the
	// ceremony's jobs wait for RegisterJobs). A second store on the same
	// queue and database (tests) finds them there already.
	if opts.Jobs != nil && !opts.Jobs.Runs(JobExpire) {
		if err := s.registerEnvelopeJobs(); err != nil {
			panic(err) // a bad kind name: a programming error
		}
	}
	return s
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

// newSecret is a credential handed out once (a recipient's link): 32
// random bytes, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how a secret (a link's token, a one-time code) is kept.
// Codes are short, so their checks also count attempts.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
