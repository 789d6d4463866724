//go:build unix

package signingweb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkEnvelopesCompletedThroughAPI measures issue 11's "50 envelopes
// completed per second through the API": each envelope is made and sent
// (POST /api/v1/envelopes with a contract in base64 and one staff signer),
// signed (POST /api/v1/envelopes/{id}/signature: a PAdES signature
// appended, the step finished) and then sealed by the jobs queue running
// as dbtp serve runs it (8 workers): the completion certificate made and
// signed, the B-LT seal with an RFC 3161 timestamp from a TSA on a loopback
// port and the CRL in the DSS, the sealed files stored encrypted. Callers
// work concurrently (RunParallel, 8 per CPU); the clock stops only when
// every envelope made is completed, so ns/op is the wall time per
// completed envelope and envelopes/s the rate (signed/s is the rate of the
// API calls alone, sealing still going on behind them). poll-1s is the
// jobs queue as dbtp serve sets it; poll-10ms looks for work more often,
// which shows what the seal itself allows: a worker that finishes does
// not wake the queue's claimer, so with a backlog and no new jobs a node
// takes at most its workers' count of jobs a poll. The council's key and CRL
// are the test PKI's (the keys part's unsealing is measured by
// internal/signing's BenchmarkSealWithStoredKey). On SQLite and, when one
// can be had, PostgreSQL (CI=true makes its absence a failure):
//
//	go test ./internal/signing/signingweb/ -run '^$' -bench EnvelopesCompleted -benchtime 200x
func BenchmarkEnvelopesCompletedThroughAPI(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for _, pages := range []int{2, 20} {
			for _, poll := range []time.Duration{0, 10 * time.Millisecond} {
				if d == store.Postgres && pages == 20 {
					continue // the PDF work is the same on both: the database's part shows at 2 pages
				}
				name := fmt.Sprintf("%s/%d-pages/poll-1s", d, pages)
				if poll > 0 {
					name = fmt.Sprintf("%s/%d-pages/poll-%s", d, pages, poll)
				}
				b.Run(name, func(b *testing.B) {
					testJobPoll = poll
					defer func() { testJobPoll = 0 }()
					benchCompleteEnvelopes(b, storetest.Open(b, d, testMods), pages)
				})
			}
		}
	}
}

func benchCompleteEnvelopes(b *testing.B, db *store.DB, pages int) {
	c := newCeremonyEnv(b, db)
	tok := c.token("Cara", platform.ScopeRead, platform.ScopeWrite)
	// Each envelope's contract is a document of its own (its number on
	// every page), as contracts are: the file store keeps content it
	// already holds without writing it again, so one contract sent every
	// time would spare each envelope its upload's files.
	creates := make([]string, b.N)
	for i := range creates {
		creates[i] = `{"title":"Contract","pdf":"` + base64.StdEncoding.EncodeToString(signingtest.NumberedContract(b, pages, 1000+i)) + `","send":true,
		"recipients":[{"step":1,"role":"signer","user_id":"` + c.users["Cara"].ID + `"}],
		"fields":[{"recipient":0,"kind":"signature","position":"bottom of the last page"}]}`
	}
	var next atomic.Int64
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	call := func(method, path, body string) (int, []byte, error) {
		req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		return res.StatusCode, out, err
	}
	completed := func() int {
		var n int
		if err := db.QueryRow(c.ctx, "SELECT COUNT(*) FROM signing_envelopes WHERE status = ?", signing.EnvelopeCompleted).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	// The seal's jobs run in the background, as on a node.
	ctx, stop := context.WithCancel(c.ctx)
	done := make(chan struct{})
	go func() { c.jobs.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()

	var made, failed atomic.Int64
	b.SetParallelism(8)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			status, body, err := call("POST", "/api/v1/envelopes", creates[next.Add(1)-1])
			if err != nil || status != http.StatusCreated {
				failed.Add(1)
				b.Errorf("create: %d %v %.300s", status, err, body)
				return
			}
			var env struct{ ID string }
			if err := json.Unmarshal(body, &env); err != nil || env.ID == "" {
				failed.Add(1)
				b.Errorf("create answered %.300s", body)
				return
			}
			made.Add(1)
			status, body, err = call("POST", "/api/v1/envelopes/"+env.ID+"/signature", `{"consent":true,"typed":"Cara Test"}`)
			if err != nil || status != http.StatusOK {
				failed.Add(1)
				b.Errorf("sign: %d %v %.300s", status, err, body)
				return
			}
		}
	})
	if failed.Load() > 0 {
		b.FailNow()
	}
	signedIn := b.Elapsed() // the API's part: every envelope made, sent and signed
	deadline := time.Now().Add(10 * time.Minute)
	for completed() < int(made.Load()) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d envelopes completed", completed(), made.Load())
		}
		time.Sleep(20 * time.Millisecond) // waiting for the seal jobs to finish the last envelopes
	}
	b.StopTimer()
	b.ReportMetric(float64(made.Load())/b.Elapsed().Seconds(), "envelopes/s")
	// This process's CPU (user and system: the server, the seal jobs, the
	// callers; not PostgreSQL's) per envelope: what two free cores allow.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(made.Load()), "cpu-ms/envelope")
	b.ReportMetric(float64(made.Load())/signedIn.Seconds(), "signed/s")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
