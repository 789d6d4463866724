package loadgen

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Closed runs fn from conc workers at once, each starting its next call as
// soon as the last returns, for d: the way to find how many writes per
// second a server completes at a given concurrency (a closed model, unlike
// the steady phase). Latency is each call's own.
func Closed(ctx context.Context, conc int, d time.Duration, fn func(ctx context.Context, n int) error) Summary {
	rec := NewRecorder()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	start := time.Now()
	for range max(1, conc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				n := next
				next++
				mu.Unlock()
				t0 := time.Now()
				err := fn(context.WithoutCancel(ctx), n)
				switch {
				case err == nil:
					rec.Observe(time.Since(t0), "")
				case errors.Is(err, ErrConflict):
					rec.Conflict(time.Since(t0))
				default:
					rec.Observe(time.Since(t0), reasonOf(err))
				}
			}
		}()
	}
	wg.Wait()
	return rec.Summarise(time.Since(start))
}
