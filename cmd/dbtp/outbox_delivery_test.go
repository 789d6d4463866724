package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/store"
)

// The demo's seeded cases notify their applicants; with --smtp-addr the
// running server delivers those to the relay and marks them sent.
func TestServeDeliversTheOutboxBySMTP(t *testing.T) {
	relay := smtptest.Start(t)
	r := startDemo(t, t.TempDir(), "--smtp-addr", relay.Addr, "--smtp-from", "Kent County Council <noreply@kent.example>", "--smtp-starttls", "none")
	ms := relay.Wait(1, 15*time.Second)
	if len(ms) == 0 {
		t.Fatal("nothing delivered")
	}
	if !strings.Contains(ms[0].Data, "From: \"Kent County Council\" <noreply@kent.example>") {
		t.Errorf("message:\n%s", ms[0].Data)
	}
	// Everything deliverable by email is eventually marked sent.
	out := services.NewOutbox(r.app.db)
	deadline := time.Now().Add(15 * time.Second)
	for {
		left, err := out.Deliverable(context.Background(), []string{services.ToEmail, services.ToUser}, deliveryMaxAttempts, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending, first %+v", len(left), left[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestDeliveryRetriesAndGivesUp(t *testing.T) {
	r := startDemo(t, t.TempDir()) // no relay: nothing is delivered by the server itself
	ctx := context.Background()
	host, err := r.app.identity.HostOrg(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resident := r.login(t, "resident")
	users, err := r.app.identity.ListUsers(ctx, platform.System(host.ID), identity.UserFilter{Text: resident.Email})
	if err != nil || len(users.Users) != 1 {
		t.Fatalf("resident: %v %+v", err, users)
	}
	// Start from an empty outbox so only this test's messages count.
	if err := r.app.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE service_outbox SET sent_at = 1 WHERE sent_at = 0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out := services.NewOutbox(r.app.db)
	add := func(to services.Recipient, subject string) string {
		m := services.Message{ID: platform.NewID("msg"), OrgID: host.ID, To: to, Subject: subject, Body: "Hello\nThis is " + subject}
		if err := r.app.db.Write(ctx, func(tx *store.Tx) error { return out.Notify(ctx, tx, m) }); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	toEmail := add(services.Recipient{Kind: services.ToEmail, Value: "pat@example.com"}, "to an address")
	toUser := add(services.Recipient{Kind: services.ToUser, Value: users.Users[0].ID}, "to a resident")
	badAddr := add(services.Recipient{Kind: services.ToEmail, Value: "pat@example.com\r\nBcc: eve@example.com"}, "injected")
	noUser := add(services.Recipient{Kind: services.ToUser, Value: platform.NewID("usr")}, "to nobody")
	toRole := add(services.Recipient{Kind: services.ToRole, Value: "caseworker"}, "to a role")

	relay := smtptest.Start(t)
	sender, err := mail.New(mail.Config{Addr: relay.Addr, From: "noreply@kent.example", StartTLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	d := newDeliverer(r.app, sender, slog.New(slog.DiscardHandler))

	// The relay refuses the first message: it is retried next round.
	relay.FailNext(1)
	if n, err := d.round(ctx); err != nil || n != 1 {
		t.Fatalf("first round sent %d, %v", n, err)
	}
	if n, err := d.round(ctx); err != nil || n != 1 {
		t.Fatalf("second round sent %d, %v", n, err)
	}
	if n, err := d.round(ctx); err != nil || n != 0 {
		t.Fatalf("third round sent %d, %v", n, err)
	}
	ms := relay.Messages()
	if len(ms) != 2 || ms[0].To[0] != resident.Email || ms[1].To[0] != "pat@example.com" {
		t.Fatalf("delivered %+v", ms)
	}
	// Nothing is lost: undeliverable messages stay unsent with the reason.
	pending, err := out.Pending(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, m := range pending {
		left[m.ID] = true
	}
	if left[toEmail] || left[toUser] || !left[badAddr] || !left[noUser] || !left[toRole] || len(left) != 3 {
		t.Fatalf("pending %v", left)
	}
	var attempts int
	var reason string
	if err := r.app.db.QueryRow(ctx, "SELECT attempts, last_error FROM service_outbox WHERE id = ?", noUser).Scan(&attempts, &reason); err != nil {
		t.Fatal(err)
	}
	if attempts < deliveryMaxAttempts || !strings.Contains(reason, "no usable email address") {
		t.Fatalf("unknown user: %d %q", attempts, reason)
	}

	// A relay that is down: each round counts an attempt, up to the cap.
	flaky := add(services.Recipient{Kind: services.ToEmail, Value: "sam@example.com"}, "while down")
	relay.FailNext(deliveryMaxAttempts + 5)
	for range deliveryMaxAttempts + 2 {
		if _, err := d.round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.app.db.QueryRow(ctx, "SELECT attempts, last_error FROM service_outbox WHERE id = ? AND sent_at = 0", flaky).Scan(&attempts, &reason); err != nil {
		t.Fatal(err)
	}
	if attempts != deliveryMaxAttempts || !strings.Contains(reason, "451") {
		t.Fatalf("flaky: %d %q", attempts, reason)
	}
}
