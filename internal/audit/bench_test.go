package audit

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkRecordParallel measures durable audited writes through
// store.Write on a real SQLite file: each write appends one entry and is
// acknowledged only after its group commit is synced, with one signed head
// per commit.
func BenchmarkRecordParallel(b *testing.B) {
	db := storetest.Open(b, store.SQLite, testMods)
	l := newTestLog(b, db)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(64)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if err := l.RecordNow(ctx, sampleEntry(fmt.Sprintf("org_%d", i%4), int(i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	stats := db.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(stats.Writes)/float64(max(stats.Transactions, 1)), "writes/commit")
}

// BenchmarkVerify measures full verification of a 200,000-entry log whose
// heads were signed per group of 100 entries.
func BenchmarkVerify(b *testing.B) {
	const entries, perCommit = 200_000, 100
	db := storetest.Open(b, store.SQLite, testMods)
	l := newTestLog(b, db)
	fillBatched(b, l, "org_a", entries, perCommit)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rep, err := l.Verify(ctx, nil)
		if err != nil || rep.Entries != entries {
			b.Fatalf("verify: %v %+v", err, rep)
		}
	}
	b.ReportMetric(float64(entries)*float64(b.N)/time.Since(start).Seconds(), "entries/s")
}
