package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post/provider/smtpmail/smtpdtest"
)

// The workflow's email goes through digital post to a real SMTP server,
// each message a notification with a status on its case; the case page
// lists it and links to sending a message from the case.
func TestCaseEmailGoesThroughPost(t *testing.T) {
	relay := smtpdtest.Start(t, "")
	r := startDemo(t, t.TempDir(), "--smtp-addr", relay.Addr, "--smtp-from", "Kent County Council <noreply@kent.example>", "--smtp-starttls", "none")
	ctx := context.Background()
	var caseID, to string
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := r.app.db.QueryRow(ctx, "SELECT case_id, recipient FROM post_notifications WHERE status = 'delivered' AND case_id <> '' ORDER BY created_at LIMIT 1").
			Scan(&caseID, &to)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no case email delivered through post: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // waiting for the server's own job workers, not timing them
	}
	arrived := false
	for _, m := range relay.Messages() {
		arrived = arrived || m.To == to
	}
	if !arrived {
		t.Fatalf("the SMTP server has no message to %s", to)
	}
	tok := r.token(t, "admin", "read")
	code, body := getWithToken(t, r.url+"/cases/"+caseID, tok)
	if code != http.StatusOK || !strings.Contains(body, `id="messages"`) || !strings.Contains(body, "Delivered") || !strings.Contains(body, to) ||
		!strings.Contains(body, "/post/send?case="+url.QueryEscape(caseID)) {
		t.Fatalf("case page: %d\n%s", code, body)
	}
	code, body = getWithToken(t, r.url+"/post/send?case="+url.QueryEscape(caseID), tok)
	if code != http.StatusOK || !strings.Contains(body, "Send a message") {
		t.Fatalf("send page: %d\n%s", code, body)
	}
}

// TestPostTemplatesOwnedByUnits: on the demo, once the workflow's email
// about cases has gone through digital post, every sending service and
// every template (the case updates pass-throughs included) is owned by a
// business unit: the unit of the cases the updates are about.
func TestPostTemplatesOwnedByUnits(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	_, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := r.app.db.QueryRow(ctx, q, org.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(2 * time.Minute)
	for count("SELECT COUNT(*) FROM post_services WHERE org_id = ? AND name = 'Case updates'") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no case update went through digital post")
		}
		<-time.After(200 * time.Millisecond)
	}
	if n := count("SELECT COUNT(*) FROM post_templates WHERE org_id = ? AND unit_id = ''"); n != 0 {
		t.Fatalf("%d templates have no business unit", n)
	}
	if n := count("SELECT COUNT(*) FROM post_services WHERE org_id = ? AND unit_id = ''"); n != 0 {
		t.Fatalf("%d sending services have no business unit", n)
	}
	if n := count(`SELECT COUNT(*) FROM post_templates t JOIN post_services s ON s.id = t.service_id WHERE t.org_id = ? AND s.name = 'Case updates'
		AND t.unit_id <> s.unit_id`); n != 0 {
		t.Fatalf("%d case updates templates are not their service's unit's", n)
	}
}
