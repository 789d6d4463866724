package post

import (
	"context"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/smtpmail"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkDeliverEmailSMTP measures delivery end to end: b.N queued
// notifications, each claimed from the jobs queue, rendered, handed to a
// real SMTP server (aiosmtpd on loopback, saving every message to disk)
// through the SMTP provider (over mail.Pool's kept conversations, as the
// module sends) and recorded as delivered. The
// service has no rate limit, so the pipeline itself is measured.
//
//	CI=true go test ./internal/post -run '^$' -bench DeliverEmailSMTP -benchtime 2000x
func BenchmarkDeliverEmailSMTP(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { benchDeliver(b, storetest.Open(b, d, testMods)) })
	}
}

func benchDeliver(b *testing.B, db *store.DB) {
	e := newEnv(b, db)
	srv := smtpdtest.Start(b, "")
	// A queue of its own with the real clock and more workers than the
	// default four: each worker mostly waits on the SMTP server.
	q := jobs.New(db, jobs.Options{Workers: 128, PollInterval: 20 * time.Millisecond})
	ap := access.New(e.log)
	noErr(b, ap.Register(ResourceType, Policy))
	ps := New(db, e.log, ap, Options{Jobs: q, Files: e.ps.opts.Files})
	ms, err := mail.New(mail.Config{Addr: srv.Addr, From: "Northshire Council <noreply@northshire.example>", StartTLS: mail.TLSNone})
	noErr(b, err)
	pool := mail.NewPool(ms, 64)
	defer pool.Close()
	_, err = ps.HandleDelivery(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpmail.New(pool)}})
	noErr(b, err)
	sv := e.service()
	e.setService(sv.ID, "rate_per_minute = 0")
	tpl := e.template(sv, KindEmail, "Your reference ((ref))", "Dear ((name)),\n\nWe have your request ((ref)) and will reply within 10 working days.")
	ctx := context.Background()
	for i := 0; i < b.N; i += 500 {
		noErr(b, db.Write(ctx, func(tx *store.Tx) error {
			for j := i; j < min(i+500, b.N); j++ {
				// The send path's insert, many to a write: the queue is
				// filled before the clock starts.
				now := time.Now()
				n := Notification{ID: NewUUID(), OrgID: sv.OrgID, ServiceID: sv.ID, TemplateID: tpl.ID, TemplateVersion: 1, Kind: KindEmail,
					Recipient: "person@example.org", Subject: "Your reference CS-1234", Body: "Dear Rita", KeyType: KeyNormal, Status: StatusCreated,
					Personalisation: map[string]any{"name": "Rita", "ref": "CS-1234"}, CreatedBy: e.mia.UserID, CreatedAt: now, UpdatedAt: now}
				if err := ps.insert(ctx, tx, &n, e.mia, nil); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	b.ResetTimer()
	start := time.Now()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { q.Run(rctx); close(done) }()
	for {
		var left int
		noErr(b, db.QueryRow(ctx, "SELECT COUNT(*) FROM post_notifications WHERE status <> ?", StatusDelivered).Scan(&left))
		if left == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling for the end of the run, not timing a result
	}
	el := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	if got := len(srv.Messages()); got != b.N {
		b.Fatalf("%d messages at the server, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "emails/s")
}
