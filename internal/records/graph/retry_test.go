package graph_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records/graph"
	"dbtp/internal/records/graph/graphtest"
)

// waits records the waits the client asks for instead of sleeping, and
// can run something at each (to keep the stand-in throttling).
type waits struct {
	mu     sync.Mutex
	asked  []time.Duration
	during func()
}

func (w *waits) wait(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.asked = append(w.asked, d)
	w.mu.Unlock()
	if w.during != nil {
		w.during()
	}
	return ctx.Err()
}

func TestThrottledRequestIsRetriedAfterRetryAfter(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	w := &waits{}
	graph.SetWait(c, w.wait)
	it, err := c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.ThrottledID)
	if err != nil || it.Name != "Direct payments audit 2023-24.csv" {
		t.Fatalf("throttled item: %+v, %v", it, err)
	}
	if len(w.asked) != 1 || w.asked[0] != graphtest.RetryAfterSeconds*time.Second {
		t.Errorf("waits %v, want one of %ds (Retry-After)", w.asked, graphtest.RetryAfterSeconds)
	}
	if n := srv.Hits(graphtest.ThrottledID); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	// The /content request is retried the same way, and the download
	// still verifies.
	srv.ThrottleOnce(it.ID)
	rc, err := c.Download(context.Background(), it)
	if err != nil {
		t.Fatalf("download after a 429: %v", err)
	}
	rc.Close()
	if len(w.asked) != 2 {
		t.Errorf("waits %v, want a second one for the download", w.asked)
	}
}

func TestThrottlingThatPersistsGivesUpAfterThreeRetries(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	w := &waits{during: func() { srv.ThrottleOnce(graphtest.CarePlanID) }}
	graph.SetWait(c, w.wait)
	srv.ThrottleOnce(graphtest.CarePlanID)
	_, err := c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.CarePlanID)
	if platform.CodeOf(err) != platform.CodeRateLimited || !errors.Is(err, graph.ErrBusy) {
		t.Fatalf("persistent 429: %v, want rate limited ErrBusy", err)
	}
	if wait, ok := graph.RetryAfter(err); !ok || wait != graphtest.RetryAfterSeconds*time.Second {
		t.Errorf("RetryAfter = %v, %v", wait, ok)
	}
	if n := srv.Hits(graphtest.CarePlanID); n != 4 {
		t.Errorf("%d requests, want 4 (the first and three retries)", n)
	}
}

// TestRetryBoundedByContext: when the context ends before Graph's
// Retry-After, the client says Microsoft 365 is busy at once rather than
// waiting past the deadline.
func TestRetryBoundedByContext(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	w := &waits{}
	graph.SetWait(c, w.wait)
	ctx, cancel := context.WithTimeout(context.Background(), graphtest.RetryAfterSeconds*time.Second/2)
	defer cancel()
	_, err := c.Item(ctx, graphtest.SharePointDriveID, graphtest.ThrottledID)
	if !errors.Is(err, graph.ErrBusy) {
		t.Fatalf("deadline before Retry-After: %v, want ErrBusy", err)
	}
	if len(w.asked) != 0 {
		t.Errorf("waited %v although the deadline was sooner", w.asked)
	}
}

// TestCancelledContext: a request whose context has ended fails at once,
// as "did not answer in time", without reaching Graph.
func TestCancelledContext(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Item(ctx, graphtest.SharePointDriveID, graphtest.ThrottledID)
	if err == nil {
		t.Fatal("a cancelled request succeeded")
	}
	if platform.CodeOf(err) != platform.CodeRateLimited || !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("cancelled: %v (code %s)", err, platform.CodeOf(err))
	}
	if n := srv.Hits(graphtest.ThrottledID); n != 0 {
		t.Errorf("%d requests reached Graph", n)
	}
}
