package post

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/httpsms"
	"dbtp/internal/post/provider/httpsms/smstest"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestDeliverEmailToARealSMTPServer(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srv := smtpdtest.Start(t, "")
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpTo(t, srv.Addr)}})
		sv := e.service()
		tpl := e.template(sv, KindEmail, "Your reference ((ref))", "Dear ((name)),\n\nWe have your request.")
		n := e.notification(tpl, "rita@example.org", map[string]any{"name": "Rita", "ref": "CS-1234"})
		e.run()
		st := e.state(n.ID)
		if st.Status != StatusDelivered || st.Provider != "smtp" || st.Attempts != 1 || st.SentAt == 0 || st.CompletedAt == 0 || st.DispatchAt != 0 {
			t.Fatalf("after delivery: %+v", st)
		}
		ms := srv.Messages()
		if len(ms) != 1 || ms[0].To != "rita@example.org" || ms[0].Subject != "Your reference CS-1234" || !strings.Contains(ms[0].Body, "Dear Rita,") {
			t.Fatalf("messages: %+v", ms)
		}
		// Replies go to the service's reply-to address.
		if rt := ms[0].Header.Get("Reply-To"); rt != "<contact@northshire.example>" {
			t.Fatalf("Reply-To %q, want the service's email_reply_to", rt)
		}
		// The job running again (at least once) sends nothing more.
		_, err := e.jobs.EnqueueNow(e.ctx, jobs.Enqueued{Kind: JobDeliver, OrgID: n.OrgID, Args: deliverArgs{ID: n.ID}, Key: n.ID + "-again"})
		noErr(t, err)
		e.run()
		if len(srv.Messages()) != 1 {
			t.Fatal("a second run sent the message again")
		}
	})
}

func TestProviderDownMessagesWaitAndAreSentOnce(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		addr := smtpdtest.FreeAddr(t) // nothing listens yet: the relay is down
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpTo(t, addr)}})
		sv := e.service()
		tpl := e.template(sv, KindEmail, "Hello", "Hello ((name))")
		var ids []string
		for _, name := range []string{"Ann", "Bob", "Cat"} {
			ids = append(ids, e.notification(tpl, strings.ToLower(name)+"@example.org", map[string]any{"name": name}).ID)
		}
		e.run()
		for _, id := range ids {
			st := e.state(id)
			if st.Status != StatusCreated || st.Attempts != 1 || st.LastError == "" || st.DispatchAt != 0 {
				t.Fatalf("relay down: %+v", st)
			}
		}
		// Nothing is due until the backoff has passed.
		if n, _ := e.jobs.RunDue(e.ctx); n != 0 {
			t.Fatalf("%d jobs ran before their backoff", n)
		}
		e.after(DeliveryBackoff(1))
		e.run()
		if st := e.state(ids[0]); st.Status != StatusCreated || st.Attempts != 2 {
			t.Fatalf("second attempt: %+v", st)
		}
		srv := smtpdtest.Start(t, addr) // the relay is back
		e.after(DeliveryBackoff(2))
		e.run()
		for _, id := range ids {
			if st := e.state(id); st.Status != StatusDelivered || st.Attempts != 3 || st.LastError != "" {
				t.Fatalf("relay back: %+v", st)
			}
		}
		e.after(24 * time.Hour)
		e.run()
		if got := len(srv.Messages()); got != 3 {
			t.Fatalf("%d messages reached the relay, want 3 (each once)", got)
		}
	})
}

