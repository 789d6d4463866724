package notifyup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/notifytest"
	"dbtp/internal/post/provider/notifyup"
)

const (
	serviceID = "26785a09-ab16-4eb0-8407-a37497a57506"
	secret    = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	emailTpl  = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	smsTpl    = "4b9c5b7e-6f0e-4c2a-9f39-3c0d6c8d7a11"
)

func TestSendThroughNotify(t *testing.T) {
	ctx := context.Background()
	up := notifytest.Start(t, serviceID, secret)
	p, err := notifyup.New(notifyup.Config{URL: up.URL, APIKey: up.Key(), EmailTemplate: emailTpl, SMSTemplate: smsTpl})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Send(ctx, provider.Message{ID: "n1", Kind: "email", To: "rita@example.org", Subject: "Your badge", Text: "It is ready.", Reference: "ref-1"})
	if err != nil || res.Status != "sending" || res.Ref == "" {
		t.Fatalf("email: %+v %v", res, err)
	}
	if _, err := p.Send(ctx, provider.Message{ID: "n2", Kind: "sms", To: "+447700900123", Text: "Bins on Tuesday"}); err != nil {
		t.Fatal(err)
	}
	letter, err := p.Send(ctx, provider.Message{ID: "n3", Kind: "letter", PDF: []byte("%PDF-1.7 a letter"), Postage: "second"})
	if err != nil || letter.Status != "accepted" {
		t.Fatalf("letter: %+v %v", letter, err)
	}
	ns := up.Notifications()
	if len(ns) != 3 {
		t.Fatalf("%d notifications", len(ns))
	}
	if e := ns[0]; e.Type != "email" || e.TemplateID != emailTpl || e.Personalisation["subject"] != "Your badge" || e.Personalisation["body"] != "It is ready." || e.Reference != "ref-1" {
		t.Fatalf("email at Notify: %+v", e)
	}
	if s := ns[1]; s.Type != "sms" || s.TemplateID != smsTpl || s.Personalisation["body"] != "Bins on Tuesday" {
		t.Fatalf("sms at Notify: %+v", s)
	}
	if l := ns[2]; l.Type != "letter" || string(l.PDF) != "%PDF-1.7 a letter" || l.Reference != "n3" || l.Postage != "second" {
		t.Fatalf("letter at Notify: %+v", l)
	}
	for notify, want := range map[string]string{"created": "sending", "sending": "sending", "delivered": "delivered", "permanent-failure": "permanent-failure",
		"temporary-failure": "temporary-failure"} {
		up.SetStatus(res.Ref, notify)
		if st, err := p.Check(ctx, res.Ref); err != nil || st != want {
			t.Fatalf("%s: %q %v", notify, st, err)
		}
	}
	_, err = p.Send(ctx, provider.Message{Kind: "email", To: "bounce@example.org", Subject: "x", Text: "x"})
	if !provider.IsPermanent(err) || !strings.Contains(err.Error(), "ValidationError") {
		t.Fatalf("bad address: %v", err)
	}
	up.SetDown(true)
	if _, err := p.Send(ctx, provider.Message{Kind: "email", To: "ann@example.org", Subject: "x", Text: "x"}); err == nil || provider.IsPermanent(err) {
		t.Fatalf("Notify down: want a temporary error, got %v", err)
	}
	up.SetDown(false)
	// A clock more than 30 seconds out is refused, as Notify refuses it:
	// temporary, so messages wait for the clock to be put right.
	skewed, _ := notifyup.New(notifyup.Config{URL: up.URL, APIKey: up.Key(), EmailTemplate: emailTpl, Now: func() time.Time { return time.Now().Add(-time.Minute) }})
	if _, err := skewed.Send(ctx, provider.Message{Kind: "email", To: "ann@example.org", Subject: "x", Text: "x"}); err == nil || provider.IsPermanent(err) ||
		!strings.Contains(err.Error(), "AuthError") {
		t.Fatalf("skewed clock: %v", err)
	}
	wrong, _ := notifyup.New(notifyup.Config{URL: up.URL, APIKey: "dbtp_test-" + serviceID + "-" + strings.Repeat("0", 36), EmailTemplate: emailTpl})
	if _, err := wrong.Send(ctx, provider.Message{Kind: "email", To: "ann@example.org", Subject: "x", Text: "x"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := notifyup.New(notifyup.Config{APIKey: "not-a-key"}); err == nil {
		t.Fatal("a malformed key was accepted")
	}
}
