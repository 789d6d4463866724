// Package services is the low-code engine's store: published service
// definitions, and the cases that people start from them and that staff move
// through each definition's workflow (timeline, notes, tasks, assignment,
// attachments, SLA clocks, escalation, drafts and the notification outbox).
//
// The engine takes what it needs from its sibling packages through small
// interfaces (Calendar, AnswerValidator, Notifier, the unit resolver) that
// cmd/dbtp wires, so the form decoder, the bank-holiday calendar and the
// definition loader can change without touching it. The portals, console and
// API sit on top of the methods here.
//
// Organisations are the hard boundary: every query filters by the acting
// subject's organisation in SQL, so another organisation's case ID is simply
// "not found". Within an organisation, access.Point decides, with each case
// described as access.Resource{Type: "case", BusinessUnit: owning unit,
// Classification, OwnerID: applicant}.
package services

import (
	"context"
	"embed"
	"sync"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

//go:embed migrations
var embedded embed.FS

// Migrations are the services module's schema changes.
var Migrations = store.EmbeddedMigrations("services", embedded, "migrations")

// Calendar counts working days; cmd/dbtp wires the England and Wales
// bank-holiday calendar.
type Calendar interface {
	AddWorkingDays(t time.Time, n int) time.Time
}

// AnswerValidator checks answers against a definition's fields. With
// applicant true, answers are a whole submission by the person starting the
// service (required fields enforced, internal fields refused). With applicant
// false, answers are internal fields given by staff on a transition: only the
// fields present are checked. It returns a *platform.Error with field errors.
type AnswerValidator func(def *definition.Definition, answers definition.Answers, applicant bool) error

// UnitResolver turns a definition's business unit name into the
// organisation's unit ID; it returns a not_found *platform.Error when the
// organisation has no such unit.
type UnitResolver func(ctx context.Context, orgID, unitName string) (string, error)

// Options wire the engine. Zero values take the defaults noted.
type Options struct {
	// FilesInUseElsewhere reports whether another module still needs
	// content in the shared, content-addressed file store (the records
	// module keeps case files as records), so collection keeps it; nil:
	// nothing else shares the store.
	FilesInUseElsewhere func(ctx context.Context, blobID string) (bool, error)
	Calendar            Calendar        // default: Monday to Friday, no holidays
	Validate            AnswerValidator // default: only the engine's own checks (known, non-internal fields)
	Notifier            Notifier        // default: an Outbox in the same database, with delivery jobs on Jobs
	Jobs                *jobs.Queue     // durable background work; nil: messages wait in the outbox
	Events              EventPublisher  // domain events (case.submitted, ...); nil: none are published
	Clock               platform.Clock  // default platform.SystemClock
	// UnitID resolves owner_unit, assign.unit and transition unit guards.
	// Without it a definition naming a unit cannot be used.
	UnitID UnitResolver
	// UserExists, when set, confirms that an assignee or an assisted-digital
	// applicant is a user of the organisation.
	UserExists func(ctx context.Context, orgID, userID string) (bool, error)
	// Person, when set, looks up a user's roles and business units, so a
	// case is only ever given to someone who could work on it.
	Person func(ctx context.Context, orgID, userID string) (platform.Person, error)
	// Files keeps the content of attachments and of files uploaded before
	// submission (cmd/dbtp: the kernel's blob store). Without it the engine
	// refuses files.
	Files FileStore
	// MaxAttachmentBytes caps one attachment; default 10 MiB.
	MaxAttachmentBytes int64
	// DraftLifetime is how long an untouched draft is kept; default 28 days.
	DraftLifetime time.Duration
}

const (
	defaultMaxAttachment = 10 << 20
	defaultDraftLifetime = 28 * 24 * time.Hour
)

// Service is the engine. It is safe for concurrent use.
type Service struct {
	db    *store.DB
	rec   audit.Recorder
	ap    *access.Point
	opts  Options
	clock platform.Clock

	// defs caches parsed definitions by org, ID and version. Published
	// versions never change, so a cached copy is never stale, on any node.
	defs sync.Map
	// latest and units are short-lived caches (see ttlCache).
	latest *ttlCache[int]
	units  *ttlCache[string]
}

// cacheTTL is how long a node may use a cached latest version or unit ID.
const cacheTTL = 5 * time.Second

// New returns the engine over db, auditing to rec and deciding with ap.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, opts Options) *Service {
	if opts.Calendar == nil {
		opts.Calendar = weekdays{}
	}
	if opts.Notifier == nil {
		opts.Notifier = NewOutbox(db, opts.Jobs)
	}
	if opts.Clock == nil {
		opts.Clock = platform.SystemClock{}
	}
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = defaultMaxAttachment
	}
	if opts.DraftLifetime <= 0 {
		opts.DraftLifetime = defaultDraftLifetime
	}
	return &Service{db: db, rec: rec, ap: ap, opts: opts, clock: opts.Clock,
		latest: newTTLCache[int](cacheTTL), units: newTTLCache[string](cacheTTL)}
}

// now is the engine's time at the precision it is stored with, so a value
// returned to the caller equals the one read back later.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// weekdays is the fallback calendar: every Monday to Friday is a working day.
type weekdays struct{}

func (weekdays) AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// asPlatform passes *platform.Error through and wraps anything else as internal.
func asPlatform(err error) error {
	if err == nil {
		return nil
	}
	return platform.AsError(err)
}

// denied records a refusal decided by the engine itself (a definition's
// guard, not the access policy) and returns forbidden with msg.
func (s *Service) denied(ctx context.Context, sub *platform.Subject, action, resType, resID, reason, msg string) error {
	e := audit.For(sub, action, resType, resID, audit.Denied)
	e.Detail = reason
	if e.OrgID == "" && sub != nil {
		e.OrgID = sub.OrgID
	}
	if err := s.rec.RecordNow(ctx, e); err != nil {
		return platform.Internal(err)
	}
	return platform.Errorf(platform.CodeForbidden, "%s", msg)
}

// needOrg refuses a subject that names no organisation: every row is scoped
// by one, so there is nothing such a subject could see.
func needOrg(sub *platform.Subject) error {
	if sub == nil || sub.OrgID == "" {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	return nil
}

type scanner interface{ Scan(...any) error }

// Allowed asks the decision point without side effects, for choosing what
// to show (buttons, lists); the engine checks again on the action itself.
func (s *Service) Allowed(sub *platform.Subject, a access.Action, r access.Resource) bool {
	return s.ap.Allowed(sub, a, r)
}
