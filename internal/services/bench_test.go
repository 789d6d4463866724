package services

import (
	"dbtp/internal/loadgen"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkSubmitParallel measures durable submissions (reference, case row,
// on-enter task and outbox message, timeline event, audit entry) on a real
// SQLite file with synchronous=FULL, with many residents submitting at once
// as a busy portal would. Target: at least 1,000 submissions/s.
func BenchmarkSubmitParallel(b *testing.B) {
	db := storetest.Open(b, store.SQLite, testMods)
	e := newEnv(b, db)
	e.publish(complaints(1))
	residents := []*platform.Subject{e.rita, e.ray}
	var n atomic.Int64
	lat := loadgen.NewRecorder() // every submission's latency, for exact percentiles
	b.SetParallelism(32)         // callers mostly wait on the group commit, not the CPU
	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			t0 := time.Now()
			_, err := e.svc.Submit(e.ctx, residents[i%2], "complaints",
				definition.Answers{"summary": "Bins not collected", "details": "The bins in our street were missed again this week."}, SubmitOptions{})
			if err != nil {
				b.Fatal(err)
			}
			lat.Observe(time.Since(t0), "")
		}
	})
	elapsed := time.Since(began)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	sum := lat.Summarise(elapsed)
	b.ReportMetric(float64(sum.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(sum.P99.Microseconds())/1000, "p99-ms")
	st := db.Stats()
	b.ReportMetric(float64(st.Writes)/float64(max(1, st.Transactions)), "writes/commit")
}

// pingPong is a workflow a case can go round for ever, so a benchmark can
// transition one case repeatedly; each move starts an SLA clock, creates a
// task and queues a message, as real states do.
func pingPong() *definition.Definition {
	d := complaints(1)
	d.ID, d.ReferencePrefix = "ping", "PING"
	d.Workflow = definition.Workflow{Initial: "open",
		States: []definition.State{
			{ID: "open", Label: "Open", SLADays: 5, OnEnter: []definition.Action{
				{Task: &definition.Task{Title: "Look at it", DueDays: 1}},
				{Notify: &definition.Notify{To: "applicant", Subject: "{{reference}} is {{state}}"}}}},
			{ID: "waiting", Label: "Waiting", SLADays: 10},
		},
		Transitions: []definition.Transition{
			{ID: "wait", Label: "Wait", From: []string{"open"}, To: "waiting", Roles: []platform.Role{platform.RoleCaseworker}},
			{ID: "resume", Label: "Resume", From: []string{"waiting"}, To: "open", Roles: []platform.Role{platform.RoleCaseworker}},
		}}
	return d
}

// BenchmarkTransition measures one caseworker's transition (read, guards,
// access check, optimistic update, on-enter actions, timeline, audit), one
// at a time, so ns/op is the latency a person waits. Target: under 5 ms.
func BenchmarkTransition(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, testMods)
			e := newEnv(b, db)
			e.publish(pingPong())
			c, err := e.svc.Submit(e.ctx, e.rita, "ping", definition.Answers{"summary": "x"}, SubmitOptions{})
			noErr(b, err)
			moves := [2]string{"wait", "resume"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if c, err = e.svc.Transition(e.ctx, e.cara, c.ID, moves[i%2], c.Version, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedOpenCases inserts n open complaint cases straight into the table, in
// large batches, spread over queues and due dates the way a busy council's
// would be: the benchmark is about reading a page, not about submitting.
// summary gives the i-th case's summary (the list fields' answers).
func seedOpenCases(b *testing.B, e *env, n int, summary func(i int) string) {
	b.Helper()
	def, err := e.svc.latestDefinition(e.ctx, e.org.ID, "complaints")
	noErr(b, err)
	queues := []string{"complaints", "complaints", "complaints", "complaints-senior", "fraud"}
	base := store.Millis(start)
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := e.db.Write(e.ctx, func(tx *store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				applicant := platform.NewID("usr")
				if i%1000 == 0 {
					applicant = e.rita.UserID
				}
				c := Case{ID: platform.NewID("case"), OrgID: e.org.ID, Reference: fmt.Sprintf("COMP-2026-%06d", i+1),
					ServiceID: def.ID, ServiceVersion: def.Version, Title: def.Title, State: "stage1", UnitID: e.units["Customer Services"],
					Classification: platform.Official, ApplicantID: applicant, Queue: queues[i%len(queues)], Summary: summary(i),
					Version: 1, SubmittedAt: store.Time(base + int64(i)*60_000), UpdatedAt: store.Time(base), StateEnteredAt: store.Time(base),
					DueAt: store.Time(base + int64(i%20_000)*3_600_000), AtRiskAt: store.Time(base)}
				if err := insertCase(e.ctx, tx, &c, []byte(`{"summary":"Complaint"}`)); err != nil {
					return err
				}
			}
			return nil
		})
		noErr(b, err)
	}
}

// BenchmarkQueuePage measures one page (50 cases) of a staff queue with
// 100,000 open cases in the organisation (60,000 in this queue): the first
// page, a page deep in the queue by cursor, and a resident's own cases.
// Target: the whole console page under 100 ms at p95, so this query must be
// a small part of it.
func BenchmarkQueuePage(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, testMods)
			e := newEnv(b, db)
			e.publish(complaints(1))
			seedOpenCases(b, e, 100_000, func(i int) string { return fmt.Sprintf("Complaint %d", i) })
			e.clock.Set(start.Add(1000 * time.Hour)) // about one case in twenty is past due
			filter := CaseFilter{Queue: "complaints", OpenOnly: true}
			var deep string
			for range 200 { // 200 pages in: 10,000 cases down the queue
				p, err := e.svc.Search(e.ctx, e.cara, filter, deep, 50)
				noErr(b, err)
				deep = p.Next
			}
			run := func(name string, sub *platform.Subject, f CaseFilter, cursor string) {
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						p, err := e.svc.Search(e.ctx, sub, f, cursor, 50)
						if err != nil || len(p.Cases) == 0 {
							b.Fatalf("%d cases, %v", len(p.Cases), err)
						}
					}
				})
			}
			run("first", e.cara, filter, "")
			run("deep", e.cara, filter, deep)
			run("breached", e.mona, CaseFilter{Queue: "complaints", SLA: SLABreached}, "")
			run("resident", e.rita, CaseFilter{Sort: SortNewest}, "")
		})
	}
}
