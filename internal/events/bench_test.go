package events_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkDeliverToSubscribers is what an event costs after its commit:
// the dispatch job and one delivery job for each of three in-process
// subscribers (as a case submission has: records, signing, workplace), each
// claimed, run and finished by a node's eight workers on a real SQLite
// file. cpu-ms/op is the process's CPU per event (getrusage), comparable
// between versions of the code when the shared machine's load moves wall
// time.
func BenchmarkDeliverToSubscribers(b *testing.B) {
	db := storetest.Open(b, store.SQLite, mods)
	log := audittest.NewLog(b, db)
	q := jobs.New(db, jobs.Options{Workers: 8, PollInterval: 10 * time.Millisecond})
	bus, err := events.New(db, q, access.New(log), log, events.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var delivered atomic.Int64
	done := make(chan struct{})
	for _, name := range []string{"records", "signing", "workplace"} {
		if err := bus.Subscribe(name, []string{"case.submitted"}, func(context.Context, events.Event) error {
			if delivered.Add(1) == int64(3*b.N) {
				close(done)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for range min(100, b.N-i) {
				if _, err := bus.Publish(ctx, tx, "org_a", "case.submitted", "cas_1", map[string]any{"case_id": "cas_1", "reference": "COMP-2026-000001"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	var ru0, ru1 syscall.Rusage
	st0 := db.Stats()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { q.Run(rctx); close(stopped) }()
	<-done
	cancel()
	<-stopped
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	st := db.Stats()
	b.ReportMetric(float64(st.Writes-st0.Writes)/float64(b.N), "writes/op")
	b.ReportMetric(float64(st.Transactions-st0.Transactions)/float64(b.N), "commits/op")
}
