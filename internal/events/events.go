// Package events is how modules tell each other, and the council's own
// systems, what happened. A module records a domain event (case.submitted,
// case.transitioned, ...) with Publish inside the transaction that makes
// the change, so the event exists exactly when the change does. Delivery
// then rides on durable jobs: one job fans the event out, and each
// in-process subscriber and each webhook endpoint gets a job of its own,
// retried with backoff, so one slow receiver never holds up another.
package events

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the events and webhook tables.
var Migrations = store.EmbeddedMigrations("events", migrationFS, "migrations")

// Event is one thing that happened in an organisation.
type Event struct {
	ID      string          `json:"id"`
	OrgID   string          `json:"org_id"`
	Type    string          `json:"type"`              // e.g. "case.submitted"
	Subject string          `json:"subject,omitempty"` // the resource it concerns, e.g. a case ID
	Data    json.RawMessage `json:"data"`
	At      time.Time       `json:"at"`
}

// Subscriber handles events in process. It must be idempotent: an event
// may be delivered more than once (at least once, never lost).
type Subscriber func(ctx context.Context, e Event) error

// When decides, as an event is fanned out, whether a subscriber wants it
// at all, from the event alone (or a cached look-up): an event it answers
// false costs no delivery job, no claim, no completion and no read of the
// thing the event is about. It must be a pure question of the event: what
// a subscriber does with an event it wants is still decided at delivery.
type When func(ctx context.Context, e Event) (bool, error)

type subscription struct {
	types []string
	when  When
	fn    Subscriber
}

// Options shape a Bus.
type Options struct {
	Clock  platform.Clock
	Logger *slog.Logger
	// HTTPClient sends webhooks; the default times out after 15 seconds and
	// never follows redirects (a receiver that moved must be re-registered).
	HTTPClient *http.Client
	// Retention is how long events and the delivery log are kept; default 90 days.
	Retention time.Duration
	// PrivateNetworks lets webhooks reach private and local addresses, and
	// plain http: for councils whose receiving systems are on their own
	// network. Off by default, because any organisation's admin chooses
	// webhook addresses.
	PrivateNetworks bool
}

// Bus records events and delivers them.
type Bus struct {
	db     *store.DB
	jobs   *jobs.Queue
	access *access.Point
	rec    audit.Recorder
	opts   Options
	mu     sync.RWMutex
	subs   map[string]subscription
	types  []string      // event types modules declared they publish
	recent *recentEvents // events this node published lately, for their deliveries
}

// Job kinds the bus runs on.
const (
	kindDispatch = "events.dispatch"
	kindDeliver  = "events.deliver"
	kindWebhook  = "webhooks.deliver"
	kindPrune    = "events.prune"
)

// New returns a bus stored in db, registering its job kinds on q.
func New(db *store.DB, q *jobs.Queue, ap *access.Point, rec audit.Recorder, opts Options) (*Bus, error) {
	if opts.Clock == nil {
		opts.Clock = platform.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second, Transport: webhookTransport(opts.PrivateNetworks)}
	}
	if opts.Retention <= 0 {
		opts.Retention = 90 * 24 * time.Hour
	}
	// Redirects are never followed: a 3xx is a failed delivery that says so.
	client := *opts.HTTPClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts.HTTPClient = &client
	b := &Bus{db: db, jobs: q, access: ap, rec: rec, opts: opts, subs: map[string]subscription{}, recent: newRecentEvents()}
	for kind, k := range map[string]jobs.Kind{
		kindDispatch: {Label: "Pass an event to its subscribers and webhooks", Handler: b.dispatch},
		kindDeliver:  {Label: "Give an event to a module", Handler: b.deliver},
		kindWebhook:  {Label: "Deliver a webhook", Handler: b.deliverWebhook, MaxAttempts: 12, Timeout: time.Minute},
		kindPrune:    {Label: "Delete events and delivery records past 90 days", Handler: b.prune},
	} {
		if err := q.Handle(kind, k); err != nil {
			return nil, err
		}
	}
	if err := q.Every(kindPrune, kindPrune, 24*time.Hour); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bus) audit(tx *store.Tx, e audit.Entry) error { return b.rec.Record(tx, e) }

