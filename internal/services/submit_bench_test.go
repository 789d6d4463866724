package services

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// busPublisher is the events bus as the engine declares it (servicesweb
// wires the same adapter).
type busPublisher struct{ bus *events.Bus }

func (p busPublisher) Publish(ctx context.Context, tx *store.Tx, orgID, typ, subject string, data any) error {
	_, err := p.bus.Publish(ctx, tx, orgID, typ, subject, data)
	return err
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSubmitCPU measures what a submission costs the machine, as the
// server wires it: the engine with the events bus and a jobs queue (the
// delivery jobs are enqueued, not run), on a real SQLite file with
// synchronous=FULL, many residents at once. cpu-ms/op is the whole
// process's CPU (callers, the single writer, its commits, the garbage
// collector) per submission, from getrusage, so it can be compared between
// versions of the code even when the shared machine's load changes the
// wall-clock figures.
func BenchmarkSubmitCPU(b *testing.B) {
	db := storetest.Open(b, store.SQLite, append(testMods, jobs.Migrations, events.Migrations))
	e := newEnv(b, db)
	q := jobs.New(db, jobs.Options{})
	bus, err := events.New(db, q, access.New(e.log), e.log, events.Options{})
	noErr(b, err)
	noErr(b, q.Handle(MailJob, jobs.Kind{Label: "Email a message", MaxAttempts: MailAttempts}))
	svc := New(db, e.log, e.svc.ap, Options{Calendar: weekendCalendar{}, Notifier: NewOutbox(db, q), Jobs: q,
		Events: busPublisher{bus}, UnitID: e.id.UnitID, UserExists: e.id.UserExists, Files: e.files})
	e.svc = svc
	e.publish(complaints(1))
	residents := []*platform.Subject{e.rita, e.ray}
	answers := definition.Answers{"summary": "Bins not collected", "details": "The bins in our street were missed again this week."}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, began := cpuTime(b), time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := svc.Submit(e.ctx, residents[i%2], "complaints", answers, SubmitOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	cpu, elapsed := cpuTime(b)-cpu0, time.Since(began)
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	st := db.Stats()
	b.ReportMetric(float64(st.Writes)/float64(max(1, st.Transactions)), "writes/commit")
}
