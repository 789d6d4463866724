package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"dbtp/internal/mail/smtptest"
	"dbtp/internal/services"
)

// The demo's seeded cases notify their applicants; with --smtp-addr the
// running server delivers those to the relay and marks them sent. Each
// message takes two jobs (the outbox hands it to digital post, which
// delivers it) queued behind the demo's own events, so a loaded machine
// is given a minute.
func TestServeDeliversTheOutboxBySMTP(t *testing.T) {
	relay := smtptest.Start(t)
	r := startDemo(t, t.TempDir(), "--smtp-addr", relay.Addr, "--smtp-from", "Kent County Council <noreply@kent.example>", "--smtp-starttls", "none")
	ms := relay.Wait(1, 60*time.Second)
	if len(ms) == 0 {
		t.Fatal("nothing delivered")
	}
	if !strings.Contains(ms[0].Data, "From: \"Kent County Council\" <noreply@kent.example>") {
		t.Errorf("message:\n%s", ms[0].Data)
	}
	// Everything deliverable by email is eventually marked sent.
	out := services.NewOutbox(r.app.db, nil)
	deadline := time.Now().Add(60 * time.Second)
	for {
		left, err := out.Deliverable(context.Background(), []string{services.ToEmail, services.ToUser}, services.MailAttempts, 100)
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