// Declare records event types a module publishes, so that webhooks can
// only be set up for events that exist (a typo is refused, not silent).
func (b *Bus) Declare(types ...string) error {
	for _, t := range types {
		if !validType(t) {
			return fmt.Errorf("events: %q is not an event type like case.submitted", t)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.types = append(b.types, types...)
	slices.Sort(b.types)
	b.types = slices.Compact(b.types)
	return nil
}

// known reports whether pattern names or covers a declared type; with
// nothing declared every valid pattern is taken.
func (b *Bus) known(pattern string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if len(b.types) == 0 || pattern == "*" {
		return true
	}
	return slices.ContainsFunc(b.types, func(t string) bool { return matchesAny([]string{pattern}, t) })
}

// Types lists the declared event types, for help text.
func (b *Bus) Types() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return slices.Clone(b.types)
}

func (b *Bus) knownList() string { return strings.Join(b.Types(), ", ") }

// Subscribe registers fn under a unique name for events whose type matches
// one of types: an exact type, a prefix such as "case.*", or "*".
func (b *Bus) Subscribe(name string, types []string, fn Subscriber) error {
	return b.SubscribeWhen(name, types, nil, fn)
}

// SubscribeWhen is Subscribe for a subscriber that wants only some events
// of its types (a module that acts on one service's cases, say): when, if
// not nil, is asked at fan-out and an event it refuses is not delivered.
func (b *Bus) SubscribeWhen(name string, types []string, when When, fn Subscriber) error {
	if name == "" || strings.ContainsAny(name, " /") || fn == nil || len(types) == 0 {
		return fmt.Errorf("events: subscriber %q needs a name without spaces or slashes, event types and a function", name)
	}
	for _, t := range types {
		if !validPattern(t) {
			return fmt.Errorf("events: subscriber %s: %q is not an event type, a prefix like case.* or *", name, t)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.subs[name]; dup {
		return fmt.Errorf("events: subscriber %q is registered twice", name)
	}
	b.subs[name] = subscription{types: types, when: when, fn: fn}
	return nil
}

// Publish records e inside tx, with the job that will deliver it. Type and
// OrgID are required; ID and At are filled in when empty; Data is any
// value that marshals to a JSON object (nil is {}).
func (b *Bus) Publish(ctx context.Context, tx *store.Tx, orgID, typ, subject string, data any) (Event, error) {
	if !validType(typ) || orgID == "" {
		return Event{}, fmt.Errorf("events: an event needs an organisation and a type like case.submitted, not %q", typ)
	}
	raw := []byte("{}")
	if data != nil {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return Event{}, fmt.Errorf("events: data of %s: %w", typ, err)
		}
		if len(raw) == 0 || raw[0] != '{' {
			return Event{}, fmt.Errorf("events: data of %s must be a JSON object", typ)
		}
	}
	e := Event{ID: platform.NewID("evt"), OrgID: orgID, Type: typ, Subject: subject, Data: raw, At: b.opts.Clock.Now()}
	if _, err := tx.Exec(ctx, "INSERT INTO events (id, org_id, type, subject, data, at) VALUES (?, ?, ?, ?, ?, ?)",
		e.ID, e.OrgID, e.Type, e.Subject, string(e.Data), store.Millis(e.At)); err != nil {
		return Event{}, err
	}
	if _, err := b.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindDispatch, OrgID: orgID, Args: eventArgs{Event: e.ID}, Key: e.ID}); err != nil {
		return Event{}, err
	}
	tx.AfterCommit(func() { b.recent.add(e) })
	return e, nil
}

type eventArgs struct {
	Event      string `json:"event"`
	Subscriber string `json:"subscriber,omitempty"`
	Endpoint   string `json:"endpoint,omitempty"`
}

// jobEvent decodes a delivery job's arguments and loads its event.
func (b *Bus) jobEvent(ctx context.Context, j jobs.Job) (eventArgs, Event, error) {
	var a eventArgs
	if err := j.Decode(&a); err != nil {
		return a, Event{}, err
	}
	e, err := b.Event(ctx, a.Event)
	return a, e, err
}

