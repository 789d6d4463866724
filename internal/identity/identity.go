// Package identity holds who is who in dbtp: organisations, business units,
// users and their roles, passwords, TOTP second factors, server-side
// sessions, API tokens and links to external (OIDC) accounts.
//
// Organisations are the hard data boundary. Every query here filters by the
// acting subject's organisation in SQL, so an ID from another organisation is
// simply "not found"; access.Point.Check then decides what the subject may do
// within its own organisation.
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"runtime"
	"sync"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

//go:embed migrations
var embedded embed.FS

// Migrations are the identity module's schema changes.
var Migrations = store.EmbeddedMigrations("identity", embedded, "migrations")

// Options tune the service. Zero values take the defaults noted.
type Options struct {
	Clock           platform.Clock // default platform.SystemClock
	IdleTimeout     time.Duration  // session ends after this long unused; default 30 min
	AbsoluteTimeout time.Duration  // session ends this long after sign-in whatever happens; default 12 h
	// CacheTTL bounds how long a node trusts its in-memory copy of a session or
	// token. A sign-out, disable or role change made on another node takes
	// effect here within CacheTTL (on this node it is immediate). Default 10 s.
	CacheTTL  time.Duration
	CacheSize int    // most sessions plus tokens cached per node; default 10000
	Issuer    string // name shown in authenticator apps; default "dbtp"
	// UnitInUse, when set, lets other modules veto deleting a business unit
	// that still owns their resources; cmd/dbtp wires it (modules do not
	// import each other).
	UnitInUse func(ctx context.Context, orgID, unitID string) (bool, error)
}

const (
	defaultIdle      = 30 * time.Minute
	defaultAbsolute  = 12 * time.Hour
	defaultCacheTTL  = 10 * time.Second
	defaultCacheSize = 10000
	// pendingLifetime is how long a session waiting for a TOTP code (or for
	// enrolment) stays usable: long enough to find a phone, short enough that
	// a half-signed-in browser left open is not an asset.
	pendingLifetime = 10 * time.Minute
	// touchEvery spaces out last_seen and last_used writes: one write per
	// session per minute instead of one per request. Idle expiry is therefore
	// accurate to about a minute.
	touchEvery = time.Minute
)

// Service is the identity module. It is safe for concurrent use.
type Service struct {
	db    *store.DB
	rec   audit.Recorder
	ap    *access.Point
	opts  Options
	clock platform.Clock

	// hashSem bounds concurrent argon2id computations to the CPU count: each
	// takes 19 MiB, so unbounded hashing under a password-spraying attack
	// would exhaust memory long before it exhausted the CPU.
	hashSem   chan struct{}
	params    argonParams
	dummyOnce sync.Once
	dummyHash string

	sessions *subjectCache
	tokens   *subjectCache
}

// New returns the identity service. rec must be the same audit log the rest
// of the platform uses; ap is the access decision point.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = platform.SystemClock{}
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = defaultIdle
	}
	if opts.AbsoluteTimeout <= 0 {
		opts.AbsoluteTimeout = defaultAbsolute
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = defaultCacheTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = defaultCacheSize
	}
	if opts.Issuer == "" {
		opts.Issuer = "dbtp"
	}
	return &Service{
		db: db, rec: rec, ap: ap, opts: opts, clock: opts.Clock,
		hashSem:  make(chan struct{}, runtime.NumCPU()),
		params:   owaspParams,
		sessions: newSubjectCache(opts.CacheSize / 2),
		tokens:   newSubjectCache(opts.CacheSize / 2),
	}
}

func (s *Service) now() time.Time { return s.clock.Now() }

// randomBytes returns n bytes from crypto/rand, which never fails on the
// platforms dbtp supports (Go's crypto/rand panics internally if it would).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// secretHash is how session and token secrets are stored: SHA-256 in hex. The
// secrets carry 256 bits of entropy, so a fast hash is enough; a slow one would
// only make every request slower.
func secretHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// denied records an access refusal that happens outside access.Check (for
// example creating organisations outside the host) and returns forbidden.
func (s *Service) denied(ctx context.Context, sub *platform.Subject, action, resType, resID, reason string) error {
	e := audit.For(sub, action, resType, resID, audit.Denied)
	e.Detail = reason
	if err := s.rec.RecordNow(ctx, e); err != nil {
		return platform.Internal(err)
	}
	return platform.Errorf(platform.CodeForbidden, "you do not have permission to do that")
}
