package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

var mods = []store.Migrations{jobs.Migrations}

func newQueue(t *testing.T, db *store.DB, clock *platformtest.Clock, node string) *jobs.Queue {
	t.Helper()
	return jobs.New(db, jobs.Options{Node: node, Clock: clock, PollInterval: 10 * time.Millisecond})
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func TestEnqueueCommitsWithTheChange(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := newQueue(t, db, platformtest.NewClock(t0), "n1")
		var ran []string
		must(t, q.Handle("test.echo", jobs.Kind{Handler: func(_ context.Context, j jobs.Job) error {
			var a struct{ Say string }
			if err := j.Decode(&a); err != nil {
				return err
			}
			ran = append(ran, a.Say)
			return nil
		}}))
		// A write that fails takes its job with it.
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: "test.echo", Args: map[string]string{"say": "rolled back"}}); err != nil {
				return err
			}
			return errors.New("the change failed")
		})
		if err == nil {
			t.Fatal("write should fail")
		}
		if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.echo", Args: map[string]string{"say": "kept"}}); err != nil {
			t.Fatal(err)
		}
		n, err := q.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(ran) != 1 || ran[0] != "kept" {
			t.Fatalf("ran %d jobs: %v, want only the committed one", n, ran)
		}
		p, err := q.List(ctx, jobs.Filter{AllOrgs: true, State: jobs.Completed})
		if err != nil || len(p.Jobs) != 1 {
			t.Fatalf("completed jobs = %+v, %v", p.Jobs, err)
		}
	})
}

func TestIdempotencyKeyAddsOneJob(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := newQueue(t, db, platformtest.NewClock(t0), "n1")
		must(t, q.Handle("test.once", jobs.Kind{Handler: func(context.Context, jobs.Job) error { return nil }}))
		for i := range 3 {
			added, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.once", Key: "case_1"})
			if err != nil {
				t.Fatal(err)
			}
			if added != (i == 0) {
				t.Fatalf("enqueue %d added = %v", i, added)
			}
		}
		if _, err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		// Even once the job has completed, the key still stands.
		if added, _ := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.once", Key: "case_1"}); added {
			t.Fatal("a completed job's key was reused")
		}
		if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.unknown"}); err == nil || !strings.Contains(err.Error(), "no handler") {
			t.Fatalf("unknown kind: %v", err)
		}
	})
}

func TestRetriesWithBackoffThenFails(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := platformtest.NewClock(t0)
		q := newQueue(t, db, clock, "n1")
		calls := 0
		must(t, q.Handle("test.flaky", jobs.Kind{MaxAttempts: 3, Handler: func(context.Context, jobs.Job) error {
			calls++
			return errors.New("endpoint down")
		}}))
		if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.flaky"}); err != nil {
			t.Fatal(err)
		}
		runDue(t, q, 1)
		// Not due again until the backoff has passed.
		runDue(t, q, 0)
		clock.Add(jobs.DefaultBackoff(1) - time.Second)
		runDue(t, q, 0)
		clock.Add(time.Second)
		runDue(t, q, 1)
		clock.Add(jobs.DefaultBackoff(2))
		runDue(t, q, 1)
		clock.Add(time.Hour)
		runDue(t, q, 0)
		if calls != 3 {
			t.Fatalf("calls = %d, want 3", calls)
		}
		p, _ := q.List(ctx, jobs.Filter{AllOrgs: true})
		j := p.Jobs[0]
		if j.State != jobs.Failed || j.Attempt != 3 || j.LastError != "endpoint down" {
			t.Fatalf("job = %+v, want failed after 3 attempts with the error", j)
		}
		// An operator retries it: a fresh set of attempts, due now.
		must(t, db.Write(ctx, func(tx *store.Tx) error { return q.Retry(ctx, tx, j.ID) }))
		runDue(t, q, 1)
		if calls != 4 {
			t.Fatalf("calls after retry = %d", calls)
		}
		// Discarding a failed job stops it for good; a completed one cannot be.
		p, _ = q.List(ctx, jobs.Filter{AllOrgs: true, State: jobs.Available})
		must(t, db.Write(ctx, func(tx *store.Tx) error { return q.Discard(ctx, tx, p.Jobs[0].ID) }))
		clock.Add(time.Hour)
		runDue(t, q, 0)
	})
}

func TestPanickingHandlerFailsAndWorkerGoesOn(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := newQueue(t, db, platformtest.NewClock(t0), "n1")
		var ok atomic.Int32
		must(t, q.Handle("test.panic", jobs.Kind{Handler: func(context.Context, jobs.Job) error { panic("nil map in handler") }}))
		must(t, q.Handle("test.ok", jobs.Kind{Handler: func(context.Context, jobs.Job) error { ok.Add(1); return nil }}))
		for _, k := range []string{"test.panic", "test.ok", "test.ok"} {
			if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: k}); err != nil {
				t.Fatal(err)
			}
		}
		runDue(t, q, 3)
		if ok.Load() != 2 {
			t.Fatalf("ok jobs = %d", ok.Load())
		}
		p, _ := q.List(ctx, jobs.Filter{AllOrgs: true, State: jobs.Failed})
		if len(p.Jobs) != 1 || !strings.Contains(p.Jobs[0].LastError, "panic: nil map in handler") || p.Jobs[0].Attempt != 1 {
			t.Fatalf("failed jobs = %+v", p.Jobs)
		}
	})
}

