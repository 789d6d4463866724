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
