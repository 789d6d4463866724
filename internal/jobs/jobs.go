// Package jobs is durable background work on both database engines. A
// module enqueues a job inside the transaction of the change that causes it
// (so the job exists exactly when the change does); workers on any node
// claim due jobs under a lease and run them at least once, retrying with
// backoff. Periodic jobs are enqueued by whichever node claims the
// schedule first, so each run happens once however many nodes are up.
//
// Claiming goes through store.Write: on PostgreSQL each claim is its own
// transaction using FOR UPDATE SKIP LOCKED, so nodes never wait on each
// other; on SQLite the single writer serialises claims with every other
// write, which is why no second writer (such as River's own) is added.
// See docs/architecture.md for the measurement behind that choice.
package jobs

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the jobs tables; they are applied before any module's.
var Migrations = store.EmbeddedMigrations("jobs", migrationFS, "migrations")

// States of a job.
const (
	Available = "available" // waiting for its run_at
	Running   = "running"   // claimed by a worker under a lease
	Completed = "completed"
	Failed    = "failed"    // out of attempts, or failed permanently; kept for an operator
	Discarded = "discarded" // an operator gave up on it
)

// Job is one piece of background work as a handler and an operator see it.
type Job struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	OrgID       string          `json:"org_id,omitempty"`
	Args        json.RawMessage `json:"args"`
	Key         string          `json:"key"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	FinishedAt  time.Time       `json:"finished_at,omitzero"`
}

// Decode unmarshals the job's arguments into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Args, v); err != nil {
		return Permanent(fmt.Errorf("job %s: arguments: %w", j.Kind, err))
	}
	return nil
}

// Handler does the work of one job. It should be idempotent: after a crash
// the same job may run again. Returning an error retries the job with
// backoff until its attempts run out; Permanent(err) fails it at once.
type Handler func(ctx context.Context, j Job) error

// Kind is how a kind of job is run.
type Kind struct {
	// Label says what the job does, in words for the jobs page.
	Label       string
	Handler     Handler
	MaxAttempts int           // default 10
	Timeout     time.Duration // per attempt; default 5 minutes
	// Backoff is the wait before attempt n+1 after attempt n failed;
	// default 10s doubling to at most an hour.
	Backoff func(attempt int) time.Duration
}

// permanent marks an error no retry will mend.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the job fails without further attempts.
func Permanent(err error) error { return permanent{err} }

// Options shape a Queue.
type Options struct {
	Node         string        // this node's name in locked_by; default a fresh ID
	Workers      int           // jobs run at once on this node; default 4
	PollInterval time.Duration // how often to look for due jobs; default 1s
	Clock        platform.Clock
	Logger       *slog.Logger
	// Ticks, when set, are the poll's ticks instead of a ticker every
	// PollInterval: a test sends one to make a poll happen at a chosen
	// moment (the send returns once Run has taken it).
	Ticks <-chan time.Time
}

// Queue enqueues jobs and, once Run, works them.
type Queue struct {
	db    *store.DB
	opts  Options
	mu    sync.RWMutex
	kinds map[string]Kind
	sched map[string]schedule
	wake  chan struct{}
	due   dueKinds
}

type schedule struct {
	kind  string
	every time.Duration
}

// New returns a queue stored in db.
func New(db *store.DB, opts Options) *Queue {
	if opts.Node == "" {
		opts.Node = platform.NewID("node")
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Clock == nil {
		opts.Clock = platform.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Queue{db: db, opts: opts, kinds: map[string]Kind{}, sched: map[string]schedule{}, wake: make(chan struct{}, 1)}
}

// Handle registers how jobs of kind run. A kind with no Handler is only
// declared: this node may enqueue it but leaves running it to nodes that
// can (mail is sent only by nodes with a relay configured). Registering a
// kind twice, or with a bad name, is a programming error reported to the caller.
func (q *Queue) Handle(kind string, k Kind) error {
	if !validKind(kind) {
		return fmt.Errorf("jobs: kind %q needs a name of lower-case words, digits and dots", kind)
	}
	if k.MaxAttempts <= 0 {
		k.MaxAttempts = 10
	}
	if k.Timeout <= 0 {
		k.Timeout = 5 * time.Minute
	}
	if k.Backoff == nil {
		k.Backoff = DefaultBackoff
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.kinds[kind]; dup {
		return fmt.Errorf("jobs: kind %q is registered twice", kind)
	}
	q.kinds[kind] = k
	return nil
}

// Every enqueues a job of kind (with empty arguments) every period, on one
// node at a time. The kind must be registered with Handle.
func (q *Queue) Every(name, kind string, period time.Duration) error {
	if name == "" || period < time.Second {
		return fmt.Errorf("jobs: schedule %q needs a name and a period of at least a second", name)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.sched[name]; dup {
		return fmt.Errorf("jobs: schedule %q is registered twice", name)
	}
	q.sched[name] = schedule{kind: kind, every: period}
	return nil
}

// DefaultBackoff waits 10s, 20s, 40s... up to an hour.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func validKind(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// Enqueued describes a job to add.
type Enqueued struct {
	Kind  string
	OrgID string
	Args  any       // marshalled as JSON; nil is {}
	Key   string    // idempotency key: a second job of the same kind and key is not added
	RunAt time.Time // zero: now
}

// Enqueue adds a job inside tx, so it commits or rolls back with the change
// that asks for it. It reports whether a job was added (false when one of
// the same kind and key already exists, in whatever state).
func (q *Queue) Enqueue(ctx context.Context, tx *store.Tx, e Enqueued) (bool, error) {
	q.mu.RLock()
	k, ok := q.kinds[e.Kind]
	q.mu.RUnlock()
	if !ok {
		return false, fmt.Errorf("jobs: no handler registered for kind %q", e.Kind)
	}
	args := []byte("{}")
	if e.Args != nil {
		b, err := json.Marshal(e.Args)
		if err != nil {
			return false, fmt.Errorf("jobs: arguments of %s: %w", e.Kind, err)
		}
		args = b
	}
	id := platform.NewID("job")
	key := e.Key
	if key == "" {
		key = id
	}
	now := q.opts.Clock.Now()
	runAt := e.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	res, err := tx.Exec(ctx, `INSERT INTO jobs (id, kind, org_id, args, unique_key, state, max_attempts, run_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, unique_key) DO NOTHING`,
		id, e.Kind, e.OrgID, string(args), key, Available, k.MaxAttempts, store.Millis(runAt), store.Millis(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n > 0 && !runAt.After(now) {
		tx.AfterCommit(func() { q.markDue(e.Kind) })
	}
	return n > 0, nil
}

// EnqueueNow is Enqueue in a write of its own.
func (q *Queue) EnqueueNow(ctx context.Context, e Enqueued) (added bool, err error) {
	err = q.db.Write(ctx, func(tx *store.Tx) error {
		added, err = q.Enqueue(ctx, tx, e)
		return err
	})
	return added, err
}

// nudge wakes this node's claimer after a commit that added due work, so a
// job does not wait a whole poll interval on the node that made it.
func (q *Queue) nudge() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// registered returns the kinds this node can run: those with a handler.
func (q *Queue) registered() []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]string, 0, len(q.kinds))
	for name, k := range q.kinds {
		if k.Handler != nil {
			out = append(out, name)
		}
	}
	return out
}

// Label is what a kind of job does, in words, or the kind itself.
func (q *Queue) Label(kind string) string {
	if k, ok := q.kind(kind); ok && k.Label != "" {
		return k.Label
	}
	return kind
}

// Runs reports whether this node runs jobs of kind (it has a handler).
func (q *Queue) Runs(kind string) bool {
	k, ok := q.kind(kind)
	return ok && k.Handler != nil
}

func (q *Queue) kind(name string) (Kind, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	k, ok := q.kinds[name]
	return k, ok
}

// errorText keeps a stored error short and valid UTF-8.
func errorText(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = strings.ToValidUTF8(s[:2000], "")
	}
	return s
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