// Two nodes on one database: each periodic run is enqueued once, and each
// job is run by one node only.
func TestTwoNodesShareWorkOnce(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := platformtest.NewClock(t0)
		var mu sync.Mutex
		runs := map[string]int{}
		done := make(chan struct{}, 1000)
		var nodes []*jobs.Queue
		for _, n := range []string{"a", "b"} {
			q := newQueue(t, db, clock, n)
			must(t, q.Handle("test.work", jobs.Kind{Handler: func(_ context.Context, j jobs.Job) error {
				mu.Lock()
				runs[j.Key]++
				mu.Unlock()
				done <- struct{}{}
				return nil
			}}))
			must(t, q.Every("sweep", "test.work", time.Minute))
			nodes = append(nodes, q)
		}
		const n = 200
		for i := range n {
			if _, err := nodes[i%2].EnqueueNow(ctx, jobs.Enqueued{Kind: "test.work"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, q := range nodes {
			wg.Add(1)
			go func() { defer wg.Done(); q.Run(ctx) }()
		}
		// n enqueued jobs plus the first sweep run.
		for range n + 1 {
			<-done
		}
		clock.Add(time.Minute)
		<-done // the second sweep
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != n+2 {
			t.Fatalf("distinct jobs run = %d, want %d", len(runs), n+2)
		}
		for k, c := range runs {
			if c != 1 {
				t.Fatalf("job %s ran %d times", k, c)
			}
		}
	})
}

// A backlog larger than the workers is worked as slots free up: with a
// poll interval longer than the test, every job must still run, woken only
// by the commit that added them and by workers finishing.
func TestBacklogBiggerThanWorkersRunsWithoutWaitingForThePoll(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		q := jobs.New(db, jobs.Options{Workers: 2, PollInterval: time.Hour})
		const n = 40
		done := make(chan struct{}, n)
		must(t, q.Handle("test.work", jobs.Kind{Handler: func(context.Context, jobs.Job) error { done <- struct{}{}; return nil }}))
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for range n {
				if _, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: "test.work"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("%d of %d jobs ran; the rest wait for the poll", i, n)
			}
		}
		cancel()
		<-stopped
	})
}

// A kind declared without a handler can be enqueued here but is left for
// a node that runs it.
func TestDeclaredKindWaitsForANodeThatRunsIt(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := platformtest.NewClock(t0)
		web := newQueue(t, db, clock, "web")
		must(t, web.Handle("test.mail", jobs.Kind{}))
		if _, err := web.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.mail"}); err != nil {
			t.Fatal(err)
		}
		runDue(t, web, 0)
		sender := newQueue(t, db, clock, "sender")
		must(t, sender.Handle("test.mail", jobs.Kind{Handler: func(context.Context, jobs.Job) error { return nil }}))
		runDue(t, sender, 1)
	})
}

// Due counts what this node would work now: not a kind it only declares
// (a node with no relay and its mail), not a job waiting for its time, not
// one finished.
func TestDueCountsWhatThisNodeRuns(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := platformtest.NewClock(t0)
		web := newQueue(t, db, clock, "web")
		must(t, web.Handle("test.mail", jobs.Kind{}))
		must(t, web.Handle("test.work", jobs.Kind{Handler: func(context.Context, jobs.Job) error { return nil }}))
		due := func(want int) {
			t.Helper()
			if n, err := web.Due(ctx); err != nil || n != want {
				t.Fatalf("due %d, %v; want %d", n, err, want)
			}
		}
		due(0)
		for _, e := range []jobs.Enqueued{{Kind: "test.mail"}, {Kind: "test.work"}, {Kind: "test.work"}, {Kind: "test.work", RunAt: t0.Add(time.Hour)}} {
			if _, err := web.EnqueueNow(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		due(2)
		runDue(t, web, 2)
		due(0)
		clock.Add(time.Hour)
		due(1)
	})
}

func TestBadRegistrationsAreErrors(t *testing.T) {
	q := jobs.New(nil, jobs.Options{})
	h := jobs.Kind{Handler: func(context.Context, jobs.Job) error { return nil }}
	if err := q.Handle("Bad Kind", h); err == nil {
		t.Fatal("bad kind name accepted")
	}
	must(t, q.Handle("x.y", h))
	if err := q.Handle("x.y", jobs.Kind{}); err == nil {
		t.Fatal("duplicate kind accepted")
	}
	if err := q.Every("s", "x.y", time.Millisecond); err == nil {
		t.Fatal("sub-second schedule accepted")
	}
}