// dispatch fans one event out: a job per matching subscriber and per
// matching webhook endpoint, all added in one write and each keyed so that
// dispatching again (after a crash) adds nothing twice.
func (b *Bus) dispatch(ctx context.Context, j jobs.Job) error {
	_, e, err := b.jobEvent(ctx, j)
	if err != nil {
		return err
	}
	b.mu.RLock()
	var names []string
	var asks []subscription
	for name, s := range b.subs {
		if matchesAny(s.types, e.Type) {
			names = append(names, name)
			asks = append(asks, s)
		}
	}
	b.mu.RUnlock()
	kept := names[:0]
	for i, s := range asks {
		if s.when != nil {
			ok, err := s.when(ctx, e)
			if err != nil {
				return fmt.Errorf("events: subscriber %s deciding on %s: %w", names[i], e.ID, err)
			}
			if !ok {
				continue
			}
		}
		kept = append(kept, names[i])
	}
	names = kept
	return b.db.Write(ctx, func(tx *store.Tx) error {
		for _, n := range names {
			if _, err := b.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindDeliver, OrgID: e.OrgID,
				Args: eventArgs{Event: e.ID, Subscriber: n}, Key: e.ID + "/" + n}); err != nil {
				return err
			}
		}
		eps, err := endpointsFor(ctx, tx, e.OrgID)
		if err != nil {
			return err
		}
		for _, ep := range eps {
			if ep.Disabled || !matchesAny(ep.Types, e.Type) {
				continue
			}
			if _, err := b.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindWebhook, OrgID: e.OrgID,
				Args: eventArgs{Event: e.ID, Endpoint: ep.ID}, Key: e.ID + "/" + ep.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliver hands one event to one in-process subscriber.
func (b *Bus) deliver(ctx context.Context, j jobs.Job) error {
	a, e, err := b.jobEvent(ctx, j)
	if err != nil {
		return err
	}
	b.mu.RLock()
	s, ok := b.subs[a.Subscriber]
	b.mu.RUnlock()
	if !ok {
		return fmt.Errorf("no subscriber %q on this node", a.Subscriber)
	}
	return s.fn(ctx, e)
}

// Event returns one event by ID, for delivery; it is not access-checked
// and is never served to a person as it is.
func (b *Bus) Event(ctx context.Context, id string) (Event, error) {
	if e, ok := b.recent.get(id, b.opts.Clock.Now().Add(-b.opts.Retention)); ok {
		return e, nil
	}
	var e Event
	var data string
	var at int64
	err := b.db.QueryRow(ctx, "SELECT id, org_id, type, subject, data, at FROM events WHERE id = ?", id).
		Scan(&e.ID, &e.OrgID, &e.Type, &e.Subject, &data, &at)
	if store.IsNoRows(err) {
		// Pruned, or never committed: nothing to deliver, nothing to retry.
		return Event{}, jobs.Permanent(platform.NotFound("event"))
	}
	e.Data, e.At = json.RawMessage(data), store.Time(at)
	return e, err
}

// prune deletes events and delivery records past the retention period.
func (b *Bus) prune(ctx context.Context, _ jobs.Job) error {
	cutoff := store.Millis(b.opts.Clock.Now().Add(-b.opts.Retention))
	return b.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM events WHERE at < ?", cutoff); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM webhook_deliveries WHERE at < ?", cutoff)
		return err
	})
}

func validType(t string) bool {
	if len(t) < 3 || len(t) > 64 || !strings.Contains(t, ".") || strings.HasPrefix(t, ".") || strings.HasSuffix(t, ".") {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func validPattern(p string) bool {
	if p == "*" {
		return true
	}
	if pre, ok := strings.CutSuffix(p, ".*"); ok {
		return validType(pre+".x") && !strings.Contains(pre, "*")
	}
	return validType(p)
}

func matchesAny(patterns []string, typ string) bool {
	for _, p := range patterns {
		if p == "*" || p == typ {
			return true
		}
		if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(typ, pre) {
			return true
		}
	}
	return false
}
