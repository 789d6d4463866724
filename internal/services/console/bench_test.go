package console

import (
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"dbtp/internal/loadgen"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkQueuePageRendered measures the whole staff queue page, through the
// real server (session check, search, people lookups, template), with
// DBTP_BENCH_OPEN_CASES open cases (default 100,000) on a real SQLite file.
// Seeding takes about half a minute per 100,000 cases. With
// DBTP_BENCH_ALL_AT_RISK set the clock moves on until every case's risk
// window has opened, the worst case for the at-risk filter.
func BenchmarkQueuePageRendered(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("DBTP_BENCH_OPEN_CASES")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(b, storetest.Open(b, store.SQLite, testMods))
	seedComplaints(b, e, n)
	if os.Getenv("DBTP_BENCH_ALL_AT_RISK") != "" {
		e.clock.Add(13 * 24 * time.Hour)
	}
	cara := e.browser(e.cara)
	pages := []string{"/cases", "/cases?assignee=me", "/cases?sla=at_risk", "/cases?service=complaints&state=submitted"}
	lat := loadgen.NewRecorder()
	per := make([]*loadgen.Recorder, len(pages))
	for i := range per {
		per[i] = loadgen.NewRecorder()
	}
	b.ResetTimer()
	began := time.Now()
	for i := range b.N {
		t0 := time.Now()
		r := cara.Get(pages[i%len(pages)])
		if r.Status != http.StatusOK {
			b.Fatalf("%s: %d", pages[i%len(pages)], r.Status)
		}
		lat.Observe(time.Since(t0), "")
		per[i%len(pages)].Observe(time.Since(t0), "")
	}
	elapsed := time.Since(began)
	s := lat.Summarise(elapsed)
	b.ReportMetric(float64(s.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(s.P95.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(n), "open-cases")
	for i, p := range pages {
		ps := per[i].Summarise(elapsed)
		if b.N > 1 {
			b.Logf("%s: p50 %s p95 %s", p, ps.P50, ps.P95)
		}
	}
}

// seedComplaints submits n complaints through the engine from many
// goroutines, so the group commit does the batching.
func seedComplaints(b *testing.B, e *env, n int) {
	b.Helper()
	var wg sync.WaitGroup
	work := make(chan int)
	var once sync.Once
	var firstErr error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				_, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{
					"name": "Rita Example", "email": "rita@example.org", "service_area": "waste",
					"details": "Missed collection " + strconv.Itoa(i), "complained_before": "no", "desired_outcome": "An apology",
				}, services.SubmitOptions{})
				if err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}