func runDue(t *testing.T, q *jobs.Queue, want int) {
	t.Helper()
	n, err := q.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("ran %d jobs, want %d", n, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) { storetest.Main(m) }

// A backlog larger than the workers drains without waiting for the poll
// interval: a worker that finishes claims the next job at once. The poll
// here is an hour, so the test only ends if that is so.
func TestBacklogDrainsWithoutWaitingForThePoll(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		q := jobs.New(db, jobs.Options{Node: "a", Clock: platformtest.NewClock(t0), PollInterval: time.Hour, Workers: 2})
		done := make(chan struct{}, 100)
		must(t, q.Handle("test.work", jobs.Kind{Handler: func(context.Context, jobs.Job) error {
			done <- struct{}{}
			return nil
		}}))
		const n = 20
		err := db.Write(ctx, func(tx *store.Tx) error {
			for range n {
				if _, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: "test.work"}); err != nil {
					return err
				}
			}
			return nil
		})
		must(t, err)
		var wg sync.WaitGroup
		wg.Go(func() { q.Run(ctx) })
		deadline := time.After(time.Minute) // far beyond the work; an hour's poll would pass it
		for i := range n {
			select {
			case <-done:
			case <-deadline:
				t.Fatalf("%d of %d jobs ran; the rest waited for the poll", i, n)
			}
		}
		cancel()
		wg.Wait()
	})
}

// TestPollOwedWhileBusyIsTakenWhenASlotFrees: a poll that comes while
// every worker is busy cannot look for other nodes' jobs; the first slot
// to free up makes that look, not the next poll an interval later.
func TestPollOwedWhileBusyIsTakenWhenASlotFrees(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := platformtest.NewClock(t0)
		ticks := make(chan time.Time) // no poll but the test's
		a := jobs.New(db, jobs.Options{Node: "a", Clock: clock, Workers: 1, Ticks: ticks})
		b := jobs.New(db, jobs.Options{Node: "b", Clock: clock, Workers: 1})
		handler, started, release := busyFirst()
		for _, kind := range []string{"test.work", "test.other"} {
			must(t, a.Handle(kind, handler))
			must(t, b.Handle(kind, handler))
		}
		enqueueOnB := func(kind string) {
			must(t, db.Write(ctx, func(tx *store.Tx) error {
				_, err := b.Enqueue(ctx, tx, jobs.Enqueued{Kind: kind})
				return err
			}))
		}
		enqueueOnB("test.work") // node a is not told
		var wg sync.WaitGroup
		wg.Go(func() { a.Run(ctx) })
		deadline := time.After(time.Minute)
		select {
		case <-started: // taken by Run's first look
		case <-deadline:
			t.Fatal("the first job did not start")
		}
		// Another node's job of another kind, while a's one worker is
		// busy: only a look at every kind finds it (a freed slot looks
		// again at the kinds its own claim left due, test.work).
		enqueueOnB("test.other")
		// Two polls: each send returns once Run has taken it, so after the
		// second the first has been looked at (with no worker free) and
		// Run waits again.
		ticks <- time.Now()
		ticks <- time.Now()
		close(release)
		select {
		case <-started:
		case <-deadline:
			t.Fatal("the job found by the poll that came while the worker was busy waited for the next poll")
		}
		cancel()
		wg.Wait()
	})
}

// Work another node enqueued (this node is not told) is found by a look
// at every kind; when that look leaves some behind for want of workers,
// the first slot to free up takes it instead of the work waiting for the
// poll. (A look the poll owes while every worker is busy is taken the
// same way: TestPollOwedWhileBusyIsTakenWhenASlotFrees.)
func TestOtherNodesWorkIsTakenWhenASlotFrees(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := platformtest.NewClock(t0)
		a := jobs.New(db, jobs.Options{Node: "a", Clock: clock, PollInterval: time.Hour, Workers: 1})
		b := jobs.New(db, jobs.Options{Node: "b", Clock: clock, PollInterval: time.Hour, Workers: 1})
		handler, started, release := busyFirst()
		must(t, a.Handle("test.work", handler))
		must(t, b.Handle("test.work", handler))
		// Node b enqueues (node a is not told), two jobs for one worker.
		must(t, db.Write(ctx, func(tx *store.Tx) error {
			for range 2 {
				if _, err := b.Enqueue(ctx, tx, jobs.Enqueued{Kind: "test.work"}); err != nil {
					return err
				}
			}
			return nil
		}))
		var wg sync.WaitGroup
		wg.Go(func() { a.Run(ctx) })
		deadline := time.After(time.Minute) // far beyond the work; an hour's poll would pass it
		select {
		case <-started:
		case <-deadline:
			t.Fatal("the first job did not start")
		}
		close(release)
		select {
		case <-started:
		case <-deadline:
			t.Fatal("the second job waited for the poll")
		}
		cancel()
		wg.Wait()
	})
}

// busyFirst is a handler that reports each job it starts and keeps the
// first one running until release is closed: one worker stays busy for
// as long as the test says.
func busyFirst() (jobs.Kind, <-chan string, chan struct{}) {
	started, release := make(chan string, 4), make(chan struct{})
	var calls atomic.Int32
	return jobs.Kind{Handler: func(_ context.Context, j jobs.Job) error {
		started <- j.ID
		if calls.Add(1) == 1 {
			<-release
		}
		return nil
	}}, started, release
}
