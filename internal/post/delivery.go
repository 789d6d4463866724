package post

import (
	"context"
	"errors"
	"sync"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/post/provider"
)

// The delivery part's other jobs: a delivery receipt to the sending
// service's callback URL, and the periodic check on messages providers
// still have.
const (
	JobCallback = "post.callback"
	JobReceipts = "post.receipts"
)

// Poster POSTs a delivery receipt (Notify's callback JSON) to a service's
// callback URL with "Authorization: Bearer <token>". The engine has no
// net/http: the module supplies it. An error wrapped by provider.Permanent
// (the service said no: a 4xx) is not retried.
type Poster interface {
	Post(ctx context.Context, url, token string, body []byte) error
}

// Delivery is how this node delivers notifications.
type Delivery struct {
	// Providers is the provider for each kind (KindEmail, KindSMS,
	// KindLetter). A kind with none waits: its messages are retried with
	// backoff, and fail as a technical failure once the attempts run out.
	Providers map[string]provider.Provider
	Callbacks Poster // nil: no delivery receipts are posted
	Council   string // letters' sender, at the head
	// Attempts is how often a message is handed to its provider before it
	// fails as a technical failure (default 20: with the default backoff,
	// about 13 hours of a provider being down).
	Attempts int
	// Backoff is the wait after failed attempt n (default 30s doubling to
	// at most an hour).
	Backoff func(attempt int) time.Duration
	// ReceiptAge is how long a message may stay "sending" before it is a
	// temporary failure, as Notify does after 72 hours.
	ReceiptAge time.Duration
}

// Deliverer runs the delivery jobs over a Store.
type Deliverer struct {
	s         *Store
	d         Delivery
	mu        sync.Mutex
	templates map[string]Template // by "id@version"
}

// DeliveryBackoff waits 30s, 1m, 2m... up to an hour.
func DeliveryBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// HandleDelivery registers the delivery jobs on the store's queue and
// returns the deliverer that runs them.
func (s *Store) HandleDelivery(d Delivery) (*Deliverer, error) {
	if s.opts.Jobs == nil {
		return nil, errors.New("post: delivery needs a jobs queue")
	}
	if d.Attempts <= 0 {
		d.Attempts = 20
	}
	if d.Backoff == nil {
		d.Backoff = DeliveryBackoff
	}
	if d.ReceiptAge <= 0 {
		d.ReceiptAge = 72 * time.Hour
	}
	if d.Providers == nil {
		d.Providers = map[string]provider.Provider{}
	}
	dl := &Deliverer{s: s, d: d, templates: map[string]Template{}}
	q := s.opts.Jobs
	err := errors.Join(
		q.Handle(JobDeliver, jobs.Kind{Label: "Deliver a message", Handler: dl.deliverJob, MaxAttempts: d.Attempts, Backoff: d.Backoff,
			Timeout: 2 * time.Minute}),
		q.Handle(JobCallback, jobs.Kind{Label: "Send a delivery receipt to a sending service", Handler: dl.callbackJob, MaxAttempts: 10,
			Timeout: 30 * time.Second}),
		q.Handle(JobReceipts, jobs.Kind{Label: "Ask providers how sent messages are doing", Handler: dl.receiptsJob}),
		q.Every(JobReceipts, JobReceipts, time.Minute),
	)
	if err != nil {
		return nil, err
	}
	return dl, nil
}

// Provider returns the provider of kind, or nil.
func (dl *Deliverer) Provider(kind string) provider.Provider { return dl.d.Providers[kind] }

type deliverArgs struct {
	ID string `json:"id"`
}

func (dl *Deliverer) deliverJob(ctx context.Context, j jobs.Job) error {
	var a deliverArgs
	if err := j.Decode(&a); err != nil {
		return err
	}
	return dl.deliver(ctx, a.ID, j.Attempt >= j.MaxAttempts)
}