func TestGivingUpAndInterruptedSends(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		addr := smtpdtest.FreeAddr(t)
		e.deliverer(Delivery{Attempts: 2, Providers: map[string]provider.Provider{KindEmail: smtpTo(t, addr)}})
		sv := e.service()
		tpl := e.template(sv, KindEmail, "Hello", "Hello")
		n := e.notification(tpl, "ann@example.org", nil)
		e.run()
		e.after(DeliveryBackoff(1))
		e.run()
		if st := e.state(n.ID); st.Status != StatusTechnicalFailure || st.Attempts != 2 || !strings.Contains(st.LastError, "gave up after 2 attempts") {
			t.Fatalf("out of attempts: %+v", st)
		}
		// A mark made this minute may be another run still sending: the
		// job asks again later, and sends nothing now.
		srv := smtpdtest.Start(t, addr)
		m := e.notification(tpl, "bob@example.org", nil)
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE post_notifications SET dispatch_at = ?, attempts = 1 WHERE id = ?", store.Millis(e.clock.Now()), m.ID)
			return err
		}))
		e.run()
		if st := e.state(m.ID); st.Status != StatusCreated || st.Attempts != 1 {
			t.Fatalf("a send under way: %+v", st)
		}
		// Past the job's timeout and lease, the mark is a node that stopped
		// mid-send: SMTP cannot tell a repeat, so it is not sent again.
		e.after(inFlight)
		e.run()
		if st := e.state(m.ID); st.Status != StatusTechnicalFailure || !strings.Contains(st.LastError, "not sent again") {
			t.Fatalf("interrupted: %+v", st)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("an interrupted message was sent again")
		}
	})
}

func TestPermanentFailureAndCallbacks(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srv := smtpdtest.Start(t, "")
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpTo(t, srv.Addr)}})
		sv := e.service()
		rcv := newReceiver(t, 503) // the service's endpoint fails once
		e.setService(sv.ID, "callback_url = ?, callback_token = ?", rcv.URL+"/receipts", "a-long-callback-token")
		tpl := e.template(sv, KindEmail, "Hello", "Hello")
		bad := e.notification(tpl, "bounce@example.org", nil, func(n *Notification) { n.Reference = "their-ref-1" })
		good := e.notification(tpl, "ann@example.org", nil)
		e.run()
		if st := e.state(bad.ID); st.Status != StatusPermanentFailure || !strings.Contains(st.LastError, "550") {
			t.Fatalf("refused mailbox: %+v", st)
		}
		got := rcv.received()
		if len(got) != 1 {
			t.Fatalf("receipts before the retry: %+v", got)
		}
		e.after(time.Hour)
		e.run()
		got = rcv.received()
		if len(got) != 2 {
			t.Fatalf("receipts: %+v", got)
		}
		by := map[string]received{}
		for _, r := range got {
			if r.Auth != "Bearer a-long-callback-token" {
				t.Fatalf("authorization %q", r.Auth)
			}
			by[r.Body.ID] = r
		}
		b, g := by[bad.ID].Body, by[good.ID].Body
		if b.Status != StatusPermanentFailure || b.Reference == nil || *b.Reference != "their-ref-1" || b.To != "bounce@example.org" ||
			b.NotificationType != KindEmail || b.TemplateID != tpl.ID || b.TemplateVersion != 1 || b.CompletedAt == nil ||
			!strings.HasSuffix(b.CreatedAt, "Z") || len(b.CreatedAt) != len("2026-03-02T08:00:00.000000Z") {
			t.Fatalf("receipt of the failure: %+v", b)
		}
		if g.Status != StatusDelivered || g.Reference != nil || g.SentAt == nil {
			t.Fatalf("receipt of the delivery: %+v", g)
		}
	})
}

func TestRateLimitHoldsMessagesBack(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srv := smtpdtest.Start(t, "")
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpTo(t, srv.Addr)}})
		sv := e.service()
		e.setService(sv.ID, "rate_per_minute = ?", 2)
		tpl := e.template(sv, KindEmail, "Hello", "Hello")
		var ns []Notification
		for i := range 5 {
			ns = append(ns, e.notification(tpl, "person"+string(rune('a'+i))+"@example.org", nil))
		}
		count := func() (delivered int) {
			for _, n := range ns {
				if e.state(n.ID).Status == StatusDelivered {
					delivered++
				}
			}
			return delivered
		}
		e.run()
		if got := count(); got != 2 {
			t.Fatalf("%d delivered at once, want the minute's 2", got)
		}
		e.after(30 * time.Second)
		e.run()
		if got := count(); got != 3 {
			t.Fatalf("%d delivered after 30s, want 3", got)
		}
		e.after(60 * time.Second)
		e.run()
		if got := count(); got != 5 || len(srv.Messages()) != 5 {
			t.Fatalf("%d delivered after 90s (%d messages), want 5", got, len(srv.Messages()))
		}
		// Another channel of the same service has a limit of its own.
		sms := e.template(sv, KindSMS, "", "Hello")
		n := e.notification(sms, "+447700900123", nil)
		e.run()
		if st := e.state(n.ID); st.Status != StatusDelivered {
			t.Fatalf("text message held by the email limit: %+v", st)
		}
	})
}

