package postweb

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkNotifyAPISend is the figure: email notifications
// POSTed to /v2/notifications/email through the real HTTP server, each
// with a fresh JWT as Notify's clients make them, accepted (201) and
// durably queued: the notification and its delivery job are committed
// (SQLite on disk, synchronous=FULL, group commit) before the answer.
// It prints req/s; run it with
//
//	go test ./internal/post/postweb -run '^$' -bench NotifyAPISend -benchtime 10000x
//
// (and DBTP_BENCH_PG=1 for PostgreSQL). Clients, server and database
// share the machine.
func BenchmarkNotifyAPISend(b *testing.B) {
	d := store.SQLite
	if testingPG() {
		d = store.Postgres
	}
	db := storetest.Open(b, d, testMods)
	e := newEnv(b, db)
	_, err := e.m.Store().UpdateService(e.ctx, e.subject("Mia"), e.service.ID, post.ServiceSettings{Name: e.service.Name, RatePerMinute: 0})
	noErr(b, err)
	tm := e.rowTemplate(post.KindEmail, "Acknowledgement", "Your complaint ((reference))", "Dear ((name)),\n\nWe have your complaint ((reference)).")
	c, _, _ := e.notifyKey(post.KeyNormal)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	url := e.srv.URL + "/v2/notifications/email"
	var failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(32) // 32 x GOMAXPROCS callers in flight: many systems sending at once
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
		for pb.Next() {
			t0 := time.Now()
			body, _ := json.Marshal(map[string]any{"email_address": "rita@example.org", "template_id": tm.ID,
				"personalisation": map[string]any{"name": "Rita", "reference": "C-1"}, "reference": "bench"})
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+c.token())
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				failed.Add(1)
			}
			mine = append(mine, time.Since(t0))
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	// The process's CPU time per request (clients, server and SQLite
	// together): on a shared machine, what the figure would be with both
	// cores free is 2 s / this.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if failed.Load() > 0 {
		b.Fatalf("%d of %d requests failed", failed.Load(), b.N)
	}
	var rows, jobs int
	noErr(b, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_notifications").Scan(&rows))
	noErr(b, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM jobs WHERE kind = ?", post.JobDeliver).Scan(&jobs))
	if rows != b.N || jobs != b.N {
		b.Fatalf("%d accepted, but %d stored and %d queued", b.N, rows, jobs)
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
