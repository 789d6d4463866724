package servicesweb_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/services"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var mods = []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations, events.Migrations, services.Migrations}

// node is one dbtp process's kernel and services module on a shared database.
type node struct {
	deps *module.Deps
	mod  *servicesweb.Module
}

func newNode(t *testing.T, db *store.DB, log *audit.Log, clock platform.Clock, name string, sender *mail.Sender) *node {
	t.Helper()
	ap := access.New(log)
	ids := identity.New(db, log, ap, identity.Options{})
	q := jobs.New(db, jobs.Options{Node: name, Clock: clock})
	bus, err := events.New(db, q, ap, log, events.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: ids.Directory(), Jobs: q, Events: bus,
		Clock: clock, Log: slog.New(slog.DiscardHandler), Config: module.Config{DataDir: t.TempDir()}}
	if sender != nil { // a nil *mail.Sender in the interface would not be "no mail"
		d.Mail = sender
	}
	m := &servicesweb.Module{}
	if err := module.Init(context.Background(), []module.Module{m}, d); err != nil {
		t.Fatal(err)
	}
	return &node{deps: d, mod: m}
}

// Two nodes with the same relay on one database: every message is sent
// exactly once, whichever node claims it.
func TestTwoNodesNeverSendAnEmailTwice(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		relay := smtptest.Start(t)
		sender, err := mail.New(mail.Config{Addr: relay.Addr, From: "noreply@kent.example", StartTLS: mail.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		log := audittest.NewLog(t, db)
		clock := platformtest.NewClock(t0)
		a, b := newNode(t, db, log, clock, "a", sender), newNode(t, db, log, clock, "b", sender)
		out := services.NewOutbox(db, a.deps.Jobs)
		const n = 60
		for i := range n {
			m := services.Message{OrgID: "org_kent", To: services.Recipient{Kind: services.ToEmail, Value: fmt.Sprintf("r%d@example.com", i)},
				Subject: fmt.Sprintf("message %d", i), Body: "Your request has been received."}
			if err := db.Write(ctx, func(tx *store.Tx) error { return out.Notify(ctx, tx, m) }); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, nd := range []*node{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := nd.deps.Jobs.RunDue(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got := map[string]int{}
		for _, m := range relay.Messages() {
			got[m.To[0]]++
		}
		if len(got) != n {
			t.Fatalf("%d distinct recipients got mail, want %d", len(got), n)
		}
		for to, c := range got {
			if c != 1 {
				t.Fatalf("%s got %d copies", to, c)
			}
		}
		left, err := out.Pending(ctx, 1000)
		if err != nil || len(left) != 0 {
			t.Fatalf("%d messages still unsent (%v)", len(left), err)
		}
	})
}

// A relay that refuses is retried with backoff; an address that can never
// work, or a user with no address, fails at once and stays unsent with the
// reason; role recipients are left for digital post.
func TestMailRetriesAndGivesUp(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		relay := smtptest.Start(t)
		sender, err := mail.New(mail.Config{Addr: relay.Addr, From: "noreply@kent.example", StartTLS: mail.TLSNone})
		if err != nil {
			t.Fatal(err)
		}
		clock := platformtest.NewClock(t0)
		nd := newNode(t, db, audittest.NewLog(t, db), clock, "a", sender)
		out := services.NewOutbox(db, nd.deps.Jobs)
		add := func(to services.Recipient) string {
			m := services.Message{ID: platform.NewID("msg"), OrgID: "org_kent", To: to, Subject: "hello", Body: "Hello"}
			if err := db.Write(ctx, func(tx *store.Tx) error { return out.Notify(ctx, tx, m) }); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		flaky := add(services.Recipient{Kind: services.ToEmail, Value: "pat@example.com"})
		injected := add(services.Recipient{Kind: services.ToEmail, Value: "pat@example.com\r\nBcc: eve@example.com"})
		nobody := add(services.Recipient{Kind: services.ToUser, Value: platform.NewID("usr")})
		role := add(services.Recipient{Kind: services.ToRole, Value: "caseworker"})

		relay.FailNext(1)
		if _, err := nd.deps.Jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if len(relay.Messages()) != 0 {
			t.Fatal("the refused message was counted as sent")
		}
		clock.Add(jobs.DefaultBackoff(1))
		if _, err := nd.deps.Jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if ms := relay.Messages(); len(ms) != 1 || ms[0].To[0] != "pat@example.com" {
			t.Fatalf("delivered %+v", ms)
		}
		pending, _ := out.Pending(ctx, 100)
		left := map[string]bool{}
		for _, m := range pending {
			left[m.ID] = true
		}
		if left[flaky] || !left[injected] || !left[nobody] || !left[role] || len(left) != 3 {
			t.Fatalf("pending %v", left)
		}
		var reason string
		if err := db.QueryRow(ctx, "SELECT last_error FROM service_outbox WHERE id = ?", nobody).Scan(&reason); err != nil || !strings.Contains(reason, "no usable email address") {
			t.Fatalf("unknown user: %q %v", reason, err)
		}
		failed, _ := nd.deps.Jobs.List(ctx, jobs.Filter{AllOrgs: true, State: jobs.Failed})
		if len(failed.Jobs) != 2 {
			t.Fatalf("failed mail jobs = %d, want the injected address and the unknown user", len(failed.Jobs))
		}
		// Nothing is queued for the role: no node could send it.
		all, _ := nd.deps.Jobs.List(ctx, jobs.Filter{AllOrgs: true, Kind: services.MailJob})
		if len(all.Jobs) != 3 {
			t.Fatalf("mail jobs = %d, want 3", len(all.Jobs))
		}
	})
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