func TestLettersTestKeysAndScheduledSends(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srv := smtpdtest.Start(t, "")
		e.deliverer(Delivery{Council: "Northshire Council", Providers: map[string]provider.Provider{KindEmail: smtpTo(t, srv.Addr)}})
		sv := e.service()
		lt := e.template(sv, KindLetter, "Your blue badge", "Dear ((name)),\n\nYour badge is ready.")
		l := e.notification(lt, "Rita Smith\n1 High Street\nNorthtown\nNS1 2AB", map[string]any{"name": "Rita"})
		et := e.template(sv, KindEmail, "Hello", "Hello")
		test := e.notification(et, "ann@example.org", nil, func(n *Notification) { n.KeyType = KeyTest })
		later := e.notification(et, "bob@example.org", nil, func(n *Notification) { n.ScheduledFor = e.clock.Now().Add(2 * time.Hour) })
		e.run()
		st := e.state(l.ID)
		if st.Status != StatusReceived || st.Provider != "log" || st.PDFBlob == "" || st.Pages < 1 {
			t.Fatalf("letter: %+v", st)
		}
		rc, info, err := e.ps.opts.Files.Open(e.ctx, st.PDFBlob)
		noErr(t, err)
		rc.Close()
		if info.Size < 100 {
			t.Fatalf("kept PDF: %+v", info)
		}
		if st := e.state(test.ID); st.Status != StatusDelivered || st.Provider != "test" {
			t.Fatalf("test key: %+v", st)
		}
		if st := e.state(later.ID); st.Status != StatusCreated || st.Attempts != 0 {
			t.Fatalf("scheduled: %+v", st)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("a test key's or a scheduled message was sent")
		}
		e.after(2 * time.Hour)
		e.run()
		if st := e.state(later.ID); st.Status != StatusDelivered || len(srv.Messages()) != 1 {
			t.Fatalf("scheduled, later: %+v", st)
		}
	})
}

func TestIdempotentProviderIsAskedAgainAfterAnInterruptedSend(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		gw := smstest.Start(t, "gateway-token")
		sms, err := httpsms.New(httpsms.Config{URL: gw.URL, Token: "gateway-token"})
		noErr(t, err)
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindSMS: sms}})
		sv := e.service()
		tpl := e.template(sv, KindSMS, "", "Your bins go on ((day))")
		n := e.notification(tpl, "+447700900123", map[string]any{"day": "Tuesday"})
		// A node handed it to the gateway and died before recording it.
		_, err = sms.Send(e.ctx, provider.Message{ID: n.ID, Kind: KindSMS, To: n.Recipient, Text: "Your bins go on Tuesday"})
		noErr(t, err)
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE post_notifications SET dispatch_at = ?, attempts = 1 WHERE id = ?", store.Millis(e.clock.Now()), n.ID)
			return err
		}))
		e.run()
		if st := e.state(n.ID); st.Status != StatusSending || st.Attempts != 2 || st.Provider != "http-sms" {
			t.Fatalf("after the retry: %+v", st)
		}
		if got := gw.Messages(); len(got) != 1 {
			t.Fatalf("the gateway has %d messages, want the one", len(got))
		}
		// A letter that cannot be made fails at once, without a provider call.
		lt := e.template(sv, KindLetter, "Hello", "Hello")
		l := e.notification(lt, "Only one line", nil)
		e.run()
		if st := e.state(l.ID); st.Status != StatusValidationFailed || !strings.Contains(st.LastError, "cannot be made") || st.Attempts != 0 {
			t.Fatalf("bad letter: %+v", st)
		}
	})
}
