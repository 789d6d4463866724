package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkEnqueueInWrite is the cost a change pays to ask for background
// work: one more insert in its own durable write.
func BenchmarkEnqueueInWrite(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, mods)
			q := jobs.New(db, jobs.Options{})
			if err := q.Handle("bench.noop", jobs.Kind{Handler: func(context.Context, jobs.Job) error { return nil }}); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetParallelism(16) // many requests at once, as a busy server has
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "bench.noop"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRunThroughput is how many jobs one node works per second when
// the handler itself costs nothing: claims, leases and completions, every
// one a durable write.
func BenchmarkRunThroughput(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, mods)
			var done atomic.Int64
			finished := make(chan struct{})
			q := jobs.New(db, jobs.Options{Workers: 8, PollInterval: 5 * time.Millisecond})
			if err := q.Handle("bench.noop", jobs.Kind{Handler: func(context.Context, jobs.Job) error {
				if done.Add(1) == int64(b.N) {
					close(finished)
				}
				return nil
			}}); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for i := 0; i < b.N; i += 500 {
				if err := db.Write(ctx, func(tx *store.Tx) error {
					for j := i; j < min(i+500, b.N); j++ {
						if _, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: "bench.noop"}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			rctx, cancel := context.WithCancel(ctx)
			go q.Run(rctx)
			<-finished
			b.StopTimer()
			cancel()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}
